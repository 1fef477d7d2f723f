#!/bin/bash
# mkimage.sh BUILD VERSION - `make image`: the OCI image localhost/nsmon
# (tags VERSION and latest) built offline from the build tree alone, no
# base image: a root filesystem of BUILD/nsmon (stripped), the shared
# libraries ldd names for it, and an /etc with the users root and nobody,
# imported with `podman import`.  Run it as contrib/k8s/daemonset.yaml
# does (host PID namespace, the capabilities of contrib/capabilities):
# `podman run --pid=host ... localhost/nsmon serve --listen ...`.
# PODMAN: the podman command, with options (default: podman).
set -euo pipefail
build=$1 version=$2
read -ra podman <<<"${PODMAN:-podman}"
bin=$build/nsmon
root=$build/image/rootfs
image=localhost/nsmon

rm -rf "$build/image"
mkdir -p "$root"/{usr/sbin,etc,proc,sys,dev,tmp,run}
chmod 1777 "$root/tmp"
strip --strip-unneeded -o "$root/usr/sbin/nsmon" "$bin"
# The libraries nsmon loads with dlopen() at their first use
# (discovery/dl_curl.c, user/serve/dl_mhd.c): ldd does not see them, and
# serve needs libmicrohttpd.
dlopened=(libcurl.so.4 libmicrohttpd.so.12)

# libs: every library nsmon maps, its own and the dlopen()ed ones with
# theirs, each at the path the loader looks it up by
libs() {
	local so path
	ldd "$bin"
	for so in "${dlopened[@]}"; do
		path=$(ldconfig -p | awk -v n="$so" '$1 == n && $NF ~ /^\// && !seen++ { print $NF }')
		[[ -n $path ]] || { echo "mkimage.sh: no $so on this host" >&2; exit 1; }
		echo "	$so => $path"
		ldd "$path"
	done
}

# each library at its path, the file behind it
libs | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
	sort -u | while read -r lib; do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
[[ -e /lib64 && ! -e $root/lib64 && -d $root/usr/lib64 ]] && ln -s usr/lib64 "$root/lib64"
# getpwuid (the USER column) reads these; glibc's files backend is built in
printf 'root:x:0:0:root:/:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/:/usr/sbin/nologin\n' \
	>"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files\n' >"$root/etc/nsswitch.conf"

# serve's default listen address is loopback: the pod's probes and
# Prometheus reach it with --listen on the pod IP (the DaemonSet's args)
tar --numeric-owner --owner=0 --group=0 -C "$root" -c . |
	"${podman[@]}" import -q \
		--change 'ENTRYPOINT ["/usr/sbin/nsmon"]' \
		--change 'CMD ["serve"]' \
		--change "LABEL org.opencontainers.image.title=nsmon" \
		--change "LABEL org.opencontainers.image.version=$version" \
		- "$image:$version" >/dev/null
"${podman[@]}" tag "$image:$version" "$image:latest"
echo "$image:$version"
