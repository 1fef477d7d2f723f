# t_encode.sh - untrusted bytes in the output (SPEC "Untrusted input,
# encoding, exit status"): processes whose comm and command line hold byte
# 0xff and a newline, an nsfs bind mount at such a path, and a 1 MB
# command line.  JSON output (discover, ls/ps/tree/mounts --json, watch
# --json) must load with python's strict UTF-8 and show U+FFFD; text and
# tables (ls, ps, tree, mounts, watch --text) must show \xff and \x0a,
# one line per record; table output must stay linear in what it shows.
# Engines are not what these tests are about: --no-containers throughout.

# A process that names itself (prctl PR_SET_NAME) with the bytes of hex
# $2, unshares the namespaces of flags $3 (CLONE_NEW*, 0: none), says
# "ready" and sleeps; its command line ends with the bytes of hex $4.
_enc_proc_py='
import ctypes, sys, time
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl(15, ctypes.c_char_p(bytes.fromhex(sys.argv[1])), 0, 0, 0)
flags = int(sys.argv[2], 0)
if flags and libc.unshare(flags) != 0:
    sys.exit("unshare: errno %d" % ctypes.get_errno())
print("ready", flush=True)
time.sleep(float(sys.argv[3]))
'

# enc_proc VAR COMM_HEX FLAGS ARG_HEX [SECONDS]
enc_proc() {
	local arg
	arg=$(python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]) + b"x")' "$4")
	spawn "$1" python3 -c "$_enc_proc_py" "$2" "$3" "${5:-60}" "${arg%x}"
	wait_ready "$1"
}

CLONE_NEWUTS=0x04000000

# strict: python json.load with strict UTF-8, of a file or of each line
_json_load() {
	python3 - "$@" <<'PY' || fail "not valid JSON in strict UTF-8: $1"
import json, sys
raw = open(sys.argv[1], 'rb').read()
text = raw.decode('utf-8', errors='strict')
if len(sys.argv) > 2 and sys.argv[2] == 'lines':
    for line in text.splitlines():
        json.loads(line)
else:
    json.loads(text)
PY
}

# _has_bytes FILE PRINTF_FMT: the file holds these bytes
_has_bytes() {
	local pat
	pat=$(printf "$2")
	grep -qaF -- "$pat" "$1"
}

test_encode_comm_json() {
	enc_proc A 71ff "$CLONE_NEWUTS" 61ff62
	enc_proc B 610a62 "$CLONE_NEWUTS" 610a62
	discover --no-containers
	_json_load "$DOC"
	python3 - "$DOC" "$A" "$B" <<'PY' || fail "comm/cmdline not as SPEC says in discover"
import json, sys
d = json.load(open(sys.argv[1], encoding='utf-8'))
p = {x['pid']: x for x in d['processes']}
a, b = p[int(sys.argv[2])], p[int(sys.argv[3])]
assert a['comm'] == 'q\ufffd', repr(a['comm'])
assert a['cmdline'][-1] == 'a\ufffdb', repr(a['cmdline'])
assert b['comm'] == 'a\nb', repr(b['comm'])
assert b['cmdline'][-1] == 'a\nb', repr(b['cmdline'])
PY
	# SPEC: control characters as \uXXXX; no raw 0xff
	grep -qaF '"a\u000ab"' "$DOC" || fail "discover: newline not as \\u000a"
	! _has_bytes "$DOC" '\377' || fail "discover: raw byte 0xff"

	run_nsmon "$NSMON" ls --no-containers --json -p "$A"
	[[ $RC -eq 0 ]] || fail "ls --json exited $RC"
	_json_load "$OUT"
	jq -e --argjson p "$A" '.processes[] | select(.pid == $p) |
		.comm == "q\ufffd"' "$OUT" >/dev/null || fail "ls --json: comm"

	for cmd in "ps -o PID,COMMAND" "tree --pid -o ID,COMMAND"; do
		run_nsmon "$NSMON" $cmd --json --no-containers
		[[ $RC -eq 0 ]] || fail "$cmd --json exited $RC"
		_json_load "$OUT"
		grep -qaF 'a�b' "$OUT" || fail "$cmd --json: no U+FFFD in the command"
		! _has_bytes "$OUT" '\377' || fail "$cmd --json: raw byte 0xff"
	done
	run_nsmon "$NSMON" ps --no-containers --json -o PID,COMM
	_json_load "$OUT"
	jq -e --argjson p "$B" '[.. | objects | select(.pid == $p) |
		.comm == "a\nb"] | any' "$OUT" >/dev/null || fail "ps --json: comm a\\nb"
}

# _one_line_each WHAT NSMON-ARGS...: valid UTF-8 without control bytes,
# the header and lines that each start a record ($REC, an extended regex:
# a record split in two would leave a line that does not), $CHECK in it.
_one_line_each() {
	local what=$1 bad
	shift
	run_nsmon "$NSMON" "$@" --no-containers
	[[ $RC -eq 0 ]] || fail "$what exited $RC"
	cp "$OUT" "$T_DIR/text.out"
	grep -qaF "$CHECK" "$T_DIR/text.out" || fail "$what: no '$CHECK'"
	python3 - "$T_DIR/text.out" <<'PY' || fail "$what: invalid UTF-8 or a control byte"
import sys
t = open(sys.argv[1], 'rb').read().decode('utf-8', errors='strict')
assert not [c for c in t if (ord(c) < 0x20 and c != '\n') or 0x7f <= ord(c) <= 0x9f]
PY
	bad=$(tail -n +2 "$T_DIR/text.out" | grep -avE "$REC" | head -n 3 | cat -A) || true
	[[ -z $bad ]] || fail "$what: a line that starts no record: $bad"
}

test_encode_comm_text() {
	enc_proc A 71ff "$CLONE_NEWUTS" 71ff
	enc_proc B 610a62 "$CLONE_NEWUTS" 610a62
	local uts_a uts_b
	uts_a=$(ns_ino "$A" uts)
	uts_b=$(ns_ino "$B" uts)

	# ls NS: the header and one row
	REC="^$uts_a " CHECK='q\xff' _one_line_each "ls NS" ls "$uts_a"
	[[ $(wc -l <"$OUT") -eq 2 ]] || fail "ls NS: $(cat -A "$OUT")"
	REC="^$uts_b " CHECK='a\x0ab' _one_line_each "ls NS" ls "$uts_b"
	[[ $(wc -l <"$OUT") -eq 2 ]] || fail "ls NS: $(cat -A "$OUT")"
	REC="^$uts_b " CHECK='a\x0ab' _one_line_each "ls -r NS" ls -r "$uts_b"

	# ps and tree: comm and command, every process one line
	REC='^ *[0-9]+ ' CHECK='q\xff' _one_line_each ps ps -o PID,COMM,COMMAND
	grep -qaF 'a\x0ab' "$T_DIR/text.out" || fail "ps: no a\\x0ab"
	REC='^[│├└─ ]*[0-9]+ ' CHECK='a\x0ab' _one_line_each "tree --pid" tree --pid -o ID,COMMAND
	REC='^[│├└─ ]*[0-9]+ ' CHECK='q\xff' _one_line_each "tree" tree -o NS,COMMAND
}

# An nsfs bind mount at a path with 0xff and a newline.
test_encode_bindmount() {
	local dir=$T_DIR/mnt name path uts
	private_tmpfs "$dir"
	name=$(printf 'ns\377\nx')
	path=$dir/$name
	enc_proc A 6e73 "$CLONE_NEWUTS" 6e73
	uts=$(ns_ino "$A" uts)
	bindmount "/proc/$A/ns/uts" "$path"

	discover --no-containers
	_json_load "$DOC"
	python3 - "$DOC" "$uts" "$dir" <<'PY' || fail "discover: the bind mount's path"
import json, sys
d = json.load(open(sys.argv[1], encoding='utf-8'))
want = sys.argv[3] + '/ns\ufffd\nx'
ns = [n for n in d['namespaces'] if n['id'] == int(sys.argv[2])][0]
paths = [r.get('path') for r in ns['refs'] if r['via'] == 'bindmount']
assert want in paths, (paths, want)
mounts = [m['path'] for t in d['mounts'].values() for m in t]
assert want in mounts, want
PY

	kill_pid "$A"
	run_nsmon "$NSMON" ls --no-containers -o NS,REF,NSFS "$uts"
	[[ $RC -eq 0 ]] || fail "ls NS exited $RC"
	[[ $(wc -l <"$OUT") -eq 2 ]] || fail "ls: not one line: $(cat -A "$OUT")"
	grep -qaF 'ns\xff\x0ax' "$OUT" || fail "ls REF: $(cat -A "$OUT")"
	run_nsmon "$NSMON" ls --no-containers --json "$uts"
	_json_load "$OUT"

	run_nsmon "$NSMON" mounts --no-containers -l -o TARGET
	grep -qaF 'ns\xff\x0ax' "$OUT" || fail "mounts: $(grep -a "$T_UNIQ" "$OUT")"
	[[ $(grep -ac 'ns\\xff' "$OUT") -eq 1 ]] || fail "mounts: the target not on one line"
	run_nsmon "$NSMON" mounts --no-containers --json
	_json_load "$OUT"
	grep -qaF 'ns�\nx' "$OUT" || fail "mounts --json: no U+FFFD"
}

# The destroys of our two processes (q\xff and a\nb) are in W.out.
_enc_destroys() {
	[[ $(grep -a destroy "$T_DIR/W.out" |
		grep -acE '"q'$'\xef\xbf\xbd''"|\(q\\xff\)|a\\u000ab|\(a\\x0ab\)') -ge 2 ]]
}

# Other tests may make namespaces meanwhile: only our two processes count.
test_encode_watch() {
	local mode
	for mode in --json --text; do
		spawn W "$NSMON" watch "$mode" --no-initial --no-containers -t uts
		wait_for "the start sync" grep -qaE '"event":"sync"| sync +start' "$T_DIR/W.out"
		python3 -c "$_enc_proc_py" 71ff "$CLONE_NEWUTS" 0 >/dev/null
		python3 -c "$_enc_proc_py" 610a62 "$CLONE_NEWUTS" 0 >/dev/null
		wait_for "the destroys" _enc_destroys
		kill -INT "$W"
		wait "$W" || fail "watch $mode: exit status $?"
		_t_sanitizers "$T_DIR/W.err" "nsmon watch $mode"
		cp "$T_DIR/W.out" "$T_DIR/W$mode.out"
		: >"$T_DIR/W.out"
	done
	_json_load "$T_DIR/W--json.out" lines
	[[ $(grep -acF '"comm":"q�"' "$T_DIR/W--json.out") -eq 3 ]] ||
		fail "watch --json: comm q\\xff: $(cat "$T_DIR/W--json.out")"
	[[ $(grep -acF '"comm":"a\u000ab"' "$T_DIR/W--json.out") -eq 3 ]] ||
		fail "watch --json: comm a\\nb"
	# one event, one line: create, switch and destroy of each
	[[ $(grep -acF '(q\xff)' "$T_DIR/W--text.out") -eq 3 ]] ||
		fail "watch --text: (q\\xff): $(cat -A "$T_DIR/W--text.out")"
	[[ $(grep -acF '(a\x0ab)' "$T_DIR/W--text.out") -eq 3 ]] ||
		fail "watch --text: (a\\x0ab): $(cat -A "$T_DIR/W--text.out")"
	! grep -qavE '^[0-9]{4}-[0-9T:.-]+Z ' "$T_DIR/W--text.out" ||
		fail "watch --text: a line that is not an event: $(grep -avE '^[0-9]{4}-' "$T_DIR/W--text.out" | cat -A)"
}

# One process with a 1 MB command line must not make every row 1 MB wide.
test_encode_table_linear() {
	local arg i args=() len=0 size rows limit cmd
	arg=$(head -c 100000 /dev/zero | tr '\0' A)
	for ((i = 0; i < 10; i++)); do
		args+=("$arg")
		len=$((len + 100001))
	done
	spawn A unshare -u python3 -c 'import time; time.sleep(600)' "${args[@]}"
	wait_unshared "$A" uts
	# and has run python: during the exec its command line may read empty
	wait_for "the exec of python" grep -q python /proc/"$A"/comm
	for cmd in "ls" "tree" "ls --notruncate" "ps -o PID,COMMAND,USER"; do
		run_nsmon "$NSMON" $cmd --no-containers
		[[ $RC -eq 0 ]] || fail "$cmd exited $RC"
		size=$(wc -c <"$OUT")
		rows=$(wc -l <"$OUT")
		python3 -c 'import sys; sys.exit(b" ".join([b"A" * 100000] * 10) not in open(sys.argv[1], "rb").read())' "$OUT" ||
			fail "$cmd: the command line is cut"
		# the cell once, and every row at most as wide as a usual one
		limit=$((2 * len + rows * 1200))
		[[ $size -lt $limit ]] || fail "$cmd: $size bytes for $rows rows and a $len-byte command line (limit $limit)"
	done
	_enc_on_terminal "$len"
}

# On a terminal (script(1) gives nsmon one, 100 columns): cells are cut
# to fit; with --notruncate kept whole, the output still linear.
_enc_on_terminal() {
	local len=$1 out=$T_DIR/tty.out long size
	COLUMNS=100 script -qec "$NSMON ls --no-containers" /dev/null >"$out" ||
		fail "ls on a terminal: exit status $?"
	_t_sanitizers "$out" "nsmon ls (terminal)"
	grep -q 'NS TYPE' "$out" || fail "ls on a terminal: no table: $(head -c 300 "$out")"
	long=$(tr -d '\r' <"$out" | awk 'length($0) > 100' | wc -l)
	[[ $long -eq 0 ]] || fail "ls on a terminal: $long lines wider than 100"
	COLUMNS=100 script -qec "$NSMON ls --no-containers --notruncate" /dev/null >"$out" ||
		fail "ls --notruncate on a terminal: exit status $?"
	size=$(wc -c <"$out")
	python3 -c 'import sys; sys.exit(b" ".join([b"A" * 100000] * 10) not in open(sys.argv[1], "rb").read())' "$out" ||
		fail "ls --notruncate on a terminal: the command line is cut"
	[[ $size -lt $((2 * len + $(wc -l <"$out") * 1200)) ]] ||
		fail "ls --notruncate on a terminal: $size bytes"
}
