# t_exit.sh - exit status and failure reports (SPEC "Untrusted input,
# encoding, exit status"): an answer cut short by our own limits (fds,
# memory, capabilities, the proc root) says so with "complete": false, the
# cause in warnings and exit 1; a failed write to stdout is exit 1 (EPIPE
# aside for watch); bad numbers and conflicting options are exit 2 naming
# the option.  Real limits (ulimit) and real pipes, no stubs.

# _one_line_usage_error: t_cli.sh's check of SPEC's "one-line error and a
# hint" (its tests are not run from here: run.sh reads test names per file)
# shellcheck source=t_cli.sh
source "$(dirname "${BASH_SOURCE[0]}")/t_cli.sh"

# The command under a resource limit: OUT, ERR, RC as run_nsmon sets them.
# $1: a ulimit option and value ("-n 6"), $2: seconds it may run (SIGINT
# then: RC 124), then the nsmon binary and args.
_limited() {
	local lim=$1 secs=$2 bin=$3
	shift 3
	_T_NDOC=$((_T_NDOC + 1))
	OUT=$T_DIR/lim.$_T_NDOC.out ERR=$T_DIR/lim.$_T_NDOC.err RC=0
	# shellcheck disable=SC2086
	(ulimit $lim && exec timeout -s INT -k 5 "$secs" "$bin" "$@") \
		>"$OUT" 2>"$ERR" </dev/null || RC=$?
}

# Under a low fd limit the /proc sweep cannot open every process: from the
# lowest limit nsmon starts with, each answer either is complete (exit 0)
# or says it is not (exit 1, "complete": false, EMFILE named), never an
# empty or short document passed off as complete.  Up to the first
# complete one.
test_exit_fd_limit() {
	local n seen_short=0 procs
	for n in $(seq 4 40); do
		_limited "-n $n" 40 "$NSMON" discover --proc --no-containers
		_t_sanitizers "$ERR" "nsmon discover --proc (ulimit -n $n)"
		jq -e . "$OUT" >/dev/null 2>&1 || continue	# did not start
		procs=$(jq '.processes | length' "$OUT")
		if jq -e '.complete == true' "$OUT" >/dev/null; then
			[[ $RC -eq 0 ]] || { cat "$ERR" >&2; fail "ulimit -n $n: complete, exit status $RC"; }
			[[ $procs -gt 0 ]] || fail "ulimit -n $n: complete with 0 processes"
			break
		fi
		seen_short=1
		[[ $RC -eq 1 ]] || fail "ulimit -n $n: \"complete\": false, exit status $RC, want 1"
		jq -e '[.warnings[] | select(test("Too many open files; the answer is incomplete"))] | length == 1' \
			"$OUT" >/dev/null ||
			fail "ulimit -n $n: no one warning naming EMFILE: $(jq -c .warnings "$OUT" | head -c 300)"
		grep -q "Too many open files" "$ERR" ||
			fail "ulimit -n $n: stderr does not name the cause: $(head -n1 "$ERR")"
	done
	[[ $seen_short -eq 1 ]] || fail "no fd limit made the answer incomplete (up to $n)"
	# the table commands: the same answer, exit 1, the cause on stderr
	local cmd
	for cmd in ls tree ps; do
		_limited "-n 6" 40 "$NSMON" "$cmd" --proc --no-containers
		_t_sanitizers "$ERR" "nsmon $cmd --proc (ulimit -n 6)"
		[[ $RC -eq 1 ]] || { cat "$ERR" >&2; fail "nsmon $cmd under ulimit -n 6: exit status $RC, want 1"; }
		grep -q "Too many open files" "$ERR" ||
			fail "nsmon $cmd under ulimit -n 6: stderr does not name the cause: $(head -n1 "$ERR")"
	done
}

# The BPF sweep under a low fd limit: its fallback names the fds, not
# "the kernel refused the sweep programs".
test_exit_fd_limit_bpf() {
	local n seen=0
	for n in $(seq 6 40); do
		_limited "-n $n" 40 "$NSMON" discover --no-containers
		grep -q "BPF iterators unavailable" "$ERR" || continue
		seen=1
		grep -q "out of file descriptors" "$ERR" ||
			fail "ulimit -n $n: the sweep's fallback names another cause: $(grep BPF "$ERR")"
		! grep -q "refused" "$ERR" ||
			fail "ulimit -n $n: the sweep's fallback says refused: $(grep BPF "$ERR")"
	done
	[[ $seen -eq 1 ]] || fail "no fd limit up to 40 made the BPF sweep fall back"
}

# Under an address-space limit libbpf cannot read the kernel's BTF (5+
# MB): watch names that, not "No such process" (libbpf's -ESRCH).  The
# plain build: ASan reserves terabytes of address space.  From a limit too
# low to start at all up to the first that fails at the BTF.
test_exit_btf_enomem() {
	local kb hit=0
	for kb in $(seq 16000 1000 120000); do
		_limited "-v $kb" 3 "$NSMON_PLAIN" watch --no-containers --no-initial
		[[ $RC -eq 0 ]] && break	# not reached: watch runs until a signal
		! grep -q "No such process" "$ERR" ||
			fail "ulimit -v $kb: watch says No such process: $(cat "$ERR")"
		if grep -q "cannot read the kernel BTF" "$ERR"; then
			grep -q "Cannot allocate memory" "$ERR" ||
				fail "ulimit -v $kb: BTF failure without its cause: $(cat "$ERR")"
			[[ $RC -eq 1 ]] || fail "ulimit -v $kb: watch exit status $RC, want 1"
			hit=1
			break
		fi
		# started (a timeout is a run that got past the load): too high
		[[ $RC -ne 124 ]] || break
	done
	[[ $hit -eq 1 ]] || fail "no address-space limit made libbpf fail at the BTF (last: $kb KiB, $(head -n1 "$ERR"))"
}

# A proc root that is no procfs and holds no process is an error; one that
# cannot be read is an incomplete answer.
test_exit_proc_root() {
	local cmd
	for cmd in discover ls tree ps; do
		run_nsmon "$NSMON" "$cmd" --proc-root /etc
		[[ $RC -eq 1 ]] || fail "nsmon $cmd --proc-root /etc: exit status $RC, want 1"
		[[ $(grep -c . "$ERR") -eq 1 ]] && grep -q "/etc: not a procfs" "$ERR" ||
			fail "nsmon $cmd --proc-root /etc: unclear message: $(cat "$ERR")"
		[[ ! -s $OUT ]] || fail "nsmon $cmd --proc-root /etc: wrote to stdout"
	done
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is missing"
	local bin=$T_DIR/nsmon dir=$T_DIR/unreadable
	cp "$NSMON" "$bin"
	mkdir "$dir"
	chmod 755 "$T_DIR" "$bin"
	chmod 711 "$dir"
	OUT=$T_DIR/unread.out ERR=$T_DIR/unread.err RC=0
	timeout 40 setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$bin" discover --proc-root "$dir" >"$OUT" 2>"$ERR" </dev/null || RC=$?
	_t_sanitizers "$ERR" "nsmon discover --proc-root (unreadable)"
	[[ $RC -eq 1 ]] || { cat "$ERR" >&2; fail "unreadable proc root: exit status $RC, want 1"; }
	jq -e '.complete == false and ([.warnings[] | select(test("cannot list processes: Permission denied"))] | length == 1)' \
		"$OUT" >/dev/null || fail "unreadable proc root: $(jq -c '[.complete, .warnings]' "$OUT")"
}

# A failed write to stdout: exit 1 and a message, for every command,
# --help and --version included.  --no-containers: engines are not what
# this is about (and a hostile engine state another test leaves behind
# must not hold it up).
test_exit_stdout_full() {
	local args
	for args in "--help" "--version" "-V" "ls --help" "watch --help" \
		"discover --no-containers" "ls --no-containers" \
		"ls --json --no-containers" "tree --no-containers" \
		"ps --no-containers" "mounts" "watch --no-containers"; do
		RC=0
		# shellcheck disable=SC2086
		timeout 40 "$NSMON" $args >/dev/full 2>"$T_DIR/full.err" </dev/null || RC=$?
		_t_sanitizers "$T_DIR/full.err" "nsmon $args >/dev/full"
		[[ $RC -eq 1 ]] || fail "nsmon $args >/dev/full: exit status $RC, want 1"
		grep -q "write error on stdout: No space left on device" "$T_DIR/full.err" ||
			fail "nsmon $args >/dev/full: no message: $(head -n1 "$T_DIR/full.err")"
	done
}

# A reader that went away (`| head -c1`), made certain: the pipe's read
# end is closed before nsmon starts.  EPIPE is exit 1 except for watch,
# whose reader going away is the end of the stream.
_closed_pipe() {
	local rc=0
	python3 - "$@" <<'EOF' || rc=$?
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
try:
    rc = subprocess.call(sys.argv[1:], stdout=w, stdin=subprocess.DEVNULL,
                         timeout=40)
except subprocess.TimeoutExpired:
    rc = 124
print(rc)
EOF
	[[ $rc -eq 0 ]] || fail "python3 could not run nsmon $* into a closed pipe (see its stderr)"
}

test_exit_stdout_epipe() {
	local args rc
	for args in "ls --no-containers" "discover --no-containers" \
		"tree --no-containers" "ls --json --no-containers" "--help"; do
		# shellcheck disable=SC2086
		rc=$(_closed_pipe "$NSMON" $args 2>"$T_DIR/pipe.err")
		[[ $rc != 124 ]] || fail "nsmon $args into a closed pipe: did not end in 40 s"
		_t_sanitizers "$T_DIR/pipe.err" "nsmon $args | (closed)"
		[[ $rc -eq 1 ]] || fail "nsmon $args into a closed pipe: exit status $rc, want 1"
		grep -q "Broken pipe" "$T_DIR/pipe.err" ||
			fail "nsmon $args into a closed pipe: no message: $(head -n1 "$T_DIR/pipe.err")"
	done
	rc=$(_closed_pipe "$NSMON" watch --no-containers 2>"$T_DIR/pipe.err")
	_t_sanitizers "$T_DIR/pipe.err" "nsmon watch | (closed)"
	[[ $rc -eq 0 ]] || { cat "$T_DIR/pipe.err" >&2; fail "nsmon watch into a closed pipe: exit status $rc, want 0"; }
}

# Numbers out of range and conflicting options: exit 2, one line naming
# the option, the same wording across commands.
test_exit_usage_values() {
	local args
	for args in "watch --ring-size 18014398509481984K" "watch --ring-size 17592186044416M" \
		"watch --ring-size 1025M" "watch --resync 86401" "watch --max-delay -1" \
		"ls -p 4294967297" "mounts --ns -1" "ps --ns -1" "discover --engine bogus"; do
		# shellcheck disable=SC2086
		_one_line_usage_error $args
		local opt
		opt=$(awk '{print $2}' <<<"$args")
		[[ $opt == -p ]] && opt=--task
		grep -q -- "for $opt" "$ERR" || fail "nsmon $args: the error does not name $opt: $(head -n1 "$ERR")"
	done
	# one wording: mounts and ps say the same of the same value
	_one_line_usage_error mounts --ns -1
	local a b
	a=$(head -n1 "$ERR" | sed 's/^nsmon mounts: //')
	_one_line_usage_error ps --ns -1
	b=$(head -n1 "$ERR" | sed 's/^nsmon ps: //')
	[[ $a == "$b" && $a == "invalid namespace id '-1' for --ns" ]] ||
		fail "mounts and ps word --ns -1 differently: '$a' / '$b'"
}

test_exit_usage_conflicts() {
	local args
	for args in "tree --user --pid" "tree --pid --user" "watch --json --text" \
		"watch --text -J" "ls --json --raw" "tree -J -r" "ps -r -J" \
		"mounts --ns 4026531840 --pid 1" "mounts --pid 1 --ns 4026531840"; do
		# shellcheck disable=SC2086
		_one_line_usage_error $args
		grep -q "are mutually exclusive" "$ERR" ||
			fail "nsmon $args: $(head -n1 "$ERR")"
	done
	# the same mode twice is no conflict
	run_nsmon "$NSMON" tree --pid --pid --no-containers
	[[ $RC -eq 0 ]] || fail "nsmon tree --pid --pid: exit status $RC"
}
