#!/bin/bash
# gen.sh NSMON FIXTURES OUTDIR [TREE...] - runs the commands whose output
# tests/golden pins on the fixture procfs trees (FIXTURES/proc-basic,
# FIXTURES/proc-bad, from tests/fixtures/mkfixtures.sh) and writes one file
# a command: OUTDIR/TREE/NAME.txt.  update.sh writes the goldens with it,
# tests/integration/t_golden.sh the outputs it compares with them.
#
# A file holds the command's stdout, then its stderr after "## stderr" (if
# any), then "## exit N".  What would differ from one run or one machine to
# the next is held still:
#  - the trees are named relative to FIXTURES (--proc-root proc-basic), so
#    no temporary path enters a PATH column or a warning;
#  - discover's .time, .host and .options.proc_root are dropped;
#  - user names come from a passwd file with root alone (uid 1000 of the
#    fixtures is "1000", not whoever has that uid here): the commands run
#    in a mount namespace of their own with /etc/passwd bind-mounted over
#    (hence root; unshare(1) makes its mounts private);
#  - LC_ALL=C: the trees are drawn with ASCII lines.
set -euo pipefail

if [[ -z ${_NSMON_GOLDEN_NS:-} ]]; then
	_NSMON_GOLDEN_NS=1 exec unshare -m bash "$0" "$@"
fi

nsmon=$(realpath "${1:?usage: gen.sh NSMON FIXTURES OUTDIR [TREE...]}")
fx=$(realpath "${2:?usage: gen.sh NSMON FIXTURES OUTDIR [TREE...]}")
out=$(realpath -m "${3:?usage: gen.sh NSMON FIXTURES OUTDIR [TREE...]}")
shift 3
trees=("$@")
[[ ${#trees[@]} -gt 0 ]] || trees=(proc-basic proc-bad)

etc=$(mktemp -d)
trap 'rm -rf "$etc"' EXIT
echo 'root:x:0:0:root:/root:/bin/sh' >"$etc/passwd"
printf 'passwd: files\ngroup: files\n' >"$etc/nsswitch.conf"
mount --bind "$etc/passwd" /etc/passwd
[[ ! -e /etc/nsswitch.conf ]] ||
	mount --bind "$etc/nsswitch.conf" /etc/nsswitch.conf
export LC_ALL=C
unset COLUMNS

NS_ALL=NS,TYPE,PATH,NPROCS,PID,PPID,USER,UID,COMMAND,CONTAINER,REF,NSID
NS_ALL+=,OWNER,OWNER_UID,PARENT,NTASKS,TASKS,INITIAL,NSFS
PS_ALL=PID,PPID,USER,UID,NSPID,COMM,COMMAND,CGROUP,CGROUPNS,IPCNS,MNTNS
PS_ALL+=,NETNS,PIDNS,TIMENS,USERNS,UTSNS,PIDNS_FC,TIMENS_FC
PT_ALL=ID,TYPE,NSPID,NSPIDS,PPID,NPROCS,USER,UID,COMMAND,LEVEL,NSID,OWNER
MNT_ALL=TARGET,SOURCE,FSTYPE,OPTIONS,HIDDEN,ID,PARENT,MAJ:MIN,FSROOT
MNT_ALL+=,VFS-OPTIONS,FS-OPTIONS,PROPAGATION,TAGS

# run NAME FILTER ARGS...: nsmon ARGS on the tree into NAME.txt; FILTER is
# a jq program for JSON output, or "" for text.
run() {
	local name=$1 filter=$2 rc=0 f
	shift 2
	f=$out/$tree/$name.txt
	(cd "$fx" && "$nsmon" "$@" --proc-root "$tree") >"$f.out" \
		2>"$f.err" || rc=$?
	if [[ -n $filter && -s $f.out ]]; then
		jq "$filter" "$f.out" >"$f.norm"
		mv "$f.norm" "$f.out"
	fi
	{
		cat "$f.out"
		[[ ! -s $f.err ]] || { echo "## stderr"; cat "$f.err"; }
		echo "## exit $rc"
	} >"$f"
	rm -f "$f.out" "$f.err"
}

# The mount namespaces of the tree, also those whose table is unreadable.
mntns_ids() {
	(cd "$fx" && "$nsmon" discover --proc-root "$tree") |
		jq -r '.namespaces[] | select(.type == "mnt") | .id'
}

for tree in "${trees[@]}"; do
	rm -rf "${out:?}/$tree"
	mkdir -p "$out/$tree"
	run discover 'del(.time, .host, .options.proc_root)' discover
	run ls '' ls
	run ls-json 'del(.time, .host, .options.proc_root)' ls -J
	run ls-all '' ls -o "$NS_ALL"
	run tree '' tree
	run tree-pid '' tree --pid
	run tree-pid-all '' tree --pid -o "$PT_ALL"
	run ps '' ps
	run ps-tree '' ps --tree
	run ps-all '' ps -o "$PS_ALL"
	# --pid reads a process's namespace by stat(2) through its ns link,
	# which a fixture's dangling link has not: --ns works there
	for id in $(mntns_ids); do
		run "mounts-ns-$id" '' mounts --ns "$id"
		run "mounts-ns-$id-all" '' mounts --ns "$id" -o "$MNT_ALL"
	done
done
