#!/usr/bin/env bash
# Serve benchmark (`make bench`): `nsmon serve` on the scale fixture
# (scripts/bench-fixture.sh: N processes with their own net, uts and ipc
# namespaces, B `ip netns` bind mounts), with wrk on loopback.
#
#   namespaces  GET /api/namespaces, CONNS (16) connections for DUR s:
#               p99 and requests/s, against the anchor of the same run:
#               a fresh discovery per request (`nsmon discover`, what
#               lxkns's service does), its rate 1 / its mean time
#               (hyperfine, DISCOVER_RUNS runs): the ratio
#   metrics     GET /metrics the same way: p99 and requests/s
#   latency     one /api/events client; LAT_M children that unshare(NET|
#               UTS) 1 ms apart (nsloop -l): from the unshare's return
#               to the create read by the client: p50, p99, max
#   sse         CLIENTS (200) /api/events clients (tests/helpers/sse_load.c,
#               or scripts/bench-sse.py with SSE_CLIENT=python)
#               while `nsloop -u SSE_RATE SSE_SECS` churns uts namespaces
#               (a create, a switch and a destroy per call: ~100,000
#               events by default): every client must get every event
#               after it connected, seqs without a gap; the churn's event
#               rate, the time until the last client had the last event,
#               and the kernel's losses; then the same churn with `nsmon
#               watch --json >/dev/null` alone, its losses
#   memory      serve's VmRSS idle on the fixture, with the clients, and
#               its peak (VmHWM)
#
# First, the host's own floor for the tails (scripts/jitter.c): how late
# 5,000 sleeps of 1 ms wake, at normal and at real-time priority.
#
# Environment: N B NSMON DUR CONNS DISCOVER_RUNS CLIENTS SSE_RATE
# SSE_SECS SSE_CLIENT (c, python) SSE_THREADS (c) SSE_PROCS (python)
# LAT_M STAMP_WRAP (the latency client's wrapper, "chrt -f 10") LL_RATES
# LL_SECS, and PARTS: which of
# "namespaces metrics latency sse lossless watch" to run (default: all).
#
#   lossless    the churn at rising rates (LL_RATES unshare calls/s, 3
#               events each, LL_SECS s each) with CLIENTS clients, until
#               one loses (a kernel record, a client dropped or not
#               gapless); then watch alone at the same rates: the highest
#               rate of each without a loss  Needs root; tears down only what it made.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-1000}
B=${B:-500}
NSMON=${NSMON:-build/nsmon}
DUR=${DUR:-10}
CONNS=${CONNS:-16}
DISCOVER_RUNS=${DISCOVER_RUNS:-10}
CLIENTS=${CLIENTS:-200}
SSE_RATE=${SSE_RATE:-3000}
SSE_SECS=${SSE_SECS:-11}
LAT_M=${LAT_M:-2000}
SSE_CLIENT=${SSE_CLIENT:-c}
SSE_THREADS=${SSE_THREADS:-1}
SSE_PROCS=${SSE_PROCS:-4}
LL_RATES=${LL_RATES:-1000 2000 4000 8000 16000}
LL_SECS=${LL_SECS:-4}
PARTS=${PARTS:-namespaces metrics latency sse lossless watch}
want() { [[ " $PARTS " == *" $1 "* ]]; }
prefix="nsmon-bench-serve-$$"
out=$(mktemp -d)
pids=()
serve=
sse=
watch=

[ "$(id -u)" -eq 0 ] || { echo "bench-serve: needs root" >&2; exit 1; }
for t in wrk hyperfine jq python3 gcc curl; do
	command -v "$t" >/dev/null || { echo "bench-serve: $t missing (scripts/deps.sh)" >&2; exit 1; }
done

# shellcheck source=bench-fixture.sh
source scripts/bench-fixture.sh
cleanup() {
	[ -n "$sse" ] && kill $sse 2>/dev/null || true
	[ -n "$serve" ] && kill "$serve" 2>/dev/null || true
	[ -n "$watch" ] && kill "$watch" 2>/dev/null || true
	fixture_down "$B"
	rm -rf "$out"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

gcc -O2 -Wall -Wextra -Werror -pthread -o "$out/nsloop" scripts/nsloop.c
gcc -O2 -Wall -Wextra -Werror -o "$out/jitter" scripts/jitter.c
gcc -O2 -Wall -Wextra -Werror -pthread -o "$out/sse_load" tests/helpers/sse_load.c tests/helpers/sse_parse.c
fixture_up "$N" "$B"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port
# every client comes from 127.0.0.1: no per-address limit
"$NSMON" serve --listen "127.0.0.1:$port" --max-conns 1024 --max-conns-per-ip 0 \
	>/dev/null 2>"$out/serve.err" &
serve=$!
for _ in $(seq 300); do
	curl -sf -o /dev/null "$url/readyz" && break
	sleep 0.1
done
curl -sf -o /dev/null "$url/readyz" || { cat "$out/serve.err" >&2; exit 1; }
rss() { awk -v k="$1:" '$1 == k { printf "%.1f MiB", $2 / 1024 }' "/proc/$serve/status"; }
# the host's own floor for every tail below, serve idle: 1 ms sleeps'
# overshoot, at normal and at real-time priority
echo "host: sleeps' overshoot, normal priority: $("$out/jitter" 5000); real-time: $(chrt -f 10 "$out/jitter" 5000)"
echo "serve: $(curl -s "$url/api/namespaces" | jq '.namespaces | length') namespaces" \
	"in /api/namespaces ($(curl -s "$url/api/namespaces" | wc -c) bytes); VmRSS $(rss VmRSS)"

# busy_ticks [PID]: CPU ticks the host (no PID) or process PID has used
busy_ticks() {
	if [ -n "${1:-}" ]; then
		awk '{ print $14 + $15 }' "/proc/$1/stat"
	else
		awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat
	fi
}

# wrk_run PATH [WRK ARGS...]: "p99_ms=X rps=Y" of CONNS connections for
# DUR s, and "others=Z%": the CPU (% of one) that neither serve nor wrk
# took meanwhile (the VM's own init, at nice -10, takes ~11 % of a CPU
# with the fixture's 1,000 processes: the p99's noise)
wrk_run() {
	local path=$1 h0 s0 h1 s1 w
	shift
	h0=$(busy_ticks)
	s0=$(busy_ticks "$serve")
	TIMEFORMAT='%U %S'
	{ time wrk -t2 -c"$CONNS" -d"${DUR}s" --latency "$@" "$url$path" >"$out/wrk"; } 2>"$out/wrk.time"
	h1=$(busy_ticks)
	s1=$(busy_ticks "$serve")
	w=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%d", ($1 + $2) * hz }' "$out/wrk.time")
	others=$(awk -v o=$((h1 - h0 - (s1 - s0) - w)) -v d="$DUR" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { printf "%.0f", (o > 0 ? o : 0) * 100 / hz / d }')
	awk -v others="$others" '
		function ms(v) {
			if (v ~ /us$/) return v / 1000
			if (v ~ /ms$/) return v + 0
			if (v ~ /s$/) return v * 1000
			return v
		}
		$1 == "99%" { p99 = ms($2) }
		$1 == "Requests/sec:" { rps = $2 }
		/Non-2xx/ { bad = $NF }
		END { printf "p99_ms=%.2f rps=%.0f%s others=%s%%\n", p99, rps, bad ? " non_2xx=" bad : "", others }
	' "$out/wrk"
}

if want namespaces; then
echo "## GET /api/namespaces, $CONNS connections, ${DUR} s"
ns=$(wrk_run /api/namespaces)
echo "  serve: $ns   (target p99 <= 25 ms)"
# what a browser, curl --compressed, Go's and Python's clients ask for
echo "  serve, Accept-Encoding: gzip ($(curl -s --compressed -o /dev/null -w '%{size_download}' "$url/api/namespaces") bytes):" \
	"$(wrk_run /api/namespaces -H 'Accept-Encoding: gzip')"
hyperfine -N --warmup 1 --runs "$DISCOVER_RUNS" --export-json "$out/d.json" \
	"$NSMON discover" >/dev/null 2>&1
drate=$(jq '1 / .results[0].mean' "$out/d.json")
echo "  anchor: nsmon discover per request: $(jq '.results[0].mean * 1000 | round' "$out/d.json") ms each," \
	"$(printf %.1f "$drate") requests/s"
rps=${ns##*rps=}
rps=${rps%% *}
echo "  ratio: $(awk -v a="$rps" -v b="$drate" 'BEGIN { printf "%.0f", a / b }')x the anchor's rate   (target >= 10x)"
fi

if want metrics; then
# the API's refresher idle again (REFRESH_IDLE_MS after the last data
# request): /metrics alone, not beside the sweeps /api/namespaces made
sleep 3
echo "## GET /metrics, $CONNS connections, ${DUR} s"
echo "  serve: $(wrk_run /metrics)   (target p99 <= 5 ms)"
fi

if want latency; then
# lat_summary TS EVENTS WHAT: percentiles of EVENTS' "PID NS" (the read)
# against TS's "PID S.NS" (the unshare's return)
lat_summary() {
	python3 - "$1" "$2" "$3" <<'PY'
import sys
ts = {}
for line in open(sys.argv[1]):
    pid, t = line.split()
    s, ns = t.split(".")
    ts[pid] = int(s) * 10**9 + int(ns)
lat = sorted((int(t) - ts.pop(pid)) / 1000 for pid, t in
             (l.split() for l in open(sys.argv[2]) if l[0].isdigit()) if pid in ts)
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] if lat else float("nan")
print(f"  {sys.argv[3]}: {len(lat)} matched, {len(ts)} unmatched: p50 {q(0.5):.0f} us, "
      f"p90 {q(0.9):.0f} us, p99 {q(0.99):.0f} us, max {q(1):.0f} us, "
      f"over 2 ms {sum(1 for x in lat if x > 2000)}")
PY
}
echo "## latency, one client: $LAT_M unshare(NET|UTS) 1 ms apart, syscall return -> the create read from /api/events"
# the client is the instrument: at a real-time priority, as the stamper
# of bench-agent.sh's latency, so that it measures serve's delay and not
# its own wait for a CPU (STAMP_WRAP= for none)
${STAMP_WRAP-chrt -f 10} python3 scripts/bench-sse.py latency 127.0.0.1 "$port" >"$out/lat.events" &
sse=$!
for _ in $(seq 100); do grep -q ready "$out/lat.events" && break; sleep 0.1; done
"$out/nsloop" -l "$LAT_M" 1000 >"$out/lat.ts"
sleep 1
kill "$sse"
wait "$sse" 2>/dev/null || true
sse=
lat_summary "$out/lat.ts" "$out/lat.events" "serve, one SSE client (target p99 < 2 ms)"
# the reference of the same host and minute: watch's own stdout, read
# by the same kind of stamper (serve idle meanwhile)
mkfifo "$out/lat.fifo"
${STAMP_WRAP-chrt -f 10} python3 -c 'import json, sys, time
for line in iter(sys.stdin.buffer.readline, b""):
    t = time.time_ns()
    e = json.loads(line)
    if e.get("event") == "create" and e.get("ns", {}).get("type") == "uts":
        print(e.get("pid"), t, flush=True)' <"$out/lat.fifo" >"$out/latw.events" &
sse=$!
"$NSMON" watch --json --no-initial >"$out/lat.fifo" 2>"$out/latw.err" &
watch=$!
sleep 3
"$out/nsloop" -l "$LAT_M" 1000 >"$out/latw.ts"
sleep 1
kill -INT "$watch"
wait "$watch" || true
watch=
wait "$sse" 2>/dev/null || true
sse=
lat_summary "$out/latw.ts" "$out/latw.events" "watch alone, its stdout (the reference)"
fi

# sse_start: CLIENTS /api/events clients that stop once each has seen
# the seq written into $out/stop; returns once all had their 200.
# SSE_CLIENT=c (the default): tests/helpers/sse_load, one process of
# SSE_THREADS reader threads; python: scripts/bench-sse.py, SSE_PROCS
# processes of CLIENTS / SSE_PROCS clients each (one Python process
# cannot read 200 streams as fast as serve writes them; four could not
# either at 8,000 unshare calls/s, and a reader a whole backlog behind
# is dropped, as it should be).  The C client's own CPU time is in its
# line (client_cpu_s): ~0.1 us a frame here, read syscalls included.
sse_start() {
	local i want
	if [[ $SSE_CLIENT == c ]]; then
		"$out/sse_load" -n "$CLIENTS" -j "$SSE_THREADS" -U "$out/stop" "127.0.0.1:$port" \
			>"$out/sse.json" 2>"$out/sse.0" &
		sse=$!
		want=1
	else
		for ((i = 0; i < SSE_PROCS; i++)); do
			python3 scripts/bench-sse.py 127.0.0.1 "$port" $((CLIENTS / SSE_PROCS)) "$out/stop" >"$out/sse.$i" &
			sse="$sse $!"
		done
		want=$SSE_PROCS
	fi
	for _ in $(seq 300); do
		[ "$(cat "$out"/sse.* | grep -c ready)" -eq "$want" ] && break
		sleep 0.1
	done
	[ "$(cat "$out"/sse.* | grep -c ready)" -eq "$want" ] ||
		{ echo "bench-serve: the SSE clients did not connect" >&2; exit 1; }
}

# sse_summary STOP: the clients' summary line, bench-sse.py's format
sse_summary() {
	if [[ $SSE_CLIENT == c ]]; then
		jq -r --arg last "$1" '"clients=\(.clients) events_min=\(.events_min) events_max=\(.events_max)" +
			" gapless=\(.gapless) lost_frames=\(.lost) resync=\(.resync) first_max=\(.first_max)" +
			" last=\($last) read_s=\(.read_s * 10 | round / 10)" +
			(if .dropped + .failed + .bad > 0 then " closed=\(.dropped) failed=\(.failed) bad=\(.bad)" else "" end) +
			" client_cpu_s=\(.cpu_s * 10 | round / 10)"' \
			"$out/sse.json"
	else
		cat "$out"/sse.* | grep -v '^ready'
	fi
}

# sse_run RATE SECS: CLIENTS clients through `nsloop -u RATE SECS`;
# prints what they got, sets LOST (kernel records lost), DROPPED (clients
# serve dropped) and RC (0: every client gapless).
sse_run() {
	local p t0 t1 seq0 seq1 lost0 drop0 n
	sse=
	rm -f "$out"/sse.* "$out/stop"
	# the clients of a round before, gone: a stream that waits for the
	# next event notices its reader left at its next write (a ping at
	# the latest, 15 s)
	for _ in $(seq 200); do [ "$(metric nsmon_sse_clients)" = 0 ] && break; sleep 0.1; done
	sse_start
	# the latency client's end may not be seen yet
	n=$CLIENTS
	[[ $SSE_CLIENT == c ]] || n=$((CLIENTS / SSE_PROCS * SSE_PROCS))
	for _ in $(seq 100); do [ "$(metric nsmon_sse_clients)" = "$n" ] && break; sleep 0.1; done
	echo "  clients connected: $(metric nsmon_sse_clients); VmRSS $(rss VmRSS)"
	lost0=$(metric nsmon_events_lost_total)
	drop0=$(metric nsmon_sse_dropped_clients_total)
	seq0=$(curl -s "$url/api/namespaces" | jq .seq)
	t0=$(date +%s.%N)
	"$out/nsloop" -u "$1" "$2" >"$out/loop"
	# the last exits' events come after the exit delay
	sleep 1
	seq1=$(curl -s "$url/api/namespaces" | jq .seq)
	echo "$seq1" >"$out/stop"
	RC=0
	for p in $sse; do wait "$p" || RC=$?; done
	sse=
	t1=$(date +%s.%N)
	LOST=$(($(metric nsmon_events_lost_total) - lost0))
	DROPPED=$(($(metric nsmon_sse_dropped_clients_total) - drop0))
	echo "  churn: $(cat "$out/loop"); events $seq0..$seq1: $((seq1 - seq0))," \
		"$(awk -v n=$((seq1 - seq0)) -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }') events/s" \
		"until the last client had the last one; kernel records lost: $LOST"
	sse_summary "$seq1" | sed 's/^/  clients: /'
	echo "  dropped by serve: $DROPPED"
	[ "$RC" -eq 0 ] && echo "  every client got every event after it connected, no gap" ||
		echo "  FAIL: a client missed or repeated events"
}

# watch_run RATE SECS: `nsmon watch --json >/dev/null` alone through the
# same churn; prints and sets LOST.
watch_run() {
	"$NSMON" watch --json --no-initial >"$out/watch" 2>/dev/null &
	serve=$!
	for _ in $(seq 300); do
		grep -q '"event":"sync"' "$out/watch" && break
		sleep 0.1
	done
	"$out/nsloop" -u "$1" "$2" >"$out/loop"
	sleep 1
	kill "$serve"
	wait "$serve" 2>/dev/null || true
	serve=
	LOST=$(jq -s 'map(select(.event == "lost") | .count) | add // 0' "$out/watch")
	echo "  churn: $(cat "$out/loop"); events: $(grep -c '"seq"' "$out/watch"); kernel records lost: $LOST"
}

metric() { curl -s "$url/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }

if want sse; then
echo "## $CLIENTS SSE clients, nsloop -u $SSE_RATE $SSE_SECS"
sse_run "$SSE_RATE" "$SSE_SECS"
echo "## memory: VmRSS $(rss VmRSS) after (RssAnon $(rss RssAnon)), peak VmHWM $(rss VmHWM);" \
	"backlog $(metric 'nsmon_sse_backlog_bytes{form="plain"}') bytes plain," \
	"$(metric 'nsmon_sse_backlog_bytes{form="packed"}') packed"
fi

if want lossless; then
# the highest rate at which serve with CLIENTS clients loses nothing (no
# kernel record, no client dropped, every client gapless), against the
# same for watch alone (after serve is stopped, below)
echo "## lossless rate, serve with $CLIENTS clients: nsloop -u RATE $LL_SECS for RATE in $LL_RATES"
# two figures: the highest rate at which every client got every event,
# and the highest at which serve's agent lost no kernel record (clients
# too slow to follow are dropped by design)
ll_serve=0
ll_kernel=0
clean=1
for rate in $LL_RATES; do
	echo " rate $rate:"
	sse_run "$rate" "$LL_SECS"
	[[ $LOST == 0 ]] || break
	ll_kernel=$rate
	[[ $DROPPED == 0 && $RC == 0 ]] || clean=0
	[[ $clean == 0 ]] || ll_serve=$rate
done
fi

if want watch || want lossless; then
kill "$serve"
wait "$serve" 2>/dev/null || true
serve=
fi
if want watch; then
# the same churn with `nsmon watch --json` alone: the kernel's losses
echo "## the same churn, nsmon watch --json >/dev/null alone"
watch_run "$SSE_RATE" "$SSE_SECS"
fi
if want lossless; then
echo "## lossless rate, watch alone: the same rates"
ll_watch=0
for rate in $LL_RATES; do
	echo " rate $rate:"
	watch_run "$rate" "$LL_SECS"
	[[ $LOST == 0 ]] || break
	ll_watch=$rate
done
echo "  highest lossless unshare rate: serve with $CLIENTS clients $ll_serve/s (every client every event)," \
	"serve's agent $ll_kernel/s (no kernel record lost), watch alone $ll_watch/s" \
	"(3 events a call; 0: lost at the lowest rate; the highest rate tried: no loss seen up to it)"
fi
