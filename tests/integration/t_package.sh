# t_package.sh - nsmon as operators get it: the man pages against the
# commands' --help, `make install`/`uninstall` into a DESTDIR, the source
# tarball of `make dist` built from scratch, the Debian package of `make
# deb` installed and removed with apt-get, and the OCI image of `make
# image` run with podman the way contrib/k8s/daemonset.yaml runs it
# (host PID namespace, the capabilities of contrib/capabilities only,
# read-only root), faults included.

# timeout dist 300
# timeout deb 180
# timeout image 180
# timeout image_faults 240

repo_pkg=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# podman_setup, podman_run, umount_under: a podman of the test's own
# shellcheck source=t_containers.sh
source "$(dirname "${BASH_SOURCE[0]}")/t_containers.sh"

# _help_opts: the long options of a --help text on stdin (option lines
# are indented at most 6 columns; their first --word is the option).
_help_opts() {
	sed -nE 's/^ {1,6}(-[A-Za-z], )?(--[a-z][a-z0-9-]*).*/\2/p' | sort -u
}

# _page_opts PAGE: the long options a rendered page lists as items of its
# OPTIONS section (subsections included).
_page_opts() {
	MANWIDTH=200 man -l "$1" 2>/dev/null | col -b | awk '
		/^[A-Z]/ { in_opts = ($0 ~ /OPTIONS/) }
		in_opts && /^       -/ {
			while (match($0, /--[a-z][a-z0-9-]*/)) {
				print substr($0, RSTART, RLENGTH)
				$0 = substr($0, RSTART + RLENGTH)
			}
		}' | sort -u
}

# _nsmon_cmds: the commands `nsmon --help` lists.
_nsmon_cmds() {
	"$NSMON_PLAIN" --help | awk '/^Commands:/ { on = 1; next }
		on && /^$/ { exit } on { print $1 }'
}

# Every command that `nsmon --help` lists has a page (built by `make`),
# listed in nsmon(8)'s COMMANDS; each page's OPTIONS hold exactly the
# long options of the command's --help (and nsmon(8) those of `nsmon
# --help`); every page renders without a warning from man/groff.
test_man_pages() {
	local man=$repo_pkg/build/man cmd page warn n=0
	[[ -s $man/nsmon.8 ]] || fail "$man/nsmon.8 is not built (make builds the man pages)"
	mapfile -t cmds < <(_nsmon_cmds)
	[[ ${#cmds[@]} -ge 7 ]] || fail "nsmon --help lists ${#cmds[@]} commands"
	for cmd in "" "${cmds[@]}"; do
		page=$man/nsmon${cmd:+-$cmd}.8
		[[ -s $page ]] || fail "command '$cmd' has no man page ($page)"
		_page_opts "$page" >"$T_DIR/page"
		# shellcheck disable=SC2086
		diff <("$NSMON_PLAIN" $cmd --help | _help_opts) "$T_DIR/page" >"$T_DIR/diff" ||
			fail "nsmon $cmd: --help (<) and ${page##*/} (>) differ: $(tr '\n' ' ' <"$T_DIR/diff")"
		n=$((n + $(wc -l <"$T_DIR/page")))
	done
	# the overview names every command
	MANWIDTH=80 man -l "$man/nsmon.8" 2>/dev/null | col -b |
		awk '/^[A-Z]/ { on = ($0 == "COMMANDS") } on' >"$T_DIR/commands"
	for cmd in "${cmds[@]}"; do
		grep -qx "       $cmd" "$T_DIR/commands" || fail "nsmon(8) has no COMMANDS item '$cmd'"
	done
	for page in "$man"/*.8; do
		warn=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
		[[ -z $warn ]] || fail "${page##*/}: $warn"
	done
	note "${#cmds[@]} commands and nsmon itself: $n options, each in --help and its page"
}

# `make install` into a DESTDIR with a PREFIX: the binary in sbin, every
# page in share/man/man8, contrib/capabilities in the docs, the unit when
# contrib/systemd/ has one (ExecStart on the installed binary); the
# binary runs from there; `make uninstall` leaves no file behind.
test_install() {
	local d=$T_DIR/dest p=/opt/nsmon-test page want
	make -s -C "$repo_pkg" install DESTDIR="$d" PREFIX="$p" >&2
	(cd "$d" && find . -not -type d | sort) >"$T_DIR/files"
	note "installed: $(tr '\n' ' ' <"$T_DIR/files")"
	want=("./$p/sbin/nsmon" "./$p/share/doc/nsmon/capabilities")
	for page in "$repo_pkg"/build/man/*.8; do
		want+=("./$p/share/man/man8/${page##*/}")
	done
	if [[ -e $repo_pkg/contrib/systemd/nsmon.service ]]; then
		want+=("./$p/lib/systemd/system/nsmon.service")
		grep -q "^ExecStart=[-@:+!]*$p/sbin/nsmon\b" "$d/$p/lib/systemd/system/nsmon.service" ||
			fail "the installed unit does not start $p/sbin/nsmon"
	fi
	diff <(printf '%s\n' "${want[@]}" | sed 's|//*|/|g' | sort) \
		<(sed 's|//*|/|g' "$T_DIR/files") >&2 || fail "make install installed other files than expected"
	[[ $("$d/$p/sbin/nsmon" --version) == "nsmon $(_version)" ]] ||
		fail "the installed nsmon --version says $("$d/$p/sbin/nsmon" --version)"
	make -s -C "$repo_pkg" uninstall DESTDIR="$d" PREFIX="$p" >&2
	[[ -z $(find "$d" -not -type d) ]] ||
		fail "make uninstall left $(find "$d" -not -type d | tr '\n' ' ')"
}

_version() {
	sed -n 's/^#define NSM_VERSION "\(.*\)"/\1/p' "$repo_pkg/discovery/nsm.h"
}

# `make dist` packs the committed tree; unpacked elsewhere, it builds
# (make -j2: the binary and the man pages; the dependencies of
# scripts/deps.sh are installed) and the binary it builds runs.
test_dist() {
	local tgz v
	v=$(_version)
	tgz=$(make -s -C "$repo_pkg" dist | tail -n1)
	[[ $tgz == */nsmon-$v.tar.gz ]] || fail "make dist made '$tgz'"
	tar -xzf "$repo_pkg/$tgz" -C "$T_DIR"
	[[ -d $T_DIR/nsmon-$v ]] || fail "the tarball has no nsmon-$v/"
	make -s -C "$T_DIR/nsmon-$v" -j2 >"$T_DIR/build.log" 2>&1 ||
		{ tail -n 20 "$T_DIR/build.log" >&2; fail "the unpacked tarball does not build"; }
	[[ $("$T_DIR/nsmon-$v/build/nsmon" --version) == "nsmon $v" ]] ||
		fail "the tarball's nsmon --version is wrong"
	[[ -s $T_DIR/nsmon-$v/build/man/nsmon.8 ]] || fail "the tarball builds no man pages"
	note "$tgz: $(stat -c %s "$repo_pkg/$tgz") bytes, $(tar -tzf "$repo_pkg/$tgz" | wc -l) entries, builds"
}

_dpkg_state() {
	dpkg-query -W -f '${Package} ${Version} ${db:Status-Abbrev}\n' | sort
}

# `make deb`: lintian finds no error; apt-get installs it offline (its
# Depends are there already), `nsmon --version` and `nsmon ls` run from
# /usr/sbin, its pages are where man looks; `apt-get purge` removes it
# and every package is as it was before.
test_deb() {
	local deb v
	v=$(_version)
	! dpkg-query -W -f '${db:Status-Abbrev}' nsmon 2>/dev/null | grep -q '^.i' ||
		skip "an nsmon package is installed on this host: not touching it"
	deb=$(make -s -C "$repo_pkg" deb | tail -n1)
	[[ $deb == */nsmon_${v}_*.deb ]] || fail "make deb made '$deb'"
	deb=$repo_pkg/$deb
	lintian --fail-on error "$deb" >"$T_DIR/lintian" 2>&1 ||
		{ cat "$T_DIR/lintian" >&2; fail "lintian: $(grep -m1 '^E:' "$T_DIR/lintian")"; }
	note "lintian: $(grep -c '^[EW]:' "$T_DIR/lintian" || true) errors and warnings"
	# libbpf and libelf are linked in (Makefile STATIC_LIBS)
	dpkg-deb -f "$deb" Depends | grep -q 'libsmartcols1' || fail "Depends lacks libsmartcols1"
	# dlopen()ed at their first use: named by hand (contrib/debian/control)
	dpkg-deb -f "$deb" Depends | grep -q 'libcurl4 .*libmicrohttpd12 ' ||
		fail "Depends lacks libcurl4 or libmicrohttpd12: $(dpkg-deb -f "$deb" Depends)"
	_dpkg_state >"$T_DIR/before"
	defer _purge
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		-o DPkg::Lock::Timeout=60 "$deb" >"$T_DIR/apt.log" 2>&1 ||
		{ cat "$T_DIR/apt.log" >&2; fail "apt-get install $deb failed"; }
	[[ $(/usr/sbin/nsmon --version) == "nsmon $v" ]] || fail "/usr/sbin/nsmon --version is wrong"
	run_nsmon /usr/sbin/nsmon ls -n -o NS,TYPE
	[[ $RC -eq 0 ]] || fail "nsmon ls exited $RC: $(head -n1 "$ERR")"
	grep -q " net$" "$OUT" || fail "nsmon ls lists no net namespace"
	[[ $(man -w nsmon-serve) == /usr/share/man/man8/nsmon-serve.8.gz ]] ||
		fail "man does not find nsmon-serve(8)"
	_purge
	[[ ! -e /usr/sbin/nsmon ]] || fail "/usr/sbin/nsmon is still there after the purge"
	diff "$T_DIR/before" <(_dpkg_state) >&2 || fail "the packages differ from before the install"
}

_purge() {
	dpkg-query -W -f '${db:Status-Abbrev}' nsmon 2>/dev/null | grep -q '^.[^n]' || return 0
	DEBIAN_FRONTEND=noninteractive apt-get purge -y -q -o DPkg::Lock::Timeout=60 nsmon \
		>>"$T_DIR/apt.log" 2>&1
}

# _k8s_run: contrib/k8s/daemonset.yaml checked and turned into the podman
# run that does what its pod spec says ($K8S: JSON, k8s_podman.py).
_k8s_run() {
	K8S=$T_DIR/k8s.json
	python3 "$repo_pkg/tests/integration/k8s_podman.py" "$repo_pkg/contrib/k8s/daemonset.yaml" \
		"$repo_pkg/contrib/capabilities" >"$K8S" || fail "contrib/k8s/daemonset.yaml: see above"
	mapfile -t K8S_OPTS < <(jq -r '.podman[]' "$K8S")
	mapfile -t K8S_ARGS < <(jq -r '.args[]' "$K8S")
}

# The DaemonSet's fields that the image test exercises: the capabilities
# of contrib/capabilities, hostPID, read-only root and volumes, serve's
# args, probes and scrape port; a manifest that drifts (one capability
# less) fails the check.
test_k8s_manifest() {
	_k8s_run
	note "pod spec as podman: ${K8S_OPTS[*]} -- ${K8S_ARGS[*]}"
	grep -v -- '- SYS_PTRACE$' "$repo_pkg/contrib/k8s/daemonset.yaml" >"$T_DIR/drift.yaml"
	! python3 "$repo_pkg/tests/integration/k8s_podman.py" "$T_DIR/drift.yaml" \
		"$repo_pkg/contrib/capabilities" >/dev/null 2>"$T_DIR/drift.err" ||
		fail "a manifest without SYS_PTRACE passed the check"
	grep -q 'capabilities.add' "$T_DIR/drift.err" || fail "the drift was not named: $(cat "$T_DIR/drift.err")"
}

# _image: `make image` into a podman of the test's own ($PODMAN, from
# t_containers.sh); IMAGE its name:VERSION, removed after the test.
_image() {
	podman_setup
	IMAGE=localhost/nsmon:$(_version)
	make -s -C "$repo_pkg" image PODMAN="${PODMAN[*]}" >"$T_DIR/image.log" 2>&1 ||
		{ cat "$T_DIR/image.log" >&2; fail "make image failed"; }
	defer "${PODMAN[@]}" rmi -f "$IMAGE" localhost/nsmon:latest
	[[ $("${PODMAN[@]}" image inspect -f '{{.Id}}' "$IMAGE") == \
		"$("${PODMAN[@]}" image inspect -f '{{.Id}}' localhost/nsmon:latest)" ]] ||
		fail "$IMAGE and :latest differ"
	# this VM's root lacks CAP_SYS_RESOURCE: podman's default ulimits fail
	RUN=("${PODMAN[@]}" run --rm --network=host --ulimit nofile=4096:4096
		--ulimit nproc=1024:1024)
}

# _image_cmd NAME [PODMAN OPTS] -- ARGS: runs the image to its end; OUT,
# ERR, RC as run_nsmon sets them.
_image_cmd() {
	local name=$1 i
	shift
	for ((i = 1; i <= $#; i++)); do [[ ${!i} == -- ]] && break; done
	OUT=$T_DIR/$name.out ERR=$T_DIR/$name.err RC=0
	timeout -k 5 60 "${RUN[@]}" --name "$T_UNIQ-$name" "${@:1:i-1}" "$IMAGE" "${@:i+1}" \
		>"$OUT" 2>"$ERR" </dev/null || RC=$?
}

# _image_serve NAME [PODMAN OPTS] -- ARGS: the image's serve in the
# background (its pid S; stdout in S.out), until /readyz answers at $URL.
_image_serve() {
	local name=$1 i
	shift
	for ((i = 1; i <= $#; i++)); do [[ ${!i} == -- ]] && break; done
	CNAME=$T_UNIQ-$name
	defer "${PODMAN[@]}" rm -f -t 0 "$CNAME"
	spawn S "${RUN[@]}" --name "$CNAME" "${@:1:i-1}" "$IMAGE" "${@:i+1}"
	for ((i = 0; i < 300; i++)); do
		URL=$(sed -n 's/.*listening on \(http:[^ ]*\)$/\1/p' "$T_DIR/S.err" | head -n1)
		[[ -n $URL ]] && curl -sf -o /dev/null "$URL/readyz" && return 0
		kill -0 "$S" 2>/dev/null || break
		sleep 0.1
	done
	cat "$T_DIR/S.err" >&2
	fail "serve in the image did not get ready: $(head -n1 "$T_DIR/S.err")"
}

# The image, run as the DaemonSet runs it (host PID namespace, the
# capabilities of contrib/capabilities only, read-only root, BTF and
# tracefs read-only, serve's args; no /sys/fs/bpf: nsmon pins nothing),
# sees the host: a net namespace made on the host after it started is in
# its /api/namespaces, in its /api/events stream and in the JSON lines on
# its stdout (--events-stdout, the log shipper's); probes and /metrics
# answer; its RSS is under the manifest's memory request; SIGTERM ends it
# with status 0.
test_image() {
	local cpid ino rss size rc=0
	_k8s_run
	_image
	size=$("${PODMAN[@]}" image inspect -f '{{.Size}}' "$IMAGE")
	_image_serve serve "${K8S_OPTS[@]}" -- "${K8S_ARGS[@]}"
	cpid=$("${PODMAN[@]}" inspect -f '{{.State.Pid}}' "$CNAME")
	[[ $(readlink "/proc/$cpid/ns/pid") == "$(readlink /proc/self/ns/pid)" ]] ||
		fail "the container (pid $cpid: $(readlink "/proc/$cpid/ns/pid")) is not in the host's PID namespace"
	! awk '$5 == "/sys/fs/bpf"' "/proc/$cpid/mountinfo" | grep -q . ||
		fail "/sys/fs/bpf is mounted in the container"
	grep -q '^CapEff:.*0000000000000000$' "/proc/$cpid/status" && fail "nsmon has no capabilities"
	# from the start sweep's events on: the stream is open once they came
	# (from now on, a quiet host might send nothing to wait for)
	spawn SSE curl -sN "$URL/api/events?last_event_id=0"
	wait_for "the event stream" grep -q '^event: ' "$T_DIR/SSE.out"
	spawn H unshare -n sleep 1000
	wait_unshared "$H" net
	ino=$(ns_ino "$H" net)
	wait_for "the create of net:[$ino] in /api/events" grep -q "\"event\":\"create\".*\"id\":$ino," "$T_DIR/SSE.out"
	wait_for "the create of net:[$ino] on stdout" grep -q "\"event\":\"create\".*\"id\":$ino," "$T_DIR/S.out"
	curl -sf "$URL/api/namespaces" >"$T_DIR/doc.json" || fail "GET /api/namespaces failed"
	jq -e --argjson id "$ino" '.namespaces[] | select(.id == $id and .type == "net") |
		.processes | index('"$H"')' "$T_DIR/doc.json" >/dev/null ||
		fail "net:[$ino] of pid $H is not in /api/namespaces"
	jq -e '.complete' "$T_DIR/doc.json" >/dev/null || fail "the image's answer is incomplete: $(jq -c .warnings "$T_DIR/doc.json")"
	[[ $(curl -sf "$URL/healthz") == ok ]] || fail "/healthz"
	curl -sf "$URL/metrics" | grep -q '^nsmon_' || fail "/metrics has no nsmon_ metric"
	rss=$(awk '/^VmRSS:/ { print $2 * 1024 }' "/proc/$cpid/status")
	[[ $rss -lt $(jq .memory_request "$K8S") ]] ||
		fail "VmRSS $rss bytes is over the manifest's memory request"
	kill -TERM "$S"
	wait "$S" || rc=$?
	[[ $rc -eq 0 ]] || { cat "$T_DIR/S.err" >&2; fail "serve in the image exited $rc on SIGTERM"; }
	note "image $IMAGE: $size bytes; serve's VmRSS $((rss / 1024)) KiB; net:[$ino] seen in /api/namespaces, /api/events and stdout"
}

# _without OPT: K8S_OPTS less the options that match OPT (a regex), in
# OPTS.
_without() {
	local o
	OPTS=()
	for o in "${K8S_OPTS[@]}"; do
		[[ $o =~ $1 ]] || OPTS+=("$o")
	done
	[[ ${#OPTS[@]} -lt ${#K8S_OPTS[@]} ]] || fail "no option of the pod spec matches $1"
}

# _said_once PATTERN: ERR has exactly one line matching PATTERN.
_said_once() {
	local n
	n=$(grep -c -- "$1" "$ERR" || true)
	[[ $n -eq 1 ]] || { cat "$ERR" >&2; fail "stderr says '$1' $n times, want once"; }
}

# The image run as the DaemonSet runs it, less one thing each time:
# - a capability of contrib/capabilities (CAP_SYS_PTRACE): discover names
#   it in one line, still writes the document, "complete": false, exit 1;
#   serve runs degraded and says so;
# - the kernel's BTF (an empty directory over /sys/kernel/btf): discover
#   falls back to the /proc sweep, says so once, exit 0 (a complete
#   answer); serve cannot load its event feed: one line naming the BTF
#   file, exit 1;
# - the host's PID namespace (no --pid=host: the container's own /proc),
#   and --proc-root at the /proc of another container (a procfs of the
#   busybox container's PID namespace): one line saying it is not the
#   host's PID namespace, only that container's processes, exit 1.
test_image_faults() {
	local ctr_proc=$T_DIR/ctr-proc
	_k8s_run
	_image

	_without '^--cap-add=CAP_SYS_PTRACE$'
	_image_cmd noptrace "${OPTS[@]}" -- discover
	[[ $RC -eq 1 ]] || fail "discover without CAP_SYS_PTRACE: exit $RC, want 1"
	_said_once 'without CAP_SYS_PTRACE:'
	jq -e '.complete == false and any(.warnings[]; test("CAP_SYS_PTRACE"))' "$OUT" >/dev/null ||
		fail "discover without CAP_SYS_PTRACE: the document does not say so"
	_image_serve noptrace-serve "${OPTS[@]}" -- "${K8S_ARGS[@]}"
	curl -sf "$URL/api/namespaces" | jq -e '.complete == false' >/dev/null ||
		fail "serve without CAP_SYS_PTRACE: /api/namespaces does not say it is incomplete"
	grep -q 'without CAP_SYS_PTRACE:' "$T_DIR/S.err" || fail "serve without CAP_SYS_PTRACE says nothing"
	kill_pid "$S"

	mkdir -p "$T_DIR/nobtf"
	_without '^--volume=/sys/kernel/btf:'
	OPTS+=("--volume=$T_DIR/nobtf:/sys/kernel/btf:ro")
	_image_cmd nobtf "${OPTS[@]}" -- discover
	# the /proc sweep asks sockets for their net namespace (SIOCGSKNS):
	# CAP_NET_ADMIN, which the agent's set has not (the BPF sweep reads
	# it in the kernel): said, and the answer incomplete
	[[ $RC -eq 1 ]] || { cat "$ERR" >&2; fail "discover without BTF: exit $RC, want 1"; }
	_said_once 'no BTF (/sys/kernel/btf/vmlinux); using the /proc sweep'
	_said_once 'without CAP_NET_ADMIN:'
	jq -e '.options.sweep == "proc" and (.complete | not) and
		any(.warnings[]; test("CAP_NET_ADMIN"))' "$OUT" >/dev/null ||
		fail "discover without BTF: not a /proc sweep that says CAP_NET_ADMIN is missing"
	_image_cmd nobtf-net "${OPTS[@]}" --cap-add=CAP_NET_ADMIN -- discover
	[[ $RC -eq 0 ]] || { cat "$ERR" >&2; fail "discover without BTF, with CAP_NET_ADMIN: exit $RC, want 0"; }
	jq -e '.options.sweep == "proc" and .complete' "$OUT" >/dev/null ||
		fail "discover without BTF, with CAP_NET_ADMIN: not a complete /proc sweep"
	_image_cmd nobtf-serve "${OPTS[@]}" -- "${K8S_ARGS[@]}"
	[[ $RC -eq 1 ]] || fail "serve without BTF: exit $RC, want 1"
	_said_once 'kernel BTF (/sys/kernel/btf/vmlinux) is missing'
	[[ ! -s $OUT ]] || fail "serve without BTF wrote to stdout"

	_without '^--pid=host$'
	_image_cmd nopid "${OPTS[@]}" -- discover
	[[ $RC -eq 1 ]] || fail "discover without the host's PID namespace: exit $RC, want 1"
	_said_once "/proc is the procfs of a PID namespace other than the host's"
	jq -e '.complete == false and (.processes | length) == 1' "$OUT" >/dev/null ||
		fail "discover without the host's PID namespace: $(jq -c '[.complete, (.processes | length)]' "$OUT")"

	podman_run "$T_UNIQ-busybox"
	mkdir -p "$ctr_proc"
	nsenter -t "$PODMAN_PID" -p mount -t proc "$T_UNIQ" "$ctr_proc"
	defer umount -l "$ctr_proc"
	_image_cmd ctrproc "${K8S_OPTS[@]}" "--volume=$ctr_proc:/ctr/proc:ro" -- discover --proc-root /ctr/proc
	[[ $RC -eq 1 ]] || fail "discover --proc-root of a container's /proc: exit $RC, want 1"
	_said_once "/ctr/proc is the procfs of a PID namespace other than the host's"
	jq -e '.complete == false and ([.processes[].cmdline] == [["sleep", "1000"]])' "$OUT" >/dev/null ||
		fail "discover --proc-root of a container's /proc: $(jq -c '[.complete, [.processes[].cmdline]]' "$OUT")"
}
