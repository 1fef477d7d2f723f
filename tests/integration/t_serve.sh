# t_serve.sh - `nsmon serve` (issue 18, SPEC "HTTP API"), step 1: health,
# /api/namespaces from the live model, the SSE stream (hand-off from a
# snapshot, resume, resync, shutdown), /metrics, errors, the token and
# the unix socket; with curl on loopback against the ASan build.
#
# Other processes on the host make namespaces too: a test looks only at
# what it made, or compares two views of the same stream.

# serve_start [ARGS...]: the ASan nsmon serve on a loopback port the
# kernel picks (and ARGS), $URL its address; returns once /readyz is ok
# ($TOKEN: with that token; $CACERT: over TLS, trusting that cert).
serve_start() {
	local i
	spawn S "$NSMON" serve --listen 127.0.0.1:0 "$@"
	for ((i = 0; i < 300; i++)); do
		URL=$(sed -n 's/.*listening on \(https\{0,1\}:[^ ]*\)$/\1/p' "$T_DIR/S.err" | head -n1)
		[[ -n $URL ]] && curl -sf -o /dev/null ${TOKEN:+-H "Authorization: Bearer $TOKEN"} \
			${CACERT:+--cacert "$CACERT"} "$URL/readyz" && return 0
		kill -0 "$S" 2>/dev/null || break
		sleep 0.1
	done
	cat "$T_DIR/S.err" >&2
	fail "nsmon serve did not get ready: $(head -n1 "$T_DIR/S.err")"
}

# serve_stop: SIGTERM; exit status 0 and no sanitizer report.
serve_stop() {
	local rc=0
	kill -TERM "$S"
	wait "$S" || rc=$?
	_t_sanitizers "$T_DIR/S.err" "nsmon serve"
	[[ $rc -eq 0 ]] || { cat "$T_DIR/S.err" >&2; fail "nsmon serve exited $rc on SIGTERM"; }
}

# get PATH [CURL ARGS...]: the body in $T_DIR/body, $CODE the status.
get() {
	local path=$1
	shift
	CODE=$(curl -s -o "$T_DIR/body" -w '%{http_code}' "$@" "$URL$path")
}

# expect CODE PATH [CURL ARGS...]: the status, and a JSON error for 4xx/5xx.
expect() {
	local want=$1 path=$2 body
	shift 2
	get "$path" "$@"
	body=$(cat "$T_DIR/body")
	[[ $CODE == "$want" ]] || fail "$path $*: status $CODE, not $want: $body"
	if [[ $want -ge 400 ]]; then
		jq -e '.error | type == "string"' <<<"$body" >/dev/null ||
			fail "$path $*: error body not {\"error\": ...}: $body"
	fi
}

# sse_ids FILE: the ids of the complete frames of an SSE capture, one a line.
sse_ids() {
	python3 - "$1" <<'PY'
import sys
data = open(sys.argv[1], encoding="utf-8", errors="replace").read()
for frame in data.split("\n\n")[:-1]:
    for line in frame.split("\n"):
        if line.startswith("id: "):
            print(line[4:])
PY
}

# sse_data FILE: the data lines (without "data: ") of its complete frames.
sse_data() {
	python3 - "$1" <<'PY'
import sys
data = open(sys.argv[1], encoding="utf-8", errors="replace").read()
for frame in data.split("\n\n")[:-1]:
    for line in frame.split("\n"):
        if line.startswith("data: "):
            print(line[6:])
PY
}

# creates FILE ID PID: how many creates of namespace ID by PID the stream
# FILE has (an inode number may be reused: the pid tells ours).
creates() {
	sse_data "$1" | jq -c --argjson id "$2" --argjson pid "$3" \
		'select(.event == "create" and .ns.id == $id and .pid == $pid)' | wc -l
}

# sse_open VAR [CURL ARGS...]: an /api/events client in the background.
sse_open() {
	local var=$1
	shift
	spawn "$var" curl -sN "$@" "$URL/api/events"
}

test_serve_endpoints() {
	serve_start
	get /healthz
	[[ $(cat "$T_DIR/body") == ok && $CODE == 200 ]] || fail "/healthz: $CODE"
	get /readyz
	[[ $(cat "$T_DIR/body") == ok && $CODE == 200 ]] || fail "/readyz: $CODE"
	curl -sI "$URL/healthz" >"$T_DIR/head"
	grep -qi '^X-Content-Type-Options: nosniff' "$T_DIR/head" || fail "no nosniff"
	grep -qi '^Content-Type: text/plain' "$T_DIR/head" || fail "HEAD /healthz: no content type"
	get /api/namespaces
	[[ $CODE == 200 ]] || fail "/api/namespaces: $CODE"
	curl -sI "$URL/api/namespaces" | grep -qi '^Content-Type: application/json' ||
		fail "/api/namespaces: not application/json"
	expect 405 /healthz -X POST
	expect 405 /api/namespaces -X DELETE
	expect 404 /nope
	expect 404 /api/namespacesx
	expect 404 /api/namespaces/1
	expect 400 /api/namespaces/abc
	expect 400 '/api/namespaces?type=bogus'
	expect 400 '/api/namespaces?foo=1'
	expect 400 '/api/namespaces?type=net&type=net'
	expect 400 '/api/events?last_event_id=x'
	expect 400 '/api/events?event=dying'
	expect 400 /api/events -H 'Last-Event-ID: -1'
	# a namespace of the host's, by id
	local id
	id=$(ns_ino "$BASHPID" net)
	get "/api/namespaces/$id"
	mv "$T_DIR/body" "$T_DIR/one"
	[[ $CODE == 200 ]] || fail "/api/namespaces/$id: $CODE"
	jq -e --argjson id "$id" '.namespace.id == $id and .namespace.type == "net" and (.seq | type == "number")' \
		"$T_DIR/one" >/dev/null || fail "/api/namespaces/$id: $(cat "$T_DIR/one")"
	serve_stop
}

test_serve_namespaces() {
	serve_start
	spawn H unshare -n sleep 1000
	wait_unshared "$H" net
	local id
	id=$(ns_ino "$H" net)
	# the live model has it once the agent folded its create in
	wait_for "net namespace $id in /api/namespaces" \
		eval "curl -s '$URL/api/namespaces' | jq -e --argjson id $id 'any(.namespaces[]; .id == \$id)' >/dev/null"
	get '/api/namespaces?type=net'
	mv "$T_DIR/body" "$T_DIR/net"
	jq -e --argjson id "$id" '[.namespaces[] | select(.id == $id)] | length == 1 and .[0].type == "net" and .[0].owner > 0' \
		"$T_DIR/net" >/dev/null || fail "namespace $id: not once, as net, with its owner"
	jq -e 'all(.namespaces[]; .type == "net")' "$T_DIR/net" >/dev/null || fail "?type=net: other types"
	# the host's initial namespaces: the same ids as discover's
	discover
	local want got
	want=$(jq -c '[.namespaces[] | select(.initial) | .id] | sort' "$DOC")
	get /api/namespaces
	got=$(jq -c --argjson w "$want" '[.namespaces[] | .id | select(. as $i | $w | index($i))] | sort' "$T_DIR/body")
	[[ $got == "$want" ]] || fail "initial namespaces: $got, discover: $want"
	serve_stop
}

# A snapshot with seq N, then the stream from N: every later event once,
# none at or before N; a client that disconnects and resumes with its last
# id gets exactly what a client that stayed connected got.
test_serve_handoff() {
	serve_start
	local n id x y last
	get /api/namespaces
	mv "$T_DIR/body" "$T_DIR/snap"
	n=$(jq .seq "$T_DIR/snap")
	spawn H unshare -n sleep 1000
	wait_unshared "$H" net
	x=$(ns_ino "$H" net)
	sse_open R -H "Last-Event-ID: $n"
	sse_open C -H "Last-Event-ID: $n"
	# by its pid: under the host's churn an inode number comes back soon
	wait_for "the create of $x by $H" eval "[[ \$(creates '$T_DIR/C.out' $x $H) -ge 1 ]]"
	# not in the snapshot taken before it (ns_id: never reused)
	local nsid
	nsid=$(sse_data "$T_DIR/C.out" | jq -c --argjson id "$x" --argjson pid "$H" \
		'select(.event == "create" and .ns.id == $id and .pid == $pid) | .ns.ns_id' | head -n1)
	if [[ $nsid != null ]]; then
		jq -e --argjson n "$nsid" 'any(.namespaces[]; .ns_id == $n) | not' "$T_DIR/snap" >/dev/null ||
			fail "namespace $x (ns_id $nsid) in the snapshot taken before it"
	fi
	kill "$C"
	wait "$C" 2>/dev/null || true
	cp "$T_DIR/C.out" "$T_DIR/C1"
	sse_ids "$T_DIR/C1" >"$T_DIR/ids1"
	awk -v n="$n" '$1 <= n { bad = 1 } END { exit bad }' "$T_DIR/ids1" || fail "a seq <= $n after Last-Event-ID: $n"
	[[ $(creates "$T_DIR/C1" "$x" "$H") == 1 ]] || fail "the create of $x by $H not once"
	last=$(tail -n1 "$T_DIR/ids1")
	# meanwhile, another namespace; then the resume
	spawn H2 unshare -u sleep 1000
	wait_unshared "$H2" uts
	y=$(ns_ino "$H2" uts)
	sse_open C2 "$URL/api/events?last_event_id=$last"
	wait_for "the create of $y" eval "[[ \$(creates '$T_DIR/C2.out' $y $H2) -ge 1 ]]"
	wait_for "the create of $y (reference)" eval "[[ \$(creates '$T_DIR/R.out' $y $H2) -ge 1 ]]"
	kill "$C2" "$R"
	wait "$C2" "$R" 2>/dev/null || true
	sse_ids "$T_DIR/C2.out" >"$T_DIR/ids2"
	sse_ids "$T_DIR/R.out" >"$T_DIR/idsr"
	local end
	end=$(tail -n1 "$T_DIR/ids2")
	[[ $(tail -n1 "$T_DIR/idsr") -ge $end ]] || end=$(tail -n1 "$T_DIR/idsr")
	cat "$T_DIR/ids1" "$T_DIR/ids2" | awk -v e="$end" '$1 <= e' >"$T_DIR/idsc"
	awk -v e="$end" '$1 <= e' "$T_DIR/idsr" >"$T_DIR/idsr2"
	sort -n "$T_DIR/idsc" | uniq -d | grep -q . && fail "resume repeated seqs: $(sort -n "$T_DIR/idsc" | uniq -d | head -3 | tr '\n' ' ')"
	cmp -s "$T_DIR/idsc" "$T_DIR/idsr2" ||
		fail "resume lost or reordered events: $(diff "$T_DIR/idsc" "$T_DIR/idsr2" | head -4 | tr '\n' ' ')"
	grep -q '^event: resync' "$T_DIR/R.out" "$T_DIR/C1" "$T_DIR/C2.out" &&
		fail "a resync for a resume inside the backlog"
	note "hand-off: $(wc -l <"$T_DIR/idsr2") events after seq $n, resumed after $last"
	serve_stop
}

test_serve_resync() {
	serve_start --backlog 16
	local n i
	get /api/namespaces
	n=$(jq .seq "$T_DIR/body")
	# 10 uts namespaces made and gone: at least 20 events after n
	for ((i = 0; i < 10; i++)); do unshare -u true; done
	wait_for "20 events after $n" \
		eval "[[ \$(curl -s '$URL/api/namespaces' | jq .seq) -ge $((n + 20)) ]]"
	sse_open E -H "Last-Event-ID: $n"
	wait_for "a first frame" grep -q . "$T_DIR/E.out"
	[[ $(head -n1 "$T_DIR/E.out") == "event: resync" ]] ||
		fail "Last-Event-ID older than --backlog 16: first line $(head -n1 "$T_DIR/E.out")"
	# an id of another run (past the newest event): a resync too
	sse_open F -H "Last-Event-ID: 999999999999"
	wait_for "a first frame" grep -q . "$T_DIR/F.out"
	[[ $(head -n1 "$T_DIR/F.out") == "event: resync" ]] ||
		fail "Last-Event-ID past the newest: first line $(head -n1 "$T_DIR/F.out")"
	serve_stop
}

test_serve_usage() {
	run_nsmon "$NSMON" serve --help
	[[ $RC == 0 ]] && grep -q -- '--listen ADDR' "$OUT" && grep -q -- '--ring-size' "$OUT" ||
		fail "serve --help: exit $RC"
	local args
	for args in "--listen nohost:1" "--listen 127.0.0.1:70000" "--listen unix:" \
		"--backlog 0" "--backlog x" "--types bogus" "--token-file /dev/null --no-auth" \
		"--proc-root /proc/1" "--bogus"; do
		# shellcheck disable=SC2086
		run_nsmon "$NSMON" serve $args
		[[ $RC == 2 ]] || fail "serve $args: exit $RC, not 2"
		[[ $(wc -l <"$ERR") -le 2 ]] || fail "serve $args: $(cat "$ERR")"
	done
	# an empty token file: refused before anything loads
	: >"$T_DIR/empty"
	run_nsmon "$NSMON" serve --token-file "$T_DIR/empty"
	[[ $RC == 1 ]] && grep -q 'token-file.*empty' "$ERR" || fail "empty --token-file: exit $RC: $(cat "$ERR")"
}

test_serve_auth() {
	run_nsmon "$NSMON" serve --listen 0.0.0.0:0
	[[ $RC == 2 ]] || fail "non-loopback listen without a token: exit $RC, not 2"
	[[ $(wc -l <"$ERR") -le 2 ]] && grep -q 'needs --token-file or --no-auth' "$ERR" ||
		fail "non-loopback listen without a token: $(cat "$ERR")"
	run_nsmon "$NSMON" serve --listen '[::]:0'
	[[ $RC == 2 ]] || fail "[::]:0 without a token: exit $RC, not 2"
	TOKEN=tok-$RANDOM$RANDOM
	echo "$TOKEN" >"$T_DIR/token"
	serve_start --token-file "$T_DIR/token"
	# the probes and the UI's files need none: they hold no host data
	expect 200 /healthz
	expect 200 /readyz
	expect 200 /
	expect 200 /app.js
	local p
	for p in /api/namespaces /api/events /api/processes /api/nope /metrics /app.js/x /nope; do
		expect 401 "$p"
	done
	expect 401 /api/namespaces -H "Authorization: Bearer wrong"
	expect 401 /api/namespaces -H "Authorization: Bearer ${TOKEN}x"
	expect 401 /api/namespaces -H "Authorization: Basic $TOKEN"
	expect 200 /api/namespaces -H "Authorization: Bearer $TOKEN"
	expect 200 /metrics -H "Authorization: Bearer $TOKEN"
	serve_stop
}

test_serve_unix() {
	local sock=$T_DIR/serve.sock
	serve_start --listen "unix:$sock"
	[[ -S $sock ]] || fail "$sock is no socket"
	[[ $(stat -c %a "$sock") == 660 ]] || fail "$sock: mode $(stat -c %a "$sock"), not 660"
	[[ $(curl -s --unix-socket "$sock" http://localhost/healthz) == ok ]] || fail "/healthz over $sock"
	curl -s --unix-socket "$sock" http://localhost/api/namespaces | jq -e '.namespaces | length > 0' >/dev/null ||
		fail "/api/namespaces over $sock"
	# a path that is there is not taken over
	run_nsmon "$NSMON" serve --listen "unix:$sock"
	[[ $RC == 1 ]] || fail "a second serve on $sock: exit $RC"
	serve_stop
	[[ ! -e $sock ]] || fail "$sock left behind"
	# a stop as soon as the socket is there (before or during the start
	# sweep, whichever it meets): exit 0, the socket removed
	local rc=0
	spawn S2 "$NSMON" serve --listen "unix:$sock"
	wait_for "$sock" test -S "$sock"
	kill -TERM "$S2"
	wait "$S2" || rc=$?
	[[ $rc == 0 ]] || fail "SIGTERM at start: exit $rc"
	[[ ! -e $sock ]] || fail "$sock left behind by a stop at start"
}

# SIGTERM: the SSE client's last frame is the shutdown, exit 0; with
# --events-stdout, stdout has the same bytes as the stream's data lines.
test_serve_shutdown() {
	serve_start --events-stdout --no-initial
	sse_open E
	# the stream is open once the server counts it
	wait_for "the SSE client" eval "curl -s '$URL/metrics' | grep -q '^nsmon_sse_clients 1$'"
	spawn H unshare -n sleep 1000
	wait_unshared "$H" net
	local x
	x=$(ns_ino "$H" net)
	wait_for "the create of $x" grep -q "\"ns\":{\"id\":$x," "$T_DIR/E.out"
	serve_stop
	wait "$E" 2>/dev/null || true
	local end
	end=$(tail -n3 "$T_DIR/E.out" | tr '\n' ' ')
	[[ $end == "event: shutdown data: {}  " ]] ||
		fail "the stream did not end with event: shutdown: $end"
	sse_data "$T_DIR/E.out" | grep '^{"seq"' >"$T_DIR/data"
	[[ -s $T_DIR/data ]] || fail "no events in the stream"
	grep -qxFf "$T_DIR/data" "$T_DIR/S.out" || fail "no stream line on stdout"
	local missing
	missing=$(grep -vxFf "$T_DIR/S.out" "$T_DIR/data" || true)
	[[ -z $missing ]] || fail "stream lines not on --events-stdout: ${missing:0:300}"
}

# A client's connection is kept across requests (HTTP/1.1 keep-alive):
# the answers are queued after the whole request, not before; a GET that
# says it has a body is refused at once.
test_serve_keepalive() {
	serve_start
	local n
	local p args=()
	for p in /healthz /api/namespaces /metrics /api/nope /healthz; do
		args+=(-o /dev/null "$URL$p")
	done
	n=$(curl -s -w '%{num_connects} %{http_code}\n' "${args[@]}" | tr '\n' ' ')
	[[ $n == "1 200 0 200 0 200 0 404 0 200 " ]] ||
		fail "five requests on one connection: connects and codes $n"
	expect 400 /healthz -X GET -H 'Content-Length: 5' --data-binary abcde
	expect 405 /healthz -X POST --data-binary abcde
	expect 200 /healthz -H 'Content-Length: 0'
	serve_stop
}

test_serve_metrics() {
	serve_start
	get /metrics
	mv "$T_DIR/body" "$T_DIR/m"
	curl -sI "$URL/metrics" | grep -qi '^Content-Type: text/plain; version=0.0.4' ||
		fail "/metrics: not text/plain; version=0.0.4"
	local name
	for name in nsmon_namespaces nsmon_events_total nsmon_events_lost_total \
		nsmon_sse_clients nsmon_sse_dropped_clients_total nsmon_http_requests_total \
		nsmon_build_info process_cpu_seconds_total process_resident_memory_bytes \
		process_open_fds process_start_time_seconds; do
		grep -q "^# TYPE $name " "$T_DIR/m" || fail "/metrics: no $name"
	done
	grep -q '^nsmon_events_total{event="sync",type=""} [1-9]' "$T_DIR/m" || fail "/metrics: no sync counted"
	grep -q '^nsmon_http_requests_total{code="200"} [1-9]' "$T_DIR/m" || fail "/metrics: no 200 counted"
	# every sample line: name{labels} number
	local re='^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9.e+-]+$'
	grep -v '^#' "$T_DIR/m" | grep -vE "$re" | head -n1 | grep -q . &&
		fail "/metrics: bad line: $(grep -v '^#' "$T_DIR/m" | grep -vE "$re" | head -n1)"
	# the count of user namespaces agrees with the API's (both snapshots
	# of the live model; others' churn may come between: until they agree)
	local i m a
	for ((i = 0; i < 50; i++)); do
		m=$(curl -s "$URL/metrics" | sed -n 's/^nsmon_namespaces{type="user"} //p')
		a=$(curl -s "$URL/api/namespaces?type=user" | jq '.namespaces | length')
		[[ $m == "$a" ]] && break
	done
	[[ $m == "$a" ]] || fail "nsmon_namespaces{type=\"user\"} $m, /api/namespaces?type=user $a"
	[[ $(grep '^process_open_fds ' "$T_DIR/m" | cut -d' ' -f2) -gt 3 ]] || fail "process_open_fds"
	# no connection kept by an answer: 200 requests of every kind, then
	# no established connection on the server's side (the agent's own
	# fds come and go with the host's containers: counted apart)
	local port sockets
	port=${URL##*:}
	for ((i = 0; i < 25; i++)); do
		curl -s -o /dev/null "$URL/api/namespaces" "$URL/metrics" "$URL/healthz" \
			"$URL/nope" "$URL/api/namespaces/abc" "$URL/api/namespaces?type=x"
		curl -s -o /dev/null -X POST "$URL/healthz"
		curl -s -o /dev/null -I "$URL/api/events"
	done
	wait_for "the connections to close" \
		eval "[[ -z \$(ss -Htn state established '( sport = :$port )') ]]"
	sockets=$(ls -l "/proc/$S/fd" 2>/dev/null | grep -c 'socket:' || true)
	note "socket fds of nsmon serve after 200 requests: $sockets"
	serve_stop
}
