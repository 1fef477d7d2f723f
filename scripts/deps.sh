#!/usr/bin/env bash
# Installs everything nsmon's build, tests and benchmarks use, from Debian's
# archive only.  Idempotent: packages already present are not touched, and
# apt-get update runs only when something is missing.
set -euo pipefail

pkgs=(
	make gcc clang llvm pkg-config
	libbpf-dev bpftool libelf-dev zlib1g-dev
	libcjson-dev libcmocka-dev libsmartcols-dev
	libclang-rt-14-dev
	util-linux iproute2 procps psmisc jq hyperfine python3 bpftrace
	libcurl4-openssl-dev libmicrohttpd-dev curl
	prometheus wrk openssl
	docker.io containerd podman busybox-static
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: need root to install: ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
