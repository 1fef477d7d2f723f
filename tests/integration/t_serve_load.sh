# t_serve_load.sh - `nsmon serve`'s /api/events under many clients
# (issue 18): tests/helpers/sse_load's clients, each checked for every
# seq without a gap or a repeat, through a churn of thousands of events;
# the shutdown frame to each at SIGTERM.  The helpers (serve_start,
# serve_stop, get) are t_serve.sh's.  No time is asserted: counts and
# seq ranges only.

# shellcheck source=t_serve.sh
source "$(dirname "${BASH_SOURCE[0]}")/t_serve.sh"

# seq_now: the seq of /api/namespaces (the last event folded in).
seq_now() {
	curl -s ${TOKEN:+-H "Authorization: Bearer $TOKEN"} "$URL/api/namespaces" | jq -e .seq
}

# 50 clients from the seq of /api/namespaces on (Last-Event-ID: the
# hand-off of list+watch, so each has the same range whenever its
# connection was made), with a token, through `nsloop -u` (a create, a
# switch and a destroy per call): each gets every event from seq0 + 1 to
# the seq after the churn, none twice; then clients that stay to the
# end get `event: shutdown` at SIGTERM, none is cut before it.
# timeout serve_sse_load 150
test_serve_sse_load() {
	local seq0 seq1 sum
	TOKEN=tok-$RANDOM$RANDOM
	echo "$TOKEN" >"$T_DIR/token"
	# every client comes from 127.0.0.1, and a stream whose reader left
	# is noticed at its next write: no per-address limit
	serve_start --token-file "$T_DIR/token" --max-conns-per-ip 0
	seq0=$(seq_now)
	spawn L "$SSE_LOAD" -n 50 -T "$T_DIR/token" -l "$seq0" -U "$T_DIR/stop" "${URL#http://}"
	"$NSLOOP" -u 1000 2 >"$T_DIR/loop"
	seq1=$(seq_now)
	echo "$seq1" >"$T_DIR/stop"
	wait "$L" || fail "sse_load exited $?: $(cat "$T_DIR/L.out" "$T_DIR/L.err")"
	sum=$T_DIR/L.out
	jq -e --argjson a "$seq0" --argjson b "$seq1" '
		.clients == 50 and .connected == 50 and .gapless == 50 and .reached == 50 and
		.dropped == 0 and .failed == 0 and .gaps == 0 and .resync == 0 and .bad == 0 and
		.first_min == $a + 1 and .first_max == $a + 1 and .last_min >= $b and
		.events_min == .last_min - $a' "$sum" >/dev/null ||
		fail "clients $seq0..$seq1: $(cat "$sum")"
	# the churn's events are in the range: a create, a switch and a
	# destroy per call (the last destroys may come after seq1)
	[[ $((seq1 - seq0)) -ge $(sed 's/unshares=\([0-9]*\).*/\1/' "$T_DIR/loop") ]] ||
		fail "events $seq0..$seq1 fewer than the churn's calls: $(cat "$T_DIR/loop")"
	note "50 clients, each events $((seq0 + 1))..$(jq .last_min "$sum") gapless ($(jq .events_min "$sum") events)"

	# to the end: each gets the shutdown frame, then the close
	spawn E "$SSE_LOAD" -n 20 -T "$T_DIR/token" -l "$seq1" "${URL#http://}"
	# a stream's head comes with its first frame: events for all 20
	wait_for "20 streams" eval "unshare -u true; grep -q '^ready 20\$' '$T_DIR/E.err'"
	serve_stop
	wait "$E" || fail "sse_load at shutdown exited $?: $(cat "$T_DIR/E.out" "$T_DIR/E.err")"
	jq -e '.connected == 20 and .shutdown == 20 and .dropped == 0 and .gaps == 0' \
		"$T_DIR/E.out" >/dev/null || fail "at shutdown: $(cat "$T_DIR/E.out")"
}
