# t_exact.sh - how soon `nsmon watch` reports a destroy after the last
# reference went (issue 17): a process tree of nested user namespaces, a
# PID namespace with a zombie and ten others killed at once (<= 100 ms,
# children before parents), and holders the agent's sweep never saw (an
# inherited fd, one passed over a unix socket, one opened after the
# sweep, a socket in another net namespace: <= 1 s).  Each case runs
# ROUNDS times against one `watch --json --no-initial`; the test prints
# the worst and the median latency per kind ("measured:" lines) and
# fails if any round missed its bound.
#
# Latency: the CLOCK_REALTIME time the destroy line was read from
# watch's stdout (watch_start_stamped, t_watch.sh) minus the time taken
# right before the kill, exit or close that dropped the last reference.
# Namespaces are known by their ns_id (never reused), read before the
# kill.  Processes made per round are killed and reaped in the round;
# what a failing round leaves is killed by pid at exit (pids wrap fast
# here: no pid is kept once reaped).

here_exact=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=t_watch.sh
source "$here_exact/t_watch.sh"
HOLDERS=$here_exact/holders.py

# the goals of issue 17
EXIT_BOUND_MS=100	# destroy after the exit that dropped the last reference
HOLDER_BOUND_MS=1000	# destroy after an unseen holder let go
ROUNDS=${NSMON_EXACT_ROUNDS:-20}	# fewer, to try something out
# how long a round waits for its destroys before the next one (a round
# that passes needs its bound; one that fails is measured all the same:
# its destroys are matched at the end)
EXIT_ROUND_WAIT_MS=500
# and for the destroys of the namespaces that survived the kill (a
# process of their own, an fd), once they are let go
SURVIVOR_WAIT_MS=300
# after the last round: the stragglers (the agent's 5 s safety net)
FINAL_WAIT_MS=6000
# holders: from the kill of the namespaces' processes to the first
# release (longer than the checks that an exit starts, 3 s today), the
# wait for one destroy before the next release, and the quiet between
# two kinds of holders (so that one kind's checks do not find the next)
HOLD_MS=4000
RELEASE_GAP_MS=400
KIND_QUIET_MS=3500

# a destroy read this long ago whose namespace still exists was early
# (not a namespace on its way out as the check runs)
ALIVE_GRACE_MS=1000

# ------------------------------------------------------------ processes

# ex_bg CMD...: CMD in the background, its pid in $BG and in EX_PIDS
# (killed and reaped by ex_kill, or at exit).  ex_other PID: a process
# that is not our child (killed, not reaped).
EX_PIDS=()
EX_OTHER=()
ex_bg() {
	if [[ -z ${_EX_DEFERRED:-} ]]; then
		defer _ex_kill_all
		_EX_DEFERRED=1
	fi
	"$@" >/dev/null 2>>"$T_DIR/bg.err" </dev/null &
	BG=$!
	EX_PIDS+=("$BG")
}
ex_other() { EX_OTHER+=("$1"); }

_ex_kill_all() {
	[[ ${#EX_PIDS[@]} -eq 0 && ${#EX_OTHER[@]} -eq 0 ]] ||
		ex_kill "${EX_PIDS[@]}" "${EX_OTHER[@]}"
}

# ex_kill PID...: SIGKILL to all of them at once; then waits for those
# ex_bg started and forgets them.  Reaped at once, so that bash has no
# job to report as "Killed".
ex_kill() {
	local p keep=() other=()
	{
		kill -KILL "$@" || true
		for p in "$@"; do
			[[ " ${EX_PIDS[*]} " != *" $p "* ]] || wait "$p" || true
		done
	} 2>/dev/null
	for p in "${EX_PIDS[@]}"; do [[ " $* " == *" $p "* ]] || keep+=("$p"); done
	for p in "${EX_OTHER[@]}"; do [[ " $* " == *" $p "* ]] || other+=("$p"); done
	EX_PIDS=("${keep[@]}")
	EX_OTHER=("${other[@]}")
}

# _sleeping PID...: each has exec'd sleep (done unsharing).  No fork
# in the polls of a round's set-up: they are many, on a loaded host.
_sleeping() {
	local p c
	for p in "$@"; do
		read -r c <"/proc/$p/comm" && [[ $c == sleep ]] || return 1
	done
}

# wait_ms MS CMD...: polls CMD until it succeeds (0) or MS pass (1)
wait_ms() {
	local end=$((${EPOCHREALTIME/./} + $1 * 1000))
	shift
	until "$@" 2>/dev/null; do
		((${EPOCHREALTIME/./} < end)) || return 1
		sleep 0.01
	done
}

# wait_soon WHAT CMD...: wait_for, polled every 10 ms (a round's set-up)
wait_soon() {
	local what=$1
	shift
	wait_ms 10000 "$@" || fail "timed out waiting for $what"
}

# holders_start: holders.py serve, driven through $T_DIR/H.cmd (fd $HC),
# answering on $T_DIR/H.resp (fd $HR)
holders_start() {
	mkfifo "$T_DIR/H.cmd" "$T_DIR/H.resp"
	exec {HC}<>"$T_DIR/H.cmd" {HR}<>"$T_DIR/H.resp"
	spawn H python3 "$HOLDERS" serve "$T_DIR/H.cmd" "$T_DIR/H.resp"
}

# hcall WORD...: a command to holders.py; its answer's words in $HANS
hcall() {
	local line
	echo "$*" >&"$HC"
	read -r -t 10 -u "$HR" line ||
		fail "holders.py did not answer \"$*\": $(tail -n3 "$T_DIR/H.err")"
	read -r -a HANS <<<"$line"
	[[ ${HANS[0]} != error ]] || fail "holders.py: $line: $(tail -n3 "$T_DIR/H.err")"
}

# ------------------------------------------------------------ the stream

# stream_has EVENT OFFSET NS_ID...: the stream from byte OFFSET on has an
# EVENT of each NS_ID
stream_has() {
	local ev=$1 off=$2
	shift 2
	tail -c +"$((off + 1))" "$WOUT" | awk -v ev="\"event\":\"$ev\"" -v ids="$*" '
		BEGIN { n = split(ids, a, " "); for (i = 1; i <= n; i++) want["\"ns_id\":" a[i] ","] = 1 }
		index($0, ev) && match($0, /"ns_id":[0-9]+,/) {
			k = substr($0, RSTART, RLENGTH)
			if ((k in want) && !(k in got)) { got[k] = 1; m++ }
		}
		END { exit m != n }'
}

stream_size() { stat -c %s "$WOUT"; }

# expect KIND NS_ID T0 BOUND_MS [GROUP RANK]: a destroy to measure
expect() { echo "$*" >>"$T_DIR/expect"; }
# all_destroyed: the stream has a destroy of every namespace expected
all_destroyed() {
	local ids
	mapfile -t ids < <(awk '{ print $2 }' "$T_DIR/expect")
	stream_has destroy 0 "${ids[@]}"
}

# other_agents: the other `nsmon watch` processes on this host.  Their
# sweeps open and close nsfs fds, and each such close is a hint to ours
# (it ignores only its own): while they run, our agent checks all the
# time, and a destroy that waits for a hint here may come sooner than
# on a quiet host.
other_agents() {
	local f p n=0
	for f in /proc/[0-9]*/cmdline; do
		p=${f#/proc/}
		p=${p%/cmdline}
		[[ $p != "$W" ]] || continue
		tr '\0' ' ' 2>/dev/null <"$f" | grep -qE '^[^ ]*nsmon[^ ]* watch( |$)' && n=$((n + 1))
	done
	echo "$n"
}

# exact_watch_start: the one watch of a test, its lines stamped
exact_watch_start() {
	watch_start_stamped --no-initial
	OTHERS0=$(other_agents)
}

# measure: the latencies of everything expected, as "measured:" lines;
# the misses go to $T_DIR/misses
measure() {
	local rc=0
	echo "measured: other nsmon watch processes on the host: $OTHERS0 at the start, $(other_agents) at the end (their sweeps hint ours)"
	python3 "$HOLDERS" latency "$WOUT" "$T_DIR/W.stamps" "$T_DIR/expect" \
		>"$T_DIR/lat" || rc=$?
	sed -n 's/^[^M]/measured: &/p' "$T_DIR/lat"
	grep '^MISS ' "$T_DIR/lat" >>"$T_DIR/misses" || true
	[[ $rc -le 1 ]] || echo "MISS latency: holders.py latency failed ($rc)" >>"$T_DIR/misses"
}

# final_checks: every destroy in the stream is of a namespace that is
# gone (of every namespace: the test's own and the host's); the stream
# keeps SPEC's invariants (watch_stop); then fails with all misses
# (rounds over their bound, order, early destroys, corrections) at once.
final_checks() {
	wait_ms "$FINAL_WAIT_MS" all_destroyed || true
	measure
	python3 "$HOLDERS" alive "$WOUT" "$T_DIR/W.stamps" "$ALIVE_GRACE_MS" "$T_DIR/expect" |
		sed 's/^/MISS /' >>"$T_DIR/misses" || true
	watch_stop
	# NSMON_EXACT_KEEP=DIR: the stream, its read times and what was
	# measured, for a closer look
	[[ -z ${NSMON_EXACT_KEEP:-} ]] ||
		cp "$WOUT" "$T_DIR/W.stamps" "$T_DIR/expect" "$NSMON_EXACT_KEEP"/
	if [[ -s $T_DIR/misses ]]; then
		sed -n '1,40s/^MISS /  /p' "$T_DIR/misses" >&2
		fail "$(wc -l <"$T_DIR/misses") misses: $(head -n1 "$T_DIR/misses")"
	fi
}

# ------------------------------------------------------------ exit tree

# _child_sleeping PID: PID has one child, that has exec'd sleep: $CHILD
# (children has no newline: read says EOF, and has read it)
_child_sleeping() {
	CHILD=
	read -r CHILD <"/proc/$1/task/$1/children" || [[ -n $CHILD ]] && _sleeping "$CHILD"
}

_zombie_child() {
	local z='' st
	read -r z <"/proc/$1/task/$1/children" || [[ -n $z ]] &&
		read -r st <"/proc/$z/stat" && [[ ${st##*) } == Z* ]]
}

# tree_spawn R: the processes of round R, by name in TP:
#   u          a user namespace 3 deep (unshare -U -r, 3 times)
#   p, init    unshare -p -f, the init of its PID namespace, which has a
#              zombie child
#   o0..o9     6 net, 2 uts, 2 ipc namespaces
#   so, si     si's user namespace is a child of so's; si is killed, so
#              lives on: so's namespace survives the kill
#   fu         a user namespace, also held by an nsfs fd (survives)
#   fp, finit  unshare -p -f, its PID namespace also held by an fd
declare -gA TP ID
TREE_TYPES=(net net net net net net uts uts ipc ipc)
tree_spawn() {
	local i os=()
	TP=()
	ex_bg unshare -U -r unshare -U -r unshare -U -r sleep 1000
	TP[u]=$BG
	ex_bg unshare -p -f --kill-child sh -c 'true & exec sleep 1000'
	TP[p]=$BG
	for i in "${!TREE_TYPES[@]}"; do
		ex_bg unshare "--${TREE_TYPES[i]}" sleep 1000
		TP[o$i]=$BG
		os+=("$BG")
	done
	ex_bg unshare -U -r sleep 1000
	TP[so]=$BG
	ex_bg unshare -U -r sleep 1000
	TP[fu]=$BG
	ex_bg unshare -p -f --kill-child sleep 1000
	TP[fp]=$BG
	wait_soon "round $1's processes to unshare" _sleeping "${TP[u]}" "${TP[so]}" "${TP[fu]}" "${os[@]}"
	ex_bg nsenter -t "${TP[so]}" -U unshare -U -r sleep 1000
	TP[si]=$BG
	wait_soon "the init of pid ns of ${TP[p]}" _child_sleeping "${TP[p]}"
	TP[init]=$CHILD
	ex_other "$CHILD"
	wait_soon "the init of pid ns of ${TP[fp]}" _child_sleeping "${TP[fp]}"
	TP[finit]=$CHILD
	ex_other "$CHILD"
	wait_soon "a zombie child of ${TP[init]}" _zombie_child "${TP[init]}"
	wait_soon "round $1's processes to unshare" _sleeping "${TP[si]}"
}

# tree_ids R: ID[name] the ns_id of each namespace of round R (u0, u1,
# u2 from the innermost out; pid; o0..o9; si, so, fu, fp), fu and fp
# held by holders.py
tree_ids() {
	local names specs i
	names=(u0 u1 u2 pid)
	specs=("${TP[u]}:user" "${TP[u]}:user:1" "${TP[u]}:user:2" "${TP[init]}:pid")
	for i in "${!TREE_TYPES[@]}"; do
		names+=("o$i")
		specs+=("${TP[o$i]}:${TREE_TYPES[i]}")
	done
	names+=(si so u3 self)
	specs+=("${TP[si]}:user" "${TP[si]}:user:1" "${TP[u]}:user:3" "$$:user")
	hcall ids "${specs[@]}"
	# "ids NS_ID INODE NS_ID INODE ..."
	[[ ${#HANS[@]} -eq $((2 * ${#specs[@]} + 1)) ]] ||
		fail "round $1: no ns ids of ${specs[*]}: ${HANS[*]}"
	for i in "${!names[@]}"; do ID[${names[i]}]=${HANS[2 * i + 1]}; done
	[[ ${ID[u3]} == "${ID[self]}" ]] || fail "round $1: the user namespace of ${TP[u]} is not 3 deep"
	[[ ${ID[so]} == "$(ns_id_of "${TP[so]}" user)" ]] ||
		fail "round $1: the user namespace of ${TP[si]} is not a child of ${TP[so]}'s"
	hcall fd "fu$1" "${TP[fu]}" user
	ID[fu]=${HANS[2]}
	hcall fd "fp$1" "${TP[finit]}" pid
	ID[fp]=${HANS[2]}
}

ns_id_of() {
	hcall ids "$1:$2"
	echo "${HANS[1]}"
}

# tree_round R: all of round R's processes but so killed at once: every
# namespace they alone held destroyed, the nested user namespaces
# innermost first; none of the survivors destroyed.  Then so is killed
# and fu's and fp's fds closed: their destroys.
tree_round() {
	local r=$1 t0 off n gone kill
	off=$(stream_size)
	tree_spawn "$r"
	tree_ids "$r"
	gone=("${ID[u0]}" "${ID[u1]}" "${ID[u2]}" "${ID[pid]}" "${ID[si]}")
	# not the inits' parents (unshare -f): they reap the inits.  A
	# zombie holds its PID namespace (and /proc shows it) until it is
	# reaped; an orphan waits for pid 1, which here reaps seconds late.
	kill=("${TP[u]}" "${TP[init]}" "${TP[si]}" "${TP[fu]}" "${TP[finit]}")
	for n in "${!TREE_TYPES[@]}"; do
		gone+=("${ID[o$n]}")
		kill+=("${TP[o$n]}")
	done
	wait_soon "round $r's creates" stream_has create "$off" "${gone[@]}" "${ID[so]}" "${ID[fu]}" "${ID[fp]}"
	off=$(stream_size)
	# CLOCK_REALTIME in ns (us precision), without a fork
	t0=${EPOCHREALTIME/./}000
	ex_kill "${kill[@]}"
	for n in 0 1 2; do expect user "${ID[u$n]}" "$t0" "$EXIT_BOUND_MS" "u$r" "$n"; done
	expect pid "${ID[pid]}" "$t0" "$EXIT_BOUND_MS"
	for n in "${!TREE_TYPES[@]}"; do expect other "${ID[o$n]}" "$t0" "$EXIT_BOUND_MS"; done
	expect user "${ID[si]}" "$t0" "$EXIT_BOUND_MS" "s$r" 0
	wait_ms "$EXIT_ROUND_WAIT_MS" stream_has destroy "$off" "${gone[@]}" || true
	for n in so fu fp; do
		if stream_has destroy "$off" "${ID[$n]}"; then
			echo "MISS round $r: $n's namespace (ns_id ${ID[$n]}) destroyed while it lives" >>"$T_DIR/misses"
		fi
	done
	tree_release "$r"
}

# tree_release R: the survivors of round R let go
tree_release() {
	local t0
	t0=${EPOCHREALTIME/./}000
	ex_kill "${TP[so]}"
	expect user "${ID[so]}" "$t0" "$EXIT_BOUND_MS" "s$1" 1
	hcall release "fu$1"
	expect close-user "${ID[fu]}" "${HANS[2]}" "$HOLDER_BOUND_MS"
	hcall release "fp$1"
	expect close-pid "${ID[fp]}" "${HANS[2]}" "$HOLDER_BOUND_MS"
	wait_ms "$SURVIVOR_WAIT_MS" stream_has destroy 0 "${ID[so]}" "${ID[fu]}" "${ID[fp]}" || true
}

test_exact_exit_tree() {
	local r
	exact_watch_start
	holders_start
	for ((r = 1; r <= ROUNDS; r++)); do
		tree_round "$r"
	done
	final_checks
}
# timeout exact_exit_tree 120

# ------------------------------------------------------------ holders

# holders_setup N KIND...: per KIND, N processes that unshare (uts for
# late, else net), each held also by a holder of that kind; $HN[K] the
# ns_id of holder K ("KIND-I"); the processes are killed (all at once)
# once the feed has reported their creates
declare -gA HN
holders_setup() {
	local n=$1 kind i k xs=() ks=()
	shift
	for kind in "$@"; do
		for ((i = 1; i <= n; i++)); do
			if [[ $kind == late ]]; then ex_bg unshare -u sleep 1000; else ex_bg unshare -n sleep 1000; fi
			xs+=("$BG")
			ks+=("$kind-$i")
		done
	done
	wait_for "the holders' namespaces" _sleeping "${xs[@]}"
	for i in "${!xs[@]}"; do
		hcall "${ks[i]%-*}" "${ks[i]}" "${xs[i]}"
		HN[${ks[i]}]=${HANS[2]}
	done
	wait_for "the creates of the held namespaces" stream_has create 0 "${HN[@]}"
	ex_kill "${xs[@]}"
	HOLD_FROM=${EPOCHREALTIME/./}
}

# holders_release N QUIET_MS KIND...: HOLD_MS after the kill, the
# holders of each KIND let go one after the other (waiting for each
# destroy up to RELEASE_GAP_MS), QUIET_MS between two kinds
holders_release() {
	local n=$1 quiet=$2 kind i k first=1
	shift 2
	sleep "$(awk -v m="$HOLD_MS" -v d="$((${EPOCHREALTIME/./} - HOLD_FROM))" \
		'BEGIN { s = m / 1000 - d / 1e6; print (s > 0 ? s : 0) }')"
	for kind in "$@"; do
		((first)) || sleep "$(awk -v m="$quiet" 'BEGIN { print m / 1000 }')"
		first=0
		for ((i = 1; i <= n; i++)); do
			k=$kind-$i
			hcall release "$k"
			expect "$kind" "${HN[$k]}" "${HANS[2]}" "$HOLDER_BOUND_MS"
			wait_ms "$RELEASE_GAP_MS" stream_has destroy 0 "${HN[$k]}" || true
		done
	done
}

test_exact_holders() {
	exact_watch_start
	holders_start
	holders_setup "$ROUNDS" fork scm late sock
	holders_release "$ROUNDS" "$KIND_QUIET_MS" fork scm late sock
	final_checks
}
# timeout exact_holders 120

# ------------------------------------------------------------ corrections

# sighup_ours: the corrections right before the sync on SIGHUP that are
# of this test's namespaces
sighup_ours() {
	jq -s --argjson ids "$(awk '{ print $2 }' "$T_DIR/expect" | jq -sc .)" '
		(map(.event == "sync" and .reason == "signal") | index(true)) as $k
		| [.[:$k] | reverse[]] as $before
		| ([$before | to_entries[] | select(.value.via != "sweep") | .key] | first // ($before | length)) as $n
		| [$before[:$n][] | select(.ns.ns_id as $i | $ids | index($i))] | length' "$WOUT"
}

# A mix of the rounds above, then SIGHUP: the sweep finds nothing to
# correct (no destroy reported for a namespace that lives on, none
# missed: corrected {created: 0, destroyed: 0}).  Other processes on the
# host make and drop namespaces meanwhile: the corrections of this
# test's own namespaces are counted apart.
test_exact_no_correction() {
	local r n=5 got ours
	exact_watch_start
	holders_start
	holders_setup "$n" fork scm late sock
	for ((r = 1; r <= n; r++)); do
		tree_round "$r"
	done
	holders_release "$n" 0 fork scm late sock
	wait_ms "$FINAL_WAIT_MS" all_destroyed || true
	kill -HUP "$W"
	wait_for "a sync on SIGHUP" grep -q '"reason":"signal"' "$WOUT"
	got=$(events '.event == "sync" and .reason == "signal"' | jq -c '.[0].corrected')
	ours=$(sighup_ours)
	echo "measured: sync on SIGHUP: corrected $got, $ours of them of this test's namespaces ($(events '.event == "lost"' | jq length) lost events before)"
	if [[ $got != '{"created":0,"destroyed":0}' || $ours -ne 0 ]]; then
		events '.via == "sweep"' | jq -c '.[]' | tail -n 20 >&2
		echo "MISS the sync on SIGHUP corrected $got" >>"$T_DIR/misses"
	fi
	final_checks
}
# timeout exact_no_correction 120
