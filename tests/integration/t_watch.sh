# t_watch.sh - `nsmon watch`: the exact events of namespaces made here, and
# the invariants of the whole stream (SPEC "Events").
#
# Other processes on the host make namespaces too: a test looks only at
# the events of the pids and namespace ids it made.

here_watch=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# watch_start [ARGS...]: the ASan nsmon watch --json (or --text, if
# ARGS say so: the two are mutually exclusive) in the background, its
# stream in $WOUT; returns once the start sync is out.
watch_start() {
	local fmt=--json
	[[ " $* " != *" --text "* ]] || fmt=
	spawn W "$NSMON" watch $fmt "$@"
	WOUT=$T_DIR/W.out
	WNOINIT=false
	[[ " $* " != *" --no-initial "* ]] || WNOINIT=true
	watch_wait_sync
}

# watch_wait_sync: until nsmon watch ($W) has put out its start sync.
watch_wait_sync() {
	local i
	for ((i = 0; i < 300; i++)); do
		grep -qE '"event":"sync"| sync +start' "$WOUT" 2>/dev/null && return 0
		kill -0 "$W" 2>/dev/null || break
		sleep 0.1
	done
	cat "$T_DIR/W.err" >&2
	fail "nsmon watch did not start: $(head -n1 "$T_DIR/W.err")"
}

# watch_stop: SIGINT, which detaches and drains: every event of what
# finished before is in $WOUT afterwards.  Exit status 0, no sanitizer
# report, and the stream keeps SPEC's invariants.
watch_stop() {
	local rc=0
	kill -INT "$W"
	wait "$W" || rc=$?
	# the stamper (watch_start_stamped) copies the last lines after the
	# watch has exited: WOUT is whole only once it has read to the end
	if [[ -n ${S:-} ]]; then
		wait "$S" || true
		S=
	fi
	_t_sanitizers "$T_DIR/W.err" "nsmon watch"
	[[ $rc -eq 0 ]] || { cat "$T_DIR/W.err" >&2; fail "nsmon watch exited $rc on SIGINT"; }
	check_stream
}

# The stream keeps SPEC's invariants (check_events.py: seq, fields, one
# destroy per create, a sync after every lost).
check_stream() {
	local why
	why=$(python3 "$here_watch/check_events.py" "$WOUT" 2>&1) ||
		{ echo "$why" >&2; fail "nsmon watch stream: $(head -n1 <<<"$why")"; }
}

# lost_then_sync: every lost is followed by its own sync, reason lost,
# with only that sync's corrections (via sweep) between them: never a
# second lost, nor any other event, before it.
lost_then_sync() {
	jq -se '. as $e | [range(0; length) | select($e[.].event == "lost")]
		| all(.[]; . as $i | [$e[$i + 1:][] | select(.via != "sweep")][0]
			| .event == "sync" and .reason == "lost")' "$WOUT" >/dev/null
}

# events FILTER [JQ ARGS...]: the events FILTER selects, as a JSON array.
events() {
	local filter=$1
	shift
	jq -cs "$@" "[.[] | select($filter)]" "$WOUT"
}

# expect_json WHAT GOT WANT: two JSON values, equal after jq -S.
expect_json() {
	local got want
	got=$(jq -cS . <<<"$2")
	want=$(jq -cS . <<<"$3")
	[[ $got == "$want" ]] || fail "$1: got $got, want $want"
}

# nsid_of PATH: the kernel's id of the namespace at PATH (NS_GET_ID,
# 6.18+), never reused, unlike inode numbers: other processes on this
# host make and drop namespaces all the time.
nsid_of() {
	python3 -c 'import fcntl, os, struct, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
print(struct.unpack("Q", fcntl.ioctl(fd, 0x8008b70d, bytes(8)))[0])' "$1" ||
		fail "NS_GET_ID of $1"
}

# of_nsid NSID: the events of that namespace, as a JSON array.
of_nsid() {
	events '.ns.ns_id == $n' --argjson n "$1"
}

# A destroy that a sweep made after a loss (the feed dropped records
# under load: other processes churn namespaces here) may come before the
# liveness check; with a lost event in the stream, accept via sweep.
lossy_via() {
	if jq -se 'any(.[]; .event == "lost")' "$WOUT" >/dev/null; then
		jq -c --arg v "$1" 'map(if .event == "destroy" and .via == "sweep" then .via = $v else . end)'
	else
		cat
	fi
}

test_watch_start_sync() {
	watch_start
	watch_stop
	local first n_start sync
	first=$(jq -sc '.[0] | {seq, event}' "$WOUT")
	expect_json "first event" "$first" '{"seq":1,"event":"create"}'
	n_start=$(events '.event == "create" and .via == "start"' | jq length)
	sync=$(events '.event == "sync"' | jq -c '.[0] | {reason, namespaces, corrected}')
	expect_json "start sync" "$sync" \
		"{\"reason\":\"start\",\"namespaces\":$n_start,\"corrected\":{\"created\":0,\"destroyed\":0}}"
	# our own namespaces are among them, with the type they have
	local t id
	for t in mnt net uts ipc user; do
		id=$(ns_ino $$ "$t")
		[[ $(events '.event == "create" and .ns.id == $id' --argjson id "$id" |
			jq -r '.[0].ns.type') == "$t" ]] ||
			fail "no start create of our $t namespace $id"
	done
	# RFC 3339 with nanoseconds, in UTC
	jq -se 'all(.[]; .time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{9}Z$"))' \
		"$WOUT" >/dev/null || fail "a time is not RFC 3339 with ns"
}

test_watch_unshare_net() {
	watch_start --no-initial
	local p
	unshare -n true &
	p=$!
	wait "$p"
	watch_stop
	local got
	got=$(events '.pid == $p and .event != "switch"' --argjson p "$p" |
		jq -c 'map({event, type: .ns.type, via})')
	expect_json "events of unshare -n true (pid $p)" "$got" \
		'[{"event":"create","type":"net","via":"unshare"},
		  {"event":"destroy","type":"net","via":"exit"}]'
	# one namespace: created, switched to, destroyed
	jq -se --argjson p "$p" '[.[] | select(.pid == $p)] as $e
		| ($e[0].ns.id) as $id
		| $id > 0 and $e[-1].ns.id == $id and
		  ([$e[] | select(.event == "switch") | .changes] ==
		   [[{type: "net", from: $e[1].changes[0].from, to: $id}]])' \
		"$WOUT" >/dev/null || {
		events '.pid == $p' --argjson p "$p" >&2
		fail "unshare -n true: create, switch and destroy disagree on the id"
	}
}

test_watch_unshare_three() {
	watch_start --no-initial
	local p ids got
	unshare -u -i -m sleep 1000 &
	p=$!
	defer kill_pid "$p"
	wait_unshared "$p" uts
	ids=$(for t in ipc mnt uts; do ns_ino "$p" "$t"; done | jq -sc 'sort')
	kill -TERM "$p"
	wait "$p" || true
	watch_stop
	got=$(events '.pid == $p and .event == "create"' --argjson p "$p" |
		jq -c 'map({type: .ns.type, via}) | sort_by(.type)')
	expect_json "creates of unshare -u -i -m (pid $p)" "$got" \
		'[{"type":"ipc","via":"unshare"},{"type":"mnt","via":"unshare"},{"type":"uts","via":"unshare"}]'
	expect_json "ids created" \
		"$(events '.pid == $p and .event == "create"' --argjson p "$p" | jq -c 'map(.ns.id) | sort')" "$ids"
	got=$(events '.pid == $p and .event == "destroy"' --argjson p "$p" |
		jq -c 'map({id: .ns.id, via}) | sort_by(.id)')
	expect_json "destroys at the exit of pid $p" "$got" \
		"$(jq -c 'map({id: ., via: "exit"})' <<<"$ids")"
}

# Tasks in namespaces of their own made before the agent started: the
# agent marks them as it starts (nsm_mark), so their exit is followed by
# the feed (via exit, with the pid), as for those born under it; and a
# child one of them forks later, marked at its fork because its parent
# is (unmarked, its exit would wait for a check).
test_watch_exit_preexisting() {
	local p q c ids qids quts got
	unshare -i sleep 1000 &
	p=$!
	defer kill_pid "$p"
	mkfifo "$T_DIR/go"
	unshare -u -i bash -c 'read -r _ <"$1"; sleep 1000 & echo $! >"$2"; wait' \
		_ "$T_DIR/go" "$T_DIR/c.pid" &
	q=$!
	defer kill_pid "$q"
	wait_unshared "$p" ipc
	wait_unshared "$q" uts
	ids=$(ns_ino "$p" ipc | jq -sc .)
	qids=$(for t in ipc uts; do ns_ino "$q" "$t"; done | jq -sc 'sort')
	quts=$(ns_ino "$q" uts)
	watch_start --no-initial
	echo go >"$T_DIR/go"
	wait_for "the child of pid $q" test -s "$T_DIR/c.pid"
	c=$(<"$T_DIR/c.pid")
	defer kill_pid "$c"
	kill -TERM "$p" "$q"
	wait "$p" "$q" || true
	kill -TERM "$c"
	wait_for "the destroy of uts:[$quts]" has_destroy "$quts"
	watch_stop
	got=$(events '.event == "destroy" and .pid == $p' --argjson p "$p" |
		jq -c 'map({id: .ns.id, via})')
	expect_json "destroys at the exit of pid $p, older than the agent" "$got" \
		"$(jq -c 'map({id: ., via: "exit"})' <<<"$ids")"
	got=$(events '.event == "destroy" and .pid == $c' --argjson c "$c" |
		jq -c 'map({id: .ns.id, via}) | sort_by(.id)')
	expect_json "destroys at the exit of pid $c, forked by pid $q" "$got" \
		"$(jq -c 'map({id: ., via: "exit"})' <<<"$qids")"
}

# ip netns add: a create (ip unshares, pins the namespace with a bind
# mount and goes back); no destroy while the bind mount holds it.  ip
# netns del unmounts it: the feed's umount hint, then a liveness check
# (no SIGHUP, no --resync) reports the destroy via umount.
test_watch_ip_netns() {
	local name=$T_UNIQ id got
	watch_start --no-initial
	ip netns add "$name"
	defer _netns_del "$name"
	local nsid
	id=$(stat -L -c %i "/run/netns/$name")
	nsid=$(nsid_of "/run/netns/$name")
	kill -HUP "$W"
	wait_for "a sync on SIGHUP" grep -q '"reason":"signal"' "$WOUT"
	got=$(of_nsid "$nsid" | jq -c 'map({event, type: .ns.type, via, comm})')
	expect_json "events of ip netns add ($id)" "$got" \
		'[{"event":"create","type":"net","via":"unshare","comm":"ip"}]'
	ip netns del "$name"
	wait_for "the destroy of net:[$id] after ip netns del" has_destroy "$id"
	watch_stop
	got=$(of_nsid "$nsid" | lossy_via umount | jq -c 'map({event, via})')
	expect_json "events of ip netns add, del ($id)" "$got" \
		'[{"event":"create","via":"unshare"},{"event":"destroy","via":"umount"}]'
}

# has_destroy ID: the stream so far has a destroy of namespace ID.
has_destroy() {
	jq -se --argjson id "$1" 'any(.[]; .event == "destroy" and .ns.id == $id)' \
		"$WOUT" >/dev/null
}

_netns_del() {
	ip netns del "$1" 2>/dev/null || true
}

test_watch_nsenter_switch() {
	local h n net mine got
	spawn H unshare -n sleep 1000
	wait_unshared "$H" net
	net=$(ns_ino "$H" net)
	mine=$(ns_ino $$ net)
	watch_start --no-initial
	nsenter -t "$H" -n true &
	n=$!
	wait "$n"
	watch_stop
	got=$(events '.pid == $n' --argjson n "$n" | jq -c 'map({event, via, changes})')
	expect_json "events of nsenter -t $H -n (pid $n)" "$got" \
		"[{\"event\":\"switch\",\"via\":\"setns\",\"changes\":[{\"type\":\"net\",\"from\":$mine,\"to\":$net}]}]"
}

test_watch_types_filter() {
	watch_start --types uts
	local p
	unshare -u -n true &
	p=$!
	wait "$p"
	watch_stop
	jq -se 'all(.[]; .event == "sync" or .event == "lost" or .ns.type == "uts" or
		(.changes | all(.type == "uts")))' "$WOUT" >/dev/null ||
		fail "--types uts let other types through"
	expect_json "uts events of pid $p" \
		"$(events '.pid == $p' --argjson p "$p" | jq -c 'map(.event)')" \
		'["create","switch","destroy"]'
}

# A sync says whether its sweep was whole: without CAP_SYS_PTRACE what
# other users' processes hold is hidden from it (complete false, and why
# on stderr); with every capability, complete.
test_watch_sync_complete() {
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is missing"
	local p
	spawn p setpriv --reuid=65534 --regid=65534 --clear-groups unshare -U sleep 1000
	watch_start --no-initial
	watch_stop
	events '.event == "sync"' | jq -e 'length == 1 and all(.complete == true)' >/dev/null ||
		fail "a whole sweep's sync: $(events '.event == "sync"')"
	spawn W setpriv --bounding-set=-sys_ptrace "$NSMON" watch --json --no-initial
	WOUT=$T_DIR/W.out
	watch_wait_sync
	watch_stop
	events '.event == "sync"' | jq -e 'length == 1 and .[0].complete == false' >/dev/null ||
		fail "a sweep without CAP_SYS_PTRACE: $(events '.event == "sync"')"
	grep -q "^nsmon: without CAP_SYS_PTRACE: " "$T_DIR/W.err" ||
		fail "no word of the missing capability: $(head -c 300 "$T_DIR/W.err")"
}

test_watch_text() {
	watch_start --text --no-initial
	unshare -u true
	watch_stop_text
}

watch_stop_text() {
	local rc=0
	kill -INT "$W"
	wait "$W" || rc=$?
	_t_sanitizers "$T_DIR/W.err" "nsmon watch --text"
	[[ $rc -eq 0 ]] || fail "nsmon watch --text exited $rc"
	grep -qE '^[0-9T:.-]+Z +1 sync +start: [0-9]+ namespaces' "$WOUT" ||
		fail "--text: no start sync line: $(head -n1 "$WOUT")"
	grep -qE ' create +uts:\[[0-9]+\] via unshare pid [0-9]+/[0-9]+ \(unshare\)' "$WOUT" ||
		fail "--text: no create line for unshare -u: $(cat "$WOUT")"
}

test_watch_closed_stdout() {
	local rc=0 out
	out=$(set +o pipefail; timeout -k 5 30 "$NSMON" watch 2>"$T_DIR/err" | head -n 2 | wc -l) || true
	[[ $out -eq 2 ]] || fail "watch | head -n 2: $out lines"
	timeout -k 5 30 "$NSMON" watch 2>"$T_DIR/err" | head -n 1 >/dev/null || rc=${PIPESTATUS[0]}
	[[ $rc -eq 0 ]] || fail "watch | head: exit status $rc"
	_t_sanitizers "$T_DIR/err" "nsmon watch | head"
	[[ ! -s $T_DIR/err ]] || fail "watch | head: wrote to stderr: $(head -n1 "$T_DIR/err")"
}

test_watch_usage() {
	run_nsmon "$NSMON" watch --help
	[[ $RC -eq 0 ]] || fail "watch --help: exit status $RC"
	local o
	for o in --json --text --types --ring-size --no-initial --resync --max-delay; do
		grep -q -- "$o" "$OUT" || fail "watch --help does not list $o"
	done
	run_nsmon "$NSMON" --help
	grep -qw watch "$OUT" || fail "nsmon --help does not list watch"
	run_nsmon "$NSMON" watch --ring-size lots
	[[ $RC -eq 2 ]] || fail "watch --ring-size lots: exit status $RC, want 2"
	run_nsmon "$NSMON" watch --types net,bogus
	[[ $RC -eq 2 ]] || fail "watch --types net,bogus: exit status $RC, want 2"
	for o in -1 100001 5ms; do
		run_nsmon "$NSMON" watch --max-delay "$o"
		[[ $RC -eq 2 ]] || fail "watch --max-delay $o: exit status $RC, want 2"
	done
}

# A burst: two threads unsharing their uts namespace 20,000 times a
# second (a create, a switch and a destroy each) is read on a timer (the
# default: no wakeup per record) or with a wakeup per record
# (--max-delay 0): the same exact events either way, nothing lost.
test_watch_burst() {
	local delay res n p got
	for delay in 250 0; do
		watch_start --no-initial --max-delay "$delay" -t uts
		spawn p "$NSLOOP" -u 20000 0.3 2
		wait "$p" || fail "nsloop -u failed: $(cat "$T_DIR/p.err")"
		res=$(cat "$T_DIR/p.out")
		n=${res#unshares=}
		n=${n%% *}
		# the burst is over: back to sleeping until the kernel wakes it
		# (a timed read every 250 us would be ~8,000 wakeups in 2 s)
		local v0 v1
		v0=$(awk '$1 == "voluntary_ctxt_switches:" { print $2 }' "/proc/$W/status")
		sleep 2
		v1=$(awk '$1 == "voluntary_ctxt_switches:" { print $2 }' "/proc/$W/status")
		[[ $((v1 - v0)) -lt 1000 ]] ||
			fail "--max-delay $delay: $((v1 - v0)) wakeups in the 2 s after the burst"
		watch_stop
		# the threads' namespaces: each made by one unshare, gone by
		# the next one or by the thread's exit
		got=$(jq -cs --argjson p "$p" '
			[.[] | select(.event == "create" and .via == "unshare" and .pid == $p)
			 | [.ns.id, .ns.ns_id]] as $c
			| {creates: ($c | length),
			   destroys: [.[] | select(.event == "destroy") | [.ns.id, .ns.ns_id]
				      | select(. as $k | $c | index([$k]))] | length,
			   lost: [.[] | select(.event == "lost")] | length}' "$WOUT")
		expect_json "nsloop -u ($res) with --max-delay $delay" "$got" \
			"{\"creates\":$n,\"destroys\":$n,\"lost\":0}"
	done
}

test_watch_unprivileged() {
	command -v setpriv >/dev/null || skip "no setpriv"
	local rc=0
	setpriv --reuid=65534 --regid=65534 --clear-groups "$NSMON_PLAIN" watch \
		>"$T_DIR/out" 2>"$T_DIR/err" </dev/null || rc=$?
	[[ $rc -eq 1 ]] || fail "watch as nobody: exit status $rc, want 1"
	# one line per capability missing, naming it (nsm_privs[])
	grep -q '^nsmon watch: without CAP_BPF: ' "$T_DIR/err" &&
		grep -q '^nsmon watch: without CAP_PERFMON: ' "$T_DIR/err" ||
		fail "watch as nobody: does not say what is missing: $(cat "$T_DIR/err")"
}

# A reader that stalls with a one-page ring buffer: the feed loses
# records, says how many (lost), and a sweep (sync, reason lost) puts
# the namespaces it missed into the stream (via sweep): the stream keeps
# its invariants and still ends with the exact destroys.
_cont() { kill -CONT "$1" 2>/dev/null || true; }

# _our_creates IDS PIDS: the creates of those uts namespaces by those
# pids (other processes on this host may reuse the inode numbers).
_our_creates() {
	events '.event == "create" and .ns.type == "uts" and (.ns.id as $i | $ids | index($i))
		and (.pid as $p | $ps | index($p))' --argjson ids "$1" --argjson ps "$2"
}

test_watch_lost_resync() {
	watch_start --ring-size 4096
	local i pids=() ids=() got want ps nsids
	kill -STOP "$W"
	defer _cont "$W"
	for ((i = 0; i < 20; i++)); do
		unshare -u sleep 1000 &
		pids+=("$!")
		defer kill_pid "$!"
	done
	for i in "${pids[@]}"; do
		wait_unshared "$i" uts
		ids+=("$(ns_ino "$i" uts)")
	done
	want=$(printf '%s\n' "${ids[@]}" | jq -sc 'sort')
	ps=$(printf '%s\n' "${pids[@]}" | jq -sc .)
	kill -CONT "$W"
	# the records that fit, then the loss-resync's sweep: all 20 are in
	# the stream before they go (a loss-resync that began before the
	# STOP, other processes here fill a 4 KiB ring too, saw none of them:
	# not any sync after a lost will do)
	wait_for "the creates of the 20 uts namespaces" \
		eval '[[ $(_our_creates "$want" "$ps" | jq length) -ge 20 ]]'
	for i in "${pids[@]}"; do kill -TERM "$i"; wait "$i" || true; done
	watch_stop
	events '.event == "lost"' | jq -e 'length >= 1 and all(.[]; .count > 0)' >/dev/null ||
		fail "no lost event with a count"
	lost_then_sync || fail "a lost event is not followed by its own sync"
	got=$(_our_creates "$want" "$ps" | jq -c 'map(.ns.id) | sort')
	expect_json "one create of each of the 20 uts namespaces" "$got" "$want"
	nsids=$(_our_creates "$want" "$ps" | jq -c 'map(.ns.ns_id)')
	got=$(events '.event == "destroy" and (.ns.ns_id as $i | $n | index($i))' \
		--argjson n "$nsids" | jq -c 'map(.ns.id) | sort')
	expect_json "one destroy of each of the 20 uts namespaces" "$got" "$want"
	events '.event == "create" and .via == "sweep"' | jq -e 'length >= 1' >/dev/null ||
		fail "nothing was created via sweep after the loss"
}

# User and PID namespaces outlive the exit tracepoint (credentials and
# struct pids hold them): the exit is a hint, the liveness checks after
# it report them (via exit), before any sweep; a SIGHUP sweep then
# corrects nothing of theirs.  unshare -U -p -f: the user ns by the
# unshare, the PID ns at the first fork into it.
test_watch_sighup_resync() {
	watch_start --no-initial --resync 3600
	local ids got
	# other processes on this host make namespaces too: know ours by ns_id
	unshare -U -p -f python3 -c 'import fcntl, os, struct
for t in ("user", "pid"):
    fd = os.open("/proc/self/ns/" + t, os.O_RDONLY)
    print(struct.unpack("Q", fcntl.ioctl(fd, 0x8008b70d, bytes(8)))[0])' >"$T_DIR/ns"
	ids=$(jq -sc . "$T_DIR/ns")
	wait_for "the destroys of $ids" eval \
		"[[ \$(events '.event == \"destroy\" and (.ns.ns_id as \$i | \$ids | index(\$i))' --argjson ids '$ids' | jq length) -eq 2 ]]"
	kill -HUP "$W"
	wait_for "a sync on SIGHUP" grep -q '"reason":"signal"' "$WOUT"
	watch_stop
	got=$(events '.event == "create" and (.ns.ns_id as $i | $ids | index($i))' --argjson ids "$ids" |
		jq -c 'map({type: .ns.type, via, comm})')
	expect_json "creates of unshare -U -p -f" "$got" \
		'[{"type":"user","via":"unshare","comm":"unshare"},{"type":"pid","via":"clone","comm":"unshare"}]'
	got=$(events '.event == "destroy" and (.ns.ns_id as $i | $ids | index($i))' --argjson ids "$ids" |
		lossy_via exit | jq -c 'map({type: .ns.type, via}) | sort_by(.type)')
	expect_json "destroys of its user and PID namespaces" "$got" \
		'[{"type":"pid","via":"exit"},{"type":"user","via":"exit"}]'
}

# A second thread unshares its uts namespace: created by that tid, and
# destroyed at that thread's exit (it is the last task of its nsproxy).
test_watch_thread_unshare() {
	watch_start --no-initial
	spawn T "$NSHOLD" thread uts
	wait_ready T
	local id tid got nsid
	id=$(kv T id)
	tid=$(kv T tid)
	nsid=$(nsid_of "/proc/$T/task/$tid/ns/uts")
	kill_pid "$T"
	watch_stop
	got=$(of_nsid "$nsid" | jq -c 'map({event, via, pid, tid})')
	expect_json "events of uts:[$id], unshared by thread $tid of $T" "$got" \
		"[{\"event\":\"create\",\"via\":\"unshare\",\"pid\":$T,\"tid\":$tid},
		  {\"event\":\"destroy\",\"via\":\"exit\",\"pid\":$T,\"tid\":$tid}]"
}

# Only an open fd holds the namespace: nshold closes it (SIGUSR1) and
# lives on; the close of an nsfs fd is a hint, a liveness check finds
# the namespace gone: destroy via close, without a sweep.
test_watch_fd_held() {
	watch_start --no-initial
	spawn F "$NSHOLD" fd net
	wait_ready F
	local id got nsid
	id=$(kv F id)
	nsid=$(nsid_of "/proc/$F/fd/$(kv F fd)")
	kill -USR1 "$F"
	wait_for "nshold to close its fd" grep -q '^closed$' "$T_DIR/F.out"
	wait_for "the destroy of net:[$id] after its fd is closed" has_destroy "$id"
	kill -0 "$F" || fail "nshold $F died"
	kill_pid "$F"
	watch_stop
	got=$(of_nsid "$nsid" | lossy_via close | jq -c 'map({event, via})')
	expect_json "events of net:[$id], held by an fd of $F" "$got" \
		'[{"event":"create","via":"unshare"},{"event":"destroy","via":"close"}]'
	# the setns back to our net ns is a switch, and destroys nothing
	got=$(events '.pid == $p and .event == "switch"' --argjson p "$F" | jq -c 'map(.via)')
	expect_json "switches of $F" "$got" '["unshare","setns"]'
}

# A socket holder for the tests below: nshold started right after the
# agent's start, the net namespace it made held only by its socket; in
# $H_ID, $H_START (ns).  nshold's own close of an nsfs fd (after its
# setns back) is a hint whose checks end 3 s later, and the safety net
# is due 5 s after the start: quiet_checks sleeps to 3.6 s after it, so
# that from there only a new hint can find the namespace gone soon.
socket_holder() {
	watch_start_stamped --no-initial
	H_START=$(date +%s%N)
	spawn F "$NSHOLD" socket
	wait_ready F
	H_ID=$(kv F id)
}
quiet_checks() {
	sleep "$(awk -v s="$H_START" -v n="$(date +%s%N)" 'BEGIN { printf "%.3f", 3.6 - (n - s) / 1e9 }')"
}

# expect_socket_destroy WHAT T0: after watch_stop, the events of $H_ID
# are its create by unshare and a destroy via close, read less than
# 700 ms after T0 (ns; the safety net would be over 1 s)
expect_socket_destroy() {
	local nsid got seq t1
	# a socket is not an nsfs file: its ns_id from the create
	nsid=$(events '.event == "create" and .ns.id == $id' --argjson id "$H_ID" |
		jq '.[0].ns.ns_id')
	got=$(of_nsid "$nsid" | lossy_via close | jq -c 'map({event, via})')
	expect_json "events of net:[$H_ID], held by a socket of $F" "$got" \
		'[{"event":"create","via":"unshare"},{"event":"destroy","via":"close"}]'
	seq=$(of_nsid "$nsid" | jq '.[] | select(.event == "destroy") | .seq')
	t1=$(awk -v s="$seq" '$2 == s { print $1 }' "$T_DIR/W.stamps")
	[[ -n $t1 ]] || fail "no read time for the destroy (seq $seq)"
	(((t1 - $2) / 1000000 < 700)) ||
		fail "the destroy of net:[$H_ID] was read $(((t1 - $2) / 1000000)) ms after $1 (the 5 s check, not a hint)"
}

# A net namespace held only by a socket of a process that lives on (it
# went there, made the socket and came back): its close() is a hint
# naming that namespace (nsm_close: a socket of another net namespace
# than the closer's), checked 10 ms later, not at the 5 s safety net.
test_watch_socket_close() {
	local t0
	socket_holder
	quiet_checks
	t0=$(date +%s%N)
	kill -USR1 "$F"
	wait_for "nshold to close its socket" grep -q '^closed$' "$T_DIR/F.out"
	wait_for "the destroy of net:[$H_ID] after its socket is closed" has_destroy "$H_ID"
	kill -0 "$F" || fail "nshold $F died"
	kill_pid "$F"
	watch_stop
	expect_socket_destroy "the close" "$t0"
}

# The same holder, started after the agent's sweep, exits: its socket
# is closed after the exit tracepoint.  Its setns back made it a holder
# (nsm_setns_exit), so its exit is a hint, as a holder's the sweep saw.
test_watch_setns_holder_exit() {
	local t0
	socket_holder
	quiet_checks
	t0=$(date +%s%N)
	kill_pid "$F"
	wait_for "the destroy of net:[$H_ID] after its holder's exit" has_destroy "$H_ID"
	watch_stop
	expect_socket_destroy "the exit" "$t0"
}

# The process that holds the only fd (here a socket) exits: exit_files()
# closes it after the exit tracepoint.  The holder is known from the
# start sweep, so its exit is a hint: destroy via close, without a sweep.
test_watch_fd_holder_exit() {
	spawn F "$NSHOLD" socket
	wait_ready F
	local id got
	id=$(kv F id)
	watch_start
	kill_pid "$F"
	wait_for "the destroy of net:[$id] after its holder's exit" has_destroy "$id"
	watch_stop
	# with --no-initial the start creates are left out, but known
	local nsid
	nsid=$(events '.event == "create" and .via == "start" and .ns.id == $id' --argjson id "$id" |
		jq '.[0].ns.ns_id')
	got=$(of_nsid "$nsid" | lossy_via close | jq -c 'map({event, via})')
	expect_json "events of net:[$id], held by a socket of $F" "$got" \
		'[{"event":"create","via":"start"},{"event":"destroy","via":"close"}]'
}

# unshare -U: the user namespace is held by credentials, put through RCU
# after the exit tracepoint.  The exit of a process in a non-initial user
# namespace is a hint; the checks that follow it find it gone.
test_watch_userns_exit() {
	watch_start --no-initial
	local p id got nsid
	unshare -U sleep 1000 &
	p=$!
	defer kill_pid "$p"
	wait_unshared "$p" user
	id=$(ns_ino "$p" user)
	nsid=$(nsid_of "/proc/$p/ns/user")
	kill -TERM "$p"
	wait "$p" || true
	wait_for "the destroy of user:[$id] after the exit of $p" has_destroy "$id"
	watch_stop
	got=$(of_nsid "$nsid" | lossy_via exit | jq -c 'map({event, type: .ns.type, via})')
	expect_json "events of user:[$id] (unshare -U, pid $p)" "$got" \
		'[{"event":"create","type":"user","via":"unshare"},{"event":"destroy","type":"user","via":"exit"}]'
}

# Three nested user namespaces: each created once, its parent the one
# before.
test_watch_userns_nested() {
	watch_start --no-initial
	spawn U "$NSHOLD" userns 3
	wait_ready U
	local u0 u1 u2 u3 got
	u0=$(ns_ino $$ user)
	u1=$(kv U user1) u2=$(kv U user2) u3=$(kv U user3)
	watch_stop
	got=$(events '.pid == $p and .event == "create"' --argjson p "$U" |
		jq -c 'map({id: .ns.id, type: .ns.type, parent: .ns.parent, owner: .ns.owner})')
	expect_json "user namespaces of $U" "$got" \
		"[{\"id\":$u1,\"type\":\"user\",\"parent\":$u0,\"owner\":$u0},
		  {\"id\":$u2,\"type\":\"user\",\"parent\":$u1,\"owner\":$u1},
		  {\"id\":$u3,\"type\":\"user\",\"parent\":$u2,\"owner\":$u2}]"
}

# unshare(CLONE_NEWPID) makes the namespace real only at the first fork:
# created then, by the child, via clone.
test_watch_pidns_first_fork() {
	watch_start --no-initial
	spawn C "$NSHOLD" children pid
	wait_ready C
	local id got nsid
	id=$(kv C id)
	nsid=$(nsid_of "/proc/$C/ns/pid_for_children")
	watch_stop
	got=$(of_nsid "$nsid" | jq -c 'map({event, type: .ns.type, via})')
	expect_json "events of pid:[$id] (pid_for_children of $C)" "$got" \
		'[{"event":"create","type":"pid","via":"clone"}]'
	of_nsid "$nsid" | jq -e --argjson c "$C" '.[0].pid != $c' >/dev/null ||
		fail "the pid namespace was not created by the child of $C"
}

# watch_start_stamped ARGS...: watch_start, with the time each line was
# read from nsmon's stdout in $T_DIR/W.stamps ("ns seq", CLOCK_REALTIME).
watch_start_stamped() {
	local fifo=$T_DIR/W.fifo
	WOUT=$T_DIR/W.out
	# not the last watch's lines: watch_wait_sync would find its sync
	rm -f "$fifo" "$T_DIR/W.stamps" "$WOUT"
	mkfifo "$fifo"
	python3 -c 'import json, sys, time
out, st = open(sys.argv[2], "wb"), open(sys.argv[3], "w")
for line in open(sys.argv[1], "rb"):
    t = time.time_ns()
    out.write(line)
    out.flush()
    st.write("%d %d\n" % (t, json.loads(line)["seq"]))
    st.flush()' "$fifo" "$WOUT" "$T_DIR/W.stamps" 2>>"$T_DIR/S.err" &
	S=$!
	defer kill_pid "$S"
	"$NSMON" watch --json "$@" >"$fifo" 2>>"$T_DIR/W.err" </dev/null &
	W=$!
	defer kill_pid "$W"
	watch_wait_sync
}

# lags JQFILTER: milliseconds from each selected event's time (the
# kernel's) to the moment its line was read, largest first.
lags() {
	jq -c "select($1) | [.seq, .time]" "$WOUT" | python3 -c 'import calendar, json, sys
read = dict(map(int, l.split()[::-1]) for l in open(sys.argv[1]))
out = []
for line in sys.stdin:
    seq, t = json.loads(line)
    s, frac = t.rstrip("Z").split(".")
    ns = calendar.timegm(tuple(map(int, s.replace("T", "-").replace(":", "-").split("-")))) * 10**9 + int(frac.ljust(9, "0"))
    out.append((read[seq] - ns) / 1e6)
print(" ".join("%.1f" % x for x in sorted(out, reverse=True)))' "$T_DIR/W.stamps"
}

# A task's exit does not wake the agent (SUB_LAZY, events.bpf.c): the
# records of a short-lived child that unshares and exits cost one wakeup,
# not two; its exit is read with the next child's create.  That create
# still wakes the agent at once, behind the unread exit (a forced
# wakeup: the default one is only for an empty ring); and once the agent
# has been idle for --exit-delay, an exit wakes it again.  Broken, either
# would leave a line unread until the agent's 250 ms poll.
test_watch_exit_lazy() {
	local v0 v1 got lag
	watch_start_stamped --no-initial -t net --exit-delay 1000
	v0=$(awk '$1 == "voluntary_ctxt_switches:" { print $2 }' "/proc/$W/status")
	"$NSLOOP" -l 200 2000 >"$T_DIR/l.out" || fail "nsloop -l failed"
	v1=$(awk '$1 == "voluntary_ctxt_switches:" { print $2 }' "/proc/$W/status")
	watch_stop
	got=$(jq -cs '[.[] | select(.comm == "nsloop")] |
		{creates: [.[] | select(.event == "create")] | length,
		 destroys: [.[] | select(.event == "destroy" and .via == "exit")] | length,
		 lost: [.[] | select(.event == "lost")] | length}' "$WOUT")
	expect_json "net events of 200 children of nsloop -l" "$got" \
		'{"creates":200,"destroys":200,"lost":0}'
	[[ $((v1 - v0)) -lt 280 ]] ||
		fail "200 children that unshare and exit: $((v1 - v0)) wakeups of the agent (an exit woke it)"
	lag=$(lags '.event == "create" and .comm == "nsloop"')
	awk -v l="${lag%% *}" 'BEGIN { exit !(l < 100) }' ||
		fail "a create behind an unread exit waited for the poll: lags (ms) ${lag:0:80}"

	watch_start_stamped --no-initial -t net --exit-delay 20
	sleep 0.5
	unshare -n sleep 0.05 || fail "unshare -n sleep"
	sleep 0.1
	watch_stop
	lag=$(lags '.event == "destroy" and .comm == "sleep"')
	[[ -n $lag ]] || fail "no destroy of the net namespace of unshare -n sleep"
	awk -v l="$lag" 'BEGIN { exit !(l < 50) }' ||
		fail "an exit after --exit-delay of quiet did not wake the agent: read $lag ms late"

	# lazy only while the ring has room: 40 exits 10 ms apart do not fit
	# in 4 KiB between two of the agent's polls (250 ms): they wake it
	# before they would overflow it
	local pids=() i n
	watch_start --no-initial -t uts --ring-size 4096 --exit-delay 60000
	for ((i = 0; i < 40; i++)); do
		unshare -u sleep 1000 &
		pids+=("$!")
		defer kill_pid "$!"
	done
	for i in "${pids[@]}"; do wait_unshared "$i" uts; done
	for i in "${pids[@]}"; do
		kill -TERM "$i"
		wait "$i" || true
		sleep 0.01
	done
	watch_stop
	n=$(events '.event == "destroy" and .via == "exit" and .comm == "sleep"' | jq length)
	events '.event == "lost"' | jq -e 'length == 0' >/dev/null ||
		fail "40 exits overflowed a 4 KiB ring ($n destroys read): lazy records did not wake the agent"
	[[ $n -eq 40 ]] || fail "40 exits: $n destroys"
}
