#!/bin/bash
# run.sh ASAN_NSMON PLAIN_NSMON [FILTER] - integration tests: real namespaces,
# held in every way the kernel allows, found by `nsmon discover` (the ASan
# build, leak checks on).  Needs root.
#
# Each test is a function test_NAME in tests/integration/t_*.sh.  It runs in
# its own bash (run.sh --one FILE NAME) under `set -Eeuo pipefail` and a
# time limit; everything it makes is registered with `defer` right after it
# is made, and the EXIT trap undoes exactly that, in reverse, also when the
# test fails midway or is killed by the time limit.
#
# Output: one line per test, `ok NAME`, `FAIL NAME: why` (followed by
# indented `#` detail lines) or `skip NAME: why`; then a `# integration:`
# summary.  Exit status 1 if any test failed.
#
# A test file may set, on lines of their own, `# timeout NAME SECONDS` (a
# longer limit than T_TIMEOUT) and `# xfail NAME WHY` (a known bug: its
# failure is reported as a skip saying so).
#
# FILTER (or $NSMON_TEST_FILTER) is an extended regex on test names.

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

if [[ ${1:-} == --one ]]; then
	# shellcheck source=lib.sh
	source "$here/lib.sh"
	t_run_one "$2" "$3"
	exit $?	# not reached: t_run_one exits
fi

usage() {
	echo "usage: $0 ASAN_NSMON PLAIN_NSMON [FILTER]" >&2
	exit 2
}
[[ $# -ge 2 ]] || usage
abs() { [[ $1 == /* ]] && echo "$1" || echo "$PWD/$1"; }
export NSMON NSMON_PLAIN NSHOLD NSCHURN NSLOOP SSE_LOAD T_RESULTS T_RUNID
T_RUNID=$$
NSMON=$(abs "$1")
NSMON_PLAIN=$(abs "$2")
filter=${3:-${NSMON_TEST_FILTER:-}}
T_TIMEOUT=${T_TIMEOUT:-60}

if [[ $(id -u) -ne 0 ]]; then
	echo "skip integration: needs root (namespaces, mounts, ip netns)"
	echo "# integration: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
for b in "$NSMON" "$NSMON_PLAIN"; do
	if [[ ! -x $b ]]; then
		echo "FAIL integration: $b is not built"
		echo "# integration: 0 passed, 1 failed"
		exit 1
	fi
done
for tool in jq python3 unshare nsenter ip gcc timeout; do
	if ! command -v "$tool" >/dev/null; then
		echo "FAIL integration: $tool is missing (scripts/deps.sh installs it)"
		echo "# integration: 0 passed, 1 failed"
		exit 1
	fi
done

# The helpers are tiny C programs; build them next to the other objects.
mkdir -p "$repo/build/tests"
NSHOLD=$repo/build/tests/nshold
NSCHURN=$repo/build/tests/nschurn
if ! gcc -O1 -g -Wall -Wextra -Werror -o "$NSCHURN" \
	"$repo/tests/helpers/nschurn.c" 2>"$repo/build/tests/nschurn.log"; then
	echo "FAIL integration: cannot build tests/helpers/nschurn.c"
	sed 's/^/  # /' "$repo/build/tests/nschurn.log"
	echo "# integration: 0 passed, 1 failed"
	exit 1
fi
if ! gcc -O1 -g -Wall -Wextra -Werror -pthread -o "$NSHOLD" \
	"$repo/tests/helpers/nshold.c" 2>"$repo/build/tests/nshold.log"; then
	echo "FAIL integration: cannot build tests/helpers/nshold.c"
	sed 's/^/  # /' "$repo/build/tests/nshold.log"
	echo "# integration: 0 passed, 1 failed"
	exit 1
fi

# the agent benchmark's workload: a burst of unshare calls in threads
NSLOOP=$repo/build/tests/nsloop
if ! gcc -O1 -g -Wall -Wextra -Werror -pthread -o "$NSLOOP" \
	"$repo/scripts/nsloop.c" 2>"$repo/build/tests/nsloop.log"; then
	echo "FAIL integration: cannot build scripts/nsloop.c"
	sed 's/^/  # /' "$repo/build/tests/nsloop.log"
	echo "# integration: 0 passed, 1 failed"
	exit 1
fi

# serve's SSE load client: N streams in one process, each checked gapless
SSE_LOAD=$repo/build/tests/sse_load
if ! gcc -O1 -g -Wall -Wextra -Werror -pthread -o "$SSE_LOAD" "$repo/tests/helpers/sse_load.c" \
	"$repo/tests/helpers/sse_parse.c" 2>"$repo/build/tests/sse_load.log"; then
	echo "FAIL integration: cannot build tests/helpers/sse_load.c"
	sed 's/^/  # /' "$repo/build/tests/sse_load.log"
	echo "# integration: 0 passed, 1 failed"
	exit 1
fi

T_RESULTS=$(mktemp -d /tmp/nsmon-results-XXXXXX)
trap 'rm -rf "$T_RESULTS"' EXIT

pass=0 fail=0 skip=0
for file in "$here"/t_*.sh; do
	# tests run in the order they are written in the file
	mapfile -t names < <(sed -n 's/^test_\([A-Za-z0-9_]*\)[[:space:]]*()[[:space:]]*{.*/\1/p' "$file")
	for name in "${names[@]}"; do
		if [[ -n $filter && ! $name =~ $filter ]]; then
			continue
		fi
		rm -f "$T_RESULTS/$name".*
		# a longer limit for one test: a line `# timeout NAME SECONDS`
		limit=$(sed -n "s/^# timeout $name \([0-9]*\)\$/\1/p" "$file")
		limit=${limit:-$T_TIMEOUT}
		start=$SECONDS
		timeout -k 10 "$limit" bash "$here/run.sh" --one "$file" "$name" \
			>"$T_RESULTS/$name.log" 2>&1 </dev/null
		rc=$?
		took=$((SECONDS - start))
		why=$(head -n1 "$T_RESULTS/$name.why" 2>/dev/null || true)
		# what a test measured (t_exact.sh's latencies), pass or fail
		measured=$(sed -n 's/^measured: /  # /p' "$T_RESULTS/$name.log")
		if [[ $rc -eq 124 || $rc -eq 137 ]]; then
			why="timed out after ${limit}s${why:+ ($why)}"
			rc=1
		fi
		# a known bug not fixed yet: a line `# xfail NAME WHY` reports the
		# test's failure as a skip that says so, and its passing as such
		xfail=$(sed -n "s/^# xfail $name \(.*\)/\1/p" "$file")
		if [[ -n $xfail && $rc -ne 0 && $rc -ne 77 ]]; then
			echo "skip $name: expected failure ($xfail): $why"
			[[ -z $measured ]] || echo "$measured"
			grep -v '^measured: ' "$T_RESULTS/$name.log" | tail -n 40 | sed 's/^/  # /'
			skip=$((skip + 1))
		elif [[ $rc -eq 0 ]]; then
			echo "ok $name${xfail:+ (marked xfail: the bug is fixed? remove the xfail line)}"
			[[ -z $measured ]] || echo "$measured"
			pass=$((pass + 1))
		elif [[ $rc -eq 77 ]]; then
			echo "skip $name: ${why:-no reason given}"
			skip=$((skip + 1))
		else
			echo "FAIL $name: ${why:-exit status $rc}"
			[[ -z $measured ]] || echo "$measured"
			# the test's own log: commands' stderr, jq dumps
			grep -v '^measured: ' "$T_RESULTS/$name.log" | tail -n 40 | sed 's/^/  # /'
			fail=$((fail + 1))
		fi
		# what a test measured (lib.sh's note), whatever its result
		[[ -e $T_RESULTS/$name.note ]] && sed 's/^/  # /' "$T_RESULTS/$name.note"
		[[ -n ${NSMON_TEST_VERBOSE:-} ]] && echo "  # $name took ${took}s"
	done
done

# Anything a test left behind is a bug in the test: say so.
mark="nsmon-test-$T_RUNID-"
left=$(grep -c -- "$mark" /proc/self/mountinfo || true)
if [[ $left -ne 0 ]]; then
	echo "FAIL integration-cleanup: $left test mounts left behind"
	grep -- "$mark" /proc/self/mountinfo | sed 's/^/  # /'
	fail=$((fail + 1))
fi
if ip netns list 2>/dev/null | grep -q -- "^$mark"; then
	echo "FAIL integration-cleanup: test netns left behind"
	ip netns list | grep -- "^$mark" | sed 's/^/  # /'
	fail=$((fail + 1))
fi
if compgen -G "/tmp/$mark*" >/dev/null; then
	echo "FAIL integration-cleanup: test directories left behind"
	ls -d /tmp/"$mark"* | sed 's/^/  # /'
	fail=$((fail + 1))
fi

summary="$pass passed, $fail failed"
[[ $skip -gt 0 ]] && summary+=", $skip skipped"
echo "# integration: $summary"
[[ $fail -eq 0 ]]
