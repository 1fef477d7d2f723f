#!/usr/bin/env bash
# nsmon caps benchmark (issue 20: `nsmon caps --all` on the scale fixture
# <= 100 ms): the scale fixture of bench-discovery.sh (N processes each
# with its own net, uts and ipc namespace, B `ip netns` bind mounts), then
# one hyperfine run of `nsmon caps PID --all` (table and --json) for one
# of its processes, against `nsmon ls` of the same sweep.  Tears down only
# what it made.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-1000}
B=${B:-500}
RUNS=${RUNS:-20}
NSMON=${NSMON:-build/nsmon}
prefix="nsmon-bench-caps-$$"
out=$(mktemp -d)
pids=()

[ "$(id -u)" -eq 0 ] || { echo "bench-caps: needs root" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "bench-caps: hyperfine missing (scripts/deps.sh)" >&2; exit 1; }

# shellcheck source=bench-fixture.sh
source scripts/bench-fixture.sh
cleanup() {
	fixture_down "$B"
	rm -rf "$out"
}
trap cleanup EXIT INT TERM

fixture_up "$N" "$B"
pid=${pids[0]}
rows=$("$NSMON" caps "$pid" --all -n | wc -l)
echo "caps: process $pid against $rows namespaces"

hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$out/h.json" \
	-n "nsmon caps --all" "$NSMON caps $pid --all" \
	-n "nsmon caps --all --json" "$NSMON caps $pid --all --json" \
	-n "nsmon ls" "$NSMON ls" >&2

jq -r '
  (.results | map({(.command): .}) | add) as $r |
  "nsmon caps --all over the fixture (target <= 100 ms mean):",
  (.results[] | "  \(.command): mean \(.mean * 1000 | round) ms, " +
    "median \(.median * 1000 | round) ms, max \(.max * 1000 | round) ms"),
  "  caps --all / ls (same run; ls is the same sweep with as many rows): \($r["nsmon caps --all"].mean / $r["nsmon ls"].mean * 100 | round / 100)",
  "  caps --all \(if $r["nsmon caps --all"].mean <= 0.1 then "meets" else "misses" end) the target"
' "$out/h.json"
