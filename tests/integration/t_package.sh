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
