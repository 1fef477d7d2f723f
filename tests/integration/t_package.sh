# t_package.sh - nsmon as operators get it: the man pages against the
# commands' --help, `make install`/`uninstall` into a DESTDIR, the source
# tarball of `make dist` built from scratch, the Debian package of `make
# deb` installed and removed with apt-get, and the OCI image of `make
# image` run with podman the way contrib/k8s/daemonset.yaml runs it
# (host PID namespace, the capabilities of contrib/capabilities only,
# read-only root), faults included.

repo_pkg=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

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
		# shellcheck disable=SC2086
		diff <("$NSMON_PLAIN" $cmd --help | _help_opts) <(_page_opts "$page") \
			>"$T_DIR/diff" ||
			fail "nsmon $cmd: --help (<) and ${page##*/} (>) differ: $(tr '\n' ' ' <"$T_DIR/diff")"
		n=$((n + $(_page_opts "$page" | wc -l)))
	done
	# the overview names every command
	for cmd in "${cmds[@]}"; do
		MANWIDTH=80 man -l "$man/nsmon.8" 2>/dev/null | col -b |
			awk '/^[A-Z]/ { on = ($0 == "COMMANDS") } on' |
			grep -qx "       $cmd" || fail "nsmon(8) has no COMMANDS item '$cmd'"
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
	dpkg-deb -f "$deb" Depends | grep -q 'libbpf1' || fail "Depends lacks libbpf1"
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
