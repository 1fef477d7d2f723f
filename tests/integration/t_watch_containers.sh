# t_watch_containers.sh - `nsmon watch` follows a container engine's event
# stream (SPEC "Events": container): a dockerd of the test's own, found by
# its process as discovery finds it (t_containers.sh starts it), stopped
# and started again midway: watch finds it again by itself; podman's; and
# a fake engine (tests/helpers/fake_engine.py) that answers garbage, or
# answers an inspect late, which must not hold up the namespace feed.

# timeout watch_docker 240

here_wc=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=t_containers.sh
source "$here_wc/t_containers.sh"
# shellcheck source=t_watch.sh
source "$here_wc/t_watch.sh"

# wait_event WHAT FILTER [JQ ARGS...]: waits (30 s) for an event FILTER selects.
wait_event() {
	local what=$1 filter=$2 i
	shift 2
	for ((i = 0; i < 300; i++)); do
		[[ $(events "$filter" "$@" | jq length) -gt 0 ]] && return 0
		kill -0 "$W" 2>/dev/null || break
		sleep 0.1
	done
	fail "watch: no $what: $(events '.event == "container"' | head -c 800); stderr: $(head -c 400 "$T_DIR/W.err")"
}

# The container events of id, as [action, name, engine, pid] lists.
ctr_events() {
	events '.event == "container" and .container.id == $id' --arg id "$1" |
		jq -c 'map([.action, .container.name, .container.engine, .container.pid])'
}

# wait_action ACTION ID: until the container event ACTION of ID is out.
wait_action() {
	wait_event "$1 of $2" '.event == "container" and .action == $a and .container.id == $id' \
		--arg a "$1" --arg id "$2"
}

# expect_lifecycle ID NAME ENGINE PID: ID's container events were exactly
# start, pause, unpause, stop, each with that name, engine and pid.
expect_lifecycle() {
	expect_json "container events of $1" "$(ctr_events "$1")" \
		"$(jq -nc --arg n "$2" --arg e "$3" --argjson p "$4" \
			'[["start", $n, $e, $p], ["pause", $n, $e, $p],
			  ["unpause", $n, $e, $p], ["stop", $n, $e, $p]]')"
}

test_watch_docker() {
	local id pid id2 pid2 t ns name=nsmon-watch-$$ n
	start_dockerd
	defer docker_rm_all	# runs before dockerd is stopped
	busybox_rootfs "$T_DIR/rootfs"
	tar -C "$T_DIR/rootfs" -c . | dk import - nsmon-test/busybox >/dev/null
	watch_start

	id=$(dk run -d --network none --name "$name" nsmon-test/busybox sleep 1000)
	echo "$id" >>"$T_DIR/docker.ids"
	pid=$(dk inspect -f '{{.State.Pid}}' "$id")
	wait_action start "$id"
	dk pause "$id" >/dev/null
	wait_action pause "$id"
	dk unpause "$id" >/dev/null
	wait_action unpause "$id"
	# the namespaces of a running container: their creates name it
	# (by ns_id: other tests' namespaces reuse inode numbers meanwhile)
	for t in mnt uts ipc pid; do
		ns=$(nsid_of "/proc/$pid/ns/$t")
		n=$(events '.event == "create" and .ns.ns_id == $ns' --argjson ns "$ns" | jq -c 'map(.container)')
		[[ $n == "[\"$id\"]" ]] ||
			fail "the create of $t [ns_id $ns] of container $id: containers $n: $(events '.ns.ns_id == $ns' --argjson ns "$ns")"
	done
	# docker stop: kill, die, stop from Docker; one stop from us
	dk stop -t 1 "$id" >/dev/null
	wait_action stop "$id"
	sleep 0.5
	expect_lifecycle "$id" "$name" docker "$pid"

	# dockerd goes away and comes back: watch follows it again (it
	# retries every 5 s), with one warning and one note on stderr
	kill_pid "$dockerd_pid"
	sleep 1
	start_dockerd
	# cleanups run last-in first-out: this one before the new dockerd stops
	defer docker_rm_all
	id2=$(dk run -d --network none --name "$name-2" nsmon-test/busybox sleep 1000)
	echo "$id2" >>"$T_DIR/docker.ids"
	pid2=$(dk inspect -f '{{.State.Pid}}' "$id2")
	wait_event "start of $id2 after dockerd's restart" \
		'.event == "container" and .action == "start" and .container.id == $id' --arg id "$id2"
	expect_json "container events of $id2" "$(ctr_events "$id2")" \
		"$(jq -nc --arg n "$name-2" --argjson p "$pid2" '[["start", $n, "docker", $p]]')"
	n=$(grep -c "docker.sock" "$T_DIR/W.err" || true)
	[[ $n -ge 1 && $n -le 2 ]] ||
		fail "want one warning about the restart (and one note), got $n: $(cat "$T_DIR/W.err")"
	watch_stop
}

# An engine that answers garbage: one warning, and watch goes on.
test_watch_engine_garbage() {
	local fake n
	fake=$(cd "$here_wc/../helpers" && pwd)/fake_engine.py
	spawn g python3 "$fake" garbage "$T_DIR/garbage.sock"
	wait_ready g
	watch_start --engine "docker=$T_DIR/garbage.sock"
	sleep 6	# a retry after EE_RETRY_MS
	kill -0 "$W" || fail "watch died"
	n=$(grep -c "garbage.sock" "$T_DIR/W.err" || true)
	[[ $n -eq 1 ]] || fail "want one warning about the garbage engine, got $n: $(cat "$T_DIR/W.err")"
	watch_stop
}

# podman's Docker-compatible event stream, from its API service found by
# its process: start, pause, unpause and one stop.
# timeout watch_podman 180
test_watch_podman() {
	local id pid name=nsmon-wpodman-$$
	podman_setup
	podman_service
	watch_start --no-initial
	podman_run "$name"
	id=$PODMAN_ID
	pid=$PODMAN_PID
	wait_action start "$id"
	"${PODMAN[@]}" pause "$id" >/dev/null
	wait_action pause "$id"
	"${PODMAN[@]}" unpause "$id" >/dev/null
	wait_action unpause "$id"
	"${PODMAN[@]}" stop -t 1 "$id" >/dev/null 2>&1
	wait_action stop "$id"
	sleep 0.5
	expect_lifecycle "$id" "$name" podman "$pid"
	watch_stop
}

# An engine slow to answer an inspect (3 s: fake_engine.py --inspect-delay)
# holds up neither the namespace feed nor watch: namespaces made while
# that answer is out are reported before the container event, which still
# comes, named and with the pid the answer gave.  By order, not by time:
# the unshares begin once the engine has the inspect request in hand.
test_watch_engine_slow_inspect() {
	local fake late p pids=() seq_c seq i
	fake=$(cd "$here_wc/../helpers" && pwd)/fake_engine.py
	late=$(printf 'e%.0s' {1..64})
	spawn s python3 "$fake" docker "$T_DIR/slow.sock" --inspect-delay 3
	wait_ready s
	watch_start --no-initial --engine "docker=$T_DIR/slow.sock"
	wait_for "watch to follow the engine's events" grep -q '^streams=' "$T_DIR/s.out"
	kill -USR1 "$s"
	wait_for "watch to ask the engine" grep -q "^inspecting=$late" "$T_DIR/s.out"
	for ((i = 0; i < 3; i++)); do
		unshare -u -i sleep 1000 &
		p=$!
		defer kill_pid "$p"
		pids+=("$p")
	done
	for p in "${pids[@]}"; do
		wait_unshared "$p" uts
		wait_unshared "$p" ipc
	done
	wait_action start "$late"
	seq_c=$(events '.event == "container" and .container.id == $id' --arg id "$late" | jq '.[0].seq')
	for p in "${pids[@]}"; do
		seq=$(events '.event == "create" and .pid == $p' --argjson p "$p" | jq -c 'map(.seq)')
		[[ $(jq length <<<"$seq") -eq 2 ]] ||
			fail "want the creates of uts and ipc of pid $p, got seqs $seq: $(events '.pid == $p' --argjson p "$p")"
		[[ $(jq max <<<"$seq") -lt $seq_c ]] ||
			fail "the creates of pid $p (seqs $seq) came after the container event (seq $seq_c): the feed waited for the engine"
	done
	expect_json "the container event after the slow inspect" "$(ctr_events "$late")" \
		"$(jq -nc --argjson p "$(kv s late_pid)" '[["start", "late", "docker", $p]]')"
	watch_stop
}
