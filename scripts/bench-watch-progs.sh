#!/usr/bin/env bash
# Cost of each program of the watch feed (bpf/events.bpf.c), from the
# kernel's own accounting (kernel.bpf_stats_enabled: run_time_ns and
# run_cnt per program, read with bpftool): N fork+exit, then M
# unshare(NET|UTS)+exit, then S setns into a net namespace, with
# `nsmon watch` reading; the same unshares once more with the reader
# stopped, which shows the cost without the reader's wakeup; then C
# close() of a plain fd (sys_enter_close runs for every close on the
# host), K close() of an nsfs fd, K mount+umount2(), K/10 unshare -U
# (the hints of prompt destroys), C close() of a socket of the closer's
# own net namespace (the extra loads of a socket close).
# Restores kernel.bpf_stats_enabled; stops only the processes it started.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-20000}
M=${M:-2000}
S=${S:-200}
C=${C:-1000000}		# close() of a plain fd
K=${K:-2000}		# close() of an nsfs fd, umount2(), unshare -U exits
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
gcc -O2 -o "$out/closeloop" scripts/closeloop.c
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

# only our agent's programs (other agents on this host load the same
# names): the prog_id of its fds
snap() {
	local ids
	ids=$(grep -h '^prog_id:' /proc/"$wpid"/fdinfo/* 2>/dev/null | awk '{ print $2 }' | sort -u | jq -sc .)
	bpftool -j prog show | jq -r --argjson ids "$ids" '.[] |
		select(.name // "" | startswith("nsm_")) |
		select(.id as $i | $ids | index($i)) |
		"\(.name) \(.run_time_ns // 0) \(.run_cnt // 0)"' | sort >"$out/$1"
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

snap s5
"$out/closeloop" plain "$C"
snap s6
"$out/closeloop" nsfs "$K"
snap s7
"$out/closeloop" umount "$K"
snap s8
for ((i = 0; i < K / 10; i++)); do unshare -U true; done
snap s9
"$out/closeloop" socket "$C"
snap s10

diff_snap s0 s1 "$N fork+exit"
diff_snap s1 s2 "$M unshare(NET|UTS)+exit"
diff_snap s2 s3 "$S nsenter -n (setns)"
diff_snap s3 s4 "$M unshare+exit, reader stopped"
diff_snap s5 s6 "$C close() of a plain fd"
diff_snap s6 s7 "$K close() of an nsfs fd"
diff_snap s7 s8 "$K mount+umount2()"
diff_snap s8 s9 "$((K / 10)) unshare -U true (exit hint)"
diff_snap s9 s10 "$C close() of a socket"
