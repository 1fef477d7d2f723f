# t_exec.sh - `nsmon exec` enters namespaces by nsmon's id wherever they
# are held (issue 20): a bind mount inside a mount namespace no process is
# in, an fd, a bind mount after the last process died (by ns_id), the nsfs
# file handle, a PID namespace; the search for an id's holder (the newest
# processes first, then a walk of /proc, also by ns_id and past a pid
# wrap); its exit codes and its errors.  Each test
# checks from inside (the command's own /proc/self/ns links, hostname, ip
# link) that it ran where it was sent.

# exec_ok ARGS...: nsmon exec ARGS, which must exit 0; $OUT, $ERR
exec_ok() {
	run_nsmon "$NSMON" exec "$@"
	[[ $RC -eq 0 ]] || fail "nsmon exec $* exited $RC: $(head -n3 "$ERR")"
}

# The way -v reported for TYPE:[ID], else fail.
assert_way() {
	grep -q "^nsmon exec: $1:\[$2\]: via $3" "$ERR" ||
		fail "$1:[$2] not opened via $3: $(cat "$ERR")"
}

# A net namespace held only by a bind mount inside a mount namespace that
# no process is in (itself held by a bind mount in ours): `ip link` run
# there lists what was made there.
test_exec_net_in_procless_mntns() {
	local id mnt f=$T_DIR/netfile
	private_tmpfs "$T_DIR/m"
	touch "$f"
	spawn p unshare -m --propagation private sh -c \
		"unshare --net='$f' sh -c 'ip link add x$$ type veth peer name y$$ &&
			ip link set lo up && ip -o link >$T_DIR/made' &&
		 stat -L -c 'id=%i ready' '$f' && exec sleep 1000"
	wait_ready p
	id=$(kv p id) mnt=$(ns_ino "$p" mnt)
	bindmount "/proc/$p/ns/mnt" "$T_DIR/m/mnt"
	kill_pid "$p"
	! grep -q " $f " /proc/self/mountinfo || fail "the bind mount leaked into ours"
	exec_ok -v --ns "$id" -- ip -o link
	assert_way net "$id" "bind mount $f in mnt:\[$mnt\]"
	diff -u "$T_DIR/made" "$OUT" >&2 || fail "ip link there differs from what was made"
	grep -q "x$$" "$OUT" || fail "no veth x$$ in $(cat "$OUT")"
}

# A uts namespace held only by an fd of another process: entered through
# pidfd_getfd; a hostname set there stays there.
test_exec_uts_fd_only() {
	local id fd host
	host=$(hostname)
	spawn h "$NSHOLD" fd uts
	wait_ready h
	id=$(kv h id) fd=$(kv h fd)
	exec_ok -v --ns "$id" -- sh -c "readlink /proc/self/ns/uts && hostname t-$$ && hostname"
	assert_way uts "$id" "fd $h:$fd"
	[[ $(cat "$OUT") == "uts:[$id]"$'\n'"t-$$" ]] || fail "inside: $(cat "$OUT")"
	exec_ok --ns "$id" -- hostname
	[[ $(cat "$OUT") == "t-$$" ]] || fail "hostname there is $(cat "$OUT")"
	[[ $(hostname) == "$host" ]] || fail "our hostname changed to $(hostname)"
}

# The ns_id of namespace ID, from a discovery.
ns_id_of() {
	discover --no-containers --no-mounts
	jq -r --argjson id "$1" '.namespaces[] | select(.id == $id) | .ns_id // empty' "$DOC"
}

# A PID namespace of our own with /proc mounted for it, its init running
# SCRIPT, which makes holders at pids it chooses (ns_last_pid) and says
# "k=v... ready"; $init: that init, our pid of it.  The pids there are
# the test's alone: nothing else on the host moves the last pid given.
pidns_holders() {
	spawn pn unshare --pid --fork --kill-child --mount-proc sh -c "$1"
	wait_ready pn
	init=$(pgrep -P "$pn")
	[[ -n $init ]] || fail "no init in the PID namespace"
}

# nsmon exec ARGS inside that PID namespace (its /proc, its last pid).
exec_in_pidns() {
	run_nsmon nsenter -t "$init" -p -m "$NSMON" exec "$@"
	[[ $RC -eq 0 ]] || fail "nsmon exec $* exited $RC: $(head -n3 "$ERR")"
}

# The ns script's wait until /proc/$1/ns/$2 is not its init's.
_unshared='until [ "$(readlink /proc/$1/ns/$2)" != "$(readlink /proc/1/ns/$2)" ]; do sleep 0.05; done'

# The search for an id: an old uts holder (pid 101, far below the last
# pid given) is found by the walk of /proc, the newest net holder (pid
# 20001) among the newest processes, before /proc is listed; both in
# one search, each alone, and by ns_id (6.18+).
test_exec_scan_newest_and_old() {
	local old new uts net nsu nsn
	pidns_holders "unshared() { $_unshared; }
		echo 100 >/proc/sys/kernel/ns_last_pid
		unshare -u sleep 1000 & old=\$!
		echo 20000 >/proc/sys/kernel/ns_last_pid
		unshare -n sleep 1000 & new=\$!
		unshared \$old uts; unshared \$new net
		echo old=\$old new=\$new uts=\$(stat -L -c %i /proc/\$old/ns/uts) \
			net=\$(stat -L -c %i /proc/\$new/ns/net) ready
		wait"
	old=$(kv pn old) new=$(kv pn new) uts=$(kv pn uts) net=$(kv pn net)
	[[ $old == 101 && $new == 20001 ]] || fail "holders at $old and $new"
	exec_in_pidns -v --ns "$uts,$net" -- readlink /proc/self/ns/uts /proc/self/ns/net
	[[ $(cat "$OUT") == "uts:[$uts]"$'\n'"net:[$net]" ]] || fail "in $(cat "$OUT")"
	assert_way uts "$uts" "process $old (by a walk of /proc)"
	assert_way net "$net" "process $new (among the newest)"
	exec_in_pidns -v --ns "$uts" -- readlink /proc/self/ns/uts
	[[ $(cat "$OUT") == "uts:[$uts]" ]] || fail "old alone: in $(cat "$OUT")"
	assert_way uts "$uts" "process $old (by a walk of /proc)"
	exec_in_pidns -v --ns "$net" -- readlink /proc/self/ns/net
	assert_way net "$net" "process $new (among the newest)"
	nsu=$(ns_id_of "$uts") nsn=$(ns_id_of "$net")
	[[ -n $nsu && -n $nsn ]] || skip "no ns_id (NS_GET_ID, Linux 6.18+)"
	exec_in_pidns -v --ns "$nsn,$nsu" -- readlink /proc/self/ns/uts /proc/self/ns/net
	[[ $(cat "$OUT") == "uts:[$uts]"$'\n'"net:[$net]" ]] || fail "by ns_id: in $(cat "$OUT")"
	assert_way uts "$uts" "process $old (by a walk of /proc)"
	assert_way net "$net" "process $new (among the newest)"
	note "ns_ids $nsn (newest), $nsu (old): no discovery"
}

# Pids wrapped at pid_max: the newest holder just below pid_max, the
# last pid given 400; the newest are looked for there too.
test_exec_scan_wrapped() {
	local top net
	pidns_holders "unshared() { $_unshared; }
		max=\$(cat /proc/sys/kernel/pid_max)
		echo \$((max - 3)) >/proc/sys/kernel/ns_last_pid
		unshare -n sleep 1000 & top=\$!
		echo 400 >/proc/sys/kernel/ns_last_pid
		unshared \$top net
		echo top=\$top net=\$(stat -L -c %i /proc/\$top/ns/net) ready
		wait"
	top=$(kv pn top) net=$(kv pn net)
	[[ $top -gt 4096 ]] || fail "holder at $top"
	exec_in_pidns -v --ns "$net" -- readlink /proc/self/ns/net
	[[ $(cat "$OUT") == "net:[$net]" ]] || fail "in $(cat "$OUT")"
	assert_way net "$net" "process $top (among the newest)"
}

# By ns_id after the last process died and a bind mount remains; then by
# the file handle alone; and once the bind mount is gone, nothing is left
# for the kernel to hand out: not found.
test_exec_ns_id_after_death() {
	local id nsid f=$T_DIR/netfile
	private_tmpfs "$T_DIR/m"
	spawn p unshare -n sleep 1000
	wait_unshared "$p" net
	id=$(ns_ino "$p" net)
	touch "$T_DIR/m/net"
	mount --bind "/proc/$p/ns/net" "$T_DIR/m/net"	# goes with the tmpfs
	kill_pid "$p"
	nsid=$(ns_id_of "$id")
	[[ -n $nsid ]] || skip "no ns_id (NS_GET_ID, Linux 6.18+)"
	exec_ok -v --ns "$nsid" -- readlink /proc/self/ns/net
	[[ $(cat "$OUT") == "net:[$id]" ]] || fail "by ns_id $nsid: in $(cat "$OUT")"
	assert_way net "$id" "bind mount $T_DIR/m/net"
	exec_ok -v --via handle --ns "$id" -- readlink /proc/self/ns/net
	[[ $(cat "$OUT") == "net:[$id]" ]] || fail "by handle: in $(cat "$OUT")"
	assert_way net "$id" "file handle {ns_id $nsid, net, $id}"
	umount "$T_DIR/m/net"
	# a net namespace is torn down by a kernel worker (cleanup_net),
	# after the last reference went: until then it can still be entered
	gone() { run_nsmon "$NSMON" exec --ns "$nsid" -- true; [[ $RC -eq 1 ]]; }
	wait_for "net:[$id] to be freed" gone
	grep -q "namespace $nsid: not found" "$ERR" || fail "$(cat "$ERR")"
	note "ns_id $nsid: bind mount, then file handle; freed once unmounted"
}

# A user namespace held by nothing but being the owner of a net namespace
# (bind-mounted): no process, fd or mount to open; its file handle opens
# it (6.18+), where nsenter has no path to give.
test_exec_handle_owner_only() {
	local user net
	spawn p unshare -U --map-root-user -n sleep 1000
	wait_unshared "$p" net
	user=$(ns_ino "$p" user) net=$(ns_ino "$p" net)
	bindmount "/proc/$p/ns/net" "$T_DIR/keep"
	kill_pid "$p"
	[[ -n $(ns_id_of "$user") ]] || skip "no ns_id (NS_GET_ID, Linux 6.18+)"
	exec_ok -v --ns "$user" -- sh -c 'readlink /proc/self/ns/user; id -u'
	assert_way user "$user" "file handle"
	[[ $(cat "$OUT") == "user:[$user]"$'\n'0 ]] || fail "in $(cat "$OUT")"
	note "user:[$user], owner of net:[$net] only: via its file handle"
}

# A PID namespace: the command is forked into it (its pid there is not
# ours) and sees the namespace's init as PID 1; with -F only its children
# are in it.
test_exec_pid_ns() {
	local init pidns
	spawn p unshare -p -f --kill-child -m --mount-proc sleep 1000
	wait_for "the namespace's init" pgrep -P "$p" -x sleep
	init=$(pgrep -P "$p" -x sleep)
	pidns=$(ns_ino "$init" pid)
	exec_ok -v --pid "$init" -- sh -c 'echo $$; cat /proc/1/comm; readlink /proc/self/ns/pid'
	assert_way pid "$pidns" "process $init"
	mapfile -t got <"$OUT"
	[[ ${got[0]} =~ ^[0-9]+$ && ${got[0]} -gt 1 && ${got[0]} -lt 100 ]] ||
		fail "its pid inside is ${got[0]}"
	[[ ${got[1]} == sleep && ${got[2]} == "pid:[$pidns]" ]] || fail "inside: ${got[*]}"
	exec_ok --ns "$pidns" -- grep NSpid /proc/self/status
	[[ $(awk '{print NF}' "$OUT") -eq 3 ]] || fail "not two levels deep: $(cat "$OUT")"
	exec_ok -F --ns "$pidns" -- readlink /proc/self/ns/pid /proc/self/ns/pid_for_children
	[[ $(cat "$OUT") == "$(readlink /proc/self/ns/pid)"$'\n'"pid:[$pidns]" ]] ||
		fail "-F: $(cat "$OUT")"
	note "pid ${got[0]} inside pid:[$pidns], PID 1 is ${got[1]}"
}

# --root and --wd of the target process: its root directory, its cwd.
test_exec_root_wd() {
	local dir=$T_DIR/r
	mkdir -p "$dir/sub" && touch "$dir/sub/marker"
	spawn p unshare -m --propagation private sh -c "cd '$dir/sub' && echo ready && exec sleep 1000"
	wait_ready p
	exec_ok --pid "$p" -t mnt --wd -- sh -c 'pwd; ls'
	[[ $(cat "$OUT") == "$dir/sub"$'\n'marker ]] || fail "--wd: $(cat "$OUT")"
	exec_ok --pid "$p" -t mnt --wd=/ -- pwd
	[[ $(cat "$OUT") == / ]] || fail "--wd=/: $(cat "$OUT")"
}

# The command's exit code is ours, a signal death 128+N, with and without
# the fork for a PID namespace; a command that is not there is 127.
test_exec_exit_codes() {
	local init
	spawn p unshare -n -p -f --kill-child sleep 1000
	wait_for "the namespace's init" pgrep -P "$p" -x sleep
	init=$(pgrep -P "$p" -x sleep)
	run_nsmon "$NSMON" exec --pid "$init" -t net -- sh -c 'exit 7'
	[[ $RC -eq 7 ]] || fail "exit 7 became $RC"
	# (not SIGKILL: 137 is also what the harness's timeout says)
	run_nsmon "$NSMON" exec --pid "$init" -t net -- sh -c 'kill -USR1 $$'
	[[ $RC -eq 138 ]] || fail "SIGUSR1 became $RC"
	run_nsmon "$NSMON" exec --pid "$init" -t net,pid -- sh -c 'exit 9'
	[[ $RC -eq 9 ]] || fail "exit 9 through the fork became $RC"
	run_nsmon "$NSMON" exec --pid "$init" -t net,pid -- sh -c 'kill -TERM $$'
	[[ $RC -eq 143 ]] || fail "SIGTERM through the fork became $RC"
	run_nsmon "$NSMON" exec --pid "$init" -t net -- /nonexistent/cmd
	[[ $RC -eq 127 ]] || fail "a missing command: $RC"
}

# Errors: exit 1 and one line naming the namespace and the reason; bad
# usage exit 2.
test_exec_errors() {
	local z net
	run_nsmon "$NSMON" exec --ns 99999 -- true
	[[ $RC -eq 1 && $(wc -l <"$ERR") -eq 1 ]] || fail "unknown id: $RC $(cat "$ERR")"
	grep -q "namespace 99999: not found" "$ERR" || fail "$(cat "$ERR")"
	# a zombie: the process is there, its namespaces went away
	spawn zp sh -c 'sleep 0 & exec sleep 1000'
	wait_for "a zombie child" eval "[[ \$(ps -o stat= --ppid $zp) == Z* ]]"
	z=$(ps -o pid= --ppid "$zp" | tr -d ' ')
	run_nsmon "$NSMON" exec --pid "$z" -t net -- true
	[[ $RC -eq 1 && $(wc -l <"$ERR") -eq 1 ]] || fail "zombie: $RC $(cat "$ERR")"
	grep -q "^nsmon exec: net of process $z: cannot open: it went away" "$ERR" || fail "$(cat "$ERR")"
	# EPERM: an unprivileged user's process in root's net namespace
	spawn u unshare -n setpriv --reuid=65534 --regid=65534 --clear-groups sleep 1000
	wait_unshared "$u" net
	net=$(ns_ino "$u" net)
	run_nsmon setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$NSMON" exec --pid "$u" -t net -- true
	[[ $RC -eq 1 && $(wc -l <"$ERR") -eq 1 ]] || fail "EPERM: $RC $(cat "$ERR")"
	grep -q "^nsmon exec: net:\[$net\]: cannot enter: not permitted" "$ERR" ||
		fail "$(cat "$ERR")"
	local bad
	for bad in "-- true" "--ns 0 -- true" "--ns 1,x -- true" "--ns 1" \
		"--ns 1 -t net -- true" "--pid 1 --ns 1 -- true" "--via nope --ns 1 -- true" \
		"--bogus"; do
		# shellcheck disable=SC2086
		run_nsmon "$NSMON" exec $bad
		[[ $RC -eq 2 ]] || fail "exec $bad: exit $RC, not 2"
	done
}

# The man page (man/nsmon-exec.8.scd) has every long option --help has.
test_exec_man_page() {
	local man=$here/../../man/nsmon-exec.8.scd help page
	[[ -f $man ]] || fail "no $man"
	run_nsmon "$NSMON" exec --help
	help=$(grep -oE -- '--[a-z][a-z-]+' "$OUT" | sort -u)
	page=$(sed -n '/^# OPTIONS/,/^# [A-Z]/p' "$man" | grep -oE -- '\*--[a-z][a-z-]+' |
		tr -d '*' | sort -u)
	[[ $help == "$page" ]] || fail "--help and the man page differ: $(diff <(echo "$help") <(echo "$page") | grep '^[<>]' | tr '\n' ' ')"
}

# A user namespace of another user (1000 mapped to 5, not our root): as
# nsenter, exec becomes its root, which is not mapped there (exit 1, the
# reason said); --preserve-credentials keeps ours (unmapped: 65534) and
# the exec drops the capabilities, unless --keep-caps; --user-parent
# enters its parent (ours: nothing to enter).
test_exec_user_options() {
	local user
	spawn p setpriv --reuid=1000 --regid=1000 --clear-groups \
		unshare -U --map-user=5 --map-group=5 sleep 1000
	wait_unshared "$p" user
	user=$(ns_ino "$p" user)
	run_nsmon "$NSMON" exec --ns "$user" -- true
	[[ $RC -eq 1 ]] || fail "root not mapped: exit $RC"
	grep -q "no uid or gid 0 mapped there" "$ERR" || fail "$(cat "$ERR")"
	exec_ok --ns "$user" --preserve-credentials -- \
		sh -c 'readlink /proc/self/ns/user; id -u; grep CapAmb /proc/self/status'
	[[ $(cat "$OUT") == "user:[$user]"$'\n'65534$'\n'"CapAmb:"$'\t'0000000000000000 ]] ||
		fail "--preserve-credentials: $(cat "$OUT")"
	exec_ok --ns "$user" --preserve-credentials --keep-caps -- grep CapAmb /proc/self/status
	[[ $(cat "$OUT") != *$'\t'0000000000000000 ]] || fail "--keep-caps: $(cat "$OUT")"
	exec_ok -v --ns "$user" --user-parent -- readlink /proc/self/ns/user
	[[ $(cat "$OUT") == "$(readlink /proc/self/ns/user)" ]] || fail "--user-parent: $(cat "$OUT")"
}
