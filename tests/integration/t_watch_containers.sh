# t_watch_containers.sh - `nsmon watch` follows a container engine's event
# stream (SPEC "Events": container): a dockerd of the test's own, found by
# its process as discovery finds it (t_containers.sh starts it), stopped
# and started again midway: watch finds it again by itself.

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
	wait_event "start of $id" '.event == "container" and .action == "start" and .container.id == $id' --arg id "$id"
	dk pause "$id" >/dev/null
	wait_event "pause of $id" '.event == "container" and .action == "pause" and .container.id == $id' --arg id "$id"
	dk unpause "$id" >/dev/null
	wait_event "unpause of $id" '.event == "container" and .action == "unpause" and .container.id == $id' --arg id "$id"
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
	wait_event "stop of $id" '.event == "container" and .action == "stop" and .container.id == $id' --arg id "$id"
	sleep 0.5
	expect_json "container events of $id" "$(ctr_events "$id")" \
		"$(jq -nc --arg n "$name" --argjson p "$pid" \
			'[["start", $n, "docker", $p], ["pause", $n, "docker", $p],
			  ["unpause", $n, "docker", $p], ["stop", $n, "docker", $p]]')"

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
	wait_event "start of $id" '.event == "container" and .action == "start" and .container.id == $id' --arg id "$id"
	"${PODMAN[@]}" pause "$id" >/dev/null
	wait_event "pause of $id" '.event == "container" and .action == "pause" and .container.id == $id' --arg id "$id"
	"${PODMAN[@]}" unpause "$id" >/dev/null
	wait_event "unpause of $id" '.event == "container" and .action == "unpause" and .container.id == $id' --arg id "$id"
	"${PODMAN[@]}" stop -t 1 "$id" >/dev/null 2>&1
	wait_event "stop of $id" '.event == "container" and .action == "stop" and .container.id == $id' --arg id "$id"
	sleep 0.5
	expect_json "container events of $id" "$(ctr_events "$id")" \
		"$(jq -nc --arg n "$name" --argjson p "$pid" \
			'[["start", $n, "podman", $p], ["pause", $n, "podman", $p],
			  ["unpause", $n, "podman", $p], ["stop", $n, "podman", $p]]')"
	watch_stop
}
