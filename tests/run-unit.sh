#!/bin/bash
# run-unit.sh BIN... - runs cmocka unit test binaries (built by make from
# tests/unit/test_*.c against build/asan/libnsm.a) and prints one line per
# test case: `ok BIN/CASE`, `FAIL BIN/CASE: why` (with indented `#` detail
# lines) or `skip BIN/CASE`; then a `# unit:` summary.  A binary that dies
# (a sanitizer report, a crash) fails as a whole, with its last output.
# Exit status 1 if anything failed.
#
# Generates the fixture procfs trees first (tests/fixtures/mkfixtures.sh,
# into build/fixtures) and points the tests at them with $NSM_FIXTURES.

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)

export NSM_FIXTURES=${NSM_FIXTURES:-$repo/build/fixtures}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
export CMOCKA_MESSAGE_OUTPUT=TAP

pass=0 fail=0 skip=0
if ! bash "$repo/tests/fixtures/mkfixtures.sh" "$NSM_FIXTURES" >/dev/null 2>"$NSM_FIXTURES.log"; then
	echo "FAIL unit-fixtures: tests/fixtures/mkfixtures.sh failed"
	sed 's/^/  # /' "$NSM_FIXTURES.log"
	fail=1
fi

tmp=$(mktemp -d /tmp/nsmon-unit-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

for bin in "$@"; do
	name=$(basename "$bin")
	if [[ ! -x $bin ]]; then
		echo "FAIL $name: $bin is not built"
		fail=$((fail + 1))
		continue
	fi
	rc=0
	timeout -k 5 240 "$bin" >"$tmp/out" 2>"$tmp/err" </dev/null || rc=$?
	seen=0 failed_here=0
	# TAP: "ok N - case", "not ok N - case" + "# diag" lines,
	# "not ok N # SKIP case"
	while IFS= read -r line; do
		case $line in
		"ok "*)
			echo "ok $name/${line#ok * - }"
			pass=$((pass + 1)) seen=$((seen + 1))
			;;
		"not ok "*"# SKIP"*)
			echo "skip $name/${line##*# SKIP }: skipped by the test (see its stderr)"
			skip=$((skip + 1)) seen=$((seen + 1))
			;;
		"not ok "*" - "*)
			case=${line#not ok * - }
			# the diagnostics follow the line, '# ' prefixed
			why=$(awk -v c="$line" 'f && /^# / && !/^# not ok/ { sub(/^# /, ""); printf "%s%s", (n++ ? "; " : ""), $0; next }
				f { exit } $0 == c { f = 1 }' "$tmp/out")
			echo "FAIL $name/$case: ${why:-failed}"
			fail=$((fail + 1)) seen=$((seen + 1)) failed_here=1
			;;
		esac
	done <"$tmp/out"
	if [[ $failed_here -eq 1 ]] && [[ -s $tmp/err ]]; then
		# fail_msg() text and sanitizer reports go to stderr
		grep -v '^\[' "$tmp/err" | head -n 40 | sed 's/^/  # /'
	fi
	if [[ $failed_here -eq 1 ]] && grep -q 'ERROR: LeakSanitizer' "$tmp/err" &&
		! grep -qE 'ERROR: AddressSanitizer|runtime error:' "$tmp/err"; then
		# a failed assertion longjmps past the test's frees
		echo "  # (LeakSanitizer also reports leaks: a failed assertion skips the frees)"
	elif grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$tmp/err"; then
		echo "FAIL $name: sanitizer report: $(grep -m1 -E 'ERROR: |runtime error:' "$tmp/err")"
		grep -A30 -m1 -E 'ERROR: |runtime error:' "$tmp/err" | sed 's/^/  # /'
		fail=$((fail + 1))
	elif [[ $rc -ne 0 && $failed_here -eq 0 ]]; then
		if [[ $rc -eq 124 || $rc -eq 137 ]]; then
			echo "FAIL $name: timed out after 240 s"
		else
			echo "FAIL $name: exited with status $rc after $seen test cases"
		fi
		tail -n 30 "$tmp/err" | sed 's/^/  # /'
		fail=$((fail + 1))
	elif [[ $seen -eq 0 ]]; then
		echo "FAIL $name: ran no test cases"
		fail=$((fail + 1))
	fi
done

summary="$pass passed, $fail failed"
[[ $skip -gt 0 ]] && summary+=", $skip skipped"
echo "# unit: $summary"
[[ $fail -eq 0 ]]
