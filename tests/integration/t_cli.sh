# t_cli.sh - the command line: usage errors, --help, --proc-root, the ls
# table and its REF column, on the fixture tree and on live namespaces.

repo_cli=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# SPEC: "bad usage exits 2 with a one-line error and a hint": the error on
# one line, then at most one line of hint pointing at --help (as lsns does:
# "Try 'lsns --help' for more information.").
_one_line_usage_error() {
	run_nsmon "$NSMON" "$@"
	local lines
	lines=$(grep -c . "$ERR" || true)
	[[ $RC -eq 2 ]] || { cat "$ERR" >&2; fail "nsmon $*: exit status $RC, want 2"; }
	[[ $lines -ge 1 && $lines -le 2 ]] ||
		{ cat "$ERR" >&2; fail "nsmon $*: $lines lines on stderr, want an error line and a hint"; }
	if [[ $lines -eq 2 ]]; then
		sed -n 2p "$ERR" | grep -q -- --help ||
			{ cat "$ERR" >&2; fail "nsmon $*: the second line is no --help hint: $(sed -n 2p "$ERR")"; }
	fi
	grep -q -- --help "$ERR" || fail "nsmon $*: no hint to --help: $(head -n1 "$ERR")"
	[[ ! -s $OUT ]] || fail "nsmon $*: wrote to stdout: $(head -n1 "$OUT")"
}

test_usage_errors() {
	_one_line_usage_error ls --bogus
	grep -q -- '--bogus' "$ERR" || fail "nsmon ls --bogus: the error does not name --bogus: $(cat "$ERR")"
	_one_line_usage_error bogus-command
	_one_line_usage_error discover --bogus
	_one_line_usage_error tree --bogus
	_one_line_usage_error ps --bogus
	_one_line_usage_error ls -t bogus
	_one_line_usage_error discover extra-argument
}

test_help() {
	local cmd
	for cmd in "" ls tree ps discover; do
		# shellcheck disable=SC2086
		run_nsmon "$NSMON" $cmd --help
		[[ $RC -eq 0 ]] || fail "nsmon $cmd --help: exit status $RC"
		[[ -s $OUT ]] || fail "nsmon $cmd --help: nothing on stdout"
		[[ ! -s $ERR ]] || fail "nsmon $cmd --help: wrote to stderr: $(head -n1 "$ERR")"
	done
	run_nsmon "$NSMON" --help
	for cmd in ls tree ps discover; do
		grep -qw "$cmd" "$OUT" || fail "nsmon --help does not list $cmd"
	done
	for cmd in ls tree discover; do
		run_nsmon "$NSMON" "$cmd" --help
		local o
		for o in --no-tasks --no-fds --no-sockets --no-bindmounts --no-hierarchy \
			--no-owners --proc --proc-root; do
			grep -q -- "$o" "$OUT" || fail "nsmon $cmd --help does not list $o"
		done
	done
}

test_proc_root_missing() {
	local cmd
	for cmd in discover ls; do
		run_nsmon "$NSMON" "$cmd" --proc-root /nonexistent
		[[ $RC -eq 1 ]] || { cat "$ERR" >&2; fail "nsmon $cmd --proc-root /nonexistent: exit status $RC, want 1"; }
		grep -q /nonexistent "$ERR" ||
			fail "nsmon $cmd --proc-root /nonexistent: stderr does not name it: $(head -n1 "$ERR")"
		grep -qiE 'no such|not exist|not found|cannot|can.t' "$ERR" ||
			fail "nsmon $cmd --proc-root /nonexistent: unclear message: $(head -n1 "$ERR")"
		[[ ! -s $OUT ]] || fail "nsmon $cmd --proc-root /nonexistent: wrote to stdout"
	done
}

_fixture() {
	bash "$repo_cli/tests/fixtures/mkfixtures.sh" "$T_DIR/fx" >&2
	FX=$T_DIR/fx/proc-basic
}

# The discover document of the fixture tree (no ioctls: text passes only).
test_fixture_document() {
	_fixture
	discover --proc-root "$FX"
	assert_ns 4026532001 net
	assert_field 4026532001 processes '[200,201,300]'
	assert_field 4026532001 leaders '[200,300]'
	assert_field 4026532001 ealdorman 300
	assert_ref 4026532001 via=process pid=300
	assert_ref 4026532001 via=bindmount path=/run/netns/shared mntns=4026531832
	assert_ns 4026532003 uts
	assert_field 4026532003 tasks '[401]'
	assert_ref 4026532003 via=task pid=400 tid=401
	assert_ref 4026532004 via=children pid=500
	assert_ref 4026532005 via=children pid=500
	assert_ns 4026532005 time
	assert_ref 4026532009 via=fd pid=600 fd=3
	assert_ns 4026532013 user
	assert_ref 4026532013 via=fd pid=600 fd=6
	assert_ref 4026532010 via=bindmount path=/run/netns/x mntns=4026531832
	assert_ref 4026532011 via=bindmount "path=/run/netns/with space" mntns=4026531832
	assert_ref 4026532031 via=bindmount path=/run/priv/net mntns=4026532030
	assert_field 4026531833 initial true
	assert_field 4026532001 initial false
	assert_jq "4026532098 or 4026532099 (not nsfs) taken for namespaces" \
		'[.namespaces[] | select(.id == 4026532098 or .id == 4026532099)] == []'
	assert_jq "process 201: comm is not 'sle ep) x'" \
		'.processes[] | select(.pid == 201) | .comm == "sle ep) x"'
	assert_jq "process 800: nspid is not [800,1]" \
		'.processes[] | select(.pid == 800) | .nspid == [800, 1]'
	assert_jq "process 100: uid is not 1000" \
		'.processes[] | select(.pid == 100) | .uid == 1000'
	assert_jq "process 200: cmdline is not [sleep, 1000]" \
		'.processes[] | select(.pid == 200) | .cmdline == ["sleep", "1000"]'
	assert_jq "process 200: starttime is not 1000" \
		'.processes[] | select(.pid == 200) | .starttime == 1000'
	assert_jq "process 200: .namespaces.uts is not 4026532002" \
		'.processes[] | select(.pid == 200) | .namespaces.uts == 4026532002'
	assert_jq "no warning names 700/status and line 14: $(jq -c .warnings "$DOC")" \
		'any(.warnings[]; test("700/status") and test("(^|[^0-9])14([^0-9]|$)"))'
	assert_jq "processes 1..900 not all found" \
		'[.processes[].pid] | contains([1,2,100,200,201,300,400,500,600,800,900])'
}

# The ls table: SPEC columns, and REF says how a process-less namespace is
# held.
test_ls_table_fixture() {
	_fixture
	run_nsmon "$NSMON" ls --proc-root "$FX"
	[[ $RC -eq 0 ]] || { cat "$ERR" >&2; fail "nsmon ls --proc-root: exit status $RC"; }
	head -n1 "$OUT" | grep -qE '^ *NS +TYPE +NPROCS +PID +USER +COMMAND( +CONTAINER)? +REF *$' ||
		fail "nsmon ls: heading is not 'NS TYPE NPROCS PID USER COMMAND CONTAINER REF': $(head -n1 "$OUT")"
	_row() { grep -E "^ *$1 " "$OUT"; }
	_row 4026532010 | grep -q '/run/netns/x' || fail "ls: REF of 4026532010 is not /run/netns/x: $(_row 4026532010)"
	_row 4026532009 | grep -q 'fd 600:3' || fail "ls: REF of 4026532009 is not 'fd 600:3': $(_row 4026532009)"
	_row 4026532001 | grep -qE '^ *4026532001 +net +3 +(200|300) ' ||
		fail "ls: row of 4026532001 is not 'net 3 200|300': $(_row 4026532001)"
	run_nsmon "$NSMON" ls --proc-root "$FX" -t net --no-headings
	[[ $RC -eq 0 ]] || fail "nsmon ls -t net --no-headings: exit status $RC"
	if grep -vqE '^ *[0-9]+ +net ' "$OUT"; then
		fail "ls -t net: a row that is not net: $(grep -vE '^ *[0-9]+ +net ' "$OUT" | head -n1)"
	fi
	run_nsmon "$NSMON" ls --proc-root "$FX" --json
	[[ $RC -eq 0 ]] || fail "nsmon ls --json: exit status $RC"
	jq -e '.namespaces | length > 10' "$OUT" >/dev/null ||
		fail "nsmon ls --json: no namespaces array: $(head -c 200 "$OUT")"
}

# The REF column on live namespaces held without processes.
test_ls_ref_live() {
	local fid ffd sid sfd
	spawn f "$NSHOLD" fd net
	spawn s "$NSHOLD" socket
	wait_ready f
	wait_ready s
	fid=$(kv f id) ffd=$(kv f fd) sid=$(kv s id) sfd=$(kv s fd)
	ip netns add "$T_UNIQ"
	defer ip netns del "$T_UNIQ"
	local nid
	nid=$(stat -L -c %i "/run/netns/$T_UNIQ")
	run_nsmon "$NSMON" ls
	[[ $RC -eq 0 ]] || { cat "$ERR" >&2; fail "nsmon ls: exit status $RC"; }
	_row() { grep -E "^ *$1 " "$OUT"; }
	_row "$fid" | grep -q "fd $f:$ffd" || fail "ls: REF of $fid is not 'fd $f:$ffd': $(_row "$fid")"
	_row "$sid" | grep -q "socket $s:$sfd" || fail "ls: REF of $sid is not 'socket $s:$sfd': $(_row "$sid")"
	_row "$nid" | grep -q "/run/netns/$T_UNIQ" || fail "ls: REF of $nid is not the netns path: $(_row "$nid")"
}

# tree --user shows the user namespace chain nested; ps shows our process.
test_tree_and_ps() {
	local u1 u2 u3 l1 l2 l3
	spawn h "$NSHOLD" userns 3
	wait_ready h
	u1=$(kv h user1) u2=$(kv h user2) u3=$(kv h user3)
	run_nsmon "$NSMON" tree --user
	[[ $RC -eq 0 ]] || { cat "$ERR" >&2; fail "nsmon tree --user: exit status $RC"; }
	l1=$(grep -n "$u1" "$OUT" | head -n1 | cut -d: -f1)
	l2=$(grep -n "$u2" "$OUT" | head -n1 | cut -d: -f1)
	l3=$(grep -n "$u3" "$OUT" | head -n1 | cut -d: -f1)
	[[ -n $l1 && -n $l2 && -n $l3 ]] || fail "tree --user lacks one of $u1 $u2 $u3"
	[[ $l1 -lt $l2 && $l2 -lt $l3 ]] || fail "tree --user: $u1 $u2 $u3 not in parent-child order"
	_indent() { sed -n "${1}p" "$OUT" | sed -E 's/[0-9].*//' | wc -c; }
	[[ $(_indent "$l1") -lt $(_indent "$l2") && $(_indent "$l2") -lt $(_indent "$l3") ]] ||
		fail "tree --user: $u1 > $u2 > $u3 not nested: $(sed -n "${l1}p;${l2}p;${l3}p" "$OUT" | tr '\n' '|')"
	run_nsmon "$NSMON" tree --pid
	[[ $RC -eq 0 ]] || fail "nsmon tree --pid: exit status $RC"
	run_nsmon "$NSMON" ps
	[[ $RC -eq 0 ]] || fail "nsmon ps: exit status $RC"
	grep -qE "(^| )$h " "$OUT" || fail "nsmon ps does not list pid $h"
	run_nsmon "$NSMON" ps --tree
	[[ $RC -eq 0 ]] || fail "nsmon ps --tree: exit status $RC"
}

# Without privileges: a clear message and a partial result (--proc),
# which is incomplete for want of a capability (SPEC "Exit status": the
# document is written, "complete": false, the capability named, exit 1).
test_unprivileged() {
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is missing"
	local bin=$T_DIR/nsmon
	cp "$NSMON" "$bin"
	chmod 755 "$T_DIR" "$bin"
	OUT=$T_DIR/unpriv.out ERR=$T_DIR/unpriv.err RC=0
	ASAN_OPTIONS=detect_leaks=1 timeout 40 setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$bin" discover --proc >"$OUT" 2>"$ERR" </dev/null || RC=$?
	_t_sanitizers "$ERR" "unprivileged nsmon discover --proc"
	[[ $RC -eq 1 ]] || { cat "$ERR" >&2; fail "unprivileged discover --proc: exit status $RC, want 1"; }
	jq -e '(.namespaces | length > 0) and (.warnings | length > 0)' "$OUT" >/dev/null ||
		fail "unprivileged discover --proc: no namespaces or no warnings"
	jq -e '.complete == false' "$OUT" >/dev/null ||
		fail "unprivileged discover --proc: not \"complete\": false"
	jq -e '[.warnings[] | select(test("^without CAP_SYS_PTRACE: "))] | length == 1' \
		"$OUT" >/dev/null ||
		fail "unprivileged discover --proc: no one warning naming CAP_SYS_PTRACE"
	grep -q '^nsmon: without CAP_SYS_PTRACE: ' "$ERR" ||
		fail "unprivileged discover --proc: stderr does not name CAP_SYS_PTRACE"
	OUT=$T_DIR/unpriv2.out ERR=$T_DIR/unpriv2.err RC=0
	ASAN_OPTIONS=detect_leaks=1 timeout 40 setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$bin" ls >"$OUT" 2>"$ERR" </dev/null || RC=$?
	_t_sanitizers "$ERR" "unprivileged nsmon ls"
	[[ $RC -eq 1 ]] || fail "unprivileged nsmon ls: exit status $RC, want 1 (incomplete)"
	[[ -s $OUT ]] || fail "unprivileged nsmon ls: no table"
	[[ -s $ERR ]] || fail "unprivileged nsmon ls: no message saying what is missing"
	grep -qiE 'root|privilege|permission|CAP_|capabilit' "$ERR" ||
		fail "unprivileged nsmon ls: the message does not say what is missing: $(head -n1 "$ERR")"
}

# Numbers and values of options (SPEC: a number out of range for its
# option is bad usage, never wrapped): one line and the hint, exit 2.
test_bad_values() {
	local args
	for args in "ls -p +1" "ls -p 4294967297" "ls -p 0" "ls -- -1" \
		"ls 4026531837 extra" "ps -N -1" "ps -N 0" "mounts --ns 0" \
		"mounts --pid 2147483648" "mounts --ns x" "ls --engine bogus" \
		"tree --mount-reader bogus" "discover --mount-reader bogus" \
		"discover --engine bogus"; do
		# shellcheck disable=SC2086
		_one_line_usage_error $args
	done
	grep -q "want auto, listmount or mountinfo" <(
		"$NSMON" ps --mount-reader bogus 2>&1) ||
		fail "nsmon ps --mount-reader bogus: the error does not list the ways"
}
