# t_systemd.sh - nsmon as a systemd service (issue 19, "systemd"):
# contrib/systemd/nsmon.service passes `systemd-analyze verify` and scores
# an exposure of 3.5 or lower in `systemd-analyze security --offline`;
# its capabilities are contrib/capabilities; the notify protocol (READY=1
# once /readyz answers 200, WATCHDOG=1, STOPPING=1) over a real datagram
# socket, abstract and by path; --log-format=journal's priorities.
#
# No systemd runs on this test machine (no PID 1 manager, no journald):
# the unit is checked offline by systemd-analyze, and the manager's side
# of the protocol is a socket this test binds; nothing here pretends to
# be a service start.

UNIT=$(dirname "${BASH_SOURCE[0]}")/../../contrib/systemd/nsmon.service
CAPS_FILE=$(dirname "${BASH_SOURCE[0]}")/../../contrib/capabilities

_need_analyze() {
	command -v systemd-analyze >/dev/null ||
		skip "systemd-analyze (Debian systemd) is missing"
}

# The unit as written, but ExecStart on this build (verify wants the
# binary to exist); man pages are not installed here: --man=no.
test_systemd_unit_verify() {
	_need_analyze
	local caps want
	sed "s|/usr/bin/nsmon|$NSMON_PLAIN|" "$UNIT" >"$T_DIR/nsmon.service"
	systemd-analyze verify --man=no "$T_DIR/nsmon.service" >"$T_DIR/verify" 2>&1 ||
		fail "systemd-analyze verify: $(cat "$T_DIR/verify")"
	[[ ! -s $T_DIR/verify ]] || fail "systemd-analyze verify says: $(cat "$T_DIR/verify")"
	want=$(sed -n 's/^\(CAP_[A-Z_]*\)$/\1/p' "$CAPS_FILE" | sort | paste -sd' ')
	for key in CapabilityBoundingSet AmbientCapabilities; do
		caps=$(sed -n "s/^$key=//p" "$UNIT" | tr ' ' '\n' | sort | paste -sd' ')
		[[ $caps == "$want" ]] || fail "$key=$caps, contrib/capabilities has $want"
	done
	grep -q '^ExecStart=/usr/bin/nsmon serve --events-stdout ' "$UNIT" ||
		fail "ExecStart is not serve --events-stdout"
	grep -q '^Type=notify$' "$UNIT" || fail "not Type=notify"
	note "no systemd runs here: the unit is verified offline only"
}

test_systemd_security() {
	_need_analyze
	local score
	(cd "$T_DIR" && systemd-analyze security --offline=true --no-pager "$(cd - >/dev/null && realpath "$UNIT")") \
		>"$T_DIR/security" 2>&1 || true
	score=$(sed -n 's/.*Overall exposure level for nsmon.service: \([0-9.]*\).*/\1/p' "$T_DIR/security")
	[[ -n $score ]] || fail "no exposure level: $(tail -n3 "$T_DIR/security")"
	awk -v s="$score" 'BEGIN { exit !(s <= 3.5) }' ||
		fail "exposure $score, want 3.5 or lower: $(grep '✗' "$T_DIR/security" | head -n 20)"
	note "systemd-analyze security --offline: exposure $score"
}

# A datagram socket as the manager's end: each message a line of
# $T_DIR/notify.log ('|' for newlines); at READY=1 it asks serve's /readyz
# at once and writes its status (the URL from serve's "listening on").
_notify_recv() {
	cat >"$T_DIR/recv.py" <<-'EOP'
		import re, socket, sys, urllib.request
		addr, log, err = sys.argv[1:4]
		s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
		s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
		out = open(log, "a", buffering=1)
		print("bound", file=out)
		while True:
		    m = s.recv(4096).decode()
		    print(m.replace("\n", "|"), file=out)
		    if m.startswith("READY=1") and err != "-":
		        url = re.search(r"listening on (http://\S+)", open(err).read()).group(1)
		        try:
		            code = urllib.request.urlopen(url + "/readyz").status
		        except urllib.error.HTTPError as e:
		            code = e.code
		        print("readyz %d" % code, file=out)
		    if m.startswith("STOPPING=1"):
		        break
	EOP
	spawn R python3 "$T_DIR/recv.py" "$1" "$T_DIR/notify.log" "$2"
	wait_for "the notify socket" grep -q '^bound$' "$T_DIR/notify.log"
}

# serve: READY=1 after /readyz answers 200 (its sink sees the start sync
# first), WATCHDOG=1 again and again, STOPPING=1 last; abstract socket.
test_systemd_notify_serve() {
	local rc=0
	_notify_recv "@$T_UNIQ" "$T_DIR/S.err"
	NOTIFY_SOCKET=@$T_UNIQ WATCHDOG_USEC=400000 \
		spawn S "$NSMON" serve --listen 127.0.0.1:0 --log-format=journal
	wait_for "READY=1 and /readyz" grep -q '^readyz ' "$T_DIR/notify.log"
	grep -q '^readyz 200$' "$T_DIR/notify.log" ||
		fail "READY=1 came while /readyz said $(grep '^readyz' "$T_DIR/notify.log")"
	wait_for "a second WATCHDOG=1 after READY=1" eval \
		"[[ \$(sed -n '/^READY=1/,\$p' '$T_DIR/notify.log' | grep -c '^WATCHDOG=1\$') -ge 2 ]]"
	kill -TERM "$S"
	wait "$S" || rc=$?
	[[ $rc -eq 0 ]] || fail "serve exited $rc on SIGTERM"
	_t_sanitizers "$T_DIR/S.err" "nsmon serve"
	wait "$R" || fail "the notify receiver did not see STOPPING=1"
	[[ $(grep -c '^READY=1' "$T_DIR/notify.log") -eq 1 ]] || fail "READY=1 not once"
	[[ $(tail -n1 "$T_DIR/notify.log") == STOPPING=1 ]] ||
		fail "STOPPING=1 is not the last message: $(tail -n1 "$T_DIR/notify.log")"
	grep -q '^<6>nsmon serve: listening on ' "$T_DIR/S.err" ||
		fail "--log-format=journal: no <6> on the listening line: $(head -n1 "$T_DIR/S.err")"
}

# watch, a socket by path, no watchdog: READY=1 after the start sync is
# on stdout, no WATCHDOG=1; SIGHUP is a resync (sync, reason signal).
test_systemd_notify_watch() {
	_notify_recv "$T_DIR/notify.sock" -
	NOTIFY_SOCKET=$T_DIR/notify.sock spawn W "$NSMON" watch --json
	wait_for "READY=1" grep -q '^READY=1' "$T_DIR/notify.log"
	grep -q '"event":"sync"' "$T_DIR/W.out" || fail "READY=1 before the start sync"
	kill -HUP "$W"
	wait_for "the resync on SIGHUP" grep -q '"reason":"signal"' "$T_DIR/W.out"
	kill -TERM "$W"
	wait "$W" || fail "watch exited $? on SIGTERM"
	_t_sanitizers "$T_DIR/W.err" "nsmon watch"
	wait "$R" || fail "the notify receiver did not see STOPPING=1"
	! grep -q '^WATCHDOG=1' "$T_DIR/notify.log" || fail "WATCHDOG=1 without WATCHDOG_USEC"
}

# --log-format=journal: a missing capability is a warning <4>, a failure
# to load the feed an error <3>; plain has no prefix; a bad value is
# bad usage.
test_systemd_log_format() {
	local rc=0
	setpriv --reuid 65534 --regid 65534 --clear-groups "$NSMON_PLAIN" watch \
		--log-format=journal >/dev/null 2>"$T_DIR/err" </dev/null || rc=$?
	[[ $rc -eq 1 ]] || fail "watch without capabilities: exit status $rc"
	grep -q '^<4>nsmon watch: without CAP_BPF: ' "$T_DIR/err" ||
		fail "no <4> line naming CAP_BPF: $(cat "$T_DIR/err")"
	! grep -qv '^<[0-7]>' "$T_DIR/err" || fail "a line without a priority: $(grep -v '^<[0-7]>' "$T_DIR/err")"
	rc=0
	setpriv --reuid 65534 --regid 65534 --clear-groups "$NSMON_PLAIN" watch \
		--log-format=plain >/dev/null 2>"$T_DIR/err" </dev/null || rc=$?
	grep -q '^nsmon watch: without CAP_BPF: ' "$T_DIR/err" || fail "plain: $(cat "$T_DIR/err")"
	run_nsmon "$NSMON" watch --log-format=syslog
	[[ $RC -eq 2 ]] || fail "--log-format=syslog: exit status $RC, want 2"
	grep -q "invalid log format 'syslog' for --log-format" "$ERR" || fail "$(cat "$ERR")"
}
