# t_compare.sh - the BPF iterator sweep (default) and the /proc sweep
# (--proc) give the same model; the plain build agrees with the ASan one.

here_compare=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Now, as /proc/PID/stat counts start times: USER_HZ ticks of CLOCK_BOOTTIME.
boot_ticks() {
	python3 -c 'import os, time; print(int(time.clock_gettime(time.CLOCK_BOOTTIME) * os.sysconf("SC_CLK_TCK")))'
}

# Namespaces held in every way at once, so the two sweeps have something to
# disagree about.
_make_zoo() {
	spawn zp unshare -n -u sleep 1000
	spawn zt "$NSHOLD" thread uts
	spawn zf "$NSHOLD" fd net
	spawn zs "$NSHOLD" socket
	spawn zc "$NSHOLD" children pid
	spawn zm "$NSHOLD" children time
	spawn zu "$NSHOLD" userns 3
	# a zombie: the child exits, its parent execs and never reaps it
	spawn zz sh -c 'true & exec sleep 1000'
	touch "$T_DIR/mntnet"
	spawn zd "$NSHOLD" fdmnt "$T_DIR/mntnet"
	touch "$T_DIR/netfile"
	spawn zb unshare -m --propagation private sh -c \
		"unshare --net='$T_DIR/netfile' true && echo ready && exec sleep 1000"
	ip netns add "$T_UNIQ"
	defer ip netns del "$T_UNIQ"
	local v
	for v in zt zf zs zc zm zu zb zd; do
		wait_ready "$v"
	done
	wait_unshared "$zp" net
}

test_bpf_vs_proc() {
	local note attempt
	_make_zoo
	for attempt in 1 2 3; do
		local t0
		t0=$(boot_ticks)
		discover
		local bpf=$DOC
		note=$(bpf_fallback_note)
		if [[ -n $note ]]; then
			[[ -e /sys/kernel/btf/vmlinux ]] ||
				skip "no BTF on this kernel, no BPF sweep: $note"
			fail "the default sweep fell back to /proc on a BPF-capable host: $note"
		fi
		discover --proc
		local proc=$DOC
		# processes come and go: a difference must survive three tries
		if python3 "$here_compare/compare_docs.py" --t0 "$t0" "$bpf" "$proc" bpf proc \
			>"$T_DIR/cmp.$attempt" 2>&1; then
			return 0
		fi
		sleep 0.5
	done
	cat "$T_DIR/cmp.3" >&2
	fail "bpf and /proc sweeps differ: $(sed -n 2p "$T_DIR/cmp.3" | sed 's/^ *//')"
}

# The two sweeps agree also with passes switched off.
test_bpf_vs_proc_no_tasks_fds() {
	local attempt bpf
	_make_zoo
	for attempt in 1 2 3; do
		local t0
		t0=$(boot_ticks)
		discover --no-tasks --no-fds --no-sockets
		bpf=$DOC
		discover --proc --no-tasks --no-fds --no-sockets
		if python3 "$here_compare/compare_docs.py" --t0 "$t0" "$bpf" "$DOC" bpf proc \
			>"$T_DIR/cmp.$attempt" 2>&1; then
			# and the switched-off ways are really off
			assert_jq "a task, fd or socket ref with --no-tasks --no-fds --no-sockets" \
				'[.namespaces[].refs[]? | select(.via == "task" or .via == "fd" or .via == "socket")] == []'
			return 0
		fi
		sleep 0.5
	done
	cat "$T_DIR/cmp.3" >&2
	fail "bpf and /proc sweeps differ: $(sed -n 2p "$T_DIR/cmp.3" | sed 's/^ *//')"
}

# The plain (-O2, no sanitizers) build gives the same model as the ASan one.
test_plain_build() {
	local attempt asan
	spawn p unshare -n sleep 1000
	wait_unshared "$p" net
	for attempt in 1 2 3; do
		local t0
		t0=$(boot_ticks)
		discover
		asan=$DOC
		discover_with "$NSMON_PLAIN"
		assert_ref "$(ns_ino "$p" net)" via=process pid="$p"
		if python3 "$here_compare/compare_docs.py" --t0 "$t0" "$asan" "$DOC" asan plain \
			>"$T_DIR/cmp.$attempt" 2>&1; then
			return 0
		fi
		sleep 0.5
	done
	cat "$T_DIR/cmp.3" >&2
	fail "asan and plain builds differ: $(sed -n 2p "$T_DIR/cmp.3" | sed 's/^ *//')"
}

# What must hold in any discover document (check_doc.py), on this host with
# namespaces held in every way, for both sweeps.
test_document_invariants() {
	_make_zoo
	local args
	for args in "" "--proc"; do
		# shellcheck disable=SC2086
		discover $args
		python3 "$here_compare/check_doc.py" "$DOC" >"$T_DIR/check" 2>&1 || {
			cat "$T_DIR/check" >&2
			fail "discover ${args:-(bpf)}: $(sed -n 2p "$T_DIR/check" | sed 's/^ *//')"
		}
	done
}
