#!/usr/bin/env bash
# bench-containers.sh - what the container pass costs: `nsmon discover`
# with 20 running Docker containers, with and without --no-containers
# (target: the pass adds <= 50 ms).  Starts its own dockerd on a temporary
# data-root, exec-root and socket (no iptables, no bridge), and removes it
# all at the end.  Needs root, docker.io, busybox-static, hyperfine.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
nsmon=${NSMON:-$here/../build/nsmon}
n=${CONTAINERS:-20}
d=$(mktemp -d /tmp/nsmon-bench-containers-XXXX)
dk() { /usr/bin/docker -H "unix://$d/docker.sock" "$@"; }
cleanup() {
	set +e
	dk ps -aq 2>/dev/null | xargs -r /usr/bin/docker -H "unix://$d/docker.sock" rm -f >/dev/null 2>&1
	[[ -n ${dpid:-} ]] && kill "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null
	awk -v d="$d" 'index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo |
		sort -r | xargs -r -n1 umount -l 2>/dev/null
	rm -rf --one-file-system "$d"
}
trap cleanup EXIT
dockerd --iptables=false --ip6tables=false --bridge=none --data-root "$d/data" \
	--exec-root "$d/exec" --pidfile "$d/docker.pid" --host "unix://$d/docker.sock" \
	--storage-driver vfs --log-level warn >"$d/dockerd.log" 2>&1 &
dpid=$!
for ((i = 0; i < 300; i++)); do dk version >/dev/null 2>&1 && break; sleep 0.1; done
mkdir -p "$d/rootfs/bin"
cp /bin/busybox "$d/rootfs/bin/" && ln -s busybox "$d/rootfs/bin/sleep"
tar -C "$d/rootfs" -c . | dk import - nsmon-bench/busybox >/dev/null
for ((i = 0; i < n; i++)); do
	dk run -d --network none --label com.docker.compose.project=bench \
		nsmon-bench/busybox sleep 100000 >/dev/null
done
echo "# $(dk ps -q | wc -l) running containers; nsmon finds" \
	"$("$nsmon" discover | jq '[.containers[] | select(.engine == "docker")] | length')"
hyperfine -N -w 3 -r 30 --export-json "$d/h.json" \
	"$nsmon discover" "$nsmon discover --no-containers" >&2
jq -r '.results | "with containers: \(.[0].mean * 1000 | floor) ms, --no-containers: \(.[1].mean * 1000 | floor) ms, the pass adds \((.[0].mean - .[1].mean) * 1000 | . * 10 | floor / 10) ms"' "$d/h.json"
