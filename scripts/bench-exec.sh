#!/usr/bin/env bash
# Exec benchmark (issue 20): `nsmon exec --ns ID -- true` against
# `nsenter -t PID -n true` for the same target, a net namespace with one
# process in it (hyperfine); target <= 1.2 x nsenter.  Also measured, to
# show where the time goes: `nsmon exec --pid PID -t net` (no search for
# the id), `nsmon --version` (what starting nsmon costs: its shared
# libraries, libcurl's and libmicrohttpd's dependencies among them) and
# `true` (a bare fork+exec).  OLD=PATH: another nsmon build's `exec
# --ns` and `--version` in the same run (before/after a change).
#
# Tears down only what it made (its process, by pid).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-200}
NSMON=$(realpath "${NSMON:-build/nsmon}")
OLD=${OLD:+$(realpath "$OLD")}
out=$(mktemp -d)
pid=

[ "$(id -u)" -eq 0 ] || { echo "bench-exec: needs root" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "bench-exec: hyperfine missing (scripts/deps.sh)" >&2; exit 1; }

cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$out"
}
trap cleanup EXIT INT TERM

unshare -n sleep 3600 &
pid=$!
self=$(readlink /proc/self/ns/net)
for _ in $(seq 100); do
	[ "$(readlink "/proc/$pid/ns/net" 2>/dev/null)" != "$self" ] && break
	sleep 0.05
done
id=$(stat -L -c %i "/proc/$pid/ns/net")
echo "target: net:[$id], held by process $pid; $(ls /proc | grep -c '^[0-9]') processes on the host"
"$NSMON" exec -v --ns "$id" -- true

old=()
[ -n "$OLD" ] && old=(-n "old exec --ns" "$OLD exec --ns $id -- true"
	-n "old --version" "$OLD --version")
hyperfine -N --warmup 10 --runs "$RUNS" --export-json "$out/h.json" \
	-n "nsenter" "nsenter -t $pid -n true" \
	-n "nsmon exec --ns" "$NSMON exec --ns $id -- true" \
	-n "nsmon exec --pid" "$NSMON exec --pid $pid -t net -- true" \
	-n "nsmon --version" "$NSMON --version" \
	"${old[@]}" \
	-n "true" "true" >&2

jq -r '
  (.results | map({(.command): .mean}) | add) as $m |
  "ratios (means, same hyperfine run):",
  "  nsmon exec --ns ID / nsenter -t PID -n : \($m["nsmon exec --ns"] / $m["nsenter"] * 1000 | round / 1000)  (target <= 1.2)",
  "  nsmon exec --pid PID / nsenter         : \($m["nsmon exec --pid"] / $m["nsenter"] * 1000 | round / 1000)",
  "  nsmon --version / nsenter              : \($m["nsmon --version"] / $m["nsenter"] * 1000 | round / 1000)",
  if $m["old exec --ns"] then
  "  old exec --ns ID / nsenter             : \($m["old exec --ns"] / $m["nsenter"] * 1000 | round / 1000)",
  "  old --version / nsenter                : \($m["old --version"] / $m["nsenter"] * 1000 | round / 1000)"
  else empty end,
  "  means (ms): " + ([.results[] | "\(.command)=\(.mean * 1000 * 100 | round / 100)"] | join("; ")),
  (.results | map({(.command): (.user + .system)}) | add) as $c |
  "CPU time (user + system, means; the waits of a busy host left out):",
  "  nsmon exec --ns ID / nsenter -t PID -n : \($c["nsmon exec --ns"] / $c["nsenter"] * 1000 | round / 1000)",
  if $c["old exec --ns"] then
  "  old exec --ns ID / nsenter             : \($c["old exec --ns"] / $c["nsenter"] * 1000 | round / 1000)"
  else empty end,
  "  ms: " + ([.results[] | "\(.command)=\((.user + .system) * 1000 * 100 | round / 100)"] | join("; "))
' "$out/h.json"
