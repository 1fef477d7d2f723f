# t_watch_stress.sh - `nsmon watch` under a random workload
# (tests/helpers/nschurn.c): the stream stays consistent when the kernel
# feed loses records, and a long run does not grow the agent.
#
# watch_start, watch_stop and events come from t_watch.sh.

here_stress=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=t_watch.sh
source "$here_stress/t_watch.sh"

# map_of PID NAME: the id of the bpf map NAME that process PID holds.
map_of() {
	local f id
	for f in /proc/"$1"/fd/*; do
		[[ $(readlink "$f" 2>/dev/null) == anon_inode:bpf-map ]] || continue
		id=$(awk '$1 == "map_id:" { print $2 }' "/proc/$1/fdinfo/${f##*/}")
		[[ -n $id ]] || continue
		if [[ $(bpftool -j map show id "$id" | jq -r .name) == "$2" ]]; then
			echo "$id"
			return 0
		fi
	done
	fail "no map named $2 among the bpf maps of pid $1"
}

# events_bss PID VAR: a global of the watcher's events.bpf.c (its .bss).
events_bss() {
	local v
	v=$(bpftool -j map dump id "$(map_of "$1" events_b.bss)" |
		jq --arg v "$2" '.[0].formatted.value[".bss"][] | .[$v] // empty')
	[[ -n $v ]] || fail "no $2 in the events .bss of pid $1"
	echo "$v"
}

# lost_in_kernel PID: the records the watcher's programs did not write:
# the sum of its per-CPU `lost` counter (failed ring-buffer reserves)
# and its `nshed` (records shed after a loss, until its sweep).
lost_in_kernel() {
	local lost
	lost=$(bpftool -j map lookup id "$(map_of "$1" lost)" key 0 0 0 0 |
		jq '[.formatted.values[].value] | add')
	echo $((lost + $(events_bss "$1" nshed)))
}

# wait_churn VAR SECONDS: until the spawned nschurn prints ready.
wait_churn() {
	local var=$1 pid=${!1} i
	for ((i = 0; i < $2 * 10; i++)); do
		grep -q '^ready$' "$T_DIR/$var.out" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	cat "$T_DIR/$var.err" >&2
	fail "nschurn did not finish in $2 s: $(tail -n1 "$T_DIR/$var.out")"
}

# model_vs_sweep HELD_JSON [SINCE]: the namespaces alive in the replayed
# stream ($T_DIR/live.json from check_events.py --live) equal those of
# the sweep ($DOC), among the namespaces in play: created after the start
# sync, or in HELD_JSON ([{type, id}], which must be alive in both).
# SINCE: the stream's line count when the sweep began; a namespace with
# an event after it changed while or after the sweep ran (other processes
# on this host), so it is left out.  Details in $T_DIR/model.err.
model_vs_sweep() {
	python3 - "$WOUT" "$T_DIR/live.json" "$DOC" "$1" "${2:-}" 2>"$T_DIR/model.err" <<-'EOF'
		import json, sys
		stream, live, doc, held, since = sys.argv[1:6]
		since = int(since) if since else None
		play, moved, started = set(), set(), False
		for n, line in enumerate(open(stream), 1):
		    e = json.loads(line)
		    if e["event"] == "sync" and e["reason"] == "start":
		        started = True
		    elif started and e["event"] == "create":
		        play.add((e["ns"]["type"], e["ns"]["id"]))
		    if since is not None and n > since and "ns" in e:
		        moved.add((e["ns"]["type"], e["ns"]["id"]))
		held = {(h["type"], h["id"]) for h in json.loads(held)}
		play = (play | held) - moved
		agent = {(n["type"], n["id"]) for n in json.load(open(live))} & play
		sweep = {(n["type"], n["id"]) for n in json.load(open(doc))["namespaces"]} & play
		bad = False
		for what, s in (("the agent only", agent - sweep), ("the sweep only", sweep - agent),
		                ("held but not in the agent's model", held - agent)):
		    if s:
		        bad = True
		        by = {}
		        for t, _ in s:
		            by[t] = by.get(t, 0) + 1
		        print(f"{len(s)} namespaces in {what} ({by}): {sorted(s)[:10]}", file=sys.stderr)
		print(f"{len(play)} namespaces in play, {len(agent)} alive, {len(held)} held, "
		      f"{len(moved)} changed since the sweep began", file=sys.stderr)
		sys.exit(1 if bad else 0)
	EOF
}

# timeout watch_stress 150
test_watch_stress() {
	command -v bpftool >/dev/null || skip "bpftool is missing"
	local seed=${NSMON_STRESS_SEED:-$RANDOM} ops kernel_lost reported stats
	private_tmpfs "$T_DIR/mnt"
	watch_start --ring-size 4096
	spawn C "$NSCHURN" -n 12000 -s "$seed" -d "$T_DIR/mnt"
	wait_churn C 90
	ops=$(sed -n 's/^ops=//p' "$T_DIR/C.out")
	[[ $ops -ge 10000 ]] || fail "nschurn did only $ops operations"
	# the workload is quiet now, holding what it holds: a resync, then
	# a fresh sweep of our own, then the stream up to here
	kill -HUP "$W"
	wait_for "a sync on SIGHUP" grep -q '"reason":"signal"' "$WOUT"
	kernel_lost=$(lost_in_kernel "$W")
	discover
	local rc=0 problems=()
	kill -INT "$W"
	wait "$W" || rc=$?
	_t_sanitizers "$T_DIR/W.err" "nsmon watch"
	[[ $rc -eq 0 ]] || { cat "$T_DIR/W.err" >&2; fail "nsmon watch exited $rc on SIGINT"; }
	echo "seed $seed (NSMON_STRESS_SEED), $ops operations, $kernel_lost records lost or shed in the kernel" >&2

	# every check runs; the test fails at the end with all that failed
	stats=$(python3 "$here_watch/check_events.py" --stats --live "$T_DIR/live.json" \
		"$WOUT" 2>"$T_DIR/check.err") ||
		problems+=("stream: $(head -n1 "$T_DIR/check.err") ($(wc -l <"$T_DIR/check.err") lines)")
	cat "$T_DIR/check.err" >&2
	echo "stream: $stats" >&2
	reported=$(jq .lost <<<"$stats")
	[[ $kernel_lost -gt 0 ]] ||
		problems+=("the 4 KiB ring lost nothing in $ops operations: the test tests nothing")
	[[ $reported -eq $kernel_lost ]] ||
		problems+=("the kernel counted $kernel_lost lost or shed records, the stream's lost events $reported")

	# The namespaces in play: those created after the start sync (the
	# workload's, and whatever else the host did meanwhile) and those
	# nschurn still holds.  The agent's model (the stream replayed) and
	# the fresh sweep agree on which of them live.
	local held
	held=$(sed -n 's/^held \([a-z]*\):\([0-9]*\) .*/{"type":"\1","id":\2}/p' "$T_DIR/C.out" | jq -sc .)
	local model_rc=0
	model_vs_sweep "$held" || model_rc=$?
	cat "$T_DIR/model.err" >&2
	[[ $model_rc -eq 0 ]] ||
		problems+=("the agent's model is not the sweep's: $(head -n1 "$T_DIR/model.err")")
	[[ ${#problems[@]} -eq 0 ]] || fail "${problems[*]}"
}

# lost_counted: no loss pending (the programs do not shed) and the lost
# events so far in $WOUT count every record $W's programs did not write.
lost_counted() {
	local k n
	k=$(lost_in_kernel "$W")
	[[ $(events_bss "$W" shedding) -eq 0 ]] || return 1
	n=$(jq -s '[.[] | select(.event == "lost") | .count] | add // 0' "$WOUT") || return 1
	[[ $n -eq $k && $(lost_in_kernel "$W") -eq $k ]]
}

# Sustained overload (issue 17): 2,000 `unshare -n true` from 4 shells at
# once against a 4 KiB ring read every 100 ms.  The feed loses records
# again and again: each loss is one lost, then its own sync (no lost ->
# lost), the kernel sheds records until that sync's sweep (counted: the
# lost counts add up to what the kernel did not write), and the model
# at the end is a fresh sweep's.
# timeout watch_lost_burst 240
test_watch_lost_burst() {
	command -v bpftool >/dev/null || skip "bpftool is missing"
	local s v stats nlost nsync shed since
	watch_start --ring-size 4096 --max-delay 100000
	for s in 1 2 3 4; do
		spawn "U$s" bash -c 'for ((i = 0; i < 500; i++)); do unshare -n true || exit; done'
	done
	for s in 1 2 3 4; do
		v=U$s
		wait "${!v}" || fail "unshare -n true failed: $(head -n1 "$T_DIR/$v.err")"
	done
	# quiet now: the last loss's resync (no SIGHUP: the model is what
	# the losses, their syncs and the events since made it), then a
	# fresh sweep of our own
	wait_for "the stream's lost events to count what the kernel did not write" \
		lost_counted
	since=$(wc -l <"$WOUT")
	discover
	# seq gapless and the rest of SPEC's invariants: check_events.py
	watch_stop
	lost_then_sync || fail "a lost is not followed by its own sync"
	stats=$(python3 "$here_watch/check_events.py" --stats --live "$T_DIR/live.json" "$WOUT")
	echo "burst: $stats" >&2
	nlost=$(jq '.events.lost // 0' <<<"$stats")
	shed=$(jq .shed <<<"$stats")
	nsync=$(events '.event == "sync" and .reason == "lost"' | jq length)
	[[ $nlost -gt 0 ]] ||
		fail "the 4 KiB ring lost nothing under 2,000 unshares: the test tests nothing"
	[[ $nsync -eq $nlost ]] || fail "$nlost lost events, $nsync syncs with reason lost"
	[[ $shed -gt 0 ]] || fail "losses again and again, but the kernel shed nothing: $stats"
	local model_rc=0
	model_vs_sweep '[]' "$since" || model_rc=$?
	cat "$T_DIR/model.err" >&2
	[[ $model_rc -eq 0 ]] ||
		fail "the agent's model is not the sweep's: $(head -n1 "$T_DIR/model.err")"
}

# rss_kib PID, nfds PID
rss_kib() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"; }
# the fewest of 5 looks 0.2 s apart: not an fd a sweep has open for a moment
nfds() {
	local i n min=
	for ((i = 0; i < 5; i++)); do
		n=$(find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l)
		[[ -z $min || $n -lt $min ]] && min=$n
		sleep 0.2
	done
	echo "$min"
}

# 60 s of churn against the real (not the ASan) nsmon watch: its RSS and
# fd count after 10 s and at the end.  Slack: 2 MiB of RSS, no fd.
# timeout watch_resources 110
test_watch_resources() {
	local secs=${NSMON_RESOURCE_SECONDS:-60} rss0 fds0 rss1 fds1 stats
	private_tmpfs "$T_DIR/mnt"
	spawn W "$NSMON_PLAIN" watch --json
	WOUT=$T_DIR/W.out
	wait_for "nsmon watch to start" grep -q '"reason":"start"' "$WOUT"
	spawn C "$NSCHURN" -t "$secs" -d "$T_DIR/mnt"
	sleep 10
	rss0=$(rss_kib "$W") fds0=$(nfds "$W")
	wait_churn C $((secs + 20))
	rss1=$(rss_kib "$W") fds1=$(nfds "$W")
	kill_pid "$C"
	kill -INT "$W"
	wait "$W" || fail "nsmon watch exited $? on SIGINT"
	stats=$(python3 "$here_watch/check_events.py" --stats "$WOUT") ||
		fail "the stream of $secs s of churn is not consistent"
	echo "after 10 s: VmRSS $rss0 KiB, $fds0 fds; after ${secs} s: VmRSS $rss1 KiB, $fds1 fds; $(sed -n 's/^ops=//p' "$T_DIR/C.out") ops; stream $stats" >&2
	[[ $fds1 -le $fds0 ]] || fail "nsmon watch: $fds0 fds after 10 s, $fds1 after $secs s"
	[[ $rss1 -le $((rss0 + 2048)) ]] ||
		fail "nsmon watch: VmRSS $rss0 KiB after 10 s, $rss1 KiB after $secs s (slack 2 MiB)"
}

# Without loss, resync or SIGHUP: 10 s of churn that releases everything
# it made, then 5 s of quiet.  The agent's model (the stream replayed)
# holds no namespace of the churn that the sweep no longer finds: a
# namespace is not reported alive indefinitely.
# timeout watch_model_not_stale 60
test_watch_model_not_stale() {
	private_tmpfs "$T_DIR/mnt"
	# a ring large enough for 10 s of churn: this test is about the
	# liveness checks, not about loss
	watch_start --ring-size 67108864
	spawn C "$NSCHURN" -t 10 -x -d "$T_DIR/mnt"
	wait_churn C 30
	sleep 5
	discover
	watch_stop
	python3 "$here_watch/check_events.py" --live "$T_DIR/live.json" "$WOUT"
	grep -q '"event":"lost"' "$WOUT" && skip "the feed lost records: a resync came"
	model_vs_sweep '[]' || {
		cat "$T_DIR/model.err" >&2
		fail "the model keeps what the sweep does not find: $(head -n1 "$T_DIR/model.err")"
	}
}
