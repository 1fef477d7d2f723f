# lib.sh - the harness of tests/integration (sourced by run.sh --one).
#
# In a test:
#   defer CMD ARGS...        undo CMD at exit (reverse order, also on failure)
#   spawn VAR CMD ARGS...    start CMD in the background, its pid in $VAR,
#                            stdout in $T_DIR/VAR.out; killed at exit
#   wait_for WHAT CMD...     poll CMD until it succeeds (10 s), else fail
#   wait_ready VAR           wait for a spawned nshold's "ready" line
#   kv VAR KEY               a key=value from a spawned nshold's line
#   ns_ino PID TYPE          inode of /proc/PID/ns/TYPE
#   private_tmpfs DIR        a tmpfs on DIR with private propagation
#   bindmount SRC DST        mount --bind, unmounted at exit
#   discover [ARGS...]       run the ASan nsmon discover; $DOC is the JSON
#   assert_ns ID TYPE        the namespace is in $DOC, with that type
#   assert_ref ID k=v...     it has a ref with these fields (numbers as such;
#                            path= always a string)
#   assert_no_ref ID k=v...  it has no such ref
#   assert_field ID FIELD JSON   .FIELD of the namespace equals JSON
#   assert_jq MSG FILTER [JQ ARGS...]   jq -e FILTER $DOC, else fail MSG
#   fail MSG / skip MSG      end the test (skip: exit 77)
#   note MSG                 a line that run.sh prints under the test's
#                            result (what it measured)
#
# T_DIR is a fresh directory, removed at exit; T_UNIQ a name unique to this
# test run (for ip netns names).

t_run_one() {
	local file=$1 name=$2
	# shellcheck source=/dev/null
	source "$file"
	T_NAME=$name
	T_WHY=$T_RESULTS/$name.why
	T_UNIQ=nsmon-test-$T_RUNID-$name
	_T_DEFER=()
	_T_NDOC=0
	trap '_t_on_exit' EXIT
	trap 'exit 143' TERM
	trap 'exit 130' INT
	T_DIR=$(mktemp -d "/tmp/$T_UNIQ-XXXX")
	defer rm -rf --one-file-system "$T_DIR"
	set -Eeuo pipefail
	shopt -s inherit_errexit
	trap '_t_on_err $? "${BASH_SOURCE[0]##*/}:$LINENO" "$BASH_COMMAND"' ERR
	"test_$name"
	exit 0
}

_t_on_err() {
	[[ -e $T_WHY ]] && return 0
	echo "$2: exit status $1: $3" >"$T_WHY"
}

_t_on_exit() {
	local rc=$? i
	set +eEu
	trap - ERR
	for ((i = ${#_T_DEFER[@]} - 1; i >= 0; i--)); do
		eval "${_T_DEFER[i]}" || echo "cleanup failed: ${_T_DEFER[i]}" >&2
	done
	exit "$rc"
}

defer() {
	_T_DEFER+=("$(printf '%q ' "$@")")
}

fail() {
	[[ -e $T_WHY ]] || echo "$*" >"$T_WHY"
	echo "FAIL: $*" >&2
	exit 1
}

note() {
	echo "$*" >>"$T_RESULTS/$T_NAME.note"
}

skip() {
	[[ -e $T_WHY ]] || echo "$*" >"$T_WHY"
	exit 77
}

kill_pid() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	return 0
}

spawn() {
	local var=$1
	shift
	"$@" >"$T_DIR/$var.out" 2>>"$T_DIR/$var.err" </dev/null &
	printf -v "$var" %s "$!"
	defer kill_pid "$!"
}

wait_for() {
	local what=$1 i
	shift
	for ((i = 0; i < 100; i++)); do
		"$@" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "timed out waiting for $what"
}

_ready() { grep -qE '(^| )ready$' "$1"; }

wait_ready() {
	local var=$1
	local pid=${!var}
	local i
	for ((i = 0; i < 100; i++)); do
		_ready "$T_DIR/$var.out" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	cat "$T_DIR/$var.err" >&2 2>/dev/null
	fail "$var (pid $pid) did not get ready: $(head -n1 "$T_DIR/$var.err" 2>/dev/null)"
}

kv() {
	awk -v k="$2" '{ for (i = 1; i <= NF; i++) { n = index($i, "=");
		if (n && substr($i, 1, n - 1) == k) print substr($i, n + 1) } }' \
		"$T_DIR/$1.out"
}

ns_ino() {
	local l
	l=$(readlink "/proc/$1/ns/$2") || fail "cannot read /proc/$1/ns/$2"
	l=${l##*[}
	echo "${l%]}"
}

# Waits until /proc/PID/ns/TYPE differs from ours: the process has unshared.
wait_unshared() {
	local pid=$1 type=$2 mine
	mine=$(readlink "/proc/self/ns/$type")
	wait_for "pid $pid to unshare $type" \
		eval "[[ -e /proc/$pid/ns/$type && \$(readlink /proc/$pid/ns/$type) != '$mine' ]]"
}

private_tmpfs() {
	mkdir -p "$1"
	mount -t tmpfs "$T_UNIQ" "$1"
	defer umount -l "$1"
	mount --make-private "$1"
}

bindmount() {
	[[ -e $2 ]] || touch "$2"
	mount --bind "$1" "$2"
	defer umount "$2"
}

# ---------------------------------------------------------------- nsmon

_t_sanitizers() {
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: .*Sanitizer' "$1"; then
		cat "$1" >&2
		fail "$2: sanitizer report: $(grep -m1 -E 'ERROR: |runtime error:' "$1")"
	fi
}

# run_nsmon BIN ARGS...: runs nsmon, $OUT/$ERR name its stdout/stderr
# files, $RC its exit status; fails on a sanitizer report.
run_nsmon() {
	local bin=$1
	shift
	_T_NDOC=$((_T_NDOC + 1))
	OUT=$T_DIR/nsmon.$_T_NDOC.out
	ERR=$T_DIR/nsmon.$_T_NDOC.err
	RC=0
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
		UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
		timeout -k 5 40 "$bin" "$@" >"$OUT" 2>"$ERR" </dev/null || RC=$?
	_t_sanitizers "$ERR" "nsmon $*"
	[[ $RC -ne 124 && $RC -ne 137 ]] || fail "nsmon $* did not finish in 40 s"
	return 0
}

discover_with() {
	local bin=$1
	shift
	run_nsmon "$bin" discover "$@"
	if [[ $RC -ne 0 ]]; then
		cat "$ERR" >&2
		fail "nsmon discover $* exited $RC: $(head -n1 "$ERR")"
	fi
	jq -e '.schema == 1 and (.namespaces | type == "array") and
		(.processes | type == "array")' "$OUT" >/dev/null ||
		fail "nsmon discover $*: not a discover document: $(head -c 200 "$OUT")"
	DOC=$OUT
	DOC_ERR=$ERR
}

discover() { discover_with "$NSMON" "$@"; }

ns_json() {
	jq -c --argjson id "$1" '.namespaces[] | select(.id == $id)' "$DOC"
}

# _pat k=v...: a JSON object; numbers stay numbers, path= is a string.
_pat() {
	local kv k v args=() expr=""
	for kv in "$@"; do
		k=${kv%%=*} v=${kv#*=}
		if [[ $k != path && $v =~ ^-?[0-9]+$ ]]; then
			args+=(--argjson "$k" "$v")
		else
			args+=(--arg "$k" "$v")
		fi
		expr+="${expr:+, }$k: \$$k"
	done
	jq -nc "${args[@]}" "{$expr}"
}

_dump_ns() {
	echo "namespace $1 in $DOC:" >&2
	jq --argjson id "$1" '.namespaces[] | select(.id == $id)' "$DOC" >&2
}

assert_ns() {
	local id=$1 type=$2 got
	got=$(jq -r --argjson id "$id" '.namespaces[] | select(.id == $id) | .type' "$DOC")
	[[ -n $got ]] || fail "$type:[$id] not in the discover document"
	if [[ $got != "$type" ]]; then
		_dump_ns "$id"
		fail "$type:[$id] has type \"$got\""
	fi
}

_has_ref() {
	local id=$1 pat
	shift
	pat=$(_pat "$@")
	jq -e --argjson id "$id" --argjson pat "$pat" \
		'[.namespaces[] | select(.id == $id) | .refs[]? as $r |
		  $pat | to_entries | all(.value == $r[.key])] | any' \
		"$DOC" >/dev/null
}

assert_ref() {
	local id=$1
	shift
	if ! _has_ref "$id" "$@"; then
		_dump_ns "$id"
		fail "ns $id: no ref $(_pat "$@"); refs: $(jq -c --argjson id "$id" \
			'[.namespaces[] | select(.id == $id) | .refs] | first' "$DOC" | head -c 300)"
	fi
}

assert_no_ref() {
	local id=$1
	shift
	if _has_ref "$id" "$@"; then
		_dump_ns "$id"
		fail "ns $id: unexpected ref $(_pat "$@")"
	fi
}

assert_field() {
	local id=$1 field=$2 want got
	want=$(jq -c . <<<"$3")
	got=$(jq -c --argjson id "$id" --arg f "$field" \
		'.namespaces[] | select(.id == $id) | .[$f]' "$DOC")
	if [[ $got != "$want" ]]; then
		_dump_ns "$id"
		fail "ns $id: .$field is ${got:-missing}, want $want"
	fi
}

assert_jq() {
	local msg=$1 filter=$2
	shift 2
	jq -e "$@" "$filter" "$DOC" >/dev/null || fail "$msg"
}

# Whether the last discover used the BPF iterator sweep: nsmon says on
# stderr when it falls back to /proc (cli_discover).
bpf_fallback_note() {
	{ grep -iE 'bpf|falling back|fall back|/proc sweep' "$DOC_ERR" || true; } | head -n1
}
