#!/usr/bin/env bash
# Agent benchmark (`make bench`): what `nsmon watch` costs and how well it
# keeps up, on the workload of scripts/nsloop.c.
#
#   overhead    one hyperfine run of `nsloop N M` (N fork+exit, then M
#               children that unshare(CLONE_NEWNET|CLONE_NEWUTS) and exit)
#               with no agent, with `nsmon watch --json >/dev/null`, and
#               with scripts/bench-agent.bt (bpftrace on the same
#               tracepoints); ratios against no agent
#   latency     LAT_M such children, 1 ms apart, each printing the
#               CLOCK_REALTIME right after its unshare returned; the time
#               nsmon's create line of that pid was read from its stdout,
#               minus that: p50, p99, max
#   throughput  children that unshare(CLONE_NEWUTS) and exit (a create, a
#               switch, a destroy each) at rising rates against the
#               default ring buffer: the highest event rate with no loss
#   memory      nsmon watch's VmRSS with NETNS live `ip netns` namespaces
#               (made while it watches, then after a SIGHUP resync)
#
# Environment: N M RUNS LAT_M RATES (children/s, 0 = as fast as nsloop
# goes) NETNS NSMON.  Needs root; tears down only what it made.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-10000}
M=${M:-1000}
RUNS=${RUNS:-10}
LAT_M=${LAT_M:-2000}
RATES=${RATES:-2000 4000 8000 0}
NETNS=${NETNS:-10000}
NSMON=${NSMON:-build/nsmon}
NSMON=$(realpath "$NSMON")
here=$PWD

# hyperfine's --prepare: leave exactly one agent running
if [[ ${1:-} == --agent ]]; then
	out=$3
	cur=$(cat "$out/agent.name" 2>/dev/null || echo none)
	[[ $cur == "$2" ]] && kill -0 "$(cat "$out/agent.pid" 2>/dev/null || echo 0)" 2>/dev/null &&
		exit 0
	if [[ -s $out/agent.pid ]]; then
		kill -INT "$(cat "$out/agent.pid")" 2>/dev/null || true
		while kill -0 "$(cat "$out/agent.pid")" 2>/dev/null; do sleep 0.1; done
		rm -f "$out/agent.pid"
	fi
	case $2 in
	nsmon)
		setsid "$NSMON" watch --json >/dev/null 2>"$out/nsmon.err" </dev/null &
		echo $! >"$out/agent.pid"
		sleep 1
		;;
	bpftrace)
		setsid bpftrace -q "$here/scripts/bench-agent.bt" >/dev/null 2>"$out/bpftrace.err" </dev/null &
		echo $! >"$out/agent.pid"
		# attached once its probes are in the kernel
		for ((i = 0; i < 100; i++)); do
			[[ $(bpftool -j link show 2>/dev/null | jq '[.[] | select(.prog_type == "tracepoint")] | length') -ge 4 ]] && break
			sleep 0.1
		done
		sleep 0.5
		;;
	esac
	kill -0 "$(cat "$out/agent.pid" 2>/dev/null || echo $$)" ||
		{ echo "bench-agent: $2 did not start: $(cat "$out/$2.err")" >&2; exit 1; }
	echo "$2" >"$out/agent.name"
	exit 0
fi

[ "$(id -u)" -eq 0 ] || { echo "bench-agent: needs root" >&2; exit 1; }
for t in hyperfine bpftrace bpftool jq python3 ip gcc; do
	command -v "$t" >/dev/null || { echo "bench-agent: $t missing (scripts/deps.sh)" >&2; exit 1; }
done
[[ -x $NSMON ]] || { echo "bench-agent: $NSMON is not built (make)" >&2; exit 1; }

out=$(mktemp -d /tmp/nsmon-bench-agent-XXXX)
prefix="nsmon-bench-$$"
made_netns=0
W=

cleanup() {
	[[ -n $W ]] && kill -INT "$W" 2>/dev/null && wait "$W" 2>/dev/null
	if [[ -s $out/agent.pid ]]; then
		kill -INT "$(cat "$out/agent.pid")" 2>/dev/null || true
		sleep 0.5
	fi
	if [[ $made_netns -gt 0 ]]; then
		for ((i = 0; i < NETNS; i++)); do echo "netns delete $prefix-$i"; done |
			ip -force -batch - 2>/dev/null || true
	fi
	rm -rf "$out"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

gcc -O2 -Wall -Wextra -Werror -o "$out/nsloop" scripts/nsloop.c
echo "# $(uname -r), $(nproc) CPUs, $($NSMON --version 2>/dev/null | head -n1 || echo nsmon), $(bpftrace --version)"

# ------------------------------------------------------------- overhead
echo
echo "## overhead: nsloop $N $M ($N fork+exit, $M unshare(NET|UTS)+exit), $RUNS runs each"
hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$out/over.json" \
	--prepare "bash $here/scripts/bench-agent.sh --agent none $out" \
	--prepare "bash $here/scripts/bench-agent.sh --agent nsmon $out" \
	--prepare "bash $here/scripts/bench-agent.sh --agent bpftrace $out" \
	-n "no agent" -n "nsmon watch" -n "bpftrace" \
	"$out/nsloop $N $M" "$out/nsloop $N $M" "$out/nsloop $N $M"
bash scripts/bench-agent.sh --agent none "$out"
jq -r '.results as $r | $r[0].mean as $base | $r[] |
	"\(.command | .[0:12] | . + " " * (12 - length)) mean \(.mean * 1000 | . * 10 | round / 10) ms ± \(.stddev * 1000 | . * 10 | round / 10), median \(.median * 1000 | . * 10 | round / 10) ms: \(.mean / $base * 1000 | round / 1000)x no agent (\(((.mean / $base - 1) * 1000 | round) / 10)%)"' \
	"$out/over.json" | sed 's/^/  /'
# hyperfine -n names the commands; the JSON keeps the command line: in order
jq -r '.results | "  nsmon/bpftrace: \(.[1].mean / .[2].mean * 1000 | round / 1000)x"' "$out/over.json"

# -------------------------------------------------------------- latency
echo
echo "## latency: $LAT_M unshare(NET|UTS) 1 ms apart, syscall return -> create line read from nsmon's stdout"
stamp='import sys, time
r, w = sys.stdin.buffer, sys.stdout.buffer
for line in iter(r.readline, b""):
    w.write(b"%d " % time.time_ns() + line)
    w.flush()'
mkfifo "$out/lat.fifo"
python3 -c "$stamp" <"$out/lat.fifo" >"$out/lat.events" &
P=$!
"$NSMON" watch --json --no-initial >"$out/lat.fifo" 2>"$out/lat.err" &
W=$!
for ((i = 0; i < 100; i++)); do grep -q '"reason":"start"' "$out/lat.events" 2>/dev/null && break; sleep 0.1; done
"$out/nsloop" -l "$LAT_M" 1000 >"$out/lat.ts"
sleep 0.5
kill -INT "$W"
wait "$W" || true
wait "$P" || true
W=
python3 - "$out/lat.ts" "$out/lat.events" <<'EOF'
import json, sys
ts = {}
for line in open(sys.argv[1]):
    pid, t = line.split()
    s, ns = t.split(".")
    ts[int(pid)] = int(s) * 10**9 + int(ns)
lat, lost = [], 0
for line in open(sys.argv[2]):
    t, js = line.split(" ", 1)
    e = json.loads(js)
    if e["event"] == "lost":
        lost += e["count"]
    if e["event"] == "create" and e.get("pid") in ts and e["ns"]["type"] == "net":
        lat.append((int(t) - ts.pop(e["pid"])) / 1000)
lat.sort()
if not lat:
    sys.exit("  no create matched a pid of the workload")
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
print(f"  {len(lat)} matched, {len(ts)} unmatched, {lost} lost: p50 {q(0.5):.0f} us, "
      f"p99 {q(0.99):.0f} us, max {lat[-1]:.0f} us (target p99 < 1000 us)")
EOF

# ----------------------------------------------------------- throughput
echo
echo "## throughput: unshare(UTS)+exit children for 3 s each, default ring buffer"
best=0
for rate in $RATES; do
	"$NSMON" watch --json --no-initial >"$out/tp.json" 2>"$out/tp.err" &
	W=$!
	for ((i = 0; i < 100; i++)); do grep -q '"reason":"start"' "$out/tp.json" 2>/dev/null && break; sleep 0.1; done
	res=$("$out/nsloop" -r "$rate" 3)
	sleep 0.5
	kill -INT "$W"
	wait "$W" || true
	W=
	read -r ev lost < <(jq -rs '[([.[] | select(.comm == "nsloop" and (.event == "create" or .event == "switch" or .event == "destroy"))] | length),
		([.[] | select(.event == "lost") | .count] | add // 0)] | @tsv' "$out/tp.json")
	secs=${res##*seconds=}
	eps=$(awk -v e="$ev" -v s="$secs" 'BEGIN { printf "%d", e / s }')
	echo "  target $([[ $rate == 0 ]] && echo max || echo "$rate")/s: ${res}, $ev events of nsloop = $eps events/s, lost $lost"
	[[ $lost -eq 0 && $eps -gt $best ]] && best=$eps
done
echo "  highest rate with no loss: $best events/s (target >= 100000)"

# --------------------------------------------------------------- memory
echo
echo "## memory: nsmon watch with $NETNS live ip netns"
"$NSMON" watch --json >/dev/null 2>"$out/mem.err" &
W=$!
sleep 1
rss0=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$W/status")
made_netns=1
start=$SECONDS
for ((i = 0; i < NETNS; i++)); do echo "netns add $prefix-$i"; done | ip -batch -
echo "  made in $((SECONDS - start)) s"
sleep 2
rss1=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$W/status")
kill -HUP "$W"
sleep 3
rss2=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$W/status")
hwm=$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$W/status")
echo "  VmRSS at start $((rss0 / 1024)) MiB; with $NETNS netns from the feed $((rss1 / 1024)) MiB; after a resync $((rss2 / 1024)) MiB; peak (VmHWM) $((hwm / 1024)) MiB (target < 32 MiB)"
kill -INT "$W"
wait "$W" || true
W=
