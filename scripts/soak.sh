#!/bin/bash
# soak.sh DURATION [OUTDIR] - a long run of `nsmon watch` under random
# namespace churn (issue 17): DURATION like 1800, 30m or 2h.  Not a CI
# test; run it as root on a quiet host and put its summary in the README.
#
# Workload: tests/helpers/nschurn at its steady rate (children that
# unshare and exit, PID namespaces, setns, namespaces held by fds and
# bind mounts and let go) with bursts of up to 400 children that overflow
# the agent's 4 KiB ring; and, with dockerd and busybox-static installed
# (scripts/deps.sh), a Docker engine of the soak's own (its data-root,
# exec-root and socket under OUTDIR, vfs, no bridge, no iptables) that
# runs a busybox container (from /bin/busybox, imported) back to back:
# `docker run --rm --network none IMAGE sleep 2`, a second's pause
# between two (ENGINE=no: none).  nsmon is told its socket (--engine).
#
# What it checks, at the end:
#   - the agent's RSS and open fds are flat: the last sample within 5 %
#     of the first after warm-up (a tenth of the run, at least 60 s)
#   - the stream keeps SPEC's invariants (check_events.py: seq gapless,
#     one destroy per create, every lost followed by its sync)
#   - the model (the stream replayed) is what a fresh `nsmon discover`
#     finds, once the churn is quiet and a SIGHUP resync is in
# Samples go to OUTDIR/samples.tsv (seconds, VmRSS KiB, fds, lines);
# exit status 0 if all held, 1 if not.
set -Eeuo pipefail

usage() {
	echo "usage: $0 DURATION [OUTDIR]  (DURATION: seconds, or Nm, Nh)" >&2
	exit 2
}
[[ $# -ge 1 && $# -le 2 ]] || usage
case $1 in
*h) secs=$((${1%h} * 3600)) ;;
*m) secs=$((${1%m} * 60)) ;;
*s) secs=${1%s} ;;
*) secs=$1 ;;
esac
[[ $secs =~ ^[0-9]+$ && $secs -ge 60 ]] || usage
[[ $(id -u) -eq 0 ]] || { echo "$0: needs root" >&2; exit 1; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=own-dockerd.sh
source "$repo/scripts/own-dockerd.sh"
nsmon=$repo/build/nsmon
churn=$repo/build/tests/nschurn
check=$repo/tests/integration/check_events.py
for f in "$nsmon" "$churn"; do
	[[ -x $f ]] || { echo "$0: $f is not built (make, make unit)" >&2; exit 1; }
done
out=${2:-$(mktemp -d /tmp/nsmon-soak-XXXX)}
mkdir -p "$out"
mnt=$out/mnt
W= C= D=
K=
dk() { docker -H "unix://$out/docker/docker.sock" "$@"; }
cleanup() {
	[[ -z $D ]] || kill "$D" 2>/dev/null || true
	[[ -z $C ]] || kill "$C" 2>/dev/null || true
	[[ -z $W ]] || kill -INT "$W" 2>/dev/null || true
	if [[ -n $K ]]; then
		dk ps -aq 2>/dev/null | xargs -r docker -H "unix://$out/docker/docker.sock" rm -f >/dev/null 2>&1 || true
		kill "$K" 2>/dev/null || true
	fi
	wait 2>/dev/null || true
	umount -R "$mnt" 2>/dev/null || true
	# what our dockerd left mounted under its own directories
	awk -v d="$out/docker" 'index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo |
		sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
}
trap cleanup EXIT

# nschurn's bind mounts, in a private tmpfs of our own
mkdir -p "$mnt"
mount -t tmpfs nsmon-soak "$mnt"
mount --make-private "$mnt"

# The engine first: the agent follows it from its start sweep on.
engine=()
if [[ ${ENGINE:-docker} == docker ]] && command -v dockerd >/dev/null && command -v docker >/dev/null &&
	[[ -x /bin/busybox ]] && ! ldd /bin/busybox >/dev/null 2>&1; then
	own_dockerd "$out" nsmon-soak/busybox
	engine=(--engine "docker=$out/docker/docker.sock")
fi

"$nsmon" watch --json --ring-size 4096 "${engine[@]}" >"$out/watch.jsonl" 2>"$out/watch.err" &
W=$!
for ((i = 0; i < 300; i++)); do
	grep -q '"reason":"start"' "$out/watch.jsonl" 2>/dev/null && break
	kill -0 "$W" || { cat "$out/watch.err" >&2; exit 1; }
	sleep 0.1
done
"$churn" -t "$secs" -b 400 -d "$mnt" >"$out/churn.out" 2>"$out/churn.err" &
C=$!

if [[ -n $K ]]; then
	(
		n=0
		while :; do
			n=$((n + 1))
			dk run --rm --network none --name "nsmon-soak-$$-$n" nsmon-soak/busybox sleep 2 \
				>/dev/null 2>>"$out/docker.err" &&
				echo ok >>"$out/docker.runs" || echo failed >>"$out/docker.runs"
			sleep 1
		done
	) &
	D=$!
	echo "containers: docker run --rm busybox sleep 2, back to back (own dockerd)" >"$out/containers"
else
	echo "containers: none (ENGINE=no, or no dockerd or static busybox)" >"$out/containers"
fi

nfds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
rss() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"; }
# what the agent's fds are, by kind (socket, bpf-map, ...): each change
# of the count goes to OUTDIR/fds.log, to tell a leak from a cache
fdkinds() {
	find "/proc/$1/fd" -mindepth 1 -maxdepth 1 -printf '%l\n' 2>/dev/null |
		sed 's/[:[].*//' | sort | uniq -c | tr -s ' \n' ' '
}
lastfds=
start=$SECONDS
printf 'secs\trss_kib\tfds\tlines\n' >"$out/samples.tsv"
while kill -0 "$C" 2>/dev/null && ! grep -q '^ready$' "$out/churn.out"; do
	printf '%d\t%s\t%s\t%s\n' $((SECONDS - start)) "$(rss "$W")" "$(nfds "$W")" \
		"$(wc -l <"$out/watch.jsonl")" >>"$out/samples.tsv"
	n=$(nfds "$W")
	[[ $n == "$lastfds" ]] ||
		echo "$((SECONDS - start)) s: $n fds: $(fdkinds "$W")" >>"$out/fds.log"
	lastfds=$n
	sleep 10
done
[[ -z $D ]] || { kill "$D"; wait "$D" 2>/dev/null || true; D=; }
sleep 2
# quiet now, holding what nschurn holds: a resync, then our own sweep
kill -HUP "$W"
for ((i = 0; i < 100; i++)); do
	grep -q '"reason":"signal"' "$out/watch.jsonl" && break
	sleep 0.1
done
"$nsmon" discover >"$out/discover.json" 2>"$out/discover.err" || true
kill -INT "$W"
wait "$W" || { echo "nsmon watch exited $?" >&2; }
W=
kill "$C"
wait "$C" || true
C=

fail=0
python3 "$check" --stats --live "$out/live.json" "$out/watch.jsonl" \
	>"$out/stats.json" 2>"$out/check.err" || fail=1
python3 - "$out" "$secs" "$$" <<'EOF' || fail=1
import json, sys
out, secs, pid = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = [l.split("\t") for l in open(out + "/samples.tsv").read().split("\n")[1:] if l]
rows = [(int(s), int(r), int(f), int(n)) for s, r, f, n in rows]
warm = max(60, secs // 10)
after = [r for r in rows if r[0] >= warm] or rows[-1:]
first, last = after[0], after[-1]
stats = json.load(open(out + "/stats.json"))
live = {(n["type"], n["id"]) for n in json.load(open(out + "/live.json"))}
doc = {(n["type"], n["id"]) for n in json.load(open(out + "/discover.json"))["namespaces"]}
bad = []
for what, a, b in (("VmRSS KiB", first[1], last[1]), ("fds", first[2], last[2])):
    if b > a * 1.05 + (1 if what == "fds" else 0):
        bad.append(f"{what} grew: {a} after warm-up ({first[0]} s), {b} at the end ({last[0]} s)")
if live != doc:
    bad.append(f"model != discover: {len(live - doc)} only in the model {sorted(live - doc)[:5]}, "
               f"{len(doc - live)} only in discover {sorted(doc - live)[:5]}")
ev = stats["events"]
print(f"soak {secs} s: {stats['lines']} lines, creates {ev.get('create', 0)}, "
      f"destroys {ev.get('destroy', 0)}, switches {ev.get('switch', 0)}, "
      f"lost events {ev.get('lost', 0)} ({stats['lost']} records, {stats.get('shed', 0)} shed), "
      f"syncs {ev.get('sync', 0)}, "
      f"containers {ev.get('container', 0)}")
print(f"VmRSS {first[1]} KiB after warm-up ({first[0]} s), {last[1]} KiB at {last[0]} s, "
      f"max {max(r[1] for r in after)}; fds {first[2]} -> {last[2]}; "
      f"model == discover: {live == doc} ({len(live)} namespaces)")
# every container that ran has its start and its stop in the stream
import os
runs = open(out + "/docker.runs").read().split() if os.path.exists(out + "/docker.runs") else []
if runs:
    acts = {}
    for l in open(out + "/watch.jsonl"):
        e = json.loads(l)
        # ours only: other containers may come and go on the host
        if e.get("event") == "container" and e["container"].get("engine") == "docker" and \
                e["container"].get("name", "").startswith(f"nsmon-soak-{pid}-"):
            acts.setdefault(e["container"]["id"], set()).add(e["action"])
    ok = runs.count("ok")
    full = sum(1 for a in acts.values() if {"start", "stop"} <= a)
    print(f"docker: {ok} containers ran ({runs.count('failed')} runs failed); "
          f"{len(acts)} in the stream, {full} with start and stop")
    # the last one may still run when the stream ends
    if full < ok - 1 or len(acts) > ok + 1:
        bad.append(f"docker: {ok} containers ran, {full} with start and stop in the stream")
for b in bad:
    print("FAIL " + b)
sys.exit(1 if bad else 0)
EOF
[[ ! -s $out/check.err ]] || { echo "FAIL stream:"; head -5 "$out/check.err"; }
cat "$out/containers"
echo "details: $out"
exit $fail
