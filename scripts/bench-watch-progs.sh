#!/usr/bin/env bash
# Cost of each program of the watch feed (bpf/events.bpf.c), from the
# kernel's own accounting (kernel.bpf_stats_enabled: run_time_ns and
# run_cnt per program, read with bpftool): N fork+exit, then M
# unshare(NET|UTS)+exit, then S setns into a net namespace, with
# `nsmon watch` reading; the same unshares once more with the reader
# stopped, which shows the cost without the reader's wakeup.
# Restores kernel.bpf_stats_enabled; stops only the processes it started.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-20000}
M=${M:-2000}
S=${S:-200}
NSMON=${NSMON:-build/nsmon}
out=$(mktemp -d)
old=$(sysctl -n kernel.bpf_stats_enabled)
wpid= hpid=

[ "$(id -u)" -eq 0 ] || { echo "bench-watch-progs: needs root" >&2; exit 1; }
cleanup() {
	[ -n "$wpid" ] && { kill -CONT "$wpid"; kill -INT "$wpid"; wait "$wpid"; } 2>/dev/null || true
	[ -n "$hpid" ] && { kill "$hpid"; wait "$hpid"; } 2>/dev/null || true
	sysctl -q kernel.bpf_stats_enabled="$old"
	rm -rf "$out"
}
trap cleanup EXIT INT TERM

gcc -O2 -o "$out/nsloop" scripts/nsloop.c
sysctl -q kernel.bpf_stats_enabled=1
"$NSMON" watch --json --no-initial --ring-size 16M >"$out/events" 2>"$out/err" &
wpid=$!
until grep -q '"sync"' "$out/events" 2>/dev/null; do
	kill -0 "$wpid" 2>/dev/null || { cat "$out/err" >&2; exit 1; }
	sleep 0.1
done
unshare -n sleep 1000 &
hpid=$!
sleep 0.2

snap() {
	bpftool prog show | awk '/ name nsm_/ { n = ""; rt = 0; rc = 0
		for (i = 1; i <= NF; i++) {
			if ($i == "name") n = $(i + 1)
			if ($i == "run_time_ns") rt = $(i + 1)
			if ($i == "run_cnt") rc = $(i + 1)
		}
		print n, rt, rc }' | sort >"$out/$1"
}
diff_snap() {
	join "$out/$1" "$out/$2" | awk -v what="$3" '{ dr = $5 - $3; dt = $4 - $2
		if (dr > 0) printf "%-34s %-18s %7d runs %8.0f ns/run\n", what, $1, dr, dt / dr }'
}

snap s0
"$out/nsloop" "$N"
snap s1
"$out/nsloop" 0 "$M"
snap s2
for ((i = 0; i < S; i++)); do nsenter -t "$hpid" -n true; done
snap s3
kill -STOP "$wpid"
"$out/nsloop" 0 "$M"
snap s4
kill -CONT "$wpid"

diff_snap s0 s1 "$N fork+exit"
diff_snap s1 s2 "$M unshare(NET|UTS)+exit"
diff_snap s2 s3 "$S nsenter -n (setns)"
diff_snap s3 s4 "$M unshare+exit, reader stopped"
