# t_containers.sh - containers of real engines, each started by the test on
# its own state directories and sockets (never the host's), offline, with a
# busybox image made from Debian's busybox-static (SPEC: containers).

# timeout docker 240
# timeout containerd 180
# timeout podman 180
# timeout engine_in_container 90

DOCKER=/usr/bin/docker

# A busybox root file system: the static binary and a few applet links.
busybox_rootfs() {
	local dir=$1 a
	[[ -x /bin/busybox ]] || skip "busybox-static is not installed (scripts/deps.sh)"
	file -L /bin/busybox 2>/dev/null | grep -q 'statically linked' ||
		ldd /bin/busybox 2>&1 | grep -q 'not a dynamic' ||
		skip "/bin/busybox is not the static one (busybox-static)"
	mkdir -p "$dir/bin" "$dir/proc" "$dir/sys" "$dir/dev" "$dir/etc" "$dir/tmp"
	cp /bin/busybox "$dir/bin/busybox"
	for a in sh sleep cat true ls; do
		ln -sf busybox "$dir/bin/$a"
	done
}

# Unmounts whatever an engine left mounted under DIR (netns bind mounts,
# overlay or shm mounts of a container that did not stop cleanly).
umount_under() {
	local dir=$1 m
	awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo |
		sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
}

# Stops a daemon by its pid, and the processes it left in its own cgroup-less
# way (shims) that the test knows by pid file list FILE.
stop_pids_in() {
	local f=$1 p
	[[ -e $f ]] || return 0
	while read -r p; do
		[[ -n $p ]] && kill_pid "$p"
	done <"$f"
}

# dockerd on $T_DIR: own data-root, exec-root, socket, pid file; no
# iptables, no bridge; its managed containerd lives under the exec-root.
start_dockerd() {
	local d=$T_DIR/docker
	command -v dockerd >/dev/null || skip "dockerd is missing (docker.io, scripts/deps.sh)"
	mkdir -p "$d"
	DOCKER_SOCK=$d/docker.sock
	defer umount_under "$d"
	spawn dockerd_pid dockerd --iptables=false --ip6tables=false --bridge=none \
		--data-root "$d/data" --exec-root "$d/exec" --pidfile "$d/docker.pid" \
		--host "unix://$DOCKER_SOCK" --storage-driver vfs \
		--log-level warn
	local i
	for ((i = 0; i < 300; i++)); do
		[[ -S $DOCKER_SOCK ]] && "$DOCKER" -H "unix://$DOCKER_SOCK" version >/dev/null 2>&1 && return 0
		kill -0 "$dockerd_pid" 2>/dev/null || break
		sleep 0.1
	done
	tail -n 20 "$T_DIR/dockerd_pid.err" >&2
	skip "dockerd does not start on this machine: $(grep -m1 -iE 'error|fail' "$T_DIR/dockerd_pid.err" | head -c 300)"
}

dk() { "$DOCKER" -H "unix://$DOCKER_SOCK" "$@"; }

# Removes the containers named in $T_DIR/docker.ids (before dockerd stops).
docker_rm_all() {
	[[ -s $T_DIR/docker.ids ]] || return 0
	xargs -r "$DOCKER" -H "unix://$DOCKER_SOCK" rm -f <"$T_DIR/docker.ids" >/dev/null 2>&1 || true
}

container_pid_of() { jq -r --arg id "$1" '.containers[] | select(.id == $id) | .pid' "$DOC"; }

# The process and its non-initial namespaces carry the container.
assert_carries() {
	local id=$1 pid=$2 t ns
	assert_jq "process $pid does not carry container $id" \
		'.processes[] | select(.pid == $p) | .container == $id' \
		--argjson p "$pid" --arg id "$id"
	for t in mnt uts ipc pid net; do
		ns=$(ns_ino "$pid" "$t")
		[[ $ns != "$(ns_ino self "$t")" ]] || continue
		assert_jq "$t:[$ns] of $pid does not list container $id" \
			'.namespaces[] | select(.id == $ns) | .containers | index($id) != null' \
			--argjson ns "$ns" --arg id "$id"
	done
}

test_docker() {
	local proj=nsmonproj$$ web db pz pweb pdb ppz xpid
	start_dockerd
	defer docker_rm_all	# runs before dockerd is stopped
	busybox_rootfs "$T_DIR/rootfs"
	tar -C "$T_DIR/rootfs" -c . | dk import - nsmon-test/busybox >/dev/null
	web=$(dk run -d --network none --name "nsmon-web-$$" \
		--label com.docker.compose.project=$proj \
		--label com.docker.compose.service=web nsmon-test/busybox sleep 1000)
	echo "$web" >>"$T_DIR/docker.ids"
	db=$(dk run -d --network none --name "nsmon-db-$$" \
		--label com.docker.compose.project=$proj \
		--label com.docker.compose.service=db nsmon-test/busybox sleep 1001)
	echo "$db" >>"$T_DIR/docker.ids"
	pz=$(dk run -d --network none --name "nsmon-paused-$$" nsmon-test/busybox sleep 1002)
	echo "$pz" >>"$T_DIR/docker.ids"
	dk pause "$pz" >/dev/null
	# a second process in the web container, not a child of its init
	dk exec -d "$web" sleep 1003
	pweb=$(dk inspect -f '{{.State.Pid}}' "$web")
	pdb=$(dk inspect -f '{{.State.Pid}}' "$db")
	ppz=$(dk inspect -f '{{.State.Pid}}' "$pz")
	wait_for "docker exec's sleep" pgrep -x -f 'sleep 1003'
	xpid=$(pgrep -x -f 'sleep 1003')

	discover
	assert_jq "options.containers is not true" '.options.containers == true'
	local id name want
	for id in "$web" "$db" "$pz"; do
		assert_jq "container $id missing: $(jq -c '.containers' "$DOC" | head -c 600)" \
			'[.containers[] | select(.id == $id and .engine == "docker")] | length == 1' \
			--arg id "$id"
	done
	assert_jq "web: name/pid/paused/group wrong: $(jq -c --arg id "$web" '.containers[] | select(.id == $id)' "$DOC")" \
		'.containers[] | select(.id == $id) | .name == $n and .pid == $p and
		 .paused == false and .group == {kind: "compose", name: $g} and
		 .labels["com.docker.compose.service"] == "web"' \
		--arg id "$web" --arg n "nsmon-web-$$" --argjson p "$pweb" --arg g "$proj"
	assert_jq "db: name/pid/paused/group wrong" \
		'.containers[] | select(.id == $id) | .name == $n and .pid == $p and
		 .paused == false and .group == {kind: "compose", name: $g}' \
		--arg id "$db" --arg n "nsmon-db-$$" --argjson p "$pdb" --arg g "$proj"
	assert_jq "paused: name/pid/paused/group wrong: $(jq -c --arg id "$pz" '.containers[] | select(.id == $id)' "$DOC")" \
		'.containers[] | select(.id == $id) | .name == $n and .pid == $p and
		 .paused == true and .group == null' \
		--arg id "$pz" --arg n "nsmon-paused-$$" --argjson p "$ppz"
	# Docker runs them through containerd: listed once, as Docker's
	assert_jq "a container is listed twice" \
		'[.containers[].id] | length == (unique | length)'
	assert_carries "$web" "$pweb"
	assert_carries "$db" "$pdb"
	assert_carries "$pz" "$ppz"
	assert_jq "the exec'd process $xpid does not carry web" \
		'.processes[] | select(.pid == $p) | .container == $id' \
		--argjson p "$xpid" --arg id "$web"
	# host processes carry none
	assert_jq "pid 1 carries a container" \
		'.processes[] | select(.pid == 1) | .container == null'

	# the table: CONTAINER in the default columns
	run_nsmon "$NSMON" ls -t pid
	[[ $RC -eq 0 ]] || fail "nsmon ls exited $RC"
	head -n1 "$OUT" | grep -q ' CONTAINER ' || fail "ls: no CONTAINER column: $(head -n1 "$OUT")"
	want="$(ns_ino "$pweb" pid) pid .*docker:nsmon-web-$$"
	grep -qE "^ *$want" "$OUT" || fail "ls: no row '$want': $(cat "$OUT")"

	discover --no-containers
	assert_jq "--no-containers still lists containers" \
		'.options.containers == false and .containers == []'

	# an engine that is down: a warning, and discovery goes on
	discover --engine "docker=$T_DIR/nothing.sock"
	assert_jq "no warning for an engine that is not there" \
		'[.warnings[] | select(contains("nothing.sock"))] | length > 0'
	docker_rm_all
	kill_pid "$dockerd_pid"
	discover --engine "docker=$DOCKER_SOCK"
	assert_jq "no warning for a stopped dockerd: $(jq -c .warnings "$DOC")" \
		'[.warnings[] | select(contains("docker.sock"))] | length > 0'
}

# Removes what a test's containerd left in /run/containerd: sockets newer
# than STAMP, its namespace's runc directory, and directories left empty.
clean_run_containerd() {
	local stamp=$1 ns=$2 r=/run/containerd
	[[ -d $r ]] || return 0
	find "$r/s" -maxdepth 1 -type s -newer "$stamp" -delete 2>/dev/null || true
	rmdir "$r/runc/$ns" 2>/dev/null || true
	rmdir "$r/s" "$r/fifo" "$r/runc" "$r" 2>/dev/null || true
}

# start_containerd NS: containerd on $T_DIR/ctrd (own root, state,
# sockets; no CRI plugin), CTR the ctr command line for its containerd
# namespace NS; what it leaves under /run/containerd is taken back after
# the test.
start_containerd() {
	local d=$T_DIR/ctrd ns=$1
	command -v containerd >/dev/null && command -v ctr >/dev/null ||
		skip "containerd/ctr are missing (containerd, scripts/deps.sh)"
	mkdir -p "$d"
	cat >"$d/config.toml" <<-EOC
		version = 2
		root = "$d/root"
		state = "$d/state"
		disabled_plugins = ["io.containerd.grpc.v1.cri"]
		[grpc]
		  address = "$d/c.sock"
		[ttrpc]
		  address = "$d/c.sock.ttrpc"
		[debug]
		  address = "$d/debug.sock"
	EOC
	defer umount_under "$d"
	# the shim's socket and runc's state go to fixed paths under
	# /run/containerd: take back what this test's run left there
	defer clean_run_containerd "$d/config.toml" "$ns"
	spawn ctrd containerd --config "$d/config.toml"
	CTR=(ctr -a "$d/c.sock" -n "$ns")
	wait_for "containerd's socket" "${CTR[@]}" version
}

# containerd (start_containerd), a task in a containerd namespace of the
# test's, run from a plain rootfs (ctr run --rootfs: no image store, no
# registry); found through the containerd process (its --config names the
# state directory), paused through the freezer.
test_containerd() {
	local d=$T_DIR/ctrd ns=nsmontest id=nsmon-ctr-$$ pid
	start_containerd "$ns"
	busybox_rootfs "$T_DIR/rootfs"
	defer ctr -a "$d/c.sock" -n "$ns" containers rm "$id"
	defer ctr -a "$d/c.sock" -n "$ns" tasks rm -f "$id"
	ctr -a "$d/c.sock" -n "$ns" run -d --rootfs "$T_DIR/rootfs" "$id" /bin/sleep 1000 >/dev/null
	wait_for "the task" eval "ctr -a '$d/c.sock' -n $ns tasks ls | grep -q '^$id .*RUNNING'"
	pid=$(ctr -a "$d/c.sock" -n "$ns" tasks ls | awk -v id="$id" '$1 == id { print $2 }')
	[[ $pid -gt 0 ]] || fail "no pid for task $id"

	discover
	assert_jq "containerd task $id not found: $(jq -c .containers "$DOC" | head -c 600); warnings $(jq -c .warnings "$DOC" | head -c 300)" \
		'[.containers[] | select(.id == $id and .engine == "containerd" and
		  .pid == $p and .paused == false and .name == $n and
		  .labels["io.containerd.namespace"] == $ns)] | length == 1' \
		--arg id "$id" --argjson p "$pid" --arg n "$ns/$id" --arg ns "$ns"
	assert_carries "$id" "$pid"

	ctr -a "$d/c.sock" -n "$ns" tasks pause "$id"
	discover --engine "containerd=$d/state"
	assert_jq "paused task $id is not paused" \
		'[.containers[] | select(.id == $id and .paused)] | length == 1' --arg id "$id"
	ctr -a "$d/c.sock" -n "$ns" tasks resume "$id"
}

# podman, rootful, on $T_DIR (root, runroot, tmpdir; vfs; no network), and
# its API service on a socket of the test's: found through the service
# process.  Ulimits are set low: this VM's root lacks CAP_SYS_RESOURCE and
# podman's default raises them.
# Waits (5 s at most) for the processes podman left working under DIR
# (found by that path in their command line), then ends them by pid.
podman_settle() {
	local d=$1 i p
	for ((i = 0; i < 50; i++)); do
		pgrep -f -- "$d/" >/dev/null || return 0
		sleep 0.1
	done
	for p in $(pgrep -f -- "$d/"); do
		kill_pid "$p"
	done
}

# podman_setup: a podman of the test's own under $T_DIR/podman (PODMAN,
# PODMAN_DIR) with the busybox image; cleaned up after the test.
podman_setup() {
	local d=$T_DIR/podman
	command -v podman >/dev/null || skip "podman is missing (scripts/deps.sh)"
	busybox_rootfs "$T_DIR/rootfs"
	mkdir -p "$d"
	PODMAN_DIR=$d
	PODMAN=(podman --root "$d/root" --runroot "$d/run" --tmpdir "$d/tmp"
		--storage-driver vfs --cgroup-manager cgroupfs --events-backend file)
	defer umount_under "$d"
	# after the rm and the service: conmon and its `podman container
	# cleanup` still write under $d for a moment
	defer podman_settle "$d"
	tar -C "$T_DIR/rootfs" -c . | "${PODMAN[@]}" import - nsmon-test/busybox >/dev/null 2>&1
}

# podman_service: its API service on $PODMAN_DIR/podman.sock.
podman_service() {
	spawn svc "${PODMAN[@]}" system service --time=0 "unix://$PODMAN_DIR/podman.sock"
	wait_for "podman's API socket" curl -sf --unix-socket "$PODMAN_DIR/podman.sock" http://d/_ping
}

# podman_run NAME [ARGS...]: a busybox `sleep 1000` container, its id in
# PODMAN_ID and its init's pid in PODMAN_PID; removed after the test.
podman_run() {
	local name=$1
	shift
	# root here lacks CAP_SYS_RESOURCE: podman's default ulimits fail
	PODMAN_ID=$("${PODMAN[@]}" run -d --network none --ulimit nofile=1024:1024 \
		--ulimit nproc=1024:1024 "$@" --name "$name" nsmon-test/busybox sleep 1000) ||
		fail "podman run failed"
	defer "${PODMAN[@]}" rm -f -t 0 "$PODMAN_ID"
	PODMAN_PID=$("${PODMAN[@]}" inspect -f '{{.State.Pid}}' "$PODMAN_ID")
}

test_podman() {
	local id pid
	podman_setup
	podman_run "nsmon-podman-$$" --label nsmon.test=podman
	id=$PODMAN_ID
	pid=$PODMAN_PID
	podman_service

	discover
	assert_jq "podman container $id not found: $(jq -c .containers "$DOC" | head -c 600); warnings $(jq -c .warnings "$DOC" | head -c 300)" \
		'[.containers[] | select(.id == $id and .engine == "podman" and
		  .pid == $p and .paused == false and .name == $n and
		  .labels["nsmon.test"] == "podman")] | length == 1' \
		--arg id "$id" --argjson p "$pid" --arg n "nsmon-podman-$$"
	assert_carries "$id" "$pid"
}

# CRI-O is not in Debian 12: its run root is a fixture tree, laid out as
# CRI-O keeps it (overlay-containers/ID/userdata/{config.json,pidfile}),
# for a Kubernetes pod of two containers whose processes are real: the
# sandbox holds a net and uts namespace, the app joins them.  A podman
# container in the same tree (no cri-o annotations) is not CRI-O's; a
# config.json that is not JSON is a warning.
# crio_fixture RUNROOT ID PID TYPE NAME [ROOTFS]: one container's userdata
# (ROOTFS: the bundle's root.path).
crio_fixture() {
	local pid=$3 type=$4 name=$5 u
	# not on the line above: its words expand before any is assigned
	u=$1/overlay-containers/$2/userdata
	mkdir -p "$u"
	echo "$pid" >"$u/pidfile"
	jq -n --arg type "$type" --arg name "$name" --arg rootfs "${6:-}" '{ociVersion: "1.0.2",
		annotations: {"io.kubernetes.cri-o.ContainerType": $type,
			"io.kubernetes.cri-o.ContainerName": ("k8s_" + $name),
			"io.kubernetes.container.name": $name,
			"io.kubernetes.pod.name": "web-pod",
			"io.kubernetes.pod.namespace": "shop"}} +
		(if $rootfs == "" then {} else {root: {path: $rootfs}} end)' >"$u/config.json"
}

test_crio_fixture() {
	local root=$T_DIR/crio sb app net sbid appid
	spawn sb unshare -n -u sleep 1000
	wait_unshared "$sb" net
	spawn app nsenter -t "$sb" -n -u sleep 1001
	wait_unshared "$app" net
	net=$(ns_ino "$sb" net)
	sbid=$(printf 'a%.0s' {1..64}) appid=$(printf 'b%.0s' {1..64})
	crio_fixture "$root" "$sbid" "$sb" sandbox POD
	crio_fixture "$root" "$appid" "$app" container web
	mkdir -p "$root/overlay-containers/cccc/userdata"
	echo "$app" >"$root/overlay-containers/cccc/userdata/pidfile"
	echo '{"annotations": {"io.container.manager": "libpod"}}' \
		>"$root/overlay-containers/cccc/userdata/config.json"
	mkdir -p "$root/overlay-containers/dddd/userdata"
	echo "$app" >"$root/overlay-containers/dddd/userdata/pidfile"
	echo '{"annotations": ' >"$root/overlay-containers/dddd/userdata/config.json"

	discover --engine "crio=$root"
	assert_jq "crio pod containers wrong: $(jq -c '[.containers[] | select(.engine == "crio")]' "$DOC")" \
		'[.containers[] | select(.engine == "crio")] | map({id, name, pid, group}) ==
		 [{id: $sbid, name: "POD", pid: $sb, group: {kind: "pod", name: "shop/web-pod"}},
		  {id: $appid, name: "web", pid: $app, group: {kind: "pod", name: "shop/web-pod"}}]' \
		--arg sbid "$sbid" --arg appid "$appid" --argjson sb "$sb" --argjson app "$app"
	assert_jq "the pod's net ns does not list both containers" \
		'.namespaces[] | select(.id == $net) | .containers == [$a, $b]' \
		--argjson net "$net" --arg a "$sbid" --arg b "$appid"
	assert_jq "process $app does not carry its container" \
		'.processes[] | select(.pid == $p) | .container == $id' \
		--argjson p "$app" --arg id "$appid"
	assert_jq "no warning for a config.json that is not JSON" \
		'[.warnings[] | select(contains("dddd"))] | length == 1'
	run_nsmon "$NSMON" ls -t net --engine "crio=$root"
	grep -qE "^ *$net net .*crio:POD" "$OUT" || fail "ls: no crio:POD for $net: $(cat "$OUT")"
}

# An engine inside a container: a fake dockerd (tests/helpers/
# fake_engine.py) in a mount namespace of its own with its socket at the
# default /run/docker.sock of that namespace (a tmpfs over /run that the
# host does not see), and in a PID namespace of its own, so the pid it
# reports is not ours.  Found through its process and /proc/PID/root; the
# pid is translated through NSpid.  A socket that answers garbage is a
# warning.
test_engine_in_container() {
	local fake py sl nspid
	fake=$(cd "$(dirname "${BASH_SOURCE[0]}")/../helpers" && pwd)/fake_engine.py
	spawn e unshare -m -p -f --kill-child --propagation private sh -c \
		"mount -t tmpfs nsmon-fake-run /run && exec python3 '$fake' docker /run/docker.sock"
	wait_ready e
	nspid=$(kv e pid)
	py=$(pgrep -P "$e")
	sl=$(pgrep -P "$py" -x sleep)
	[[ $(cat "/proc/$py/comm") == dockerd ]] || fail "the fake engine is not called dockerd"
	[[ ! -e /run/docker.sock || $(stat -c %i /run/docker.sock) != $(stat -L -c %i "/proc/$py/root/run/docker.sock") ]] ||
		fail "the fake engine's socket is visible on the host"
	[[ $nspid != "$sl" ]] || fail "the fake engine is not in a PID namespace of its own"

	discover
	assert_jq "the engine in a container was not found: $(jq -c .containers "$DOC" | head -c 600); warnings $(jq -c .warnings "$DOC" | head -c 300)" \
		'[.containers[] | select(.id == $id and .name == "inner" and
		  .pid == $p and .group == {kind: "compose", name: "inside"})] | length == 1' \
		--arg id "$(printf 'f%.0s' {1..64})" --argjson p "$sl"

	spawn g python3 "$fake" garbage "$T_DIR/garbage.sock"
	wait_ready g
	discover --engine "docker=$T_DIR/garbage.sock"
	assert_jq "no warning for an engine that answers garbage: $(jq -c .warnings "$DOC")" \
		'[.warnings[] | select(contains("garbage.sock") and contains("not JSON"))] | length == 1'
}
