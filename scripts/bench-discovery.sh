#!/usr/bin/env bash
# Discovery benchmark: a scale fixture (N processes, each with its own net,
# uts and ipc namespace, plus B `ip netns` bind mounts), then one hyperfine
# run of `nsmon ls` (BPF iterator sweep), `nsmon ls --proc` and lsns, and
# the ratios against lsns from that same run.  Tears down only what it made.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-1000}
B=${B:-500}
RUNS=${RUNS:-20}
NSMON=${NSMON:-build/nsmon}
LSNS=${LSNS:-lsns}
# another lsns to compare with, e.g. a newer util-linux built by hand
LSNS2=${LSNS2:-}
prefix="nsmon-bench-$$"
out=$(mktemp -d)
pids=()

[ "$(id -u)" -eq 0 ] || { echo "bench-discovery: needs root" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "bench-discovery: hyperfine missing (scripts/deps.sh)" >&2; exit 1; }

# shellcheck source=bench-fixture.sh
source scripts/bench-fixture.sh
cleanup() {
	fixture_down "$B"
	rm -rf "$out"
}
trap cleanup EXIT INT TERM

fixture_up "$N" "$B"

extra=()
[ -n "$LSNS2" ] && extra=(-n "lsns2" "$LSNS2")
echo "lsns: $($LSNS --version)${LSNS2:+; lsns2: $($LSNS2 --version)}"
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$out/h.json" \
	-n "nsmon ls" "$NSMON ls" \
	-n "nsmon ls --proc" "$NSMON ls --proc" \
	-n "lsns" "$LSNS" "${extra[@]}" >&2

jq -r '
  (.results | map({(.command): .mean}) | add) as $m |
  "ratios (mean time / lsns mean time, same run):",
  "  nsmon ls        : \($m["nsmon ls"] / $m["lsns"] * 1000 | round / 1000)  (target <= 0.25)",
  "  nsmon ls --proc : \($m["nsmon ls --proc"] / $m["lsns"] * 1000 | round / 1000)  (target <= 1.0)",
  (if $m["lsns2"] then
    "  vs lsns2: nsmon ls \($m["nsmon ls"] / $m["lsns2"] * 1000 | round / 1000), nsmon ls --proc \($m["nsmon ls --proc"] / $m["lsns2"] * 1000 | round / 1000)"
  else empty end),
  "  means (ms): " + ([.results[] | "\(.command)=\(.mean * 1000 | round)"] | join(" "))
' "$out/h.json"
