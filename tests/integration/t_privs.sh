# t_privs.sh - nsmon with capabilities instead of root (issue 19, "Least
# privilege"): as uid 65534 with exactly the set in contrib/capabilities it
# finds what root finds on 18 namespaces held in hidden ways; with one of
# them taken away it says which in one line, runs degraded and exits as
# SPEC says; caps-needed reports the same; a running watch has dropped
# what it no longer needs and set no_new_privs.

CAPS_FILE=$(dirname "${BASH_SOURCE[0]}")/../../contrib/capabilities

# the measured set, one name a line, comments left out
caps_set() { sed -n 's/^\(CAP_[A-Z_]*\)$/\1/p' "$CAPS_FILE"; }

# setpriv's spelling of a set of CAP_ names: +bpf,+perfmon,...
_setpriv_caps() {
	local c out=
	for c in "$@"; do
		c=${c#CAP_}
		out+=${out:+,}+${c,,}
	done
	echo "${out:--all}"
}

# setpriv_args "CAP_A CAP_B": in $SETPRIV, setpriv and its arguments that
# run a command as uid 65534 with exactly those capabilities (ambient, so
# that they survive exec into nsmon), nothing else in the bounding set,
# no supplementary groups.
setpriv_args() {
	local set c
	read -ra set <<<"$1"
	c=$(_setpriv_caps "${set[@]}")
	c=-all${set[*]:+,$c}
	SETPRIV=(setpriv --reuid 65534 --regid 65534 --clear-groups
		--inh-caps "$c" --ambient-caps "$c" --bounding-set "$c" --)
}

# _case NAME ID: one namespace of the fixture, expected in discover's answer
_case() { echo "$1 $2" >>"$T_DIR/cases"; }

# hidden_up: 18 namespaces, each held in one of the ways t_held.sh tests
# (the hidden kinds: no process in them, or only one that belongs to root),
# written to $T_DIR/cases as "NAME ID" lines.
hidden_up() {
	local p id f
	: >"$T_DIR/cases"
	spawn p1 unshare -n sleep 1000
	wait_unshared "$p1" net
	_case process "$(ns_ino "$p1" net)"
	for f in "thread uts" "fd net" "fd ipc" socket "children pid" \
		"children time" "userns 3" "threadfd net"; do
		local v=h$RANDOM$RANDOM
		# shellcheck disable=SC2086
		spawn "$v" "$NSHOLD" $f
		wait_ready "$v"
		case $f in
		"userns 3") _case userns_three_deep "$(kv "$v" user1)" ;;
		*) _case "${f// /_}" "$(kv "$v" id)" ;;
		esac
	done
	touch "$T_DIR/fdmnt" "$T_DIR/threadmnt"
	spawn h1 "$NSHOLD" fdmnt "$T_DIR/fdmnt"
	wait_ready h1
	_case fd_only_mntns "$(kv h1 mnt)"
	_case bindmount_in_fd_mntns "$(kv h1 id)"
	spawn h2 "$NSHOLD" threadmnt "$T_DIR/threadmnt"
	wait_ready h2
	_case bindmount_in_thread_mntns "$(kv h2 id)"
	ip netns add "$T_UNIQ"
	defer ip netns del "$T_UNIQ"
	_case bindmount_host "$(stat -L -c %i "/run/netns/$T_UNIQ")"
	private_tmpfs "$T_DIR/m"
	# a user ns that only owns a bind-mounted net ns
	spawn p2 unshare -U -n --map-root-user sleep 1000
	wait_unshared "$p2" net
	_case userns_only_owner "$(ns_ino "$p2" user)"
	bindmount "/proc/$p2/ns/net" "$T_DIR/m/usernet"
	kill_pid "$p2"
	# a bind mount in a private mount ns with a process, and one in a
	# mount ns that only a bind mount holds
	touch "$T_DIR/privnet" "$T_DIR/unheldnet"
	spawn p3 unshare -m --propagation private sh -c \
		"unshare --net='$T_DIR/privnet' true && stat -L -c 'id=%i ready' '$T_DIR/privnet' && exec sleep 1000"
	wait_ready p3
	_case bindmount_private_mntns "$(kv p3 id)"
	spawn p4 unshare -m --propagation private sh -c \
		"unshare --net='$T_DIR/unheldnet' true && stat -L -c 'id=%i ready' '$T_DIR/unheldnet' && exec sleep 1000"
	wait_ready p4
	_case bindmount_in_unheld_mntns "$(kv p4 id)"
	bindmount "/proc/$p4/ns/mnt" "$T_DIR/m/mnt"
	kill_pid "$p4"
	# a nested pid ns: the child's
	spawn p5 unshare -p -f --kill-child sleep 1000
	wait_for "the forked child" pgrep -P "$p5" -x sleep
	_case nested_pid "$(ns_ino "$(pgrep -P "$p5" -x sleep)" pid)"
	# a bind mount hidden by a later mount on its directory
	mkdir "$T_DIR/o"
	private_tmpfs "$T_DIR/o"
	spawn p6 unshare -n sleep 1000
	wait_unshared "$p6" net
	_case bindmount_overmounted "$(ns_ino "$p6" net)"
	bindmount "/proc/$p6/ns/net" "$T_DIR/o/net"
	mount -t tmpfs "$T_UNIQ-over" "$T_DIR/o"
	defer umount "$T_DIR/o"
	kill_pid "$p6"
	[[ $(wc -l <"$T_DIR/cases") -eq 18 ]] || fail "fixture: $(wc -l <"$T_DIR/cases") cases, want 18"
	# uid 65534 must reach the fixture's paths: the test dir is root's 0700
	chmod 755 "$T_DIR"
}

# found DOC: the names of the cases whose namespace DOC lists, sorted
found() {
	local name id
	while read -r name id; do
		jq -e --argjson id "$id" 'any(.namespaces[]; .id == $id)' "$1" >/dev/null &&
			echo "$name"
	done <"$T_DIR/cases" | sort
}

# as_nsmon "CAPS" ARGS...: the ASan nsmon as uid 65534 with CAPS, through
# run_nsmon ($OUT, $ERR, $RC; a sanitizer report fails)
as_nsmon() {
	local set=$1
	shift
	setpriv_args "$set"
	run_nsmon "${SETPRIV[@]}" "$NSMON" "$@"
}

# The measured set: what root finds of the 18, uid 65534 finds, with no
# word of anything missing; caps-needed agrees (exit 0); ls as well.
test_privs_measured_set() {
	local set
	set=$(caps_set | paste -sd' ')
	hidden_up
	run_nsmon "$NSMON" discover
	[[ $RC -eq 0 ]] || fail "discover as root: exit status $RC"
	found "$OUT" >"$T_DIR/root"
	[[ $(wc -l <"$T_DIR/root") -eq 18 ]] ||
		fail "root finds $(wc -l <"$T_DIR/root") of 18: missed $(comm -23 <(cut -d' ' -f1 "$T_DIR/cases" | sort) "$T_DIR/root" | paste -sd' ')"
	as_nsmon "$set" discover
	[[ $RC -eq 0 ]] || fail "discover with $set: exit status $RC: $(head -n1 "$ERR")"
	jq -e '.complete == true' "$OUT" >/dev/null || fail "discover with $set: not complete"
	! grep -q 'without CAP_' "$ERR" || fail "discover with $set: $(grep -m1 'without CAP_' "$ERR")"
	found "$OUT" | diff "$T_DIR/root" - >&2 ||
		fail "discover with $set: not what root finds (diff above)"
	# the /proc sweep also asks sockets for their net ns: CAP_NET_ADMIN
	run_nsmon "$NSMON" discover --proc
	found "$OUT" | diff "$T_DIR/root" - >&2 || fail "discover --proc as root: not 18"
	as_nsmon "$set CAP_NET_ADMIN" discover --proc
	[[ $RC -eq 0 ]] || fail "discover --proc with $set CAP_NET_ADMIN: exit status $RC: $(head -n1 "$ERR")"
	found "$OUT" | diff "$T_DIR/root" - >&2 ||
		fail "discover --proc with $set CAP_NET_ADMIN: not what root finds"
	as_nsmon "$set" discover --proc
	[[ $RC -eq 1 && $(grep -c '^nsmon: without CAP_NET_ADMIN: ' "$ERR") -eq 1 ]] ||
		fail "discover --proc without CAP_NET_ADMIN: exit status $RC: $(cat "$ERR")"
	[[ $(found "$OUT" | wc -l) -eq 17 ]] || fail "discover --proc without CAP_NET_ADMIN: not 17"
	as_nsmon "$set" ls
	[[ $RC -eq 0 && -s $OUT ]] || fail "ls with $set: exit status $RC"
	as_nsmon "$set" caps-needed
	[[ $RC -eq 0 ]] || fail "caps-needed with $set: exit status $RC: $(cat "$OUT")"
	! grep -q 'missing' "$OUT" || fail "caps-needed with $set: $(grep -m1 missing "$OUT")"
	as_nsmon "$set" caps-needed --json
	jq -e '.all_held == true and
		([.capabilities[] | select((.held or .optional) | not)] == [])' \
		"$OUT" >/dev/null || fail "caps-needed --json with $set: $(head -c 300 "$OUT")"
	note "uid 65534 with $set: 18 of 18, as root"
}

# Each capability of the set taken away: the 18 are not all found, and
# nsmon says so in one line naming it, writes the document with
# "complete": false and exits 1 (SPEC "Exit status"); caps-needed names
# it missing and exits 1.
test_privs_one_missing() {
	local all cap set n summary=
	all=$(caps_set | paste -sd' ')
	hidden_up
	for cap in $all; do
		set=${all/$cap/}
		as_nsmon "$set" discover
		[[ $RC -eq 1 ]] || fail "discover without $cap: exit status $RC, want 1"
		jq -e --arg c "$cap" '.complete == false and
			any(.warnings[]; startswith("without " + $c + ": "))' "$OUT" >/dev/null ||
			fail "discover without $cap: not incomplete, or no warning naming it"
		[[ $(grep -c "^nsmon: without $cap: " "$ERR") -eq 1 ]] ||
			fail "discover without $cap: not one line naming it: $(cat "$ERR")"
		n=$(found "$OUT" | wc -l)
		[[ $n -lt 18 ]] || fail "discover without $cap still finds all 18: $cap is not needed"
		summary+=" -$cap:$n"
		as_nsmon "$set" caps-needed
		[[ $RC -eq 1 ]] || fail "caps-needed without $cap: exit status $RC, want 1"
		grep -q "^$cap  *missing: " "$OUT" || fail "caps-needed without $cap: $(cat "$OUT")"
	done
	note "found of 18:$summary"
}

# _status PID FIELD: a field of /proc/PID/status
_status() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

# _mask CAP...: the hex mask /proc/PID/status shows for those
_mask() {
	local c m=0
	for c in "$@"; do
		m=$((m | 1 << $(sed -n "s/^#define $c[[:space:]]*\([0-9]*\).*/\1/p" /usr/include/linux/capability.h)))
	done
	printf '%016x\n' "$m"
}

# _watch_up VAR: wait for the start sync of the watch spawned as VAR
_watch_up() {
	local var=$1 i
	for ((i = 0; i < 300; i++)); do
		grep -q '"event":"sync"' "$T_DIR/$var.out" 2>/dev/null && return 0
		kill -0 "${!var}" 2>/dev/null || break
		sleep 0.1
	done
	fail "watch did not start: $(head -n2 "$T_DIR/$var.err")"
}

# _watch_sees VAR: a netns made now comes out of that watch as a create
_watch_sees() {
	local id
	ip netns add "$T_UNIQ-$1"
	defer ip netns del "$T_UNIQ-$1"
	id=$(stat -L -c %i "/run/netns/$T_UNIQ-$1")
	wait_for "the create of net:[$id] from watch $1" grep -q \
		"\"event\":\"create\",\"ns\":{\"id\":$id,.*\"comm\":\"ip\"" "$T_DIR/$1.out"
}

# watch as uid 65534 with the measured set: events flow; after start-up
# it holds exactly the set (nothing to drop: every one serves the
# resync sweeps), no_new_privs is set and ambient capabilities are gone.
# As root it keeps only what its sweeps use.
test_privs_watch() {
	local set want
	set=$(caps_set | paste -sd' ')
	# shellcheck disable=SC2086
	want=$(_mask $set)
	setpriv_args "$set"
	spawn w1 env ASAN_OPTIONS=detect_leaks=1 "${SETPRIV[@]}" "$NSMON" watch --json
	_watch_up w1
	_watch_sees w1
	[[ $(_status "$w1" NoNewPrivs) == 1 ]] || fail "watch with $set: no_new_privs not set"
	[[ $(_status "$w1" CapEff) == "$want" && $(_status "$w1" CapPrm) == "$want" ]] ||
		fail "watch with $set: CapEff $(_status "$w1" CapEff), want $want"
	[[ $(_status "$w1" CapAmb) == 0000000000000000 ]] ||
		fail "watch with $set: ambient $(_status "$w1" CapAmb) not cleared"
	! grep -q 'without CAP_' "$T_DIR/w1.err" || fail "watch with $set: $(cat "$T_DIR/w1.err")"
	spawn w2 "$NSMON" watch --json --no-containers
	_watch_up w2
	_watch_sees w2
	# root: the set and the BPF ones of its own, CAP_NET_ADMIN for a
	# /proc sweep; the bounding set too (it had CAP_SETPCAP)
	# shellcheck disable=SC2086
	want=$(_mask $set CAP_BPF CAP_PERFMON CAP_NET_ADMIN)
	[[ $(_status "$w2" NoNewPrivs) == 1 ]] || fail "root watch: no_new_privs not set"
	[[ $(_status "$w2" CapEff) == "$want" && $(_status "$w2" CapBnd) == "$want" ]] ||
		fail "root watch: CapEff $(_status "$w2" CapEff) CapBnd $(_status "$w2" CapBnd), want $want"
	kill -TERM "$w1" "$w2"
	wait "$w1" || fail "watch with $set: exit status $? at SIGTERM"
	wait "$w2" || fail "root watch: exit status $? at SIGTERM"
	_t_sanitizers "$T_DIR/w1.err" "watch with $set"
	_t_sanitizers "$T_DIR/w2.err" "root watch"
	note "watch after start-up: uid 65534 CapEff $(_mask $set), root CapEff $want"
}

# watch with one capability taken away: without CAP_SYS_ADMIN (which
# stood in for CAP_BPF and CAP_PERFMON) there is no feed: one line per
# BPF capability, exit 1; without another it runs degraded, says the
# missing one once, however many sweeps (SIGHUP) lack it, and events flow.
test_privs_watch_missing() {
	local all set
	all=$(caps_set | paste -sd' ')
	as_nsmon "${all/CAP_SYS_ADMIN/}" watch --json
	[[ $RC -eq 1 ]] || fail "watch without CAP_SYS_ADMIN: exit status $RC, want 1"
	grep -q '^nsmon watch: without CAP_BPF: ' "$ERR" &&
		grep -q '^nsmon watch: without CAP_PERFMON: ' "$ERR" ||
		fail "watch without CAP_SYS_ADMIN: $(cat "$ERR")"
	set=${all/CAP_SYS_PTRACE/}
	setpriv_args "$set"
	spawn w env ASAN_OPTIONS=detect_leaks=1 "${SETPRIV[@]}" "$NSMON" watch --json
	_watch_up w
	kill -HUP "$w"
	wait_for "the resync after SIGHUP" grep -q '"reason":"signal"' "$T_DIR/w.out"
	_watch_sees w
	kill -TERM "$w"
	wait "$w" || fail "watch without CAP_SYS_PTRACE: exit status $? at SIGTERM"
	_t_sanitizers "$T_DIR/w.err" "watch without CAP_SYS_PTRACE"
	[[ $(grep -c '^nsmon: without CAP_SYS_PTRACE: ' "$T_DIR/w.err") -eq 1 ]] ||
		fail "watch without CAP_SYS_PTRACE: not one line naming it: $(cat "$T_DIR/w.err")"
}

# A service runs in a mount namespace of its own (systemd's PrivateTmp=,
# ProtectSystem=: a slave copy of the host's, a private /tmp over it, the
# system read-only).  From there nsmon must still find the 18 with every
# ref the host's answer has (the host's bind mounts are read through the
# host's processes, not through our own mount table), and report its own
# mount namespace as what it is: a mount namespace with nsmon in it.
# What the copy of the host's mounts holds under the private /tmp is
# real too: such a ref may be added, naming our own namespace.
test_privs_private_mntns() {
	local name id own extra
	hidden_up
	run_nsmon "$NSMON" discover
	[[ $RC -eq 0 ]] || fail "discover on the host: exit status $RC"
	cp "$OUT" "$T_DIR/host.json"
	_T_NDOC=$((_T_NDOC + 1))
	OUT=$T_DIR/nsmon.$_T_NDOC.out ERR=$T_DIR/nsmon.$_T_NDOC.err RC=0
	# the binary by an fd: a build under /tmp is hidden by the private one
	ASAN_OPTIONS=detect_leaks=1 timeout 40 unshare -m --propagation slave sh -c '
		mount -t tmpfs private-tmp /tmp &&
		mount --bind /usr /usr && mount -o remount,bind,ro /usr &&
		readlink /proc/self/ns/mnt >&2 &&
		exec /proc/self/fd/9 discover' 9<"$NSMON" >"$OUT" 2>"$ERR" </dev/null || RC=$?
	_t_sanitizers "$ERR" "discover in a mount namespace of its own"
	[[ $RC -eq 0 ]] || fail "discover in its own mount ns: exit status $RC: $(cat "$ERR")"
	own=$(sed -n 's/^mnt:\[\([0-9]*\)\]$/\1/p' "$ERR")
	[[ -n $own && $own != "$(ns_ino self mnt)" ]] || fail "no mount ns of its own: $own"
	found "$OUT" | diff <(found "$T_DIR/host.json") - >&2 ||
		fail "in its own mount ns, not what the host's answer has (diff above)"
	while read -r name id; do
		extra=$(jq -nc --argjson id "$id" --slurpfile h "$T_DIR/host.json" \
			--slurpfile s "$OUT" '
			def refs($d): [$d[0].namespaces[] | select(.id == $id) | .refs[]?];
			def ids($d): [$d[0].namespaces[].id];
			# other tests on this host make and drop mount namespaces
			# meanwhile (copies of shared mounts): only those in both
			# answers, and ours, count
			def alive($d): .mntns == null or (.mntns as $m | ids($d) | index($m));
			[(refs($h) - refs($s))[] | select(alive($s))] as $gone |
			[(refs($s) - refs($h))[] | select(alive($h) or .mntns == $own)] as $new |
			{gone: $gone, new: $new}' --argjson own "$own")
		jq -e '.gone == []' <<<"$extra" >/dev/null ||
			fail "$name ($id): refs lost in its own mount ns: $extra"
		jq -e --argjson own "$own" 'all(.new[]; .via == "bindmount" and .mntns == $own)' \
			<<<"$extra" >/dev/null || fail "$name ($id): refs added that are not ours: $extra"
	done <"$T_DIR/cases"
	jq -e --argjson own "$own" 'any(.namespaces[]; .id == $own and .type == "mnt" and
		.initial == false and any(.refs[]; .via == "process"))' "$OUT" >/dev/null ||
		fail "its own mount namespace mnt:[$own] is not reported as a mount ns with a process"
}

# A container engine's API socket of another owner (docker's is
# root:docker 0660; this fake engine's root's, 0755): connect(2) needs
# write permission, which uid 65534 has only with CAP_DAC_OVERRIDE.
# Without it: one line naming it, "complete": false, exit 1 (the
# containers are then named from runtime state only); with it, the
# engine's container is named.  caps-needed calls it optional.
test_privs_engine_socket() {
	local set fake sock=$T_DIR/engine.sock q
	set=$(caps_set | paste -sd' ')
	fake=$(cd "$(dirname "${BASH_SOURCE[0]}")/../helpers" && pwd)/fake_engine.py
	spawn E python3 "$fake" docker "$sock"
	wait_ready E
	chmod 0600 "$sock"
	q='[.containers[]? | select(.engine == "docker")] | length'
	as_nsmon "$set" discover --engine "docker=$sock"
	[[ $RC -eq 1 ]] || fail "engine socket refused: exit status $RC, want 1"
	[[ $(grep -c '^nsmon: without CAP_DAC_OVERRIDE: ' "$ERR") -eq 1 ]] ||
		fail "engine socket refused: not one line naming CAP_DAC_OVERRIDE: $(cat "$ERR")"
	jq -e '.complete == false' "$OUT" >/dev/null || fail "engine socket refused: complete"
	as_nsmon "$set CAP_DAC_OVERRIDE" discover --engine "docker=$sock"
	! grep -q 'without CAP_' "$ERR" || fail "with CAP_DAC_OVERRIDE: $(cat "$ERR")"
	[[ $(jq "$q" "$OUT") -ge 1 ]] || fail "with CAP_DAC_OVERRIDE: the engine's container is not there"
	as_nsmon "$set" caps-needed
	[[ $RC -eq 0 ]] && grep -q '^CAP_DAC_OVERRIDE  *not held (optional): ' "$OUT" ||
		fail "caps-needed: exit status $RC: $(cat "$OUT")"
}
