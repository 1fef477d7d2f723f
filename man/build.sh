#!/bin/sh
# build.sh SRC.scd OUT - one man page: SRC with each line `%include NAME`
# replaced by man/NAME.scdi (the sections several pages share: discovery
# range, table and agent options, exit status), through scdoc(1) to OUT.
set -eu
src=$1 out=$2
dir=$(dirname "$src")
if ! command -v scdoc >/dev/null; then
	echo "man/build.sh: scdoc is missing (Debian package scdoc; scripts/deps.sh installs it)" >&2
	exit 1
fi
mkdir -p "$(dirname "$out")"
awk -v dir="$dir" '
/^%include / {
	f = dir "/" $2 ".scdi"
	while ((r = getline line < f) > 0)
		print line
	if (r < 0) {
		printf "%s:%d: cannot read %s\n", FILENAME, FNR, f > "/dev/stderr"
		exit 1
	}
	close(f)
	next
}
{ print }' "$src" | scdoc >"$out.tmp"
mv "$out.tmp" "$out"
