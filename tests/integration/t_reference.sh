# t_reference.sh - the JSON of `discover` and of `watch`'s start is what it
# was at a pinned commit (REF_COMMIT below): this build's output against
# that of a pinned reference commit, built here, on namespaces held in
# every way the tests know (t_compare.sh's zoo).
#
# What is compared, exactly (the test's own namespaces and processes do not
# change between the two runs):
#   - the document's keys, schema, version, host and options;
#   - every namespace the test made: its whole entry (of its bind mount
#     refs those in the host's and the test's mount namespaces), and for a
#     mount namespace its root and the test's mounts; every process the
#     test made: its whole entry;
#   - the key sets of every namespace, process, mount and container that
#     both documents have;
#   - what cannot change while a namespace lives: type, owner, parent and
#     initial of every namespace both documents have (the same ns_id);
#   - that every namespace a process is in (the same process, start time
#     and namespaces in both runs) is in both documents;
#   - `watch --json` up to its start sync: the test's namespaces' creates
#     whole (seq and time aside), of every namespace both runs report (the
#     same ns_id) its ns object and via, the sync's keys, reason and
#     corrections.
# Dropped: `time`, `warnings` (they name pids), and what may change
# between the two runs on a busy host (other tests run here at the same
# time): each binary's own process, processes and namespaces that came or
# went, and the refs, members and values of processes that are not the
# test's.
#
# NSMON_REFERENCE=BIN uses BIN as the reference instead of building one
# (e.g. /path/to/an older nsmon; a wrapper that alters its output shows
# that the test sees it).

# The commit whose output is the reference (issue 16: "complete" in the
# document and in every sync).  Bump it when the output changes on
# purpose, in the commit after the one that changes it.
REF_COMMIT=8a77623db593504e81da2ecc98d174b62dd3b282

# timeout reference 180

here_ref=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# _make_zoo: namespaces held in every way
# shellcheck source=t_compare.sh
source "$here_ref/t_compare.sh"

# _ref_build: the reference nsmon, built from REF_COMMIT in $T_DIR (removed
# with it), in $REF_NSMON.
_ref_build() {
	local repo src
	if [[ -n ${NSMON_REFERENCE:-} ]]; then
		REF_NSMON=$NSMON_REFERENCE
		return 0
	fi
	repo=$(cd "$here_ref/../.." && pwd)
	git -C "$repo" rev-parse --git-dir >/dev/null 2>&1 ||
		skip "$repo is not a git checkout: no reference commit to build"
	git -C "$repo" cat-file -e "$REF_COMMIT^{commit}" 2>/dev/null ||
		skip "reference commit $REF_COMMIT is not in this repository (a shallow clone?)"
	src=$T_DIR/ref
	mkdir "$src"
	git -C "$repo" archive "$REF_COMMIT" | tar -x -C "$src"
	# not the jobserver of a calling make: this is a build of its own
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$src" -j2 build/nsmon \
		>"$T_DIR/ref-build.log" 2>&1 || {
		tail -n 20 "$T_DIR/ref-build.log" >&2
		fail "building the reference $REF_COMMIT failed"
	}
	REF_NSMON=$src/build/nsmon
}

# _ref_zoo_ids DOC: the ids of the namespaces the test made, as a JSON
# array: those its processes or its bind mounts hold (not the initial
# ones: the host's processes come and go in them), and the outer user
# namespaces that only the hierarchy holds.
_ref_zoo_ids() {
	jq -c --argjson pids "$ZOO_PIDS" --argjson extra "$ZOO_EXTRA" \
		--arg dir "$T_DIR/" --arg netns "/run/netns/$T_UNIQ" '
		[.namespaces[] | select(.initial | not) | select(
			any(.refs[]?;
			    ((.pid // 0) as $p | any($pids[]; . == $p)) or
			    ((.path // "") | startswith($dir) or . == $netns)) or
			(.id as $i | any($extra[]; . == $i))) | .id] | sort' "$1"
}

# The differences between two discover documents A and B ($a, $b) that
# this test looks at, one string each; $zoo the test's namespace ids, $pids
# its processes.
# shellcheck disable=SC2016
REF_DOC_DIFF='
def byid: reduce .namespaces[] as $n ({}; .[$n.id | tostring] = $n);
def bypid: reduce .processes[] as $p ({}; .[$p.pid | tostring] = $p);
# pairs: the same namespace (ns_id; inode numbers are reused) or process
# (start time; so are pids)
def keysets(x; y; what; same):
	x as $x | y as $y | $x | keys[] as $k | select($y[$k] != null) |
	select([$x[$k], $y[$k]] | same) |
	select(($x[$k] | keys) != ($y[$k] | keys)) |
	"\(what) \($k): keys \($x[$k] | keys) != \($y[$k] | keys)";
def unionkeys(s): [s | keys] | add // [] | unique;
def fixed: [.type, .owner, .parent, .initial];
$a[0] as $A | $b[0] as $B | ($A | byid) as $na | ($B | byid) as $nb |
($A | bypid) as $pa | ($B | bypid) as $pb |
# the test'"'"'s namespaces and mounts: mount namespaces that other tests make
# meanwhile copy the host'"'"'s mounts (a bind mount of ours among them)
($zoo + [$A.namespaces[] | select(.initial and .type == "mnt") | .id]) as $keep |
def ours: .refs |= map(select(.via != "bindmount" or
	(.mntns as $m | any($keep[]; . == $m))));
def ourmounts: map(select(.path == "/" or (.path | startswith($dir))));
(if ($A | keys) != ($B | keys) then
	"document keys: \($A | keys) != \($B | keys)" else empty end),
(("schema", "version", "host", "options") as $k |
	select($A[$k] != $B[$k]) |
	".\($k): \($A[$k] | tojson) != \($B[$k] | tojson)"),
keysets($na; $nb; "namespace"; (.[0].ns_id // 0) == (.[1].ns_id // 0)),
keysets($pa; $pb; "process"; .[0].starttime == .[1].starttime),
($na | keys[] as $k | select($nb[$k] != null) |
	select(($na[$k].ns_id // 0) == ($nb[$k].ns_id // 0)) |
	select(($na[$k] | fixed) != ($nb[$k] | fixed)) |
	"namespace \($k): type, owner, parent, initial \($na[$k] | fixed) != \($nb[$k] | fixed)"),
($pa | keys[] as $k | $pa[$k] as $x | $pb[$k] as $y |
	select($y != null and $x.starttime == $y.starttime and
	       $x.namespaces == $y.namespaces) |
	$x.namespaces[] | select(. != null) | tostring |
	select($na[.] == null or $nb[.] == null) |
	"namespace \(.) of process \($k): missing in \(if $na[.] == null then "A" else "B" end)"),
(unionkeys($A.mounts[]?[]?) as $x | unionkeys($B.mounts[]?[]?) as $y |
	select($x != $y) | "mount keys: \($x) != \($y)"),
(unionkeys($A.containers[]?) as $x | unionkeys($B.containers[]?) as $y |
	select($x != $y and $x != [] and $y != []) |
	"container keys: \($x) != \($y)"),
($zoo[] | tostring | select($na[.] == null or $nb[.] == null) |
	"namespace \(.): missing in \(if $na[.] == null then "A" else "B" end)"),
($zoo[] | tostring | select($na[.] != null and ($na[.] | ours) != ($nb[.] | ours)) |
	"namespace \(.): \($na[.] | ours | tojson) != \($nb[.] | ours | tojson)"),
($zoo[] | tostring | select($A.mounts[.] != null or $B.mounts[.] != null) |
	. as $i | ($A.mounts[$i] // [] | ourmounts) as $x |
	($B.mounts[$i] // [] | ourmounts) as $y | select($x != $y) |
	"mount table \($i): \($x | tojson) != \($y | tojson)"),
($pids[] | tostring | select($pa[.] != $pb[.]) |
	"process \(.): \($pa[.] | tojson) != \($pb[.] | tojson)")
'

# _ref_diff_docs A B: prints the differences; status 1 if any.
_ref_diff_docs() {
	local out
	out=$(jq -rn --slurpfile a "$1" --slurpfile b "$2" \
		--argjson zoo "$ZOO_IDS" --argjson pids "$ZOO_PIDS" \
		--arg dir "$T_DIR/" "$REF_DOC_DIFF")
	[[ -z $out ]] && return 0
	head -n 20 <<<"$out"
	return 1
}

# The same for two `watch --json` streams, up to and with their start sync.
# shellcheck disable=SC2016
REF_WATCH_DIFF='
def start: (map(.event) | index("sync")) as $k |
	if $k == null then [] else .[:$k + 1] end;
def creates: [.[] | select(.event == "create")] |
	reduce .[] as $e ({}; .[$e.ns.id | tostring] = $e);
def sync: [.[] | select(.event == "sync")][0];
($a | start) as $A | ($b | start) as $B |
($A | creates) as $ca | ($B | creates) as $cb |
(if ($A | length) == 0 or ($B | length) == 0 then "no start sync" else
	empty end),
([$A, $B][] | select(.[0].seq != 1 or
	(.[:-1] | any(.event != "create" or .via != "start"))) |
	"the start is not creates via start from seq 1"),
(($A | sync) as $x | ($B | sync) as $y |
	select(($x | keys) != ($y | keys) or $x.reason != $y.reason or
	       $x.corrected != $y.corrected) |
	"sync: \($x | tojson) != \($y | tojson)"),
($ca | keys[] as $k | select($cb[$k] != null) |
	select(($ca[$k].ns.ns_id // 0) == ($cb[$k].ns.ns_id // 0)) |
	select([$ca[$k] | .ns, .via, .event] != [$cb[$k] | .ns, .via, .event]) |
	"create \($k): \($ca[$k] | tojson) != \($cb[$k] | tojson)"),
($zoo[] | tostring | select($ca[.] == null or $cb[.] == null) |
	"create \(.): missing in \(if $ca[.] == null then "A" else "B" end)"),
($zoo[] | tostring | select($ca[.] != null and
	($ca[.] | del(.seq, .time)) != ($cb[.] | del(.seq, .time))) |
	"create \(.): \($ca[.] | tojson) != \($cb[.] | tojson)")
'

_ref_diff_watch() {
	local out
	out=$(jq -rn --slurpfile a "$1" --slurpfile b "$2" \
		--argjson zoo "$ZOO_IDS" "$REF_WATCH_DIFF")
	[[ -z $out ]] && return 0
	head -n 20 <<<"$out"
	return 1
}

# _ref_watch VAR BIN: BIN's `watch --json` until its start sync, then
# SIGINT; the stream in $T_DIR/VAR.out.
_ref_watch() {
	local var=$1 bin=$2 pid i rc=0
	spawn "$var" "$bin" watch --json
	pid=${!var}
	for ((i = 0; i < 300; i++)); do
		grep -q '"event":"sync"' "$T_DIR/$var.out" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -INT "$pid"
	wait "$pid" || rc=$?
	[[ $rc -eq 0 ]] || { cat "$T_DIR/$var.err" >&2; fail "$bin watch exited $rc"; }
	grep -q '"event":"sync"' "$T_DIR/$var.out" ||
		fail "$bin watch: no start sync: $(head -n1 "$T_DIR/$var.err")"
}

# A user and PID namespace made by unshare(1) as containers do: the
# process that unshared in the user namespace, its child the PID
# namespace's init.  Sets zq (the unshare) and zqc (its child).
_ref_userpid() {
	spawn zq unshare -U -r -p -f --kill-child sleep 1000
	wait_for "the child of unshare -p -f" pgrep -P "$zq"
	zqc=$(pgrep -P "$zq")
	# unshare(1) ignores SIGTERM while it waits: its child goes first
	defer kill_pid "$zqc"
	wait_unshared "$zqc" pid
}

test_reference() {
	local attempt a b v why ok=false
	_ref_build
	_make_zoo
	_ref_userpid
	ZOO_PIDS=$(printf '%s\n' "$zp" "$zt" "$zf" "$zs" "$zc" "$zm" "$zu" \
		"$zz" "$zd" "$zb" "$zq" "$zqc" | jq -sc .)
	ZOO_EXTRA=$(printf '%s\n' "$(kv zu user1)" "$(kv zu user2)" | jq -sc .)
	# processes come and go: a difference must persist over three tries
	for attempt in 1 2 3; do
		discover_with "$REF_NSMON"
		a=$DOC
		discover_with "$NSMON_PLAIN"
		b=$DOC
		ZOO_IDS=$(_ref_zoo_ids "$b")
		# a process, fd, socket, thread, children, bind mount and
		# hierarchy ref each, mount namespaces, user and PID ones
		[[ $(jq length <<<"$ZOO_IDS") -ge 14 ]] ||
			fail "only $(jq length <<<"$ZOO_IDS") namespaces of the test found: $ZOO_IDS"
		for v in netfile mntnet; do
			jq -e --arg p "$T_DIR/$v" 'any(.mounts[][]; .path == $p)' "$b" >/dev/null ||
				fail "the bind mount $T_DIR/$v is in no mount table"
		done
		if why=$(_ref_diff_docs "$a" "$b"); then
			ok=true
			break
		fi
		echo "try $attempt: $why" >&2
		sleep 0.5
	done
	$ok || fail "discover differs from the reference: $(head -n1 <<<"$why")"

	# the comparison sees a change in the test's part and in the shape
	# of the rest
	for v in 'del(.namespaces[] | select(.id == $z[0]) | .ealdorman)' \
		'.namespaces |= map(if .id == $z[-1] then .refs[0].pid += 1 else . end)' \
		'del(.options.proc_root)' 'del(.processes[0].cgroup)' \
		'del(.namespaces[] | select(.initial and .type == "time"))' \
		'.namespaces |= map(if .initial and .type == "net" then .owner = null else . end)' \
		'.mounts |= map_values(map(select(.path != $p)))'; do
		jq --argjson z "$ZOO_IDS" --arg p "$T_DIR/mntnet" "$v" "$a" >"$T_DIR/mutant.json"
		! _ref_diff_docs "$T_DIR/mutant.json" "$b" >/dev/null ||
			fail "the comparison did not see the change $v"
	done

	ok=false
	for attempt in 1 2 3; do
		_ref_watch WA"$attempt" "$REF_NSMON"
		_ref_watch WB"$attempt" "$NSMON_PLAIN"
		if why=$(_ref_diff_watch "$T_DIR/WA$attempt.out" "$T_DIR/WB$attempt.out"); then
			ok=true
			break
		fi
		echo "try $attempt: $why" >&2
	done
	$ok || fail "watch's start differs from the reference: $(head -n1 <<<"$why")"
	jq -c --argjson z "$ZOO_IDS" 'if .ns.id == $z[0] then del(.ns.ns_id) else . end' \
		"$T_DIR/WA$attempt.out" >"$T_DIR/mutant.out"
	! _ref_diff_watch "$T_DIR/mutant.out" "$T_DIR/WB$attempt.out" >/dev/null ||
		fail "the comparison did not see a create without ns_id"
}
