# t_mounts.sh - mount tables per mount namespace (`mounts` in the discover
# document, `nsmon mounts`): real mounts in mount namespaces the tests make,
# checked against the kernel's own mountinfo and against what the kernel
# reaches by path (the mnt_id of an fd opened there, /proc/PID/fdinfo).

# The mount the kernel reaches at PATH in the mount namespace of pid $1, or
# of the nsfs file $1: what an open() there lands on.
reached() {
	local how=(-t "$1" -m)
	[[ $1 == /* ]] && how=("--mount=$1")
	nsenter "${how[@]}" -- sh -c \
		'exec 3<"$1" && sed -n "s/^mnt_id:[[:space:]]*//p" /proc/self/fdinfo/3' \
		sh "$2"
}

# mountinfo_of WHERE: the kernel's mountinfo of pid WHERE's mount
# namespace, or of the one bind-mounted at WHERE (as a process there sees it).
mountinfo_of() {
	if [[ $1 == /* ]]; then
		nsenter "--mount=$1" cat /proc/self/mountinfo
	else
		cat "/proc/$1/mountinfo"
	fi
}

# Paths of other runs' tests (nschurn of watch tests mounts and unmounts
# all the time): a regex for check_mounts.py and grep.
others() {
	echo "/tmp/nsmon-test-(?!$T_RUNID-)"
}

# discover_check MNTNS WHERE [ARGS...]: discover, and the table of MNTNS in
# $DOC equals the kernel's mountinfo read right after it.  Tables change
# under us (other tests' mounts come and go, nsfs mounts copied into a new
# namespace vanish with what they refer to): a difference must persist
# over three tries.
discover_check() {
	local ns=$1 where=$2 try
	shift 2
	for try in 1 2 3; do
		discover "$@"
		mountinfo_of "$where" >"$T_DIR/kernel.mountinfo"
		python3 "$(dirname "${BASH_SOURCE[0]}")/check_mounts.py" "$DOC" \
			"$ns" "$T_DIR/kernel.mountinfo" "$(others)" \
			>"$T_DIR/check.out" && return 0
		sleep 0.3
	done
	cat "$T_DIR/check.out" >&2
	fail "mnt:[$ns]: nsmon's table differs from the kernel's mountinfo: $(head -n1 "$T_DIR/check.out")"
}

# check_hidden MNTNS WHERE PREFIX: every mount of MNTNS under PREFIX is
# hidden exactly when the kernel, resolving its path, lands elsewhere.
check_hidden() {
	local ns=$1 where=$2 prefix=$3 id path hidden got n=0
	while IFS=$'\t' read -r id path hidden; do
		if ! got=$(reached "$where" "$path" 2>/dev/null); then
			# not even there: what is over it has no such path
			[[ $hidden == true ]] ||
				fail "mount $id $path: nsmon says visible, it cannot be opened"
			n=$((n + 1))
			continue
		fi
		if [[ $hidden == true && $got == "$id" ]]; then
			fail "mount $id $path: nsmon says hidden, the kernel reaches it"
		elif [[ $hidden == false && $got != "$id" ]]; then
			fail "mount $id $path: nsmon says visible, the kernel reaches mount $got"
		fi
		n=$((n + 1))
	done < <(jq -r --arg ns "$ns" --arg p "$prefix" \
		'.mounts[$ns][] | select(.path | startswith($p)) |
		 [.mount_id, .path, .hidden] | @tsv' "$DOC")
	[[ $n -gt 0 ]] || fail "mnt:[$ns]: no mounts under $prefix"
}

# hidden_of MNTNS SOURCE: the hidden flag of the mount with that source.
assert_hidden() {
	local ns=$1 src=$2 want=$3 got
	got=$(jq -r --arg ns "$ns" --arg s "$src" \
		'[.mounts[$ns][] | select(.source == $s) | .hidden] | first' "$DOC")
	[[ $got == "$want" ]] ||
		fail "mnt:[$ns]: mount of $src: hidden is $got, want $want"
}

# A private mount namespace with: two tmpfs stacked on s/ (the lower one
# hidden, and a mount inside it with it), a tmpfs on p/ mounted after one on
# p/sub/deep (which it shadows), a bind-mounted file, and a file bind mount
# stacked on another.
_make_private() {
	local d=$T_DIR u=$T_UNIQ
	mkdir -p "$d/s" "$d/p/sub/deep"
	touch "$d/file" "$d/file2"
	cat >"$d/mk.sh" <<-EOF
		set -e
		mount -t tmpfs $u-lower '$d/s'
		mkdir '$d/s/in'
		mount -t tmpfs $u-in-lower '$d/s/in'
		mount -t tmpfs $u-upper '$d/s'
		mount -t tmpfs $u-deep '$d/p/sub/deep'
		mount -t tmpfs $u-shadow '$d/p'
		mount --bind /etc/hostname '$d/file'
		mount --bind /etc/hostname '$d/file2'
		mount --bind /etc/passwd '$d/file2'
		echo ready
		exec sleep 1000
	EOF
	spawn p unshare -m --propagation private sh "$d/mk.sh"
	wait_ready p
}

test_mounts_private_hidden() {
	local mnt
	_make_private
	mnt=$(ns_ino "$p" mnt)
	discover_check "$mnt" "$p"
	assert_jq "options.mounts is not true" '.options.mounts == true'
	assert_jq "no table for mnt:[$mnt]" '.mounts[$ns] | length > 10' \
		--arg ns "$mnt"
	assert_hidden "$mnt" "$T_UNIQ-lower" true
	assert_hidden "$mnt" "$T_UNIQ-in-lower" true
	assert_hidden "$mnt" "$T_UNIQ-upper" false
	assert_hidden "$mnt" "$T_UNIQ-deep" true
	assert_hidden "$mnt" "$T_UNIQ-shadow" false
	assert_jq "the file bind mount on file is not visible" \
		'[.mounts[$ns][] | select(.path == $f)] |
		 length == 1 and .[0].hidden == false and .[0].root == "/etc/hostname"' \
		--arg ns "$mnt" --arg f "$T_DIR/file"
	assert_jq "file2: the lower file bind mount must be hidden, the upper visible" \
		'[.mounts[$ns][] | select(.path == $f) | [.root, .hidden]] ==
		 [["/etc/hostname", true], ["/etc/passwd", false]]' \
		--arg ns "$mnt" --arg f "$T_DIR/file2"
	# ours has none of them: private propagation
	assert_jq "the private mounts leaked into our table" \
		'[.mounts[$ns][] | select(.source | startswith($u))] | length == 0' \
		--arg ns "$(ns_ino self mnt)" --arg u "$T_UNIQ"
	check_hidden "$mnt" "$p" "$T_DIR/"
}

# A namespace with a process is read from its mountinfo; by id
# (listmount/statmount) it must give the same table.
test_mounts_private_listmount() {
	local mnt
	_make_private
	mnt=$(ns_ino "$p" mnt)
	discover_check "$mnt" "$p" --mount-reader listmount
	assert_hidden "$mnt" "$T_UNIQ-lower" true
	assert_hidden "$mnt" "$T_UNIQ-deep" true
	check_hidden "$mnt" "$p" "$T_DIR/"
}

# A mount namespace no process is in, held by a bind mount of its nsfs file
# (in ours, on a private tmpfs), with mounts of its own.
_make_unheld() {
	local d=$T_DIR u=$T_UNIQ
	private_tmpfs "$d/m"
	touch "$d/m/mnt"
	mkdir -p "$d/x"
	cat >"$d/mk.sh" <<-EOF
		set -e
		mount -t tmpfs $u-extra '$d/x'
		mkdir '$d/x/y'
		mount -t tmpfs $u-extra-below '$d/x/y'
		mount -t tmpfs $u-extra-over '$d/x'
		echo ready
		exec sleep 1000
	EOF
	spawn p unshare -m --propagation private sh "$d/mk.sh"
	wait_ready p
	mnt=$(ns_ino "$p" mnt)
	bindmount "/proc/$p/ns/mnt" "$d/m/mnt"
	kill_pid "$p"
}

test_mounts_unheld_mntns() {
	local mnt
	_make_unheld
	discover_check "$mnt" "$T_DIR/m/mnt"
	assert_ns "$mnt" mnt
	assert_no_ref "$mnt" via=process
	assert_ref "$mnt" via=bindmount path="$T_DIR/m/mnt"
	assert_hidden "$mnt" "$T_UNIQ-extra" true
	assert_hidden "$mnt" "$T_UNIQ-extra-below" true
	assert_hidden "$mnt" "$T_UNIQ-extra-over" false
	check_hidden "$mnt" "$T_DIR/m/mnt" "$T_DIR/x"
	run_nsmon "$NSMON" mounts --ns "$mnt" -r -n -o TARGET,SOURCE,HIDDEN
	[[ $RC -eq 0 ]] || fail "nsmon mounts --ns $mnt exited $RC: $(head -n1 "$ERR")"
	grep -qx "$T_DIR/x $T_UNIQ-extra-over " "$OUT" ||
		fail "nsmon mounts --ns $mnt: no visible $T_DIR/x: $(grep -F "$T_DIR" "$OUT")"
	grep -qx "$T_DIR/x $T_UNIQ-extra yes" "$OUT" ||
		fail "nsmon mounts --ns $mnt: no hidden $T_DIR/x: $(grep -F "$T_DIR" "$OUT")"
}

# Without listmount/statmount: through a thread that enters it (setns).
test_mounts_unheld_mntns_mountinfo() {
	local mnt
	_make_unheld
	discover_check "$mnt" "$T_DIR/m/mnt" --mount-reader mountinfo
	assert_hidden "$mnt" "$T_UNIQ-extra" true
	assert_hidden "$mnt" "$T_UNIQ-extra-over" false
}

# Ours: as many mounts as findmnt lists, the same paths.  Other tests (and
# engineers) mount meanwhile: a difference must persist over three tries.
test_mounts_host_like_findmnt() {
	local try ours theirs
	local re="^/tmp/nsmon-test-[0-9]+-" all
	for try in 1 2 3 4 5; do
		run_nsmon "$NSMON_PLAIN" mounts -rn -o TARGET
		[[ $RC -eq 0 ]] || fail "nsmon mounts exited $RC: $(head -n1 "$ERR")"
		all=$(wc -l <"$OUT")
		theirs=$(findmnt -rn -o TARGET | grep -vE "$re" | sort)
		ours=$(grep -vE "$re" "$OUT" | sort)
		[[ $ours == "$theirs" ]] && break
		[[ $try -eq 5 ]] && fail "nsmon mounts and findmnt differ: $(diff <(echo "$ours") <(echo "$theirs") | head -n 10 | tr '\n' ' ')"
		sleep 0.3
	done
	# the whole count too, where no other test is mounting
	if ! grep -qE " $re" /proc/self/mountinfo; then
		[[ $all -eq $(findmnt -rn | wc -l) ]] ||
			fail "nsmon mounts lists $all mounts, findmnt $(findmnt -rn | wc -l)"
	fi
	discover_check "$(ns_ino self mnt)" "$BASHPID"
}

test_mounts_cli() {
	local mnt
	_make_private
	mnt=$(ns_ino "$p" mnt)
	run_nsmon "$NSMON" mounts --help
	[[ $RC -eq 0 ]] && grep -q -- '--ns ID' "$OUT" || fail "mounts --help: $RC"
	run_nsmon "$NSMON" mounts --pid "$p" -o TARGET,SOURCE,HIDDEN
	[[ $RC -eq 0 ]] || fail "mounts --pid $p exited $RC: $(head -n1 "$ERR")"
	grep -qE -- "─$T_DIR/s +$T_UNIQ-lower +yes *\$" "$OUT" ||
		fail "mounts --pid: no hidden lower tmpfs in the tree: $(grep -F "$T_DIR" "$OUT" | head -n 3)"
	run_nsmon "$NSMON" mounts --pid "$p" -J -o TARGET,ID,HIDDEN
	jq -e --arg t "$T_DIR/s" '[.. | objects | select(.target? == $t)] |
		length == 2 and (map(.hidden) | sort) == [false, true]' "$OUT" >/dev/null ||
		fail "mounts -J: $T_DIR/s not twice, once hidden"
	run_nsmon "$NSMON" mounts --ns "$mnt" -r -n -o ID,TARGET
	[[ $RC -eq 0 ]] || fail "mounts --ns $mnt exited $RC"
	[[ $(grep -cF " $T_DIR/" "$OUT") -eq $(grep -cF " $T_DIR/" "/proc/$p/mountinfo") ]] ||
		fail "mounts --ns $mnt: $(grep -cF " $T_DIR/" "$OUT") mounts in $T_DIR, mountinfo $(grep -cF " $T_DIR/" "/proc/$p/mountinfo")"
	run_nsmon "$NSMON" mounts --pid 2147483647
	[[ $RC -eq 1 ]] && grep -q 'no process' "$ERR" || fail "unknown pid: exit $RC: $(cat "$ERR")"
	run_nsmon "$NSMON" mounts --ns 12345
	[[ $RC -eq 1 ]] && grep -q 'no mount namespace 12345' "$ERR" ||
		fail "unknown ns: exit $RC: $(cat "$ERR")"
	run_nsmon "$NSMON" mounts --ns "$(ns_ino self net)"
	[[ $RC -eq 1 ]] || fail "a net ns as --ns: exit $RC"
	run_nsmon "$NSMON" mounts --ns x
	[[ $RC -eq 2 ]] || fail "--ns x: exit $RC"
	run_nsmon "$NSMON" mounts --ns "$mnt" --pid "$p"
	[[ $RC -eq 2 ]] || fail "--ns and --pid: exit $RC"
	run_nsmon "$NSMON" mounts -o NOPE
	[[ $RC -eq 2 ]] || fail "-o NOPE: exit $RC"
	discover --no-mounts
	assert_jq "--no-mounts: options.mounts" '.options.mounts == false'
	assert_jq "--no-mounts: mounts not empty" '.mounts == {}'
}
