#!/usr/bin/env bash
# Makes a few namespaces held in different ways, for trying nsmon out:
#   sudo scripts/demo-fixture.sh up    # prints what it made
#   sudo build/nsmon
#   sudo scripts/demo-fixture.sh down
# Everything it makes is recorded in /run/nsmon-demo and removed by `down`.
set -euo pipefail
state=/run/nsmon-demo

up() {
	[ -e "$state" ] && { echo "demo already up ($state)"; exit 1; }
	mkdir -p "$state"
	ip netns add nsmon-demo
	echo "netns nsmon-demo" >>"$state/made"
	# a container-like process: own user, pid, mount, net, uts namespaces
	unshare -U -r -p -f -m -n -u --mount-proc --kill-child sleep infinity &
	echo "pid $!" >>"$state/made"
	# a pid namespace held only as pid_for_children
	unshare -p sleep infinity &
	echo "pid $!" >>"$state/made"
	# a net namespace held only by an open fd of a shell
	unshare -n sleep infinity &
	local p=$!
	sleep 0.2
	bash -c "exec 7</proc/$p/ns/net; kill $p; exec sleep infinity" &
	echo "pid $!" >>"$state/made"
	sleep 0.3
	cat "$state/made"
}

down() {
	[ -e "$state/made" ] || exit 0
	while read -r kind what; do
		case $kind in
		# SIGKILL: unshare --fork ignores SIGTERM while it waits, and
		# --kill-child takes its child (a pid ns init) along
		pid) kill -KILL "$what" 2>/dev/null || true ;;
		netns) ip netns delete "$what" 2>/dev/null || true ;;
		esac
	done <"$state/made"
	rm -rf "$state"
}

case ${1:-} in
up) up ;;
down) down ;;
*) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
