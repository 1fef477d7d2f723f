# shellcheck shell=bash
# The benchmarks' own tools, where a test can tell that they measure what
# they say.

# scripts/bench-bare.c, the floor that bench-agent.sh compares nsmon with,
# must read every unshare (else it would look cheaper than it is) and
# nothing else.
test_bench_bare_reader() {
	local i pid pids=() seen=

	command -v clang >/dev/null || fail "clang is missing (scripts/deps.sh installs it)"
	clang -O2 -g -target bpf -I"/usr/include/$(gcc -print-multiarch)" -Wall -Werror \
		-c "$repo/scripts/bench-bare.bpf.c" -o "$T_DIR/bare.bpf.o" ||
		fail "cannot build scripts/bench-bare.bpf.c"
	gcc -O2 -Wall -Wextra -Werror -Wno-unused-parameter -o "$T_DIR/bare" \
		"$repo/scripts/bench-bare.c" -lbpf || fail "cannot build scripts/bench-bare.c"
	spawn B "$T_DIR/bare" "$T_DIR/bare.bpf.o"
	# attached once an unshare of ours comes out
	for ((i = 0; i < 50 && !seen; i++)); do
		pid=$(unshare -u sh -c 'echo $$')
		sleep 0.1
		grep -qx "$pid" "$T_DIR/B.out" && seen=1
	done
	[[ $seen ]] || fail "no record of an unshare in 5 s: $(cat "$T_DIR/B.err")"
	for i in 1 2 3; do
		pids+=("$(unshare -u -n sh -c 'echo $$')")
	done
	pid=$(sh -c 'echo $$')
	kill -INT "$B"
	wait "$B" || fail "bench-bare exited with $? on SIGINT"
	for i in "${pids[@]}"; do
		grep -qx "$i" "$T_DIR/B.out" || fail "the unshare of pid $i was not read"
	done
	! grep -qx "$pid" "$T_DIR/B.out" || fail "a process that did not unshare was read"
}
