# t_serve_ops.sh - `nsmon serve` in operation (issue 18): its metrics as
# promtool and a real Prometheus server read them, TLS, and hostile
# clients (a raw-socket fuzzer, slowloris, a stalled SSE reader).  The
# helpers (serve_start, get, expect, sse_ids ...) are t_serve.sh's.

# shellcheck source=t_serve.sh
source "$(dirname "${BASH_SOURCE[0]}")/t_serve.sh"

# metric NAME{LABELS}: its value in a fresh /metrics ("" if absent).
metric() {
	curl -s ${TOKEN:+-H "Authorization: Bearer $TOKEN"} "$URL/metrics" |
		awk -v k="$1" '$1 == k { print $2 }'
}

# free_port: a loopback TCP port nobody listens on now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Every metric the issue names, promtool's lint clean; the counters move
# with what the test does: a net namespace made (create, type net), a
# SIGHUP (a sync with reason signal), a fork (the programs' runs, with
# --bpf-stats).
test_serve_metrics_ops() {
	command -v promtool >/dev/null || fail "promtool is missing (scripts/deps.sh installs prometheus)"
	serve_start --bpf-stats
	get /metrics
	mv "$T_DIR/body" "$T_DIR/m"
	promtool check metrics <"$T_DIR/m" >"$T_DIR/promtool" 2>&1 ||
		fail "promtool check metrics: $(head -n5 "$T_DIR/promtool")"
	local name
	for name in nsmon_namespaces nsmon_events_total nsmon_events_lost_total \
		nsmon_syncs_total nsmon_sync_corrections_total nsmon_bpf_prog_run_seconds_total \
		nsmon_bpf_prog_runs_total nsmon_ringbuf_used_bytes nsmon_sse_clients \
		nsmon_sse_dropped_clients_total nsmon_http_requests_total nsmon_build_info \
		process_cpu_seconds_total process_resident_memory_bytes process_open_fds \
		process_start_time_seconds; do
		grep -q "^# TYPE $name " "$T_DIR/m" || fail "/metrics: no $name"
	done
	[[ $(metric 'nsmon_syncs_total{reason="start"}') == 1 ]] || fail "no start sync counted"
	[[ -n $(metric nsmon_ringbuf_used_bytes) ]] || fail "no nsmon_ringbuf_used_bytes"
	local creates runs
	creates=$(metric 'nsmon_events_total{event="create",type="net"}')
	runs=$(metric 'nsmon_bpf_prog_runs_total{prog="nsm_fork"}')
	spawn H unshare -n sleep 1000
	wait_unshared "$H" net
	wait_for "the create counted" eval \
		"[[ \$(metric 'nsmon_events_total{event=\"create\",type=\"net\"}') -gt $creates ]]"
	[[ $(metric 'nsmon_bpf_prog_runs_total{prog="nsm_fork"}') -gt $runs ]] ||
		fail "--bpf-stats: nsm_fork's runs did not move"
	awk '$1 ~ /^nsmon_bpf_prog_run_seconds_total/ && $2 > 0 { f = 1 } END { exit !f }' \
		<(curl -s "$URL/metrics") || fail "--bpf-stats: no program's run time counted"
	kill -HUP "$S"
	wait_for "the signal's sync counted" eval \
		"[[ \$(metric 'nsmon_syncs_total{reason=\"signal\"}') == 1 ]]"
	get /metrics
	promtool check metrics <"$T_DIR/body" >"$T_DIR/promtool" 2>&1 ||
		fail "promtool check metrics: $(head -n5 "$T_DIR/promtool")"
	serve_stop
}

# A real Prometheus server scrapes serve: what it stored agrees with the
# API's count (both views of the live model; others' churn may come in
# between: until they agree, one scrape a second).
test_serve_prometheus() {
	command -v prometheus >/dev/null || fail "prometheus is missing (scripts/deps.sh installs it)"
	serve_start
	# one net namespace more than the host's, so that the count is ours too
	spawn H unshare -n sleep 1000
	wait_unshared "$H" net
	local port dir=$T_DIR/prom
	port=$(free_port)
	mkdir -p "$dir"
	cat >"$dir/prometheus.yml" <<-YML
		global:
		  scrape_interval: 1s
		scrape_configs:
		  - job_name: nsmon
		    static_configs:
		      - targets: ['${URL#http://}']
	YML
	spawn P prometheus --config.file="$dir/prometheus.yml" \
		--storage.tsdb.path="$dir/data" --web.listen-address="127.0.0.1:$port"
	local q="http://127.0.0.1:$port/api/v1/query" i v a
	wait_for "prometheus to scrape nsmon serve" eval \
		"curl -sf '$q' --data-urlencode 'query=up{job=\"nsmon\"}' | jq -e '.data.result[0].value[1] == \"1\"' >/dev/null"
	for ((i = 0; i < 30; i++)); do
		v=$(curl -sf "$q" --data-urlencode 'query=nsmon_namespaces{type="net"}' |
			jq -r '.data.result[0].value[1]')
		a=$(curl -s "$URL/api/namespaces?type=net" | jq '[.namespaces[] | select(.type == "net")] | length')
		[[ $v == "$a" ]] && break
		sleep 1
	done
	[[ $v == "$a" ]] || fail "prometheus: nsmon_namespaces{type=\"net\"} $v, /api/namespaces $a"
	note "prometheus scraped nsmon_namespaces{type=\"net\"} $v"
	kill_pid "$P"
	serve_stop
}

# tls_cert DIR: a self-signed certificate for 127.0.0.1 (DIR/cert.pem,
# DIR/key.pem), made now.
tls_cert() {
	command -v openssl >/dev/null || fail "openssl is missing (scripts/deps.sh installs it)"
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 -keyout "$1/key.pem" \
		-out "$1/cert.pem" 2>"$1/openssl.err" || fail "openssl: $(tail -n1 "$1/openssl.err")"
}

# tls_refused CERT KEY MESSAGE: serve refuses them with one line, exit 1.
tls_refused() {
	run_nsmon "$NSMON" serve --tls-cert "$1" --tls-key "$2"
	[[ $RC == 1 ]] || fail "--tls-cert $1 --tls-key $2: exit $RC, not 1"
	[[ $(wc -l <"$ERR") == 1 ]] && grep -qF -- "$3" "$ERR" ||
		fail "--tls-cert $1 --tls-key $2: $(cat "$ERR")"
}

# HTTPS with a certificate made now: answers and the stream over TLS, an
# untrusted certificate and plain HTTP get nothing, the token rule holds
# with TLS, and wrong files are refused before anything loads, by name.
test_serve_tls() {
	tls_cert "$T_DIR"
	CACERT=$T_DIR/cert.pem
	serve_start --tls-cert "$T_DIR/cert.pem" --tls-key "$T_DIR/key.pem"
	[[ $URL == https://127.0.0.1:* ]] || fail "listening on $URL, not https://"
	expect 200 /healthz --cacert "$CACERT"
	expect 200 /api/namespaces --cacert "$CACERT"
	jq -e '.namespaces | length > 0' "$T_DIR/body" >/dev/null || fail "/api/namespaces over TLS: $(head -c 300 "$T_DIR/body")"
	expect 404 /nope --cacert "$CACERT"
	local rc=0
	curl -s -o /dev/null "$URL/healthz" || rc=$?
	[[ $rc == 60 ]] || fail "an untrusted certificate: curl exit $rc, not 60"
	CODE=$(curl -s -o /dev/null -w '%{http_code}' "http://${URL#https://}/healthz" || true)
	[[ $CODE == 000 ]] || fail "plain HTTP on the TLS port answered $CODE"
	# the stream over TLS: the start's events from the backlog
	curl -sN --cacert "$CACERT" -m 3 "$URL/api/events?last_event_id=0" >"$T_DIR/E.out" || true
	# into a file: a pipe to head would break sse_ids's pipe under pipefail
	sse_ids "$T_DIR/E.out" >"$T_DIR/E.ids"
	[[ $(head -n1 "$T_DIR/E.ids") == 1 ]] || fail "no stream over TLS: $(head -c 300 "$T_DIR/E.out")"
	serve_stop
	# TLS does not stand for a token on a non-loopback address
	run_nsmon "$NSMON" serve --listen 0.0.0.0:0 --tls-cert "$T_DIR/cert.pem" --tls-key "$T_DIR/key.pem"
	[[ $RC == 2 ]] && grep -q 'needs --token-file or --no-auth' "$ERR" ||
		fail "non-loopback TLS listen without a token: exit $RC: $(cat "$ERR")"
	TOKEN=tok-$RANDOM$RANDOM
	echo "$TOKEN" >"$T_DIR/token"
	: >"$T_DIR/S.err"
	serve_start --listen 0.0.0.0:0 --token-file "$T_DIR/token" --tls-cert "$T_DIR/cert.pem" --tls-key "$T_DIR/key.pem"
	# the wildcard address's port, reached over loopback
	URL=https://127.0.0.1:$(sed -n 's|.*listening on https://0\.0\.0\.0:||p' "$T_DIR/S.err")
	expect 401 /api/namespaces --cacert "$CACERT"
	expect 401 /api/namespaces --cacert "$CACERT" -H "Authorization: Bearer wrong"
	expect 200 /api/namespaces --cacert "$CACERT" -H "Authorization: Bearer $TOKEN"
	serve_stop
	# wrong files: the one at fault named, exit 1, nothing loaded
	head -c 2000000 /dev/zero | tr '\0' a >"$T_DIR/big"
	tls_refused "$T_DIR/cert.pem" "$T_DIR/nope" "--tls-key $T_DIR/nope: No such file"
	tls_refused "$T_DIR/big" "$T_DIR/key.pem" "--tls-cert $T_DIR/big: too large"
	tls_refused "$T_DIR/cert.pem" "$T_DIR" "--tls-key $T_DIR: not a regular file"
	tls_refused "$T_DIR/key.pem" "$T_DIR/cert.pem" "not a PEM certificate and its private key"
	tls_refused "$T_DIR/token" "$T_DIR/key.pem" "not a PEM certificate and its private key"
	run_nsmon "$NSMON" serve --tls-cert "$T_DIR/cert.pem"
	[[ $RC == 2 ]] || fail "--tls-cert alone: exit $RC, not 2"
}

FUZZ=$(dirname "${BASH_SOURCE[0]}")/../serve_fuzz.py

# 10,000 malformed or oversized requests over raw sockets: each gets a
# 4xx or a closed connection (serve_fuzz.py says which requests may get
# a 505), the server answers /healthz after, and the ASan build reports
# nothing (serve_stop).
# timeout serve_fuzz 180
test_serve_fuzz() {
	serve_start
	local port=${URL##*:} rc=0
	python3 "$FUZZ" fuzz 127.0.0.1 "$port" 10000 >"$T_DIR/fuzz" 2>&1 || rc=$?
	[[ $rc == 0 ]] || fail "serve_fuzz.py: $(tr '\n' ' ' <"$T_DIR/fuzz" | head -c 600)"
	note "fuzz: $(head -n1 "$T_DIR/fuzz")"
	expect 200 /healthz
	kill -0 "$S" || fail "nsmon serve died"
	serve_stop
}

# 500 connections from 127.0.0.2 trickle a header byte a second: those
# past the per-address limit are refused at once, the others cut at the
# headers' deadline; a client from 127.0.0.1 gets /healthz all the while.
# timeout serve_slowloris 90
test_serve_slowloris() {
	serve_start
	local port=${URL##*:} rc=0
	python3 "$FUZZ" slowloris 127.0.0.1 "$port" 500 127.0.0.2 >"$T_DIR/slow" 2>&1 || rc=$?
	[[ $rc == 0 ]] || fail "slowloris: $(tr '\n' ' ' <"$T_DIR/slow")"
	note "slowloris: $(cat "$T_DIR/slow")"
	local cut
	cut=$(metric nsmon_http_slow_headers_total)
	[[ $cut -ge 1 && $cut -le 64 ]] || fail "nsmon_http_slow_headers_total $cut: not 1 to 64 (--max-conns-per-ip)"
	expect 200 /healthz
	serve_stop
}

# A client that stops reading the stream (its receive buffer 4 KiB, and
# never read) while nschurn makes thousands of events: it is cut and
# counted as dropped; a curl reading beside it gets every event, seqs
# without a gap, also after the cut.
# timeout serve_sse_stalled 150
test_serve_sse_stalled() {
	serve_start --backlog 1000
	sse_open R
	spawn Z python3 -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /api/events HTTP/1.1\r\nHost: x\r\n\r\n")
print("ready", flush=True)
time.sleep(1000)' "${URL##*:}"
	wait_ready Z
	wait_for "two SSE clients" eval "[[ \$(metric nsmon_sse_clients) == 2 ]]"
	private_tmpfs "$T_DIR/mnt"
	spawn C "$NSCHURN" -n 6000 -x -d "$T_DIR/mnt"
	local i
	for ((i = 0; i < 900; i++)); do
		[[ $(metric nsmon_sse_dropped_clients_total) == 1 ]] && break
		kill -0 "$C" 2>/dev/null || "$NSCHURN" -n 2000 -x -d "$T_DIR/mnt" >/dev/null
		sleep 0.1
	done
	[[ $(metric nsmon_sse_dropped_clients_total) == 1 ]] ||
		fail "the stalled client was not dropped: $(metric nsmon_sse_clients) clients"
	[[ $(metric nsmon_sse_clients) == 1 ]] || fail "sse clients $(metric nsmon_sse_clients), not 1"
	kill_pid "$C"
	# after the cut the reader still gets what comes
	spawn H unshare -u sleep 1000
	wait_unshared "$H" uts
	local x
	x=$(ns_ino "$H" uts)
	wait_for "the create of $x" grep -q "\"ns\":{\"id\":$x," "$T_DIR/R.out"
	sse_ids "$T_DIR/R.out" >"$T_DIR/ids"
	python3 - "$T_DIR/ids" <<'PY' || fail "the reader's seqs: $(cat "$T_DIR/gap" 2>/dev/null)"
import sys
ids = [int(l) for l in open(sys.argv[1])]
gaps = [(a, b) for a, b in zip(ids, ids[1:]) if b != a + 1]
open(sys.argv[1] + ".n", "w").write(str(len(ids)))
if gaps or len(ids) < 1000:
    open(sys.argv[1].replace("ids", "gap"), "w").write(f"{len(ids)} events, gaps {gaps[:5]}")
    sys.exit(1)
PY
	note "stalled client dropped; the reader got $(cat "$T_DIR/ids.n") events, no gap"
	serve_stop
}

# threads NSMON_PID: its thread count.
threads_of() {
	awk '/^Threads:/ { print $2 }' "/proc/$1/status"
}

# One polling thread serves every connection (--threads 1): 40 SSE
# clients add no thread, each gets an event made while they all wait
# (parked, their connections suspended), a data answer (made by a worker)
# and /healthz come meanwhile, and each stream ends with the shutdown.
# timeout serve_threads 120
test_serve_threads() {
	serve_start --threads 1
	local t0 t1 i n=40 x
	t0=$(threads_of "$S")
	for ((i = 0; i < n; i++)); do
		spawn "C$i" curl -sN "$URL/api/events"
	done
	wait_for "$n SSE clients" eval "[[ \$(metric nsmon_sse_clients) == $n ]]"
	t1=$(threads_of "$S")
	[[ $t1 == "$t0" ]] || fail "$n SSE clients: $t1 threads, $t0 before them"
	spawn H unshare -u sleep 1000
	wait_unshared "$H" uts
	x=$(ns_ino "$H" uts)
	for ((i = 0; i < n; i++)); do
		wait_for "the create of $x in client $i" grep -q "\"ns\":{\"id\":$x," "$T_DIR/C$i.out"
	done
	expect 200 /healthz
	# the answer's view may be a turn of the agent behind the stream
	wait_for "$x in /api/namespaces" eval "curl -sf '$URL/api/namespaces' |
		jq -e --argjson x $x 'any(.namespaces[]; .id == \$x)' >/dev/null"
	serve_stop
	local pid var
	for ((i = 0; i < n; i++)); do
		var="C$i"
		pid=${!var}
		wait "$pid" 2>/dev/null || true
		[[ $(tail -n3 "$T_DIR/C$i.out" | tr '\n' ' ') == "event: shutdown data: {}  " ]] ||
			fail "client $i did not end with event: shutdown"
	done
	note "$n SSE clients on one polling thread: $t1 threads in all, each got the event and the shutdown"
}

# Two agents on one host (serve and a watch): each one's checks, an nsfs
# handle opened and closed per namespace, are no hints to the other.
# They were, and the two hinted each other for ever (on 3,500 namespaces
# each agent took 14% of a CPU, idle).  A namespace held by a bind mount
# and one held by a process and an fd are checked by both all the while;
# the close of the fd that was that namespace's last reference is a hint.
# timeout serve_agents 120
test_serve_agents_quiet() {
	local h0 h1 c0 c1 x
	ip netns add "$T_UNIQ"
	defer ip netns del "$T_UNIQ"
	spawn H unshare -n sleep 1000
	wait_unshared "$H" net
	x=$(ns_ino "$H" net)
	mkfifo "$T_DIR/fdctl"
	# holds an fd of H's net namespace until it reads a line
	spawn F python3 -c '
import os, sys
fd = os.open("/proc/%s/ns/net" % sys.argv[1], os.O_RDONLY)
print("held", flush=True)
open(sys.argv[2]).readline()
os.close(fd)
print("closed", flush=True)
' "$H" "$T_DIR/fdctl"
	wait_for "the fd holder" grep -q held "$T_DIR/F.out"
	serve_start
	spawn W "$NSMON" watch --json
	wait_for "the other agent's first line" test -s "$T_DIR/W.out"
	# the safety net checks every namespace within 5 s: each agent's
	# checks meet all of the other's namespaces at least once
	h0=$(metric 'nsmon_hints_total{kind="close"}')
	c0=$(metric nsmon_liveness_checks_total)
	sleep 6
	h1=$(metric 'nsmon_hints_total{kind="close"}')
	c1=$(metric nsmon_liveness_checks_total)
	[[ -n $h0 && -n $c0 ]] || fail "/metrics: no nsmon_hints_total or nsmon_liveness_checks_total"
	((c1 > c0)) || fail "serve checked no namespace in 6 s ($c0, $c1)"
	((h1 - h0 <= 5)) ||
		fail "beside another agent, $((h1 - h0)) close hints in 6 s ($((c1 - c0)) checks): the agents hint each other"
	note "beside another agent: $((h1 - h0)) close hints and $((c1 - c0)) checks in 6 s"
	# the fd is the last reference once H is gone: its close is a hint
	kill_pid "$H"
	echo go >"$T_DIR/fdctl"
	wait_for "the holder's close" grep -q closed "$T_DIR/F.out"
	wait_for "the close of the last fd counted as a hint" eval \
		"[[ \$(metric 'nsmon_hints_total{kind=\"close\"}') -gt $h1 ]]"
	wait_for "the destroy of $x in the other agent's stream" \
		grep -q "\"event\":\"destroy\".*\"id\":$x[,}]" "$T_DIR/W.out"
	serve_stop
}
