# t_serve_api.sh - the data endpoints of `nsmon serve` (issue 18
# "Endpoints", docs/http-api.md): /api/namespaces as the discover
# document, /api/namespaces/ID, /api/processes, /api/pidmap,
# /api/mounts, /api/containers, against namespaces made here and
# `nsmon discover` of the same moment; the shared sweep (--max-age,
# X-Nsmon-Sweep, nsmon_api_sweeps_total); bad ids and queries.
#
# Other processes on the host make namespaces too: a test compares only
# what it made, or what holds still (the host's initial namespaces).

here_api=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# serve_start, serve_stop, get, expect
# shellcheck source=t_serve.sh
source "$here_api/t_serve.sh"

# api PATH: GET PATH into $T_DIR/api.N (its name in $API), 200 or fail;
# the sweep it came from in $SWEEP.
api() {
	local n=$((${API_N:-0} + 1))
	API_N=$n
	API=$T_DIR/api.$n
	CODE=$(curl -s -D "$API.h" -o "$API" -w '%{http_code}' "$URL$1")
	[[ $CODE == 200 ]] || fail "$1: status $CODE: $(head -c 300 "$API")"
	SWEEP=$(sed -n 's/^X-Nsmon-Sweep: \([0-9]*\).*/\1/ip' "$API.h" | tr -d '\r')
	[[ -n $SWEEP ]] || fail "$1: no X-Nsmon-Sweep header"
	jq -e 'type == "object"' "$API" >/dev/null || fail "$1: not a JSON object: $(head -c 300 "$API")"
}

# entry FILE ID: the namespace ID of a document, keys sorted.
entry() {
	jq -cS --argjson id "$2" '[.namespaces[] | select(.id == $id)] | first' "$1"
}

# serve_restart [ARGS...]: serve_stop, then serve_start ARGS (its
# stderr anew: serve_start reads the address from it).
serve_restart() {
	serve_stop
	: >"$T_DIR/S.err"
	serve_start "$@"
}

# agree WHAT FN [ARGS...]: FN (both views fetched anew; 0 when they agree,
# else 1 with AGREE_WHY set) up to 5 times: what other processes do may
# come between the two views (another nsmon's sweep holding an nsfs fd
# for a moment, a mount namespace copied from the host's with our bind
# mount in it).
agree() {
	local what=$1 i
	shift
	for ((i = 0; i < 5; i++)); do
		"$@" && return 0
	done
	fail "$what: $AGREE_WHY"
}

# same_entries DOC_PATH ID...: the entries of /api/namespaces at DOC_PATH
# (/api/namespaces or /api/namespaces/ID's .namespace) are discover's
same_entries() {
	local path=$1 id got want
	shift
	api "$path"
	discover
	for id in "$@"; do
		if [[ $path == /api/namespaces ]]; then
			got=$(entry "$API" "$id")
		else
			got=$(jq -cS .namespace "$API")
		fi
		want=$(entry "$DOC" "$id")
		if [[ $want == null || $got != "$want" ]]; then
			AGREE_WHY="namespace $id: $got, discover: $want"
			return 1
		fi
	done
}

# metric NAME: its value in /metrics.
metric() {
	curl -s "$URL/metrics" | sed -n "s/^$1 //p"
}

# the namespaces the tests hold: H1 a net ns (process), NETNS a net ns
# (bind mount only), H2 a user ns owning a net ns
make_namespaces() {
	spawn H1 unshare -n sleep 1000
	wait_unshared "$H1" net
	N1=$(ns_ino "$H1" net)
	ip netns add "$T_UNIQ"
	defer ip netns del "$T_UNIQ"
	NB=$(stat -L -c %i "/run/netns/$T_UNIQ")
	spawn H2 unshare -U -n sleep 1000
	wait_unshared "$H2" net
	U2=$(ns_ino "$H2" user)
	N2=$(ns_ino "$H2" net)
}

# wait_listed ID...: until /api/namespaces lists each, not pending
wait_listed() {
	local id
	for id in "$@"; do
		wait_for "namespace $id listed, not pending" eval \
			"curl -s '$URL/api/namespaces' | jq -e --argjson id $id 'any(.namespaces[]; .id == \$id and (.pending | not))' >/dev/null"
	done
}

# doc_agrees: /api/namespaces and discover, fetched one after the other:
# our namespaces' entries field for field, the initial namespaces, and
# of the host's mount table (other tests mount and unmount on the host
# all the time) the root mount and the fields of every mount.
doc_agrees() {
	local mnt
	same_entries /api/namespaces "$N1" "$NB" "$U2" "$N2" || return 1
	if [[ $(jq -c '[.namespaces[] | select(.initial) | {id, type}] | sort' "$API") != \
		"$(jq -c '[.namespaces[] | select(.initial) | {id, type}] | sort' "$DOC")" ]]; then
		AGREE_WHY="initial namespaces differ from discover's"
		return 1
	fi
	mnt=$(ns_ino $$ mnt)
	if ! jq -e --arg m "$mnt" --slurpfile d "$DOC" '
		def root: [.mounts[$m][] | select(.path == "/")] | first;
		(root == ($d[0] | root)) and root != null and
		([.mounts[$m][] | keys] | unique) == ([$d[0].mounts[$m][] | keys] | unique)' "$API" >/dev/null; then
		AGREE_WHY="mount table of $mnt: root mount or fields differ from discover's"
		return 1
	fi
}

test_serve_api_document() {
	serve_start --max-age 0
	make_namespaces
	wait_listed "$N1" "$NB" "$U2" "$N2"
	api /api/namespaces
	local doc=$API
	discover
	# the document's members: discover's, and seq first
	[[ $(jq -c 'keys_unsorted' "$doc") == "$(jq -c '["seq"] + keys_unsorted' "$DOC")" ]] ||
		fail "members: $(jq -c keys_unsorted "$doc"), discover: $(jq -c keys_unsorted "$DOC")"
	jq -e '.seq | type == "number"' "$doc" >/dev/null || fail "no seq"
	local m
	for m in schema version options host; do
		[[ $(jq -cS ".$m" "$doc") == "$(jq -cS ".$m" "$DOC")" ]] ||
			fail "$m: $(jq -c ".$m" "$doc"), discover: $(jq -c ".$m" "$DOC")"
	done
	jq -e --argjson id "$NB" --arg p "/run/netns/$T_UNIQ" \
		'any(.namespaces[] | select(.id == $id) | .refs[]; .via == "bindmount" and .path == $p)' \
		"$doc" >/dev/null || fail "$NB: no bindmount ref"
	jq -e --argjson id "$N2" --argjson u "$U2" 'any(.namespaces[]; .id == $id and .owner == $u)' \
		"$doc" >/dev/null || fail "$N2: owner is not $U2"
	agree "the document against discover's" doc_agrees
	# ?type=net: net namespaces only, no mount tables
	api '/api/namespaces?type=net'
	jq -e --argjson a "$N1" --argjson b "$NB" \
		'all(.namespaces[]; .type == "net") and .mounts == {} and
		 any(.namespaces[]; .id == $a) and any(.namespaces[]; .id == $b) and
		 (.processes | length > 0)' "$API" >/dev/null ||
		fail "?type=net: $(jq -c '{t: [.namespaces[].type] | unique, m: (.mounts | keys)}' "$API")"
	serve_stop
}

# The namespace set is the live model's at seq: one made after the sweep
# is listed "pending" (the model's fields only), one gone since the
# sweep is left out, with its mount table.
test_serve_api_pending() {
	serve_start --max-age 3600
	api /api/namespaces
	local first=$SWEEP
	spawn H unshare -m -u sleep 1000
	wait_unshared "$H" mnt
	local u m
	u=$(ns_ino "$H" uts)
	m=$(ns_ino "$H" mnt)
	wait_for "uts $u in the live model" eval "[[ \$(curl -s -o /dev/null -w '%{http_code}' '$URL/api/namespaces/$u') == 200 ]]"
	api /api/namespaces
	[[ $SWEEP == "$first" ]] || fail "--max-age 3600: sweep $SWEEP after $first"
	jq -e --argjson id "$u" '[.namespaces[] | select(.id == $id)] | length == 1 and .[0].pending == true and
		.[0].type == "uts" and .[0].refs == [] and .[0].processes == [] and (.[0].owner > 0)' "$API" >/dev/null ||
		fail "uts $u made after the sweep: not pending: $(entry "$API" "$u")"
	[[ $(jq '[.namespaces[] | select(.pending)] | length' "$API") -ge 2 ]] || fail "mnt $m not pending too"
	api "/api/namespaces/$u"
	jq -e '.namespace.pending == true and .processes == [] and .children == []' "$API" >/dev/null ||
		fail "/api/namespaces/$u: $(head -c 300 "$API")"
	# a fresh sweep has them; then they go: left out though the cached
	# sweep still has them
	serve_restart --max-age 3600
	wait_for "mnt $m in the live model" eval "[[ \$(curl -s -o /dev/null -w '%{http_code}' '$URL/api/namespaces/$m') == 200 ]]"
	api /api/namespaces
	jq -e --argjson id "$m" 'any(.namespaces[]; .id == $id and (.pending | not)) and .mounts["\($id)"] != null' \
		"$API" >/dev/null || fail "mnt $m: not in a sweep made after it"
	first=$SWEEP
	# by ns_id: under the host's churn an inode number comes back soon
	local ids
	ids=$(jq -c --argjson m "$m" --argjson u "$u" '[.namespaces[] | select(.id == $m or .id == $u) | .ns_id]' "$API")
	[[ $(jq length <<<"$ids") == 2 ]] || fail "uts $u and mnt $m: ns_ids $ids"
	kill_pid "$H"
	local x
	for x in "$m" "$u"; do
		wait_for "namespace $x gone from the live model" \
			eval "curl -s '$URL/api/namespaces/$x' | jq -e --argjson ids '$ids' '.error or (.namespace.ns_id as \$n | \$ids | index(\$n) | not)' >/dev/null"
	done
	api /api/namespaces
	[[ $SWEEP == "$first" ]] || fail "--max-age 3600: sweep $SWEEP after $first"
	jq -e --argjson m "$m" --argjson ids "$ids" \
		'(any(.namespaces[]; .ns_id as $n | $ids | index($n)) | not) and .mounts["\($m)"] == null' "$API" >/dev/null ||
		fail "namespaces gone from the model still listed: $(jq -c --argjson ids "$ids" '[.namespaces[] | select(.ns_id as $n | $ids | index($n))]' "$API")"
	serve_stop
}

test_serve_api_one() {
	serve_start --max-age 0
	make_namespaces
	# a mount namespace with a stacked mount: the lower one hidden
	mkdir "$T_DIR/stack"
	spawn M unshare -m --propagation private sh -c \
		"mount -t tmpfs $T_UNIQ-lower '$T_DIR/stack' && mount -t tmpfs $T_UNIQ-upper '$T_DIR/stack' && echo ready && exec sleep 1000"
	wait_ready M
	local mnt
	mnt=$(ns_ino "$M" mnt)
	wait_listed "$N1" "$U2" "$N2" "$mnt"
	# the net ns of a process: its process object, as /api/processes has it
	api "/api/namespaces/$N1"
	local one=$API
	jq -e --argjson id "$N1" --argjson pid "$H1" '.namespace.id == $id and .namespace.type == "net" and
		(.seq | type == "number") and any(.processes[]; .pid == $pid and .cmdline == ["sleep", "1000"]) and
		.containers == [] and .children == [] and (.ancestors | length >= 1) and (has("mounts") | not)' \
		"$one" >/dev/null || fail "/api/namespaces/$N1: $(head -c 400 "$one")"
	api /api/processes
	[[ $(jq -cS --argjson p "$H1" '.processes[] | select(.pid == $p)' "$API") == \
		"$(jq -cS --argjson p "$H1" '.processes[] | select(.pid == $p)' "$one")" ]] ||
		fail "pid $H1: /api/processes and /api/namespaces/$N1 differ: $(jq -cS --argjson p "$H1" '.processes[] | select(.pid == $p)' "$API") $(jq -cS --argjson p "$H1" '.processes[] | select(.pid == $p)' "$one")"
	discover
	[[ $(jq -cS --argjson p "$H1" '.processes[] | select(.pid == $p)' "$API") == \
		"$(jq -cS --argjson p "$H1" '.processes[] | select(.pid == $p)' "$DOC")" ]] ||
		fail "pid $H1: /api/processes and discover differ"
	agree "/api/namespaces/$N1: the entry is discover's" same_entries "/api/namespaces/$N1" "$N1"
	# a user namespace: the net ns it owns, its parent the initial one
	local init_user
	init_user=$(jq -c '[.namespaces[] | select(.type == "user" and .initial) | .id] | first' "$DOC")
	api "/api/namespaces/$U2"
	jq -e --argjson n "$N2" --argjson i "$init_user" '(.owned | index($n)) != null and .ancestors == [$i]' \
		"$API" >/dev/null || fail "/api/namespaces/$U2: owned/ancestors: $(jq -c '{owned, ancestors}' "$API")"
	api "/api/namespaces/$N2"
	jq -e --argjson u "$U2" --argjson i "$init_user" '.ancestors == [$u, $i]' "$API" >/dev/null ||
		fail "/api/namespaces/$N2: ancestors $(jq -c .ancestors "$API")"
	api "/api/namespaces/$init_user"
	jq -e --argjson u "$U2" 'any(.children[]; .id == $u and .type == "user")' "$API" >/dev/null ||
		fail "/api/namespaces/$init_user: $U2 not among its children"
	# ?mounts=1: the table, the stacked tmpfs below the other hidden
	api "/api/namespaces/$mnt?mounts=1"
	jq -e --arg l "$T_UNIQ-lower" --arg u "$T_UNIQ-upper" \
		'([.mounts[] | select(.source == $l) | .hidden] == [true]) and
		 ([.mounts[] | select(.source == $u) | .hidden] == [false])' "$API" >/dev/null ||
		fail "?mounts=1: stacked mounts: $(jq -c '[.mounts[] | select(.fstype == "tmpfs") | {source, hidden}]' "$API")"
	# the same mounts in /api/mounts and discover: the ones made here and
	# the root (the rest is a copy of the host's table, whose mounts
	# other tests' churn takes away meanwhile)
	local ours='[.[] | select(.path == "/" or (.source | startswith($u)))]'
	jq -c --arg u "$T_UNIQ" ".mounts | $ours" "$API" >"$T_DIR/withmounts"
	[[ $(jq length "$T_DIR/withmounts") == 3 ]] || fail "?mounts=1: not the root and our 2: $(cat "$T_DIR/withmounts")"
	api "/api/mounts?ns=$mnt"
	jq -e --argjson id "$mnt" '.ns == $id and (.seq | type == "number")' "$API" >/dev/null ||
		fail "/api/mounts?ns=$mnt: $(head -c 300 "$API")"
	[[ $(jq -c --arg u "$T_UNIQ" ".mounts | $ours" "$API") == "$(cat "$T_DIR/withmounts")" ]] ||
		fail "/api/mounts and ?mounts=1 differ"
	discover
	[[ $(jq -c --arg u "$T_UNIQ" --arg m "$mnt" ".mounts[\$m] | $ours" "$DOC") == "$(cat "$T_DIR/withmounts")" ]] ||
		fail "/api/mounts?ns=$mnt is not discover's table"
	api "/api/namespaces/$mnt?mounts=0"
	jq -e 'has("mounts") | not' "$API" >/dev/null || fail "?mounts=0 has mounts"
	serve_stop
}

# A process two PID namespaces down: its PID at each level, its own
# namespace first, up to the host's.
test_serve_api_pidmap() {
	serve_start --max-age 0
	spawn P unshare -pf --kill-child sh -c 'exec unshare -pf --kill-child sleep 1000'
	local mid inner
	wait_for "the middle pid 1" eval '[[ -n $(pgrep -P '"$P"') ]]'
	mid=$(pgrep -P "$P")
	wait_for "the inner pid 1" eval '[[ -n $(pgrep -P '"$mid"') && $(cat /proc/$(pgrep -P '"$mid"')/comm) == sleep ]]'
	inner=$(pgrep -P "$mid")
	local pid_in pid_mid pid_host nspid
	pid_in=$(ns_ino "$inner" pid)
	pid_mid=$(ns_ino "$mid" pid)
	pid_host=$(ns_ino $$ pid)
	nspid=$(awk '/^NSpid:/ { $1 = ""; print }' "/proc/$inner/status")
	local want
	# shellcheck disable=SC2086
	want=$(jq -cn --argjson i "$pid_in" --argjson m "$pid_mid" --argjson h "$pid_host" \
		--argjson p "[$(echo $nspid | tr ' ' ',')]" \
		'[{pidns: $i, pid: $p[2]}, {pidns: $m, pid: $p[1]}, {pidns: $h, pid: $p[0]}]')
	[[ $(jq 'length' <<<"$want") == 3 && $(jq '.[0].pid' <<<"$want") == 1 ]] ||
		fail "NSpid of $inner: $nspid"
	wait_listed "$pid_in"
	api /api/pidmap
	local got
	got=$(jq -c --argjson p "$inner" '.pidmap[] | select(.pid == $p) | .nspids' "$API")
	[[ $got == "$want" ]] || fail "pidmap of $inner: $got, want $want"
	# the middle one: two levels; one of the host's: one
	got=$(jq -c --argjson p "$mid" '.pidmap[] | select(.pid == $p) | .nspids | map(.pidns)' "$API")
	[[ $got == "[$pid_mid,$pid_host]" ]] || fail "pidmap of $mid: $got"
	got=$(jq -c --argjson p "$$" '.pidmap[] | select(.pid == $p) | .nspids' "$API")
	[[ $got == "[{\"pidns\":$pid_host,\"pid\":$$}]" ]] || fail "pidmap of $$: $got"
	# of one sweep: every process of /api/processes has its entry, as
	# many levels as its nspid
	serve_restart --max-age 3600
	api /api/processes
	local procs=$API first=$SWEEP
	api /api/pidmap
	[[ $SWEEP == "$first" ]] || fail "--max-age 3600: sweep $SWEEP after $first"
	jq -e '.pidmap | length > 0' "$API" >/dev/null || fail "empty pidmap"
	jq -e --slurpfile p "$procs" '$p[0].processes | length > 0' "$API" >/dev/null || fail "no processes"
	jq -e --slurpfile p "$procs" '($p[0].processes | map({key: "\(.pid)", value: (.nspid | length)}) | from_entries) as $n |
		all(.pidmap[]; (.nspids | length) == $n["\(.pid)"]) and
		(.pidmap | length) == ($n | length)' "$API" >/dev/null ||
		fail "pidmap and the processes' nspid disagree"
	serve_stop
}

test_serve_api_containers() {
	serve_start --max-age 0
	local got want i
	for ((i = 0; i < 20; i++)); do
		api /api/containers
		discover
		got=$(jq -c '[.containers[].id] | sort' "$API")
		want=$(jq -c '[.containers[].id] | sort' "$DOC")
		[[ $got == "$want" ]] && break
	done
	[[ $got == "$want" ]] || fail "/api/containers $got, discover $want"
	jq -e '(.seq | type == "number") and (.containers | type == "array")' "$API" >/dev/null ||
		fail "/api/containers: $(head -c 300 "$API")"
	note "containers: $(jq '.containers | length' "$API")"
	serve_stop
}

# One sweep in flight: requests that come meanwhile share it; a result
# is reused for --max-age.
test_serve_api_sweeps() {
	serve_start --max-age 3600
	local s0 p
	s0=$(metric nsmon_api_sweeps_total)
	[[ $s0 == 0 ]] || fail "sweeps before any request: $s0"
	for p in /api/namespaces /api/processes /api/pidmap /api/containers /api/namespaces; do
		api "$p"
		[[ $SWEEP == 1 ]] || fail "--max-age 3600: $p from sweep $SWEEP"
	done
	[[ $(metric nsmon_api_sweeps_total) == 1 ]] || fail "--max-age 3600: $(metric nsmon_api_sweeps_total) sweeps"
	serve_restart --max-age 0
	api /api/processes
	local a=$SWEEP
	api /api/processes
	[[ $SWEEP -gt $a ]] || fail "--max-age 0: sweep $SWEEP after $a"
	# 16 at once: each ran a sweep or waited for the one in flight; no
	# two ran side by side, so fewer sweeps than requests
	local s1 w1 s2 w2 n=16 args=() i
	s1=$(metric nsmon_api_sweeps_total)
	w1=$(metric nsmon_api_sweep_waits_total)
	for ((i = 0; i < n; i++)); do
		args+=(-o /dev/null -D "$T_DIR/par.$i" "$URL/api/processes")
	done
	curl -s --parallel --parallel-immediate --parallel-max "$n" "${args[@]}"
	s2=$(metric nsmon_api_sweeps_total)
	w2=$(metric nsmon_api_sweep_waits_total)
	[[ $((s2 - s1 + w2 - w1)) == "$n" ]] ||
		fail "$n requests: $((s2 - s1)) sweeps + $((w2 - w1)) waits"
	local distinct
	distinct=$(cat "$T_DIR"/par.* | sed -n 's/^X-Nsmon-Sweep: \([0-9]*\).*/\1/ip' | sort -u | wc -l)
	[[ $distinct == $((s2 - s1)) ]] || fail "$distinct sweeps in the answers, $((s2 - s1)) counted"
	[[ $((w2 - w1)) -ge 1 ]] || fail "$n concurrent requests: none shared a sweep ($((s2 - s1)) sweeps)"
	note "$n concurrent requests, --max-age 0: $((s2 - s1)) sweeps, $((w2 - w1)) waited for one"
	serve_stop
}

# Accept-Encoding: gzip gets the same bytes gzip-encoded (made once per
# answer); q=0 or no header gets them as they are; HEAD says the encoded
# length.
test_serve_api_gzip() {
	serve_start --max-age 3600
	local p gz
	for p in /api/namespaces /api/processes /api/pidmap; do
		curl -s -D "$T_DIR/h.gz" -o "$T_DIR/b.gz" -H 'Accept-Encoding: gzip' "$URL$p"
		curl -s -D "$T_DIR/h.id" -o "$T_DIR/b.id" "$URL$p"
		grep -qi '^Content-Encoding: gzip' "$T_DIR/h.gz" || fail "$p, gzip asked: $(cat "$T_DIR/h.gz")"
		grep -qi '^Content-Encoding' "$T_DIR/h.id" && fail "$p, no Accept-Encoding: encoded"
		grep -qi '^Vary: Accept-Encoding' "$T_DIR/h.id" || fail "$p: no Vary"
		gzip -t "$T_DIR/b.gz" || fail "$p: not gzip"
		# one sweep (--max-age 3600): the same document unless an event came between
		if [[ $(jq .seq "$T_DIR/b.id") == $(zcat "$T_DIR/b.gz" | jq .seq) ]]; then
			zcat "$T_DIR/b.gz" | cmp -s - "$T_DIR/b.id" || fail "$p: gzip decodes to other bytes"
		fi
		[[ $(stat -c %s "$T_DIR/b.gz") -lt $(($(stat -c %s "$T_DIR/b.id") / 3)) ]] ||
			fail "$p: $(stat -c %s "$T_DIR/b.gz") bytes gzip'd, $(stat -c %s "$T_DIR/b.id") not"
	done
	gz=$(stat -c %s "$T_DIR/b.gz")
	for h in 'gzip;q=0' 'br' 'identity, *;q=0'; do
		curl -s -D "$T_DIR/h" -o /dev/null -H "Accept-Encoding: $h" "$URL/api/pidmap"
		grep -qi '^Content-Encoding' "$T_DIR/h" && fail "Accept-Encoding: $h: encoded"
	done
	curl -s -I -H 'Accept-Encoding: x-gzip;q=0.5' "$URL/api/pidmap" >"$T_DIR/h"
	grep -qi "^Content-Length: $gz" "$T_DIR/h" || fail "HEAD: $(cat "$T_DIR/h"), the gzip body has $gz bytes"
	[[ $(metric nsmon_http_gzip_responses_total) -ge 4 ]] ||
		fail "nsmon_http_gzip_responses_total $(metric nsmon_http_gzip_responses_total)"
	# a small answer goes as it is
	curl -s -D "$T_DIR/h" -o /dev/null -H 'Accept-Encoding: gzip' "$URL/api/namespaces/1"
	grep -qi '^Content-Encoding' "$T_DIR/h" && fail "a 404 encoded"
	serve_stop
}

test_serve_api_errors() {
	serve_start
	local id
	id=$(ns_ino $$ net)
	expect 400 /api/namespaces/abc
	expect 400 /api/namespaces/-1
	expect 400 /api/namespaces/
	expect 400 /api/namespaces/18446744073709551616
	expect 404 /api/namespaces/1
	expect 404 /api/namespaces/0
	expect 400 "/api/namespaces/$id?mounts=1"
	expect 400 "/api/namespaces/$id?mounts=yes"
	expect 400 "/api/namespaces/$id?mounts=1&mounts=1"
	expect 400 "/api/namespaces/$id?type=net"
	expect 400 '/api/namespaces?mounts=1'
	expect 400 /api/mounts
	expect 400 '/api/mounts?ns='
	expect 400 '/api/mounts?ns=x'
	expect 400 '/api/mounts?ns=1&ns=2'
	expect 404 '/api/mounts?ns=1'
	expect 404 "/api/mounts?ns=$id"
	expect 400 '/api/processes?type=net'
	expect 400 '/api/pidmap?x=1'
	expect 400 '/api/containers?ns=1'
	expect 404 /api/processes/1
	expect 404 /api/pidmapx
	expect 405 /api/processes -X POST
	expect 200 /api/processes -I
	serve_stop
}
