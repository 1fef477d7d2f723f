# t_signals.sh - a SIGINT or SIGTERM at any moment of nsmon's start-up ends
# it within a second, with the status docs/events.md gives (0, or the
# signal's default action before the handler is set), and leaves no BPF
# program or link behind (issue 16, "seen once": a watch ran on after a
# SIGINT).  signal_start.py sends the signal at 20 moments of the ASan
# nsmon's start-up and checks each run; see there.

here_signals=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# signal_runs CMD SIG: signal_start.py for `nsmon CMD`; its lines in
# $T_DIR/runs.txt, the runs' output in $T_DIR/runN.{out,err}.
signal_runs() {
	local why
	command -v bpftool >/dev/null || fail "bpftool is missing"
	why=$(python3 "$here_signals/signal_start.py" "$NSMON" "$1" "$2" \
		"$T_DIR" 2>&1 >"$T_DIR/runs.txt") || {
		cat "$T_DIR/runs.txt" >&2
		echo "$why" >&2
		fail "nsmon $1, SIG$2 during start-up: $(head -n1 <<<"$why")"
	}
}

test_watch_sigint_start() {
	signal_runs watch INT
}

test_watch_sigterm_start() {
	signal_runs watch TERM
}

# discover sets no handler: the default action, and the sweep's BPF
# iterators (fds) go with the process.
test_discover_sigint_sweep() {
	signal_runs discover INT
}
