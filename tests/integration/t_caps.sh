# t_caps.sh - `nsmon caps` against the kernel (issue 20).  Each case is
# made for real: a probe process (tests/helpers/capprobe.c, built here)
# with the credentials under test, started through unshare, setpriv and
# nsenter, waits while nsmon looks at it; then it asks the kernel itself:
# sethostname(2) in the uts namespace it was put in (CAP_SYS_ADMIN in that
# namespace's owner) and setns(2) into the target user namespace
# (CAP_SYS_ADMIN there).  The kernel's verdict, allowed or EPERM, must be
# nsmon's "sys_admin"; the relation must be the one the case makes.

here_caps=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# uids no account on the host has
CAPS_UID1=60601
CAPS_UID2=60602

# The probe, where a setpriv'd uid can run it.
caps_setup() {
	chmod 755 "$T_DIR"
	gcc -O1 -Wall -Wextra -Werror -o "$T_DIR/capprobe" \
		"$here_caps/../helpers/capprobe.c" ||
		fail "cannot build tests/helpers/capprobe.c"
	PROBE=$T_DIR/capprobe
}

# setpriv to that real/effective uid and gid, no groups (the capabilities
# go with the uid 0); arrays, as nsenter runs them after itself
AS_UID1=(setpriv --reuid="$CAPS_UID1" --regid="$CAPS_UID1" --clear-groups)
AS_UID2=(setpriv --reuid="$CAPS_UID2" --regid="$CAPS_UID2" --clear-groups)

# caps_ask PID ID [ARGS...]: `nsmon caps PID --ns ID --json`; CAPS is the
# row, SA its sys_admin
caps_ask() {
	local pid=$1 id=$2
	shift 2
	run_nsmon "$NSMON" caps "$pid" --ns "$id" --json "$@"
	if [[ $RC -ne 0 ]]; then
		cat "$ERR" >&2
		fail "nsmon caps $pid --ns $id exited $RC: $(head -n1 "$ERR")"
	fi
	CAPS=$(jq -c '.namespaces[0]' "$OUT")
	SA=$(jq -r '.sys_admin' <<<"$CAPS")
	echo "nsmon caps $pid --ns $id: $CAPS" >&2
}

# caps_expect FIELD JSON: .FIELD of the last answer
caps_expect() {
	jq -e --argjson v "$2" ".$1 == \$v" <<<"$CAPS" >/dev/null ||
		fail "caps: .$1 is $(jq -c ".$1" <<<"$CAPS"), want $2 ($CAPS)"
}

# caps_probe VAR: the probe does its operations now
caps_probe() {
	kill -USR1 "${!1}"
	wait_for "probe $1 to finish" grep -q 'done$' "$T_DIR/$1.out"
	echo "probe $1: $(tail -n1 "$T_DIR/$1.out")" >&2
}

# caps_agree VAR OP SYS_ADMIN: the kernel allowed OP exactly when nsmon
# said sys_admin
caps_agree() {
	local got want=EPERM
	got=$(kv "$1" "$2")
	[[ $3 == true ]] && want=ok
	[[ $got == "$want" ]] ||
		fail "probe $1: the kernel says $2=$got, but nsmon said sys_admin=$3"
}

# a holder of a uts namespace (and a user namespace, with -U) made by CMD
caps_holder() {
	local var=$1
	shift
	spawn "$var" "$@"
	wait_unshared "${!var}" uts
}

# member: a process in the user namespace that owns its uts namespace.
test_caps_member() {
	local uts user
	caps_setup
	spawn P unshare -U -r --uts "$PROBE" sethostname
	wait_ready P
	uts=$(ns_ino "$P" uts)
	user=$(ns_ino "$P" user)
	caps_ask "$P" "$uts"
	caps_expect relation '"member"'
	caps_expect userns "$user"
	caps_expect level 0
	caps_expect sys_admin true
	caps_probe P
	caps_agree P sethostname "$SA"
	# the default targets: the process's own namespaces, its user first
	run_nsmon "$NSMON" caps "$P" --json
	jq -e --argjson u "$user" --argjson t "$uts" '
		.userns == $u and .namespaces[0].id == $u and
		(.namespaces | map(select(.id == $t and .relation == "member"))
		 | length == 1) and (.namespaces | length >= 2)' "$OUT" \
		>/dev/null || fail "caps $P: not its own namespaces: $(cat "$OUT")"
	# read without a sweep, they are what the sweep's model says
	cp "$OUT" "$T_DIR/own.json"
	run_nsmon "$NSMON" caps "$P" --all --json
	jq -e --slurpfile o "$T_DIR/own.json" '
		($o[0].namespaces | map(.id)) as $ids |
		[.namespaces[] | select(.id as $i | $ids | index($i))]
		== ($o[0].namespaces | sort_by(.id))' "$OUT" >/dev/null ||
		fail "caps $P: its own namespaces differ from --all's rows"
}

# A child user namespace made by uid 1 (and its uts namespace), seen by
# processes in the initial user namespace: uid 1 without any capability
# (owner: all of them), uid 2 without any (its own empty set), root (its
# own set).  Also: --all says the same as --ns.
test_caps_child() {
	local uts user v
	caps_setup
	caps_holder H "${AS_UID1[@]}" unshare -U --uts sleep 600
	uts=$(ns_ino "$H" uts)
	user=$(ns_ino "$H" user)
	exec 9<"/proc/$H/ns/user"
	spawn SAME nsenter --uts="/proc/$H/ns/uts" \
		"${AS_UID1[@]}" "$PROBE" sethostname setns-user:9
	spawn OTHER nsenter --uts="/proc/$H/ns/uts" \
		"${AS_UID2[@]}" "$PROBE" sethostname setns-user:9
	spawn ROOT nsenter --uts="/proc/$H/ns/uts" \
		"$PROBE" sethostname setns-user:9
	exec 9<&-
	for v in SAME OTHER ROOT; do wait_ready "$v"; done

	caps_ask "$SAME" "$uts"
	caps_expect relation '"owner"'
	caps_expect userns "$user"
	caps_expect owned "$user"
	caps_expect level 0
	caps_expect caps '"full"'
	local same_uts=$SA
	caps_ask "$SAME" "$user"
	caps_expect relation '"owner"'
	local same_user=$SA

	caps_ask "$OTHER" "$uts"
	caps_expect relation '"ancestor"'
	caps_expect level 1
	caps_expect set '[]'
	local other_uts=$SA
	caps_ask "$OTHER" "$user"
	local other_user=$SA

	caps_ask "$ROOT" "$uts"
	caps_expect relation '"ancestor"'
	local root_uts=$SA root_row=$CAPS
	caps_ask "$ROOT" "$user"
	local root_user=$SA
	# the same answer in --all's row
	run_nsmon "$NSMON" caps "$ROOT" --all --json
	jq -e --argjson t "$uts" --argjson row "$root_row" \
		'[.namespaces[] | select(.id == $t)] == [$row]' "$OUT" \
		>/dev/null || fail "caps --all: its uts:[$uts] row is not $root_row"
	# the /proc sweep's model gives the same answers as the BPF one's
	cp "$OUT" "$T_DIR/all-bpf.json"
	run_nsmon "$NSMON" caps "$ROOT" --all --json --proc
	jq -e --slurpfile b "$T_DIR/all-bpf.json" --argjson t "$uts" \
		--argjson u "$user" '[.namespaces[] | select(.id == $t or .id == $u)]
		as $p | ($p | length) == 2 and
		$p == [$b[0].namespaces[] | select(.id == $t or .id == $u)]' \
		"$OUT" >/dev/null || fail "caps --all --proc differs from the BPF sweep's"

	for v in SAME OTHER ROOT; do caps_probe "$v"; done
	caps_agree SAME sethostname "$same_uts"
	caps_agree SAME setns-user "$same_user"
	caps_agree OTHER sethostname "$other_uts"
	caps_agree OTHER setns-user "$other_user"
	caps_agree ROOT sethostname "$root_uts"
	caps_agree ROOT setns-user "$root_user"
	[[ $same_uts == true && $other_uts == false ]] ||
		fail "the owner case did not separate uid 1 from uid 2"
}

# Owner uid two levels up: uid 1 makes a user namespace, in it another
# (owned by uid 1 too, but not made in the initial one) with a uts
# namespace; uid 1 outside, without capabilities, has them all there by
# the outer one, one level above the governing one.
test_caps_owner_level() {
	local uts user
	caps_setup
	caps_holder H "${AS_UID1[@]}" unshare -U -r unshare -U --uts \
		sleep 600
	uts=$(ns_ino "$H" uts)
	user=$(ns_ino "$H" user)
	exec 9<"/proc/$H/ns/user"
	spawn P nsenter --uts="/proc/$H/ns/uts" \
		"${AS_UID1[@]}" "$PROBE" sethostname setns-user:9
	exec 9<&-
	wait_ready P
	caps_ask "$P" "$uts"
	caps_expect relation '"owner"'
	caps_expect userns "$user"
	caps_expect level 1
	jq -e --argjson u "$user" '.owned != $u and .owned != null' \
		<<<"$CAPS" >/dev/null || fail "caps: owned is not the parent"
	local sa_uts=$SA
	caps_ask "$P" "$user"
	local sa_user=$SA
	caps_probe P
	caps_agree P sethostname "$sa_uts"
	caps_agree P setns-user "$sa_user"
}

# A sibling: root of a user namespace of its own, in the uts namespace of
# another user namespace beside it.
test_caps_sibling() {
	local uts user
	caps_setup
	caps_holder H unshare -U -r --uts sleep 600
	uts=$(ns_ino "$H" uts)
	user=$(ns_ino "$H" user)
	exec 9<"/proc/$H/ns/user"
	spawn P nsenter --uts="/proc/$H/ns/uts" \
		unshare -U -r "$PROBE" sethostname setns-user:9
	exec 9<&-
	wait_ready P
	caps_ask "$P" "$uts"
	caps_expect relation '"none"'
	caps_expect userns "$user"
	caps_expect caps '"none"'
	local sa_uts=$SA
	caps_ask "$P" "$user"
	caps_expect relation '"none"'
	local sa_user=$SA
	caps_probe P
	caps_agree P sethostname "$sa_uts"
	caps_agree P setns-user "$sa_user"
}

# Root with a reduced effective set (setpriv --bounding-set): without
# cap_sys_admin in its own user namespace's uts namespace (refused),
# without cap_net_admin (allowed, and the set says so), and without
# cap_sys_admin in one owned by a user namespace root made (allowed: the
# owner rule gives every capability whatever the effective set).
test_caps_reduced() {
	local uts0 uts2 user2
	caps_setup
	caps_holder H0 unshare --uts sleep 600
	caps_holder H2 unshare -U -r --uts sleep 600
	uts0=$(ns_ino "$H0" uts)
	uts2=$(ns_ino "$H2" uts)
	user2=$(ns_ino "$H2" user)
	exec 9<"/proc/$H2/ns/user"
	spawn NOADM nsenter --uts="/proc/$H0/ns/uts" \
		setpriv --bounding-set=-sys_admin "$PROBE" sethostname
	spawn NONET nsenter --uts="/proc/$H0/ns/uts" \
		setpriv --bounding-set=-net_admin "$PROBE" sethostname
	spawn OWNED nsenter --uts="/proc/$H2/ns/uts" \
		setpriv --bounding-set=-sys_admin "$PROBE" sethostname setns-user:9
	exec 9<&-
	for v in NOADM NONET OWNED; do wait_ready "$v"; done

	caps_ask "$NOADM" "$uts0"
	caps_expect relation '"member"'
	caps_expect caps '"effective"'
	caps_expect sys_admin false
	local noadm=$SA
	caps_ask "$NONET" "$uts0"
	caps_expect relation '"member"'
	jq -e '(.set | index("cap_net_admin")) == null and
		(.set | index("cap_sys_admin")) != null' <<<"$CAPS" >/dev/null ||
		fail "caps: the set of a process without cap_net_admin: $CAPS"
	local nonet=$SA
	caps_ask "$OWNED" "$uts2"
	caps_expect relation '"owner"'
	caps_expect owned "$user2"
	local owned_uts=$SA
	caps_ask "$OWNED" "$user2"
	local owned_user=$SA

	for v in NOADM NONET OWNED; do caps_probe "$v"; done
	caps_agree NOADM sethostname "$noadm"
	caps_agree NONET sethostname "$nonet"
	caps_agree OWNED sethostname "$owned_uts"
	caps_agree OWNED setns-user "$owned_user"
}

# The effective set as libcap names it, against capsh --decode of the
# process's CapEff; --ns by ns_id; the table's columns.
test_caps_names() {
	local eff want id nsid
	spawn P setpriv --bounding-set=-sys_admin,-net_raw sleep 600
	wait_for "setpriv to exec" grep -q '^Name:.*sleep' "/proc/$P/status"
	eff=$(awk '/^CapEff:/ { print $2 }' "/proc/$P/status")
	want=$(capsh --decode="0x$eff" | sed 's/.*=//')
	id=$(ns_ino "$P" uts)
	run_nsmon "$NSMON" caps "$P" --json
	[[ $(jq -r '.effective | join(",")' "$OUT") == "$want" ]] ||
		fail "effective: $(jq -c .effective "$OUT"), capsh: $want"
	nsid=$(jq -r --argjson t "$id" \
		'.namespaces[] | select(.id == $t) | .id' "$OUT")
	[[ $nsid == "$id" ]] || fail "no row for uts:[$id]"
	run_nsmon "$NSMON" caps "$P" --ns "$id" -o SET,SYS_ADMIN -n -r
	[[ $(cat "$OUT") == "$want no" ]] ||
		fail "table: '$(cat "$OUT")', want '$want no'"
	# the kernel's ns_id names the same namespace
	discover
	nsid=$(jq -r --argjson t "$id" \
		'.namespaces[] | select(.id == $t) | .ns_id // empty' "$DOC")
	if [[ -n $nsid && $nsid != "$id" ]]; then
		run_nsmon "$NSMON" caps "$P" --ns "$nsid" -o NS -n
		[[ $RC -eq 0 && $(tr -d ' ' <"$OUT") == "$id" ]] ||
			fail "--ns $nsid (ns_id): '$(cat "$OUT" "$ERR")'"
	fi
}

# Errors: one line, exit 1; bad usage: exit 2; --help: 0.
test_caps_errors() {
	local gone
	sleep 0 &
	gone=$!
	wait "$gone"
	run_nsmon "$NSMON" caps "$gone" --ns 4026531837
	[[ $RC -eq 1 && $(wc -l <"$ERR") -eq 1 ]] &&
		grep -q "no process $gone" "$ERR" ||
		fail "a pid that is gone: exit $RC, '$(cat "$ERR")'"
	run_nsmon "$NSMON" caps $$ --ns 12345
	[[ $RC -eq 1 && $(wc -l <"$ERR") -eq 1 ]] &&
		grep -q 'no namespace 12345' "$ERR" ||
		fail "an unknown id: exit $RC, '$(cat "$ERR")'"
	local args
	for args in "" "--ns 4026531837" "$$ --ns 0" "$$ --ns x" "0" \
		"$$ --ns 4026531837 --all" "$$ --bogus" "$$ 1" \
		"$$ --no-owners" "$$ -o NOPE"; do
		# shellcheck disable=SC2086
		run_nsmon "$NSMON" caps $args
		[[ $RC -eq 2 ]] || fail "caps $args: exit $RC, want 2"
	done
	run_nsmon "$NSMON" caps --help
	[[ $RC -eq 0 ]] && grep -q -- '--all' "$OUT" || fail "caps --help: $RC"
}
