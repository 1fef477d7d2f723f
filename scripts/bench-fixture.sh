# bench-fixture.sh - the scale fixture the benchmarks share (sourced):
# N processes, each in its own net, uts and ipc namespace, and B `ip
# netns` bind mounts.  fixture_up makes it and fills $pids; fixture_down
# removes exactly that.  Needs $prefix (the netns names' prefix).

# fixture_up N B
fixture_up() {
	local n=$1 b=$2 i p self
	echo "fixture: $n processes with own net/uts/ipc ns, $b ip netns bind mounts"
	for ((i = 0; i < n; i++)); do
		unshare -n -u -i sleep 3600 &
		pids+=($!)
	done
	for ((i = 0; i < b; i++)); do echo "netns add $prefix-$i"; done | ip -batch -
	# wait until every unshare has exec'd sleep in its own net ns
	self=$(readlink /proc/self/ns/net)
	for p in "${pids[@]}"; do
		for _ in $(seq 100); do
			[ "$(readlink "/proc/$p/ns/net" 2>/dev/null)" != "$self" ] && break
			sleep 0.05
		done
	done
	echo "processes: $(ls /proc | grep -c '^[0-9]')"
}

# fixture_down B
fixture_down() {
	local b=$1 i
	[ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null || true
	wait 2>/dev/null || true
	for ((i = 0; i < b; i++)); do echo "netns delete $prefix-$i"; done |
		ip -force -batch - 2>/dev/null || true
}
