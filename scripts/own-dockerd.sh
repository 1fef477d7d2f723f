# shellcheck shell=bash
# own-dockerd.sh - sourced by soak.sh and engine-fds.sh: a dockerd of the
# script's own under DIR (vfs storage, no bridge, no iptables: it touches
# nothing of the host's network), with a busybox image imported from the
# host's static /bin/busybox.  The caller stops it (kill $K) and unmounts
# what it left under DIR/docker.

# own_dockerd DIR IMAGE: starts it (pid in K, socket DIR/docker/docker.sock),
# waits until it answers, imports IMAGE.  Exit 1 if it does not start.
own_dockerd() {
	local dir=$1 image=$2 i
	mkdir -p "$dir/docker" "$dir/rootfs/bin" "$dir/rootfs/proc" "$dir/rootfs/dev"
	dockerd --iptables=false --ip6tables=false --bridge=none \
		--data-root "$dir/docker/data" --exec-root "$dir/docker/exec" \
		--pidfile "$dir/docker/docker.pid" --host "unix://$dir/docker/docker.sock" \
		--storage-driver vfs --log-level warn >"$dir/dockerd.log" 2>&1 &
	K=$!
	for ((i = 0; i < 300; i++)); do
		docker -H "unix://$dir/docker/docker.sock" version >/dev/null 2>&1 && break
		kill -0 "$K" 2>/dev/null || break
		sleep 0.1
	done
	docker -H "unix://$dir/docker/docker.sock" version >/dev/null 2>&1 ||
		{ tail -n 20 "$dir/dockerd.log" >&2; exit 1; }
	cp /bin/busybox "$dir/rootfs/bin/busybox"
	ln -sf busybox "$dir/rootfs/bin/sleep"
	tar -C "$dir/rootfs" -c . |
		docker -H "unix://$dir/docker/docker.sock" import - "$image" >/dev/null
}
