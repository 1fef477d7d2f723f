# t_serve_ui.sh - nsmon serve's web UI in a real browser (issue 18, "Web
# UI"): Debian's chromium, headless, driven by puppeteer-core
# (tests/ui/node_modules, installed by scripts/deps.sh from
# tests/ui/package-lock.json) under `node --test`; the assertions are in
# tests/ui/ui.test.mjs.  Screenshots of every view go to build/ui-shots/,
# with node's output (ui.log, token.log).
#
# Everything the browser test starts (chromium, the namespaces' processes)
# is written to $T_DIR/pids and killed at exit, also when node fails or
# the time limit ends the test.

# shellcheck source=t_serve.sh
source "$(dirname "${BASH_SOURCE[0]}")/t_serve.sh"

# timeout serve_ui 150
# timeout serve_ui_token 120

# kill_listed FILE: kill every pid in FILE (one a line).
kill_listed() {
	local pid
	[[ -e $1 ]] || return 0
	while read -r pid; do
		[[ $pid =~ ^[0-9]+$ ]] && kill_pid "$pid"
	done <"$1"
}

# ui_headers PATH TYPE: 200, that Content-Type, the CSP and nosniff.
ui_headers() {
	local h
	h=$(curl -sS -D - -o /dev/null "$URL$1" | tr -d '\r')
	grep -q '^HTTP/1.1 200' <<<"$h" || fail "$1: $(head -n1 <<<"$h")"
	grep -qix "Content-Type: $2" <<<"$h" || fail "$1: not $2: $(grep -i '^Content-Type' <<<"$h")"
	grep -qx "Content-Security-Policy: default-src 'self'" <<<"$h" || fail "$1: no CSP"
	grep -qix 'X-Content-Type-Options: nosniff' <<<"$h" || fail "$1: no nosniff"
}

# ui_tools: what the browser tests need.
ui_tools() {
	command -v chromium >/dev/null || fail "chromium is missing (scripts/deps.sh installs it)"
	command -v node >/dev/null || fail "node is missing (scripts/deps.sh installs it)"
	[[ -d $repo/tests/ui/node_modules/puppeteer-core ]] ||
		fail "tests/ui/node_modules has no puppeteer-core (scripts/deps.sh installs it)"
}

# ui_node TEST.mjs [ENV=VALUE...]: the browser test under node --test,
# its output in build/ui-shots/TEST.log (kept also when the time limit ends
# the test); a failure is the test's failure, with the end of that log.
ui_node() {
	local t=$1 shots=$repo/build/ui-shots rc=0 log
	shift
	log=$shots/${t%.test.mjs}.log
	mkdir -p "$shots"
	env NSMON_URL="$URL" UI_SHOTS="$shots" UI_PIDS="$T_DIR/pids" UI_DIR="$T_DIR" "$@" \
		node --test --test-reporter=spec "$repo/tests/ui/$t" >"$log" 2>&1 || rc=$?
	if [[ $rc -ne 0 ]]; then
		grep -vE '^\s*at ' "$log" | tail -n 60 >&2
		fail "the browser test $t failed (exit $rc): $(grep -m1 -E '^\s*(✖|not ok)' "$log")"
	fi
	note "$t: $(grep -E '^ℹ (tests|pass|fail|duration_ms)' "$log" | tr '\n' ' ')"
}

test_serve_ui() {
	local path ids
	ui_tools
	defer kill_listed "$T_DIR/pids"
	# small enough for the browser test to make a resume fall out of it,
	# large enough for its count of rows under the host's churn
	serve_start --backlog 20000

	# the files: from the table compiled in, nothing else
	ui_headers / 'text/html; charset=utf-8'
	ui_headers /index.html 'text/html; charset=utf-8'
	ui_headers /app.js 'text/javascript; charset=utf-8'
	ui_headers /app.css 'text/css; charset=utf-8'
	ui_headers /favicon.svg 'image/svg+xml'
	cmp -s <(curl -sS "$URL/app.js") "$repo/user/serve/ui/app.js" || fail "/app.js is not ui/app.js"
	expect 404 /ui.c
	expect 404 /ui/app.js
	expect 404 /../user/serve/ui/app.js --path-as-is
	expect 404 /app.js/
	expect 405 / -X POST

	# a mount namespace with a tmpfs over a tmpfs: the lower one is hidden
	path=$T_DIR/stack
	mkdir "$path"
	spawn M unshare -m --propagation private sh -c \
		"mount -t tmpfs nsmon-lower '$path' && mount -t tmpfs nsmon-upper '$path' && echo ready && exec sleep 600"
	wait_ready M
	mapfile -t ids < <(awk -v p="$path" '$5 == p { print $1 }' "/proc/$M/mountinfo")
	[[ ${#ids[@]} -eq 2 ]] || fail "stacked mounts on $path: ${ids[*]}"

	ui_node ui.test.mjs UI_NOTE="$T_DIR/note" \
		UI_MNTNS="$(ns_ino "$M" mnt)" UI_MNT_PATH="$path" \
		UI_MNT_LOWER="${ids[0]}" UI_MNT_UPPER="${ids[1]}" UI_BACKLOG=20000 UI_NSLOOP="$NSLOOP"
	[[ -e $T_DIR/note ]] && while read -r l; do note "$l"; done <"$T_DIR/note"
	serve_stop
}

# The UI against a server with --token-file: the page asks for the token
# (a form), refuses a wrong one, and with the right one reads and streams
# with the header; the token stays out of URLs, localStorage and cookies
# (tests/ui/token.test.mjs).
test_serve_ui_token() {
	ui_tools
	defer kill_listed "$T_DIR/pids"
	TOKEN=tok-$RANDOM$RANDOM$RANDOM
	echo "$TOKEN" >"$T_DIR/token"
	serve_start --token-file "$T_DIR/token"
	# the page itself needs none, the API does
	ui_headers / 'text/html; charset=utf-8'
	ui_headers /api.js 'text/javascript; charset=utf-8'
	ui_headers /sse.js 'text/javascript; charset=utf-8'
	expect 401 /api/namespaces
	ui_node token.test.mjs NSMON_TOKEN="$TOKEN"
	serve_stop
}
