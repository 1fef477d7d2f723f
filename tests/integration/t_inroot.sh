# t_inroot.sh - a path an engine process names is resolved inside that
# process's root (SPEC "Untrusted input": openat2 RESOLVE_IN_ROOT |
# RESOLVE_NO_MAGICLINKS), and an engine found through a process answers
# only for its PID namespace and below.
#
# The "containers" are processes called dockerd or containerd, chrooted
# into a directory of the test's (tests/helpers/fake_engine.py is the
# engine on the other side): whatever their links say, nsmon never reaches
# the host's side (a fake engine there logs every connection with the
# client's executable: none is this nsmon), finds no container from
# there, and warns once per path.

here_ir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=t_watch.sh
source "$here_ir/t_watch.sh"
fake_ir=$(cd "$here_ir/../helpers" && pwd)/fake_engine.py

# timeout inroot_escapes 120

# chrooted VAR COMM DIR [ARGS...]: a process called COMM (nsmon finds
# engines by it) chrooted into DIR, with ARGS on its command line; with
# PROC=1, a procfs on DIR/proc first, in a mount namespace of its own.
chrooted() {
	local var=$1
	shift
	chrooted_py
	if [[ -n ${PROC:-} ]]; then
		spawn "$var" env PROC=1 unshare -m --propagation private \
			python3 "$T_DIR/chrooted.py" "$@"
	else
		spawn "$var" python3 "$T_DIR/chrooted.py" "$@"
	fi
	wait_ready "$var"
}

# $T_DIR/chrooted.py COMM DIR [ARGS...]: chrooted()'s process.
chrooted_py() {
	[[ -e $T_DIR/chrooted.py ]] || cat >"$T_DIR/chrooted.py" <<'EOF'
import ctypes, os, subprocess, sys, time
comm, root = sys.argv[1], sys.argv[2]
if os.environ.get("PROC"):
    subprocess.run(["mount", "-t", "proc", "proc", root + "/proc"], check=True)
ctypes.CDLL(None).prctl(15, comm.encode(), 0, 0, 0)  # PR_SET_NAME
os.chroot(root)
os.chdir("/")
print("ready", flush=True)
time.sleep(1000)
EOF
}

# host_engine: a fake Docker engine on the host's side, at $HOST_SOCK, its
# container's init $HOST_PID, its connections logged in $HOST_LOG.
host_engine() {
	mkdir -p "$T_DIR/host"
	HOST_SOCK=$T_DIR/host/docker.sock
	HOST_LOG=$T_DIR/host.log
	: >"$HOST_LOG"
	spawn h python3 "$fake_ir" docker "$HOST_SOCK" --log "$HOST_LOG" \
		--name fakehost
	wait_ready h
	HOST_PID=$(kv h pid)
}

# warned_once PID REGEX: exactly one warning names engine process PID, and
# it matches REGEX.
warned_once() {
	assert_jq "want one warning '$2' for pid $1: $(jq -c .warnings "$DOC")" \
		'[.warnings[] | select(contains("(pid \($p)) "))] as $w |
		 ($w | length) == 1 and ($w[0] | test($what))' \
		--argjson p "$1" --arg what "$2"
}

# contacted: lines of $HOST_LOG from this test's nsmon (other nsmon
# builds on the machine, of other checkouts, may find these roots too)
contacted() {
	grep -cFx -e "connection $(realpath "$NSMON")" \
		-e "connection $(realpath "$NSMON_PLAIN")" "$HOST_LOG" || true
}

no_contact() {
	[[ $(contacted) -eq 0 ]] ||
		fail "$1: the host's engine was contacted $(contacted) times"
	assert_jq "$1: a container of the host's engine: $(jq -c .containers "$DOC" | head -c 600)" \
		'[.containers[] | select(.pid == $p)] == []' --argjson p "$HOST_PID"
}

# A dockerd in a root of its own whose /run/docker.sock (its default) is
# (a) an absolute link to the host's socket, (b) a "../" chain to it, (c)
# a link through /proc/1/root, (d) through /proc/self/root, both with a
# procfs in the root (magic links there; pid 1's may be refused by ptrace
# rules first, EACCES, as in a sandbox), or (e) whose -H names a path
# through /var/run, an absolute link to the host's directory: none is
# followed, each is one warning, `discover` and `watch` never contact the
# host's engine.
test_inroot_escapes() {
	local d pa pb pc pd pe
	host_engine
	for d in a b c d e; do
		mkdir -p "$T_DIR/$d/run" "$T_DIR/$d/proc" "$T_DIR/$d/var"
	done
	ln -s "$HOST_SOCK" "$T_DIR/a/run/docker.sock"
	ln -s "../../../../../../../../..$HOST_SOCK" "$T_DIR/b/run/docker.sock"
	ln -s "/proc/1/root$HOST_SOCK" "$T_DIR/c/run/docker.sock"
	ln -s "/proc/self/root$HOST_SOCK" "$T_DIR/d/run/docker.sock"
	ln -s "$T_DIR/host" "$T_DIR/e/var/run"
	chrooted pa dockerd "$T_DIR/a"
	chrooted pb dockerd "$T_DIR/b"
	PROC=1 chrooted pc dockerd "$T_DIR/c"
	PROC=1 chrooted pd dockerd "$T_DIR/d"
	chrooted pe dockerd "$T_DIR/e" -H unix:///var/run/docker.sock
	[[ $(cat "/proc/$pc/comm") == dockerd && -e /proc/$pc/root/proc/1 ]] ||
		fail "no dockerd with a procfs in its root"

	discover
	no_contact discover
	warned_once "$pa" " /run/docker.sock: escapes its root: not followed$"
	warned_once "$pb" " /run/docker.sock: escapes its root: not followed$"
	warned_once "$pc" " /run/docker.sock: (a link through /proc|Permission denied)"
	warned_once "$pd" " /run/docker.sock: a link through /proc, or a loop: not followed$"
	warned_once "$pe" " /var/run/docker.sock: escapes its root: not followed$"

	# watch follows the engines its sweep found: none of these
	watch_start
	watch_stop
	[[ $(contacted) -eq 0 ]] || fail "watch contacted the host's engine"
}

# containerd in a root of its own: (f) task namespace directories in its
# state that are links, absolute and "../", to a task tree of the host's
# naming a host process; (g) its --config a link to a host config file
# naming that tree.  Neither is read: no container has the host process,
# one warning per link.  A task whose config.json is a FIFO does not hold
# discovery up (it is never opened), and is found by its init.pid.
test_inroot_state_links() {
	local id=1a700700700700700700700700700700700700700700700700700700700700
	local tasks=io.containerd.runtime.v2.task own=$T_DIR/f/run/containerd
	local host=$T_DIR/hoststate/$tasks/default pf pg
	spawn s sleep 1000
	spawn s2 sleep 1000
	mkdir -p "$host/$id" "$own/$tasks/fifo/$id" "$T_DIR/g/etc/containerd"
	echo "$s" >"$host/$id/init.pid"
	echo '{"annotations": {"nsmon.test": "host"}}' >"$host/$id/config.json"
	printf 'version = 2\nstate = "%s"\n' "$T_DIR/hoststate" >"$T_DIR/host.toml"
	ln -s "$host" "$own/$tasks/abs"
	ln -s "../../../../../../../../..$host" "$own/$tasks/up"
	echo "$s2" >"$own/$tasks/fifo/$id/init.pid"
	mkfifo "$own/$tasks/fifo/$id/config.json"
	ln -s "$T_DIR/host.toml" "$T_DIR/g/etc/containerd/config.toml"
	chrooted pf containerd "$T_DIR/f" --state /run/containerd
	chrooted pg containerd "$T_DIR/g" --config /etc/containerd/config.toml

	discover
	assert_jq "a container of the host's task tree: $(jq -c .containers "$DOC" | head -c 600)" \
		'[.containers[] | select(.pid == $p or .id == $id and .pid != $p2)] == []' \
		--argjson p "$s" --argjson p2 "$s2" --arg id "$id"
	assert_jq "the task with a FIFO for config.json is not found" \
		'[.containers[] | select(.pid == $p2 and .engine == "containerd" and
		  .name == "fifo/\($id)")] | length == 1' --argjson p2 "$s2" --arg id "$id"
	assert_jq "want one warning per link of pid $pf: $(jq -c .warnings "$DOC")" \
		'[.warnings[] | select(contains("(pid \($p)) "))] | sort ==
		 ["containerd (pid \($p)) /run/containerd: abs: escapes its root: not followed",
		  "containerd (pid \($p)) /run/containerd: up: escapes its root: not followed"]' \
		--argjson p "$pf"
	warned_once "$pg" " /etc/containerd/config.toml: escapes its root: not followed$"
}

# The other side: a root whose /run/docker.sock is an absolute link to
# /srv/engine.sock, where an engine listens, inside the root: found
# through the dockerd in that root, by discover and by watch.  When both
# are gone, watch's next sweep lets go of that root (no fd on it).  A
# dockerd whose socket is not there (yet) under a /var/run that links to
# /run inside its root, as in Debian's images, is no warning.
test_inroot_legit() {
	local root=$T_DIR/r p sl q
	mkdir -p "$root/run" "$root/srv" "$T_DIR/q/run" "$T_DIR/q/var"
	ln -s /run "$T_DIR/q/var/run"
	chrooted q dockerd "$T_DIR/q" -H unix:///var/run/docker.sock
	spawn i python3 "$fake_ir" docker "$root/srv/engine.sock" --name fakein
	wait_ready i
	sl=$(kv i pid)
	ln -s /srv/engine.sock "$root/run/docker.sock"
	chrooted p dockerd "$root"

	discover
	assert_jq "the engine inside the root was not found: $(jq -c .warnings "$DOC")" \
		'[.containers[] | select(.pid == $p and .name == "inner" and
		  .engine == "docker")] | length == 1' --argjson p "$sl"
	assert_jq "a warning about the engine inside the root, or the one not there: $(jq -c .warnings "$DOC")" \
		'[.warnings[] | select(contains("(pid \($p)) ") or
		  contains("(pid \($q)) "))] == []' --argjson p "$p" --argjson q "$q"
	watch_start
	wait_for "watch's event stream from the engine in the root" \
		grep -q '^streams=1$' "$T_DIR/i.out"
	holds_root || fail "watch holds no fd on the root it follows an engine in"
	kill_pid "$p"
	kill_pid "$i"
	kill -HUP "$W"
	wait_for "watch to let go of the root of a dockerd that is gone" \
		eval '! holds_root'
	watch_stop
}

# Whether watch ($W) has an fd on $root.
holds_root() {
	local f
	for f in /proc/"$W"/fd/*; do
		[[ $(readlink "$f") != "$root" ]] || return 0
	done
	return 1
}

# A fake engine in a PID namespace of its own that says its container's
# init is a process of the host's: left out, with a warning.
test_inroot_pidns_claim() {
	local py s
	spawn s sleep 1000
	spawn e unshare -m -p -f --kill-child --propagation private sh -c \
		"mount -t tmpfs nsmon-fake-run /run && exec python3 '$fake_ir' docker /run/docker.sock --claim-pid $s"
	wait_ready e
	py=$(pgrep -P "$e")
	[[ $(cat "/proc/$py/comm") == dockerd ]] || fail "the fake engine is not called dockerd"

	discover
	assert_jq "the host's process $s is a container's: $(jq -c .containers "$DOC" | head -c 600)" \
		'[.containers[] | select(.pid == $p)] == [] and
		 [.processes[] | select(.pid == $p and .container != null)] == []' \
		--argjson p "$s"
	warned_once "$py" ": 1 containers with a process outside its PID namespace or not its user.s: left out$"
}

# Anyone may call a process dockerd: one that a user other than root runs
# answers for that user's processes only.  Claiming root's process, its
# container is left out (one warning); its own container is found.
test_inroot_user_claim() {
	local s d liar honest own
	# Debian's python: a python of root's own (pyenv) is not nobody's
	[[ -x /usr/bin/python3 ]] || skip "no /usr/bin/python3 for user nobody"
	spawn s sleep 1000
	# nobody must reach the engine and its socket: not under $T_DIR (0700)
	d=$(mktemp -d /tmp/nsmon-user-claim-XXXX)
	defer rm -rf "$d"
	chmod 0755 "$d"
	install -m 0644 "$fake_ir" "$d/fake_engine.py"
	install -d -o 65534 -g 65534 "$d/a" "$d/b"
	spawn liar setpriv --reuid=65534 --regid=65534 --clear-groups \
		/usr/bin/python3 "$d/fake_engine.py" docker "$d/a/docker.sock" \
		-H "unix://$d/a/docker.sock" --claim-pid "$s"
	wait_ready liar
	spawn honest setpriv --reuid=65534 --regid=65534 --clear-groups \
		/usr/bin/python3 "$d/fake_engine.py" docker "$d/b/docker.sock" \
		-H "unix://$d/b/docker.sock"
	wait_ready honest
	own=$(kv honest pid)
	[[ $(stat -c %u "/proc/$own") == 65534 ]] ||
		fail "the honest engine's container $own does not run as nobody"

	discover
	assert_jq "root's process $s is a container's: $(jq -c .containers "$DOC" | head -c 600)" \
		'[.containers[] | select(.pid == $p)] == [] and
		 [.processes[] | select(.pid == $p and .container != null)] == []' \
		--argjson p "$s"
	warned_once "$liar" ": 1 containers with a process outside its PID namespace or not its user.s: left out$"
	assert_jq "nobody's engine's own container $own: $(jq -c .containers "$DOC" | head -c 600)" \
		'[.containers[] | select(.pid == $p)] | length == 1' \
		--argjson p "$own"
}

# The host's engine's own socket, given to a container (a bind mount of
# its directory on the container's /run) that runs a "dockerd" of its own
# in a PID namespace of its own, found first (a lower pid): one engine,
# the outer process's, and its container is found with its pid.
test_inroot_shared_socket() {
	local n inner sl
	mkdir -p "$T_DIR/host"
	chrooted_py
	spawn n unshare -m -p -f --kill-child --propagation private sh -c \
		"mount --bind '$T_DIR/host' /run && exec python3 '$T_DIR/chrooted.py' dockerd /"
	wait_ready n
	inner=$(pgrep -P "$n")
	spawn h python3 "$fake_ir" docker "$T_DIR/host/docker.sock" \
		-H "unix://$T_DIR/host/docker.sock"
	wait_ready h
	sl=$(kv h pid)
	[[ $inner -lt $h && $(cat "/proc/$inner/comm") == dockerd &&
		$(cat "/proc/$h/comm") == dockerd ]] ||
		fail "want the inner dockerd ($inner) before the host's ($h)"
	[[ $(stat -L -c %i "/proc/$inner/root/run/docker.sock") == $(stat -c %i "$T_DIR/host/docker.sock") ]] ||
		fail "the container does not have the host's socket"

	discover
	assert_jq "the host's engine's container, through the container's dockerd: $(jq -c .containers "$DOC" | head -c 600); $(jq -c .warnings "$DOC")" \
		'[.containers[] | select(.pid == $p and .name == "inner")] | length == 1' \
		--argjson p "$sl"
}
