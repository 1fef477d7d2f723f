# t_watch_containers.sh - `nsmon watch` follows a container engine's event
# stream (SPEC "Events": container): a dockerd of the test's own, found by
# its process as discovery finds it (t_containers.sh starts it), stopped
# and started again midway: watch finds it again by itself; podman's; and
# a fake engine (tests/helpers/fake_engine.py) that answers garbage, or
# answers an inspect late, which must not hold up the namespace feed.
# containerd's and CRI-O's containers, through their state directories: a
# real containerd's tasks, 20 started and killed; CRI-O's state as it
# writes it, and hostile state that must name no process.

# timeout watch_docker 240
# timeout watch_containerd 300

here_wc=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=t_containers.sh
source "$here_wc/t_containers.sh"
# shellcheck source=t_watch.sh
source "$here_wc/t_watch.sh"
# shellcheck source=t_inroot.sh
source "$here_wc/t_inroot.sh"

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

# ms_after T0 SEQ: milliseconds from T0 (ns) to when the line of event SEQ
# was read (watch_start_stamped's stamps).
ms_after() {
	local t1
	t1=$(awk -v s="$2" '$2 == s { print $1 }' "$T_DIR/W.stamps")
	[[ -n $t1 ]] || fail "no read time for the event of seq $2"
	echo $(((t1 - $1) / 1000000))
}

# seq_of ACTION ID: the seq of ID's container event ACTION.
seq_of() {
	events '.event == "container" and .action == $a and .container.id == $id' \
		--arg a "$1" --arg id "$2" | jq '.[0].seq'
}

# Removes the tasks and containers in $CTR's namespace (before containerd
# stops).
ctr_rm_all() {
	local x
	for x in $("${CTR[@]}" tasks ls -q); do
		"${CTR[@]}" tasks rm -f "$x" >/dev/null 2>&1 || true
	done
	for x in $("${CTR[@]}" containers ls -q); do
		"${CTR[@]}" containers rm "$x" >/dev/null 2>&1 || true
	done
}

# A real containerd (t_containers.sh's start_containerd) and an OCI image
# of busybox made here (tests/helpers/oci_image.py, imported with ctr):
# 20 times a task is run (ctr run -d) and killed (ctr task kill -s KILL).
# Each start and stop is seen, once, with the task's name, engine and pid,
# and read at most 1 s after the task was running (ctr run returned; an
# earlier start counts as 0) or after the kill began (the issue's bound on
# the event path; the worst of 20 is printed).
test_watch_containerd() {
	local ns=nsmonwatch id pid i t0 tb ms worst_start=0 worst_stop=0 want=()
	local worst_began=0
	start_containerd "$ns"
	busybox_rootfs "$T_DIR/rootfs"
	python3 "$here_wc/../helpers/oci_image.py" "$T_DIR/rootfs" \
		nsmon.test/busybox:latest "$T_DIR/busybox.tar"
	"${CTR[@]}" image import "$T_DIR/busybox.tar" >/dev/null
	defer ctr_rm_all
	watch_start_stamped --no-initial
	for ((i = 0; i < 20; i++)); do
		id=nsmon-w$i-$$
		tb=$(date +%s%N)
		"${CTR[@]}" run -d nsmon.test/busybox:latest "$id" /bin/sleep 1000 >/dev/null
		t0=$(date +%s%N)
		pid=$("${CTR[@]}" tasks ls | awk -v id="$id" '$1 == id { print $2 }')
		[[ $pid -gt 0 ]] || fail "no pid for task $id"
		wait_action start "$id"
		ms=$(ms_after "$tb" "$(seq_of start "$id")")
		((ms > worst_began)) && worst_began=$ms
		ms=$(ms_after "$t0" "$(seq_of start "$id")")
		((ms < 0)) && ms=0
		((ms > worst_start)) && worst_start=$ms
		t0=$(date +%s%N)
		"${CTR[@]}" tasks kill -s KILL "$id"
		wait_action stop "$id"
		ms=$(ms_after "$t0" "$(seq_of stop "$id")")
		((ms > worst_stop)) && worst_stop=$ms
		"${CTR[@]}" tasks rm "$id" >/dev/null
		"${CTR[@]}" containers rm "$id"
		want+=("$id $pid")
	done
	watch_stop
	for i in "${want[@]}"; do
		set -- $i
		expect_json "container events of $1" "$(ctr_events "$1")" \
			"$(jq -nc --arg n "$ns/$1" --argjson p "$2" \
				'[["start", $n, "containerd", $p], ["stop", $n, "containerd", $p]]')"
	done
	note "containerd, worst of 20: start read ${worst_start} ms after ctr run returned" \
		"(${worst_began} ms after it began), stop ${worst_stop} ms after the kill began"
	((worst_start <= 1000 && worst_stop <= 1000)) ||
		fail "containerd events later than 1 s: start ${worst_start} ms, stop ${worst_stop} ms (worst of 20)"
}

# hexid C: an id of 64 times the character C, as CRI-O makes them.
hexid() { printf "$1%.0s" {1..64}; }

# CRI-O's state as CRI-O writes it (crio_fixture), made while watch runs,
# in a run root that has no overlay-containers yet: a container whose init
# is a real process, chrooted into its bundle's root (root.path), starts
# once its state names it and stops when that process is killed; another
# stops when its directory is removed (the process lives on); a third,
# begun under another name and renamed to its id, starts under its id.
test_watch_crio() {
	local root=$T_DIR/crio a b c ida idb idc
	mkdir -p "$root"
	busybox_rootfs "$T_DIR/rootfs"
	watch_start --no-initial --engine "crio=$root"
	ida=$(hexid a) idb=$(hexid b)
	spawn a chroot "$T_DIR/rootfs" /bin/sleep 1000
	spawn b chroot "$T_DIR/rootfs" /bin/sleep 1001
	crio_fixture "$root" "$ida" "$a" container web "$T_DIR/rootfs"
	wait_action start "$ida"
	kill_pid "$a"
	wait_action stop "$ida"
	crio_fixture "$root" "$idb" "$b" sandbox POD "$T_DIR/rootfs"
	wait_action start "$idb"
	rm -rf "${root:?}/overlay-containers/$idb"
	wait_action stop "$idb"
	idc=$(hexid c)
	spawn c chroot "$T_DIR/rootfs" /bin/sleep 1002
	crio_fixture "$root" staging "$c" container later
	rm "$root/overlay-containers/staging/userdata/config.json"
	mv "$root/overlay-containers/staging" "$root/overlay-containers/$idc"
	crio_fixture "$root" "$idc" "$c" container later "$T_DIR/rootfs"
	wait_action start "$idc"
	watch_stop
	expect_json "container events of $ida" "$(ctr_events "$ida")" \
		"$(jq -nc --argjson p "$a" '[["start", "web", "crio", $p], ["stop", "web", "crio", $p]]')"
	expect_json "container events of $idb" "$(ctr_events "$idb")" \
		"$(jq -nc --argjson p "$b" '[["start", "POD", "crio", $p], ["stop", "POD", "crio", $p]]')"
	expect_json "container events of $idc" "$(ctr_events "$idc")" \
		"$(jq -nc --argjson p "$c" '[["start", "later", "crio", $p]]')"
	expect_json "container events of staging" "$(ctr_events staging)" '[]'
}

# Hostile CRI-O state, written while watch runs: a pidfile naming a host
# process (the bundle's root that of a real container, or "/"), a
# config.json that is not JSON, pidfiles that are no pid, a userdata that
# is a link to a directory on the host side (whose state names a real
# container), a pidfile that is such a link.  None starts a container,
# watch goes on: the honest container written last starts, alone.
test_watch_crio_hostile() {
	local root=$T_DIR/crio u h c n id host=$T_DIR/hostside
	mkdir -p "$root/overlay-containers" "$host/userdata"
	busybox_rootfs "$T_DIR/rootfs"
	spawn h sleep 1000
	spawn c chroot "$T_DIR/rootfs" /bin/sleep 1000
	watch_start --no-initial --engine "crio=$root"
	crio_fixture "$root" "$(hexid 1)" "$h" container host-in-rootfs "$T_DIR/rootfs"
	crio_fixture "$root" "$(hexid 2)" "$h" container host-root /
	u=$root/overlay-containers/$(hexid 3)/userdata
	mkdir -p "$u"
	echo "$c" >"$u/pidfile"
	echo '{"annotations": ' >"$u/config.json"
	n=4
	for pid in abc -1 0 99999999999999999999 "$h$h"; do
		crio_fixture "$root" "$(hexid $n)" "$pid" container nopid "$T_DIR/rootfs"
		n=$((n + 1))
	done
	crio_fixture "$T_DIR" hostside "$c" container linked "$T_DIR/rootfs"
	mkdir -p "$root/overlay-containers/$(hexid 9)"
	ln -s "$T_DIR/overlay-containers/hostside/userdata" \
		"$root/overlay-containers/$(hexid 9)/userdata"
	u=$root/overlay-containers/$(hexid d)/userdata
	crio_fixture "$root" "$(hexid d)" 0 container pidlink "$T_DIR/rootfs"
	ln -sf "$T_DIR/overlay-containers/hostside/userdata/pidfile" "$u/pidfile.tmp"
	mv -T "$u/pidfile.tmp" "$u/pidfile"
	id=$(hexid f)
	crio_fixture "$root" "$id" "$c" container honest "$T_DIR/rootfs"
	wait_action start "$id"
	kill -0 "$W" || fail "watch died"
	watch_stop
	expect_json "CRI-O's container events" \
		"$(events '.event == "container" and .container.engine == "crio"' |
			jq -c 'map([.action, .container.id, .container.pid])')" \
		"$(jq -nc --arg id "$id" --argjson p "$c" '[["start", $id, $p]]')"
	expect_json "container events naming host process $h" \
		"$(events '.event == "container" and .container.pid == $p' --argjson p "$h")" '[]' 
}

# A "crio" inside a container: in a PID namespace of its own, chrooted
# into a root of its own (t_inroot.sh's chrooted.py), its run root at
# /run/crio there.  Its container's init, a process in its PID namespace
# chrooted into /ctr of that root, is reported with its pid in ours; a
# container whose pidfile names a host process by our number, one in the
# same root but not in the engine's PID namespace (which has no such
# pid), is not.
test_watch_crio_in_container() {
	local e=$T_DIR/e run engine init inner ns_pid h id bad
	[[ $(printf '%s\n' 6.11 "$(uname -r)" | sort -V | head -n1) == 6.11 ]] ||
		skip "no NS_GET_TGID_FROM_PIDNS (Linux 6.11) to follow such an engine live"
	run=$e/run/crio/overlay-containers
	mkdir -p "$run"
	busybox_rootfs "$e/ctr"
	chrooted_py
	spawn h chroot "$e/ctr" /bin/sleep 1000
	spawn engine unshare -p -f --kill-child sh -c \
		"chroot '$e/ctr' /bin/sleep 1000 & exec python3 '$T_DIR/chrooted.py' crio '$e' --runroot /run/crio"
	wait_ready engine
	init=$(pgrep -P "$engine")
	inner=$(pgrep -P "$init")
	[[ -n $inner && $(cat "/proc/$init/comm") == crio ]] || fail "no fake crio with its container"
	ns_pid=$(awk '/^NSpid:/ { print $NF }' "/proc/$inner/status")
	watch_start --no-initial
	id=$(hexid 7) bad=$(hexid 8)
	crio_fixture "$e/run/crio" "$bad" "$h" container host /ctr
	crio_fixture "$e/run/crio" "$id" "$ns_pid" container inner /ctr
	wait_action start "$id"
	kill_pid "$engine"
	wait_action stop "$id"
	watch_stop
	expect_json "container events of $id" "$(ctr_events "$id")" \
		"$(jq -nc --argjson p "$inner" '[["start", "inner", "crio", $p], ["stop", "inner", "crio", $p]]')"
	expect_json "container events of $bad (host process $h)" "$(ctr_events "$bad")" '[]'
}
