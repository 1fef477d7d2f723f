#!/bin/bash
# engine-fds.sh [NSMON] - the agent's open fds, by kind, with a Docker
# engine of its own: after the start, three resyncs (SIGHUP) and six
# short-lived containers started at once, whose inspects overlap.  An
# fd count that grows here and stays is what the soak (soak.sh) would
# show as a step.  Not a CI test: the overlap depends on timing.
# Root; dockerd, docker and a static /bin/busybox.
set -u
nsmon=$(realpath "${1:-build/nsmon}")
# shellcheck source=own-dockerd.sh
source "$(dirname "${BASH_SOURCE[0]}")/own-dockerd.sh"
out=$(mktemp -d /tmp/nsmon-engine-fds.XXXXXX)
sock=$out/docker/docker.sock
W= K=
dk() { docker -H "unix://$sock" "$@"; }
cleanup() {
	[[ -z $W ]] || { kill "$W" 2>/dev/null; wait "$W" 2>/dev/null; }
	dk ps -aq --filter "name=engine-fds-$$-" 2>/dev/null | xargs -r docker -H "unix://$sock" rm -f >/dev/null 2>&1
	[[ -z $K ]] || { kill "$K" 2>/dev/null; wait "$K" 2>/dev/null; }
	awk -v d="$out/docker" 'index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo |
		sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
	rm -rf "$out"
}
trap cleanup EXIT
own_dockerd "$out" engine-fds/busybox
for n in 1 2 3 4 5 6 7 8; do
	dk run -d --network none --name "engine-fds-$$-$n" engine-fds/busybox sleep 600 >/dev/null
done
"$nsmon" watch --json --engine "docker=$sock" >"$out/w.jsonl" 2>"$out/w.err" &
W=$!
for ((i = 0; i < 300; i++)); do
	grep -q '"reason":"start"' "$out/w.jsonl" 2>/dev/null && break
	sleep 0.1
done
kinds() {
	{ find "/proc/$W/fd" -mindepth 1 -maxdepth 1 -printf '%l\n' 2>/dev/null || true; } |
		sed 's/[:[].*//' | sort | uniq -c | tr -s ' \n' ' '
}
say() { echo "$1: $(find "/proc/$W/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l) fds:$(kinds)"; }
sleep 1
say start
for r in 1 2 3; do kill -HUP "$W"; sleep 2; say "resync $r"; done
runs=()
for n in 1 2 3 4 5 6; do
	dk run -d --network none --name "engine-fds-$$-b$n" engine-fds/busybox sleep 1 >/dev/null &
	runs+=("$!")
done
wait "${runs[@]}"
sleep 4
say "6 containers at once"
