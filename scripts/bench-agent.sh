#!/usr/bin/env bash
# Agent benchmark (`make bench`): what `nsmon watch` costs and how well it
# keeps up, on the workload of scripts/nsloop.c.
#
#   overhead    RUNS rounds of `nsloop N M` (N fork+exit, then M children
#               that unshare(CLONE_NEWNET|CLONE_NEWUTS) and exit) with no
#               agent, with `nsmon watch --json >/dev/null`, with
#               scripts/bench-agent.bt (bpftrace on the same tracepoints),
#               and with scripts/bench-bare.c (the least a reader of each
#               create as it comes can cost: one syscall tracepoint, one
#               record and one wakeup per unshare), interleaved; per-round
#               ratios against no agent; the BPF programs' cost
#               (bpf_stats) and nsmon's CPU
#   latency     LAT_M such children, LAT_GAPS us apart (1000, and 0:
#               back to back, ~0.6-0.9 ms apart), each printing the
#               CLOCK_REALTIME right after its unshare returned; the time
#               nsmon's create line of that pid was read from its stdout,
#               minus that: p50, p99, max
#   throughput  2 threads that unshare(CLONE_NEWUTS) in a loop (a create,
#               a switch and a destroy each call) at rising rates for 3 s
#               against the default ring buffer: the highest event rate
#               with no loss
#   programs    each BPF program's run_time_ns / run_cnt on plain
#               fork+exit (nsloop N 0) and on unshare+exit (nsloop 0 M)
#   syscall     what one system call (getppid) costs anywhere on the host
#               with no agent, nsmon and bpftrace: any syscall
#               tracepoint puts every syscall on the kernel's slow path
#   memory      nsmon watch's VmRSS with NETNS live `ip netns` namespaces
#               (made while it watches, then after a SIGHUP resync)
#
# Environment: N M RUNS STATS_RUNS SETTLE (idle seconds before each timed
# run, whatever the agent), RAW (a file for the per-run times), LAT_M
# LAT_GAPS, LAT_WRAP (a command
# the latency workload runs under, e.g. "taskset -c 0"), STAMP_WRAP (the
# stamper's, "chrt -f 10"), RATES (unshare calls/s, 0 = as fast as
# nsloop goes) NETNS NSMON NSMON_ARGS, PARTS (which of overhead programs syscall
# latency throughput memory to run; all by default).  Needs root; tears
# down only what it made.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-10000}
M=${M:-1000}
RUNS=${RUNS:-10}
STATS_RUNS=${STATS_RUNS:-3}
SETTLE=${SETTLE:-1}
RAW=${RAW:-}
LAT_M=${LAT_M:-2000}
LAT_GAPS=${LAT_GAPS:-1000 0}
RATES=${RATES:-20000 40000 80000 120000 160000 0}
NETNS=${NETNS:-10000}
NSMON=${NSMON:-build/nsmon}
NSMON=$(realpath "$NSMON")
NSMON_ARGS=${NSMON_ARGS:-}
PARTS=${PARTS:-overhead programs syscall latency throughput memory}
part() { [[ " $PARTS " == *" $1 "* ]]; }

[ "$(id -u)" -eq 0 ] || { echo "bench-agent: needs root" >&2; exit 1; }
for t in bpftrace bpftool jq python3 ip gcc clang; do
	command -v "$t" >/dev/null || { echo "bench-agent: $t missing (scripts/deps.sh)" >&2; exit 1; }
done
[[ -x $NSMON ]] || { echo "bench-agent: $NSMON is not built (make)" >&2; exit 1; }

out=$(mktemp -d /tmp/nsmon-bench-agent-XXXX)
prefix="nsmon-bench-$$"
made_netns=0
W=

cleanup() {
	[[ -n $W ]] && kill -INT "$W" 2>/dev/null && wait "$W" 2>/dev/null
	[[ -n ${A:-} ]] && kill -INT "$A" 2>/dev/null && wait "$A" 2>/dev/null
	[[ -n ${stats0:-} ]] && sysctl -qw kernel.bpf_stats_enabled="$stats0"
	if [[ $made_netns -gt 0 ]]; then
		for ((i = 0; i < NETNS; i++)); do echo "netns delete $prefix-$i"; done |
			ip -force -batch - 2>/dev/null || true
	fi
	rm -rf "$out"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

gcc -O2 -Wall -Wextra -Werror -pthread -o "$out/nsloop" scripts/nsloop.c
clang -O2 -g -target bpf -I"/usr/include/$(gcc -print-multiarch)" -Wall -Werror \
	-c scripts/bench-bare.bpf.c -o "$out/bare.bpf.o"
gcc -O2 -Wall -Wextra -Werror -Wno-unused-parameter -o "$out/bare" scripts/bench-bare.c \
	$(pkg-config --cflags --libs libbpf 2>/dev/null || echo -lbpf)
echo "# $(uname -r), $(nproc) CPUs, $($NSMON --version 2>/dev/null | head -n1 || echo nsmon), $(bpftrace --version)"

# Agents, started and stopped around one run of a workload.
links() { bpftool -j link show 2>/dev/null | jq "[.[] | select($1)] | length"; }
start_agent() { # name -> A (its pid)
	local n0
	A=
	case $1 in
	nsmon)
		n0=$(links '.prog_type == "tracepoint" or .prog_type == "tracing"')
		"$NSMON" watch --json $NSMON_ARGS >/dev/null 2>"$out/nsmon.err" </dev/null &
		A=$!
		for ((i = 0; i < 100; i++)); do
			[[ $(links '.prog_type == "tracepoint" or .prog_type == "tracing"') -ge $((n0 + 8)) ]] && break
			sleep 0.05
		done ;;
	serve)
		# idle: nobody asks it anything; the same feed as watch
		n0=$(links '.prog_type == "tracepoint" or .prog_type == "tracing"')
		"$NSMON" serve --listen 127.0.0.1:0 $NSMON_ARGS >/dev/null 2>"$out/serve.err" </dev/null &
		A=$!
		for ((i = 0; i < 100; i++)); do
			[[ $(links '.prog_type == "tracepoint" or .prog_type == "tracing"') -ge $((n0 + 8)) ]] && break
			sleep 0.05
		done ;;
	bare)
		n0=$(links '.prog_type == "tracepoint"')
		"$out/bare" "$out/bare.bpf.o" >/dev/null 2>"$out/bare.err" </dev/null &
		A=$!
		for ((i = 0; i < 100; i++)); do
			[[ $(links '.prog_type == "tracepoint"') -ge $((n0 + 1)) ]] && break
			sleep 0.05
		done ;;
	bpftrace)
		n0=$(links '.prog_type == "tracepoint"')
		bpftrace -q scripts/bench-agent.bt >/dev/null 2>"$out/bpftrace.err" </dev/null &
		A=$!
		for ((i = 0; i < 100; i++)); do
			[[ $(links '.prog_type == "tracepoint"') -ge $((n0 + 4)) ]] && break
			sleep 0.1
		done ;;
	esac
	[[ -z $A ]] || kill -0 "$A" || { echo "bench-agent: $1 did not start: $(cat "$out/$1.err")" >&2; exit 1; }
}
stop_agent() {
	if [[ -n $A ]]; then
		kill -INT "$A"
		wait "$A" || true
		A=
	fi
	# the kernel tears down after the agent has gone: a run right after
	# bpftrace was measured ~4% slower than one after nsmon.  With
	# SETTLE before each run, every run, with an agent or not, comes
	# after the same pause (the no-agent runs used to get none).
	sleep 1
}
# a process's CPU time in ns, all its threads' (serve has several)
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'; }
progs() { bpftool -j prog show | jq -r '.[] | select(.name | startswith("nsm_")) | "\(.name) \(.run_cnt // 0) \(.run_time_ns // 0)"'; }

# ------------------------------------------------------------- overhead
if part overhead; then
# Rounds of (no agent, nsmon, bpftrace, bare), the order rotating, each agent
# started before and stopped after its run: this VM drifts by more than
# the 2% to be measured between hyperfine's blocks of runs, so each
# agent is compared with the no-agent run of its own round (median of
# the per-round ratios).  The agent's own CPU (schedstat) and the cost
# of its BPF programs (bpf_stats) are measured in the nsmon runs.
echo
echo "## overhead: nsloop $N $M ($N fork+exit, $M unshare(NET|UTS)+exit), $RUNS interleaved rounds"
stats0=$(sysctl -n kernel.bpf_stats_enabled)
# the kernel's accounting costs two clock reads per program run: off for
# the timed rounds, on for STATS_RUNS runs of their own (below)
sysctl -qw kernel.bpf_stats_enabled=0
: >"$out/progs"
: >"$out/over"
agent_ns=0
bare_ns=0
serve_ns=0
for ((r = 0; r < RUNS; r++)); do
	# serve: the same agent as watch, idle behind its HTTP service
	order=("no agent" nsmon bpftrace bare serve)
	k=$((r % ${#order[@]}))
	order=("${order[@]:k}" "${order[@]:0:k}")
	for name in "${order[@]}"; do
		start_agent "$name"
		sleep "$SETTLE"
		[[ -z $A ]] || c0=$(cpu_ns "$A")
		t0=$(date +%s%N)
		"$out/nsloop" "$N" "$M" >"$out/parts"
		t1=$(date +%s%N)
		if [[ -n $A ]]; then
			c1=$(cpu_ns "$A")
			case $name in
			nsmon) agent_ns=$((agent_ns + c1 - c0)) ;;
			bare) bare_ns=$((bare_ns + c1 - c0)) ;;
			serve) serve_ns=$((serve_ns + c1 - c0)) ;;
			esac
		fi
		stop_agent
		# the workload's own times of its two parts, too
		echo "$r $name $(((t1 - t0) / 1000)) $(sed 's/[a-z_]*=//g' "$out/parts")" >>"$out/over"
	done
done
sysctl -qw kernel.bpf_stats_enabled=1
for ((r = 0; r < STATS_RUNS; r++)); do
	start_agent nsmon
	progs >"$out/p0"
	"$out/nsloop" "$N" "$M" >/dev/null
	progs | awk 'NR == FNR { c[$1] = $2; t[$1] = $3; next }
		{ print $1, $2 - c[$1], $3 - t[$1] }' "$out/p0" - >>"$out/progs"
	stop_agent
done
# the bare reader's program, for comparison: it is all wakeup
start_agent bare
bare0=$(bpftool -j prog show name bare_unshare | jq -r '"\(.run_cnt // 0) \(.run_time_ns // 0)"')
"$out/nsloop" 0 "$M" >/dev/null
bare1=$(bpftool -j prog show name bare_unshare | jq -r '"\(.run_cnt // 0) \(.run_time_ns // 0)"')
stop_agent
sysctl -qw kernel.bpf_stats_enabled="$stats0"
[[ -z $RAW ]] || cp "$out/over" "$RAW"
python3 - "$out/over" <<'EOF'
import random, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    r, rest = line.split(" ", 1)
    f = rest.split()
    name, us, fork, unsh = " ".join(f[:-3]), f[-3], f[-2], f[-1]
    runs.setdefault(int(r), {})[name] = (int(us) / 1000, float(fork), float(unsh))
def interval(ratios):
    # the median's 90% interval, by resampling the rounds
    rng = random.Random(1)
    boot = sorted(statistics.median(rng.choices(ratios, k=len(ratios))) for _ in range(2000))
    return boot[100], boot[1899]
for name in ("no agent", "nsmon", "bpftrace", "bare", "serve"):
    t = [v[name][0] for v in runs.values()]
    ratios = sorted(v[name][0] / v["no agent"][0] for v in runs.values())
    med = statistics.median(ratios)
    lo, hi = interval(ratios)
    tot = sum(t) / sum(v["no agent"][0] for v in runs.values())
    print(f"  {name:9} median {statistics.median(t):7.1f} ms (min {min(t):.1f}, max {max(t):.1f}): "
          f"median ratio {med:.3f} ({(med - 1) * 100:+.1f}%, 90% interval {(lo - 1) * 100:+.1f}%..{(hi - 1) * 100:+.1f}%), "
          f"total time {(tot - 1) * 100:+.1f}%, ratios {ratios[0]:.3f}..{ratios[-1]:.3f}")
    if name == "no agent":
        continue
    for i, part in ((1, "fork+exit"), (2, "unshare+exit")):
        pr = sorted(v[name][i] / v["no agent"][i] for v in runs.values())
        lo, hi = interval(pr)
        print(f"  {'':9}   {part:12} median {statistics.median(v[name][i] for v in runs.values()):7.1f} ms: "
              f"median ratio {(statistics.median(pr) - 1) * 100:+.1f}% (90% interval {(lo - 1) * 100:+.1f}%..{(hi - 1) * 100:+.1f}%)")
print(statistics.median(v["no agent"][0] for v in runs.values()), file=open(sys.argv[1] + ".base", "w"))
for peer in ("bpftrace", "bare"):
    pr = sorted(v["nsmon"][0] / v[peer][0] for v in runs.values())
    lo, hi = interval(pr)
    print(f"  nsmon/{peer}: median ratio {statistics.median(pr):.3f} (90% interval {lo:.3f}..{hi:.3f})")
pr = sorted(v["serve"][0] / v["nsmon"][0] for v in runs.values())
lo, hi = interval(pr)
print(f"  serve (idle)/watch: median ratio {statistics.median(pr):.3f} (90% interval {lo:.3f}..{hi:.3f})")
EOF
# What nsmon adds, measured directly rather than through the noise of
# the wall time: its programs' time inside the workload's tasks and its
# own CPU (on the other CPU, mostly), against a no-agent round.
awk -v runs="$RUNS" -v sruns="$STATS_RUNS" -v ns="$agent_ns" -v bns="$bare_ns" -v sns="$serve_ns" -v base="$(cat "$out/over.base")" '
	{ c[$1] += $2; t[$1] += $3; all += $3 }
	END {
		printf "  programs (kernel.bpf_stats_enabled, %d more nsmon runs):\n", sruns
		for (p in c) if (c[p]) printf "  %-18s %7d runs a round, %6.0f ns a run\n", p, c[p] / sruns, t[p] / c[p]
		printf "  nsmon watch itself: %.1f ms of CPU a round (the bare reader: %.1f ms; nsmon serve, idle: %.1f ms)\n",
			ns / runs / 1e6, bns / runs / 1e6, sns / runs / 1e6
		printf "  CPU nsmon adds a round: programs %.1f ms + agent %.1f ms = %.2f%% of the no-agent round (%.0f ms)\n",
			all / sruns / 1e6, ns / runs / 1e6, (all / sruns + ns / runs) / 1e6 / base * 100, base
	}' "$out/progs"
read -r bc0 bt0 <<<"$bare0"
read -r bc1 bt1 <<<"$bare1"
if [[ ${bc1:-0} -gt ${bc0:-0} ]]; then
	echo "  the bare reader's program: $((bc1 - bc0)) runs, $(((bt1 - bt0) / (bc1 - bc0))) ns a run"
fi
fi

# ------------------------------------------------------------- programs
# Each program's cost per run, by workload apart: a plain fork+exit (what
# every process of the host pays) and an unshare+exit (a create, a
# switch, a destroy), from the kernel's own accounting; an average over
# both would hide the first behind the second.
if part programs; then
echo
echo "## programs: run_time_ns / run_cnt (kernel.bpf_stats_enabled), $STATS_RUNS runs each"
stats0=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1
for load in "$N 0" "0 $M"; do
	: >"$out/pp"
	start_agent nsmon
	for ((r = 0; r < STATS_RUNS; r++)); do
		progs >"$out/p0"
		# shellcheck disable=SC2086 # two numbers
		"$out/nsloop" $load >/dev/null
		progs | awk 'NR == FNR { c[$1] = $2; t[$1] = $3; next }
			{ print $1, $2 - c[$1], $3 - t[$1] }' "$out/p0" - >>"$out/pp"
	done
	stop_agent
	echo "  nsloop $load:"
	awk -v r="$STATS_RUNS" '{ c[$1] += $2; t[$1] += $3 }
		END { for (p in c) if (c[p] >= 100 * r)
			printf "    %-18s %7d runs a round, %6.0f ns a run\n", p, c[p] / r, t[p] / c[p] }' "$out/pp" | sort
done
sysctl -qw kernel.bpf_stats_enabled="$stats0"
fi

# -------------------------------------------------------------- syscall
if part syscall; then
echo
echo "## syscall: getppid() in another process, best of 20 x 100,000"
for name in "no agent" nsmon bpftrace bare; do
	start_agent "$name"
	echo "  $name: $("$out/nsloop" -s | sed 's/ns=//') ns"
	stop_agent
done
fi

# -------------------------------------------------------------- latency
if part latency; then
stamp='import sys, time
r, w = sys.stdin.buffer, sys.stdout.buffer
for line in iter(r.readline, b""):
    w.write(b"%d " % time.time_ns() + line)
    w.flush()'
# USEC between the children: 1000, or 0 (back to back: the netns cleanup
# workers of the last children busy the other CPU).
# The stamper is the instrument: at a real-time priority, so that it
# measures nsmon's delay and not its own wait for a CPU behind the netns
# cleanup workers (at normal priority it added ~1 ms to the p99 of the
# back-to-back run, nsmon's own priority made no difference).
STAMP_WRAP=${STAMP_WRAP-chrt -f 10}
lat_run() {
echo
echo "## latency: $LAT_M unshare(NET|UTS) $1 us apart, syscall return -> create line read from nsmon's stdout"
rm -f "$out/lat.fifo" "$out/lat.events"
mkfifo "$out/lat.fifo"
${STAMP_WRAP:-} python3 -c "$stamp" <"$out/lat.fifo" >"$out/lat.events" &
P=$!
"$NSMON" watch --json --no-initial >"$out/lat.fifo" 2>"$out/lat.err" &
W=$!
for ((i = 0; i < 100; i++)); do grep -q '"reason":"start"' "$out/lat.events" 2>/dev/null && break; sleep 0.1; done
${LAT_WRAP:-} "$out/nsloop" -l "$LAT_M" "$1" >"$out/lat.ts"
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
}
for gap in $LAT_GAPS; do lat_run "$gap"; done
fi

# ----------------------------------------------------------- throughput
if part throughput; then
echo
echo "## throughput: 2 threads calling unshare(CLONE_NEWUTS), 3 s at each rate, default ring buffer"
best=0
for rate in $RATES; do
	"$NSMON" watch --json --no-initial >"$out/tp.json" 2>"$out/tp.err" &
	W=$!
	for ((i = 0; i < 100; i++)); do grep -q '"reason":"start"' "$out/tp.json" 2>/dev/null && break; sleep 0.1; done
	res=$("$out/nsloop" -u "$rate" 3 2)
	sleep 0.5
	kill -INT "$W"
	wait "$W" || true
	W=
	# a million lines: count with grep, not jq -s
	ev=$(grep -c '"event":"\(create\|switch\|destroy\)".*"comm":"nsloop"' "$out/tp.json" || true)
	lost=$({ grep '"event":"lost"' "$out/tp.json" || true; } | jq -s 'map(.count) | add // 0')
	secs=${res##*seconds=}
	eps=$(awk -v e="$ev" -v s="$secs" 'BEGIN { printf "%d", e / s }')
	echo "  $([[ $rate == 0 ]] && echo "as fast as it goes" || echo "$rate calls/s"): ${res}, $ev events of nsloop = $eps events/s, lost $lost"
	[[ $lost -eq 0 && $eps -gt $best ]] && best=$eps
done
echo "  highest rate with no loss: $best events/s (target >= 100000)"
fi

# --------------------------------------------------------------- memory
if part memory; then
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
fi
