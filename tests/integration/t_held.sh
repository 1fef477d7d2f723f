# t_held.sh - a namespace held alive in each way the kernel allows must be
# found, with its type and with a ref saying how it is held (SPEC: refs).

I_USER=4026531837 I_PID=4026531836

# A net namespace with a process in it: `unshare -n` execs sleep in place.
test_process() {
	local id hostmnt
	spawn p unshare -n sleep 1000
	wait_unshared "$p" net
	id=$(ns_ino "$p" net)
	discover
	assert_ns "$id" net
	assert_ref "$id" via=process pid="$p"
	assert_field "$id" processes "[$p]"
	assert_field "$id" leaders "[$p]"
	assert_field "$id" ealdorman "$p"
	assert_field "$id" initial false
	assert_field "$id" owner "$I_USER"
	assert_jq "process $p: .namespaces.net is not $id" \
		'.processes[] | select(.pid == $p) | .namespaces.net == $id' \
		--argjson p "$p" --argjson id "$id"
	hostmnt=$(ns_ino self mnt)
	assert_jq "process $p: .namespaces.mnt is not the host's $hostmnt" \
		'.processes[] | select(.pid == $p) | .namespaces.mnt == $m' \
		--argjson p "$p" --argjson m "$hostmnt"
	assert_jq "process $p: comm is not sleep" \
		'.processes[] | select(.pid == $p) | .comm == "sleep"' --argjson p "$p"
}

# A child of a namespace's process stays out of leaders; a second process
# entered from outside is a second leader; the ealdorman is the older one
# and the process ref names it.
test_process_tree() {
	local id child e
	spawn p unshare -n sh -c 'sleep 1000 & exec sleep 1001'
	wait_for "the shell's child" pgrep -P "$p" -x sleep
	child=$(pgrep -P "$p" -x sleep)
	defer kill_pid "$child"	# orphaned when p goes
	wait_unshared "$p" net
	wait_for "the shell to exec sleep" eval "[[ \$(cat /proc/$p/comm) == sleep ]]"
	id=$(ns_ino "$p" net)
	sleep 0.05	# a later start time for e
	spawn e nsenter -t "$p" -n sleep 1002
	wait_unshared "$e" net
	discover
	assert_ns "$id" net
	assert_field "$id" processes "[$(printf '%s\n' "$p" "$child" "$e" | sort -n | paste -sd,)]"
	assert_field "$id" leaders "[$(printf '%s\n' "$p" "$e" | sort -n | paste -sd,)]"
	assert_field "$id" ealdorman "$p"
	assert_ref "$id" via=process pid="$p"
}

# One non-leader thread in a uts namespace of its own: a loose thread.
test_loose_thread() {
	local id tid
	spawn h "$NSHOLD" thread uts
	wait_ready h
	id=$(kv h id) tid=$(kv h tid)
	[[ $tid != "$h" ]] || fail "helper thread is the leader"
	discover
	assert_ns "$id" uts
	assert_ref "$id" via=task pid="$h" tid="$tid"
	assert_no_ref "$id" via=process
	assert_field "$id" tasks "[$tid]"
	assert_jq "ns $id: .processes is not empty" \
		'.namespaces[] | select(.id == $id) | (.processes // []) == []' \
		--argjson id "$id"
	# the leader is still in the host's uts namespace
	assert_jq "process $h: .namespaces.uts is not the host's" \
		'.processes[] | select(.pid == $p) | .namespaces.uts == $u' \
		--argjson p "$h" --argjson u "$(ns_ino self uts)"
}

# A net namespace that only an open nsfs fd holds.
test_fd_only() {
	local id fd
	spawn h "$NSHOLD" fd net
	wait_ready h
	id=$(kv h id) fd=$(kv h fd)
	discover
	assert_ns "$id" net
	assert_ref "$id" via=fd pid="$h" fd="$fd"
	assert_no_ref "$id" via=process
	assert_field "$id" owner "$I_USER"
}

# The same for another type: ipc.
test_fd_only_ipc() {
	local id fd
	spawn h "$NSHOLD" fd ipc
	wait_ready h
	id=$(kv h id) fd=$(kv h fd)
	discover
	assert_ns "$id" ipc
	assert_ref "$id" via=fd pid="$h" fd="$fd"
	assert_no_ref "$id" via=process
}

# A net namespace that only a socket holds (created in it, then setns back).
test_socket_only() {
	local id fd
	spawn h "$NSHOLD" socket
	wait_ready h
	id=$(kv h id) fd=$(kv h fd)
	discover
	assert_ns "$id" net
	assert_ref "$id" via=socket pid="$h" fd="$fd"
	assert_no_ref "$id" via=process
	assert_no_ref "$id" via=fd
	# ... and nothing is found with sockets switched off
	discover --no-sockets
	assert_jq "ns $id found with --no-sockets" \
		'[.namespaces[] | select(.id == $id)] == []' --argjson id "$id"
}

# A pid namespace held only as pid_for_children: unshared, its first child
# forked and reaped; no process is in it.
test_pid_for_children() {
	local id
	spawn h "$NSHOLD" children pid
	wait_ready h
	id=$(kv h id)
	[[ $id != "$(ns_ino "$h" pid)" ]] || fail "helper entered its pid ns"
	discover
	assert_ns "$id" pid
	assert_ref "$id" via=children pid="$h"
	assert_no_ref "$id" via=process
	assert_field "$id" parent "$I_PID"
	assert_jq "pid:[$I_PID] does not list $id in children" \
		'.namespaces[] | select(.id == $p) | .children | index($id) != null' \
		--argjson p "$I_PID" --argjson id "$id"
	assert_jq "process $h: .namespaces.pid_for_children is not $id" \
		'.processes[] | select(.pid == $p) | .namespaces.pid_for_children == $id' \
		--argjson p "$h" --argjson id "$id"
}

# `unshare -p sleep` (no --fork): the new pid namespace has never had an
# init, and the kernel hides it (/proc/PID/ns/pid_for_children gives ENOENT:
# pidns_for_children_get() wants a child_reaper; so does
# PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE).  The BPF sweep could see it in
# task->nsproxy; SPEC wants both sweeps to give the same model, so they must
# agree on it, and on the process.
test_pid_for_children_no_init() {
	local q='[.namespaces[] | select(.type == "pid" and
		any(.refs[]?; .via == "children" and .pid == $p)) | .id]'
	local r='.processes[] | select(.pid == $p) | .namespaces'
	local a b pa pb note
	spawn p unshare -p sleep 1000
	wait_for "unshare to exec sleep" eval "[[ \$(cat /proc/$p/comm) == sleep ]]"
	[[ ! -e /proc/$p/ns/pid_for_children ]] ||
		skip "this kernel shows pid_for_children before the first fork"
	discover
	note=$(bpf_fallback_note)
	[[ -z $note ]] || skip "the BPF sweep did not run: $note"
	a=$(jq -c --argjson p "$p" "$q" "$DOC")
	pa=$(jq -c --argjson p "$p" "$r" "$DOC")
	[[ -n $pa ]] || fail "bpf sweep: process $p missing"
	discover --proc
	b=$(jq -c --argjson p "$p" "$q" "$DOC")
	pb=$(jq -c --argjson p "$p" "$r" "$DOC")
	[[ $a == "$b" ]] ||
		fail "pid ns held as pid_for_children of $p (no init yet): bpf $a, proc $b"
	[[ $pa == "$pb" ]] ||
		fail "process $p namespaces: bpf $pa, proc $pb"
}

# A time namespace with a process in it (exec enters time_for_children,
# Linux 6.1+), and one held only as time_for_children (unshare, no exec).
test_time() {
	local id
	spawn p unshare -T sleep 1000
	wait_for "unshare to exec sleep" eval "[[ \$(cat /proc/$p/comm) == sleep ]]"
	wait_unshared "$p" time_for_children
	id=$(ns_ino "$p" time_for_children)
	discover
	assert_ns "$id" time
	if [[ $(ns_ino "$p" time) == "$id" ]]; then
		assert_ref "$id" via=process pid="$p"
		assert_field "$id" processes "[$p]"
	else
		assert_ref "$id" via=children pid="$p"
	fi
	assert_field "$id" owner "$I_USER"
}

test_time_for_children() {
	local id
	spawn h "$NSHOLD" children time
	wait_ready h
	id=$(kv h id)
	[[ $id != "$(ns_ino "$h" time)" ]] || fail "helper entered its time ns"
	discover
	assert_ns "$id" time
	assert_ref "$id" via=children pid="$h"
	assert_no_ref "$id" via=process
	assert_jq "process $h: .namespaces.time_for_children is not $id" \
		'.processes[] | select(.pid == $p) | .namespaces.time_for_children == $id' \
		--argjson p "$h" --argjson id "$id"
}

# User namespaces three deep in one process: the outer two hold no process,
# only the innermost's ancestry keeps them.
test_userns_three_deep() {
	local u1 u2 u3
	spawn h "$NSHOLD" userns 3
	wait_ready h
	u1=$(kv h user1) u2=$(kv h user2) u3=$(kv h user3)
	[[ $(ns_ino "$h" user) == "$u3" ]] || fail "helper is not in user3"
	discover
	assert_ns "$u1" user
	assert_ns "$u2" user
	assert_ns "$u3" user
	assert_ref "$u3" via=process pid="$h"
	assert_ref "$u2" via=hierarchy
	assert_ref "$u1" via=hierarchy
	assert_no_ref "$u2" via=process
	assert_no_ref "$u1" via=process
	assert_field "$u3" parent "$u2"
	assert_field "$u2" parent "$u1"
	assert_field "$u1" parent "$I_USER"
	assert_field "$u2" children "[$u3]"
	assert_field "$u1" children "[$u2]"
	assert_field "$u3" children "[]"
	# SPEC: a user namespace's owner is its parent
	assert_field "$u3" owner "$u2"
	assert_field "$u1" owner "$I_USER"
	assert_field "$u1" owner_uid 0
	assert_field "$u3" owner_uid 0
	assert_field "$u1" initial false
	assert_jq "user:[$I_USER] does not list $u1 in children" \
		'.namespaces[] | select(.id == $p) | .children | index($id) != null' \
		--argjson p "$I_USER" --argjson id "$u1"
	# the process's other namespaces are owned by the initial user ns
	assert_field "$(ns_ino "$h" net)" owner "$I_USER"
}

# A user namespace that is nothing but the owner of a bind-mounted net ns.
test_userns_only_owner() {
	local user net hostmnt
	private_tmpfs "$T_DIR/m"
	spawn p unshare -U -n --map-root-user sleep 1000
	wait_unshared "$p" net
	user=$(ns_ino "$p" user) net=$(ns_ino "$p" net)
	bindmount "/proc/$p/ns/net" "$T_DIR/m/net"
	kill_pid "$p"
	hostmnt=$(ns_ino self mnt)
	discover
	assert_ns "$net" net
	assert_ref "$net" via=bindmount path="$T_DIR/m/net" mntns="$hostmnt"
	assert_no_ref "$net" via=process
	assert_field "$net" owner "$user"
	assert_ns "$user" user
	assert_ref "$user" via=owner
	assert_no_ref "$user" via=process
	assert_field "$user" parent "$I_USER"
	assert_field "$user" owner_uid 0
}

# `ip netns add`: a bind mount in the host mount namespace.
test_bindmount_host() {
	local name=$T_UNIQ id
	ip netns add "$name"
	defer ip netns del "$name"
	id=$(stat -L -c %i "/run/netns/$name")
	discover
	assert_ns "$id" net
	assert_ref "$id" via=bindmount path="/run/netns/$name" mntns="$(ns_ino self mnt)"
	assert_no_ref "$id" via=process
	# ... and nothing is found with bind mounts switched off
	discover --no-bindmounts
	assert_jq "ns $id found with --no-bindmounts" \
		'[.namespaces[] | select(.id == $id)] == []' --argjson id "$id"
}

# A bind mount in another process's private mount namespace: invisible in
# ours, seen in /proc/PID/mountinfo of the process.
test_bindmount_private_mntns() {
	local id mnt f=$T_DIR/netfile
	touch "$f"
	spawn p unshare -m --propagation private sh -c \
		"unshare --net='$f' true && stat -L -c 'id=%i ready' '$f' && exec sleep 1000"
	wait_ready p
	id=$(kv p id)
	mnt=$(ns_ino "$p" mnt)
	[[ $mnt != "$(ns_ino self mnt)" ]] || fail "no private mount ns"
	! grep -q " $f " /proc/self/mountinfo || fail "the bind mount leaked into ours"
	discover
	assert_ns "$id" net
	assert_ref "$id" via=bindmount path="$f" mntns="$mnt"
	assert_no_ref "$id" via=process
	assert_ns "$mnt" mnt
	assert_ref "$mnt" via=process pid="$p"
}

# A bind mount inside a mount namespace that no process is in and that is
# itself held only by a bind mount (in ours, on a private tmpfs: the kernel
# refuses mnt ns bind mounts that could propagate).
test_bindmount_in_unheld_mntns() {
	local id mnt hostmnt f=$T_DIR/netfile
	private_tmpfs "$T_DIR/m"
	touch "$f"
	spawn p unshare -m --propagation private sh -c \
		"unshare --net='$f' true && stat -L -c 'id=%i ready' '$f' && exec sleep 1000"
	wait_ready p
	id=$(kv p id)
	mnt=$(ns_ino "$p" mnt)
	bindmount "/proc/$p/ns/mnt" "$T_DIR/m/mnt"
	kill_pid "$p"
	hostmnt=$(ns_ino self mnt)
	discover
	assert_ns "$mnt" mnt
	assert_ref "$mnt" via=bindmount path="$T_DIR/m/mnt" mntns="$hostmnt"
	assert_no_ref "$mnt" via=process
	assert_ns "$id" net
	assert_ref "$id" via=bindmount path="$f" mntns="$mnt"
	assert_no_ref "$id" via=process
}

# Two levels: a mount ns held by a bind mount inside a mount ns that is
# itself held only by a bind mount in ours; the net ns sits in the inner one.
test_bindmount_nested_unheld_mntns() {
	local outer inner id f=$T_DIR/netfile g=$T_DIR/m/inner
	private_tmpfs "$T_DIR/m"
	touch "$f" "$g"
	# inner: pins a new net ns on $f, then stays as the only process
	cat >"$T_DIR/inner.sh" <<-'EOS'
		unshare --net="$1" true || exit 1
		stat -L -c %i "$1" >"$2.tmp" && mv "$2.tmp" "$2"
		exec sleep 1000
	EOS
	# outer: starts inner in a mount ns of its own, pins that on $g (in
	# outer's copy of the private tmpfs), lets inner die, stays
	#
	# The kernel refuses (EINVAL) to bind a mount ns whose ns_id is not
	# above the binder's (mnt_ns_loop); 6.18 hands out ns_ids in per-CPU
	# batches, so a newer namespace can have the lower id: make a new
	# inner until the kernel takes it.
	cat >"$T_DIR/outer.sh" <<-'EOS'
		f=$1 g=$2 d=$3
		for try in 1 2 3 4 5 6 7 8 9 10; do
			rm -f "$d/netid"
			unshare -m --propagation private sh "$d/inner.sh" "$f" "$d/netid" &
			c=$!
			while [ ! -s "$d/netid" ]; do sleep 0.1; done
			mount --bind "/proc/$c/ns/mnt" "$g" 2>/dev/null && break
			kill "$c"; wait "$c"
			umount "$f" 2>/dev/null
			[ "$try" = 10 ] && exit 1
		done
		echo "inner=$(stat -L -c %i "$g")"
		kill "$c"; wait "$c"
		echo ready
		exec sleep 1000
	EOS
	spawn p unshare -m --propagation private sh "$T_DIR/outer.sh" "$f" "$g" "$T_DIR"
	wait_ready p
	outer=$(ns_ino "$p" mnt)
	inner=$(kv p inner)
	id=$(cat "$T_DIR/netid")
	bindmount "/proc/$p/ns/mnt" "$T_DIR/m/outer"
	kill_pid "$p"
	discover
	assert_ns "$outer" mnt
	assert_ref "$outer" via=bindmount path="$T_DIR/m/outer" mntns="$(ns_ino self mnt)"
	assert_no_ref "$outer" via=process
	assert_ns "$inner" mnt
	assert_ref "$inner" via=bindmount path="$g" mntns="$outer"
	assert_no_ref "$inner" via=process
	assert_ns "$id" net
	assert_ref "$id" via=bindmount path="$f" mntns="$inner"
}

# A mount namespace held only by an open fd, with a bind-mounted net ns
# inside it: found by entering the mount ns through the fd.
test_fd_only_mntns_with_bindmount() {
	local mnt fd id f=$T_DIR/netfile
	touch "$f"
	spawn h "$NSHOLD" fdmnt "$f"
	wait_ready h
	mnt=$(kv h mnt) fd=$(kv h fd) id=$(kv h id)
	! grep -q " $f " /proc/self/mountinfo || fail "the bind mount leaked into ours"
	discover
	assert_ns "$mnt" mnt
	assert_ref "$mnt" via=fd pid="$h" fd="$fd"
	assert_no_ref "$mnt" via=process
	assert_ns "$id" net
	assert_ref "$id" via=bindmount path="$f" mntns="$mnt"
	assert_no_ref "$id" via=process
}

# A loose thread with a mount namespace of its own (unshare(CLONE_FS |
# CLONE_NEWNS) in a thread) that holds a bind-mounted net ns: read through
# the thread's mountinfo.
test_loose_thread_mntns_with_bindmount() {
	local mnt tid id f=$T_DIR/netfile
	touch "$f"
	spawn h "$NSHOLD" threadmnt "$f"
	wait_ready h
	mnt=$(kv h mnt) tid=$(kv h tid) id=$(kv h id)
	discover
	assert_ns "$mnt" mnt
	assert_ref "$mnt" via=task pid="$h" tid="$tid"
	assert_ns "$id" net
	assert_ref "$id" via=bindmount path="$f" mntns="$mnt"
}

# A net ns held only by an fd in a non-leader thread's private fd table
# (unshare(CLONE_FILES)); /proc/PID/fd shows the leader's table, the
# thread's is /proc/PID/task/TID/fd.
test_fd_only_in_thread_table() {
	local id fd tid
	spawn h "$NSHOLD" threadfd net
	wait_ready h
	id=$(kv h id) fd=$(kv h fd) tid=$(kv h tid)
	[[ $tid != "$h" ]] || fail "the fd is in the leader's table"
	discover
	assert_ns "$id" net
	assert_ref "$id" via=fd pid="$h" fd="$fd"
}

# A bind mount hidden under a later mount on its parent directory: still
# in mountinfo, not reachable by its path.
test_bindmount_overmounted() {
	local id
	private_tmpfs "$T_DIR/m"
	spawn p unshare -n sleep 1000
	wait_unshared "$p" net
	id=$(ns_ino "$p" net)
	bindmount "/proc/$p/ns/net" "$T_DIR/m/net"
	mount -t tmpfs "$T_UNIQ-over" "$T_DIR/m"
	defer umount "$T_DIR/m"
	[[ ! -e $T_DIR/m/net ]] || fail "over-mount did not hide the bind mount"
	kill_pid "$p"
	discover
	assert_ns "$id" net
	assert_ref "$id" via=bindmount path="$T_DIR/m/net" mntns="$(ns_ino self mnt)"
}

# A process in a nested pid namespace: PID translation (nspid, outermost
# first), the namespace's parent, and the unshare parent holding it as
# pid_for_children.
test_nested_pid() {
	local c id
	spawn p unshare -p -f --kill-child sleep 1000
	wait_for "the forked child" pgrep -P "$p" -x sleep
	c=$(pgrep -P "$p" -x sleep)
	id=$(ns_ino "$c" pid)
	[[ $id != "$(ns_ino self pid)" ]] || fail "child not in a new pid ns"
	discover
	assert_ns "$id" pid
	assert_field "$id" parent "$I_PID"
	assert_field "$id" processes "[$c]"
	assert_ref "$id" via=process pid="$c"
	assert_ref "$id" via=children pid="$p"
	assert_jq "process $c: nspid is not [$c, 1]" \
		'.processes[] | select(.pid == $p) | .nspid == [$p, 1]' --argjson p "$c"
	assert_jq "process $p: nspid is not [$p]" \
		'.processes[] | select(.pid == $p) | .nspid == [$p]' --argjson p "$p"
	assert_jq "process $p: pid_for_children is not $id" \
		'.processes[] | select(.pid == $p) | .namespaces.pid_for_children == $id' \
		--argjson p "$p" --argjson id "$id"
}

# A user namespace made by uid 1000: owner_uid, and the process's uid.
test_userns_owner_uid() {
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is missing"
	local id
	spawn p setpriv --reuid=1000 --regid=1000 --clear-groups unshare -U sleep 1000
	wait_unshared "$p" user
	id=$(ns_ino "$p" user)
	discover
	assert_ns "$id" user
	assert_field "$id" owner_uid 1000
	assert_field "$id" parent "$I_USER"
	assert_ref "$id" via=process pid="$p"
	assert_jq "process $p: uid is not 1000" \
		'.processes[] | select(.pid == $p) | .uid == 1000' --argjson p "$p"
}

# ns_id (NS_GET_ID, 6.18+): present and unique where the kernel has it.
test_ns_ids() {
	spawn p unshare -n -u -i sleep 1000
	wait_unshared "$p" ipc
	discover
	if ! python3 -c 'import fcntl, os, struct
fd = os.open("/proc/self/ns/net", os.O_RDONLY)
fcntl.ioctl(fd, 0x8008b70d, bytes(8))' 2>/dev/null; then
		skip "this kernel has no NS_GET_ID"
	fi
	local t
	for t in net uts ipc; do
		assert_jq "ns $(ns_ino "$p" "$t") has no ns_id" \
			'.namespaces[] | select(.id == $id) | (.ns_id | type == "number" and . > 0)' \
			--argjson id "$(ns_ino "$p" "$t")"
	done
	assert_jq "two namespaces share an ns_id" \
		'[.namespaces[].ns_id | select(. != null)] | length == (unique | length)'
	# the ns_id the kernel gives matches ours
	local want
	want=$(python3 -c 'import fcntl, os, struct, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
print(struct.unpack("Q", fcntl.ioctl(fd, 0x8008b70d, bytes(8)))[0])' "/proc/$p/ns/net")
	assert_field "$(ns_ino "$p" net)" ns_id "$want"
}

# Initial namespaces are flagged, others not.
test_initial_flags() {
	spawn p unshare -u sleep 1000
	wait_unshared "$p" uts
	discover
	local t
	for t in cgroup ipc mnt net pid time user uts; do
		assert_field "$(ns_ino self "$t")" initial true
	done
	assert_field "$(ns_ino "$p" uts)" initial false
	assert_field "$I_USER" parent null
}
