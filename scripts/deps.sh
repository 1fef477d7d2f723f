#!/usr/bin/env bash
# Installs everything nsmon's build, tests and benchmarks use, from Debian's
# archive, and the browser test's puppeteer-core from npm into
# tests/ui/node_modules (the version pinned by tests/ui/package-lock.json).
# Idempotent: packages already present are not touched, apt-get update
# runs only when something is missing, npm only when the lock changed.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

pkgs=(
	make gcc clang llvm pkg-config
	libbpf-dev bpftool libelf-dev zlib1g-dev
	libcjson-dev libcmocka-dev libsmartcols-dev
	libclang-rt-14-dev
	util-linux iproute2 procps psmisc jq hyperfine python3 bpftrace
	libcap2-bin
	systemd
	libcurl4-openssl-dev libmicrohttpd-dev curl
	prometheus wrk openssl
	docker.io containerd podman busybox-static
	chromium nodejs
	scdoc man-db bsdextrautils dpkg-dev fakeroot lintian python3-yaml
)

# npm ci installs exactly the lock's versions; the copy of the lock in
# node_modules/ says what was installed last
ui_deps() {
	local ui=$here/../tests/ui
	[[ -d $ui/node_modules/puppeteer-core ]] &&
		cmp -s "$ui/package-lock.json" "$ui/node_modules/.nsmon-lock" && return 0
	(cd "$ui" && npm ci --no-audit --no-fund --loglevel=error)
	cp "$ui/package-lock.json" "$ui/node_modules/.nsmon-lock"
}

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
# Debian's npm, unless a nodejs package that brings its own (NodeSource's)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -eq 0 ]; then
	ui_deps
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: need root to install: ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
ui_deps
