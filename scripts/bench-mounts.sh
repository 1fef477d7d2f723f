#!/usr/bin/env bash
# Mount table benchmark (issue 5), two hyperfine runs:
#
# 1. one mount namespace with M (10,000) mounts: bind mounts on directories
#    of a private tmpfs, every tenth stacked on another (hidden ones):
#    `nsmon mounts` vs `findmnt`, both entered with nsenter, both drawing
#    the tree; target <= 1.0 x findmnt.
# 2. P (200) processes, each in its own mount namespace: discovery
#    (`nsmon ls`) with and without the mount tables (--no-mounts
#    --no-bindmounts: without any mountinfo read), against reading those P
#    mount tables once each (one cat of P /proc/PID/mountinfo); target:
#    what the tables add <= 2 x that read.
#
# Tears down only what it made (its processes by pid; their namespaces and
# mounts go with them).
set -euo pipefail
cd "$(dirname "$0")/.."

M=${M:-10000}
P=${P:-200}
RUNS=${RUNS:-10}
NSMON=$(realpath "${NSMON:-build/nsmon}")
out=$(mktemp -d)
pids=()

[ "$(id -u)" -eq 0 ] || { echo "bench-mounts: needs root" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "bench-mounts: hyperfine missing (scripts/deps.sh)" >&2; exit 1; }

cleanup() {
	[ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$out"
}
trap cleanup EXIT INT TERM

# --------------------------------------------------------------- 1. M mounts
# mount(2) straight from python (one mount(8) per mount would take minutes),
# in a private mount namespace on a tmpfs of its own, under $out.
cat >"$out/mk.py" <<'EOF'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
MS_BIND, MS_PRIVATE, MS_REC = 4096, 1 << 18, 16384
base, n = sys.argv[1], int(sys.argv[2])
def mount(src, dst, fs, flags):
    if libc.mount(src.encode(), dst.encode(), fs and fs.encode(), flags, None):
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e), dst)
mount("bench", base, "tmpfs", 0)
os.mkdir(base + "/src")
made = i = 0
while made < n:
    d = "%s/d%05d" % (base, i)
    os.mkdir(d)
    mount(base + "/src", d, None, MS_BIND)
    made += 1
    # every tenth mount point gets two: the lower one is hidden
    if i % 10 == 9 and made < n:
        mount(base + "/src", d, None, MS_BIND)
        made += 1
    i += 1
print("ready", flush=True)
os.execvp("sleep", ["sleep", "3600"])
EOF
mkdir -p "$out/m"
unshare -m --propagation private python3 "$out/mk.py" "$out/m" "$M" >"$out/mk.out" &
pids+=($!)
for _ in $(seq 600); do
	grep -q ready "$out/mk.out" 2>/dev/null && break
	kill -0 "${pids[0]}" 2>/dev/null || { echo "bench-mounts: making the mounts failed" >&2; exit 1; }
	sleep 0.1
done
grep -q ready "$out/mk.out" || { echo "bench-mounts: making the mounts timed out" >&2; exit 1; }
holder=${pids[0]}
n=$(wc -l <"/proc/$holder/mountinfo")
echo "fixture 1: mount namespace $(readlink "/proc/$holder/ns/mnt") with $n mounts"
echo "  nsmon mounts: $(nsenter -t "$holder" -m "$NSMON" mounts -rn | wc -l) rows," \
	"$(nsenter -t "$holder" -m "$NSMON" mounts -rn -o HIDDEN | grep -c yes) hidden;" \
	"findmnt: $(nsenter -t "$holder" -m findmnt -rn | wc -l) rows"
hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$out/h1.json" \
	-n "nsmon mounts" "nsenter -t $holder -m $NSMON mounts" \
	-n "findmnt" "nsenter -t $holder -m findmnt" >&2
kill "$holder"
wait "$holder" 2>/dev/null || true
pids=()

# --------------------------------------------- 2. P mount namespaces
for ((i = 0; i < P; i++)); do
	unshare -m --propagation private sleep 3600 &
	pids+=($!)
done
self=$(readlink /proc/self/ns/mnt)
files=()
for p in "${pids[@]}"; do
	for _ in $(seq 100); do
		[ "$(readlink "/proc/$p/ns/mnt" 2>/dev/null)" != "$self" ] && break
		sleep 0.05
	done
	files+=("/proc/$p/mountinfo")
done
echo "fixture 2: $P processes in their own mount namespaces," \
	"$(cat "${files[@]}" | wc -l) mounts in all"
hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$out/h2.json" \
	-n "nsmon ls" "$NSMON ls" \
	-n "nsmon ls --no-mounts --no-bindmounts" "$NSMON ls --no-mounts --no-bindmounts" \
	-n "cat mountinfo x$P" "cat ${files[*]}" >&2

jq -rs '
  (.[0].results | map({(.command): .mean}) | add) as $a |
  (.[1].results | map({(.command): .mean}) | add) as $b |
  ($b["nsmon ls"] - $b["nsmon ls --no-mounts --no-bindmounts"]) as $add |
  "ratios (means, same hyperfine run):",
  "  nsmon mounts / findmnt ('"$M"' mounts)       : \($a["nsmon mounts"] / $a["findmnt"] * 1000 | round / 1000)  (target <= 1.0)",
  "  mount tables added to discovery / cat x'"$P"': \($add / $b["cat mountinfo x'"$P"'"] * 1000 | round / 1000)  (target <= 2.0)",
  "  means (ms): " + ([.[].results[] | "\(.command | sub(" [^ ]*/proc/.*"; " ...") )=\(.mean * 1000 * 10 | round / 10)"] | join("; "))
' "$out/h1.json" "$out/h2.json"
