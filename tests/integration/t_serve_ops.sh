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
