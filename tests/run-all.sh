#!/bin/bash
# run-all.sh "UNIT_BINS" ASAN_NSMON PLAIN_NSMON - `make test`: the unit
# tests, then the integration tests; the last line is the summary
# `N passed, M failed` (`, K skipped` if any).  Exit status 1 if anything
# failed.

set -o pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [[ $# -ne 3 ]]; then
	echo "usage: $0 \"UNIT_BINS\" ASAN_NSMON PLAIN_NSMON" >&2
	exit 2
fi
read -r -a unit_bins <<<"$1"

log=$(mktemp /tmp/nsmon-test-log-XXXXXX)
trap 'rm -f "$log"' EXIT

start=$SECONDS
rc=0
bash "$here/check-layers.sh" | tee -a "$log" || rc=1
bash "$here/run-unit.sh" "${unit_bins[@]}" | tee -a "$log" || rc=1
bash "$here/integration/run.sh" "$2" "$3" | tee -a "$log" || rc=1

pass=$(grep -c '^ok ' "$log")
fail=$(grep -c '^FAIL ' "$log")
skip=$(grep -c '^skip ' "$log")
# a runner that failed without a FAIL line still fails the run
if [[ $rc -ne 0 && $fail -eq 0 ]]; then
	echo "FAIL run-all: a test runner failed without saying which test"
	fail=1
fi
echo "# took $((SECONDS - start)) s"
summary="$pass passed, $fail failed"
[[ $skip -gt 0 ]] && summary+=", $skip skipped"
echo "$summary"
[[ $fail -eq 0 ]]
