# t_dl.sh - libcurl and libmicrohttpd are loaded at their first use
# (discovery/dl.h), not at start: the commands that do not use them never
# map them (what makes `nsmon exec` as quick as nsenter, README "Entering
# namespaces"), those that do load them, and without them `serve` says so
# in one line and exits 1 and a Docker engine is reported, not asked.

# _dl_none WHAT: $ERR, the loader's LD_DEBUG=files record of a run, has
# libc and neither lazy library.
_dl_none() {
	grep -q 'file=libc\.so\.6 ' "$ERR" || fail "$1: no LD_DEBUG=files record: $(head -n2 "$ERR")"
	! grep -E 'file=lib(curl|microhttpd)\.so' "$ERR" >&2 || fail "$1 loaded the lines above"
}

# _dl_sock: a unix socket that listens, never answers ($SOCK; its pid L).
_dl_sock() {
	SOCK=$T_DIR/engine.sock
	spawn L python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8)
print("ready", flush=True); time.sleep(1000)' "$SOCK"
	wait_ready L
}

# The plain and the ASan build: --version, exec into a net namespace,
# discover without engines; a running watch's maps (its engine client
# waits for an engine); discover with a Docker engine loads libcurl.
test_dl_not_loaded() {
	local bin id i
	spawn H unshare -n sleep 1000
	wait_unshared "$H" net
	id=$(ns_ino "$H" net)
	for bin in "$NSMON_PLAIN" "$NSMON"; do
		LD_DEBUG=files run_nsmon "$bin" --version
		[[ $RC -eq 0 ]] || fail "nsmon --version exited $RC"
		_dl_none "nsmon --version"
		LD_DEBUG=files run_nsmon "$bin" exec --ns "$id" -- true
		[[ $RC -eq 0 ]] || fail "nsmon exec --ns $id exited $RC: $(grep -v '^ *[0-9]*:' "$ERR" | head -n2)"
		_dl_none "nsmon exec"
		LD_DEBUG=files run_nsmon "$bin" discover --no-containers
		[[ $RC -eq 0 ]] || fail "nsmon discover exited $RC"
		_dl_none "nsmon discover --no-containers"
	done
	spawn W "$NSMON" watch --json --no-containers
	for ((i = 0; i < 300; i++)); do
		grep -q '"event":"sync"' "$T_DIR/W.out" && break
		kill -0 "$W" || fail "watch ended: $(head -n1 "$T_DIR/W.err")"
		sleep 0.1
	done
	grep -q '"event":"sync"' "$T_DIR/W.out" || fail "watch did not start"
	! grep -E 'lib(curl|microhttpd)\.so' "/proc/$W/maps" >&2 || fail "watch maps the lines above"
	_dl_sock
	LD_DEBUG=files run_nsmon "$NSMON_PLAIN" discover --engine "docker=$SOCK"
	grep -q 'file=libcurl\.so\.4 .*dynamically loaded' "$ERR" ||
		fail "discover with a Docker engine did not load libcurl"
}

# _dl_without SONAME CMD...: CMD in a mount namespace of its own where
# the library file is an empty one (the loader finds it, cannot load it).
_dl_without() {
	local lib
	lib=$(ldconfig -p | awk -v n="$1" '$1 == n && $NF ~ /^\// && !seen++ { print $NF }')
	[[ -n $lib ]] || fail "ldconfig knows no $1"
	: >"$T_DIR/empty"
	shift
	run_nsmon unshare -m --propagation private sh -c \
		'mount --bind "$1" "$2" && shift 2 && exec "$@"' sh \
		"$T_DIR/empty" "$(realpath "$lib")" "$@"
}

# serve: one line naming the library and its package, exit 1, nothing on
# stdout; discover: the Docker engine's warning says it (exit 0, as for
# an engine that does not answer), the rest of the document is there.
test_dl_missing() {
	_dl_without libmicrohttpd.so.12 "$NSMON" serve --listen 127.0.0.1:0
	[[ $RC -eq 1 ]] || { cat "$ERR" >&2; fail "serve without libmicrohttpd: exit $RC, want 1"; }
	[[ $(wc -l <"$ERR") -eq 1 ]] || { cat "$ERR" >&2; fail "serve without libmicrohttpd: not one line"; }
	grep -q '^nsmon serve: .*libmicrohttpd\.so\.12.* (Debian package libmicrohttpd12)$' "$ERR" ||
		fail "serve without libmicrohttpd said: $(cat "$ERR")"
	[[ ! -s $OUT ]] || fail "serve without libmicrohttpd wrote to stdout"
	note "$(cat "$ERR")"

	_dl_sock
	_dl_without libcurl.so.4 "$NSMON" discover --engine "docker=$SOCK"
	# as an engine that does not answer: a warning, not an incomplete answer
	[[ $RC -eq 0 ]] || { cat "$ERR" >&2; fail "discover without libcurl: exit $RC, want 0"; }
	jq -e '[.warnings[] | select(test("libcurl\\.so\\.4.*\\(Debian package libcurl4\\)$"))] | length == 1' \
		"$OUT" >/dev/null || fail "discover without libcurl: warnings $(jq -c .warnings "$OUT")"
	jq -e '(.namespaces | length) > 0 and .containers == []' "$OUT" >/dev/null ||
		fail "discover without libcurl: no namespaces, or containers"
}
