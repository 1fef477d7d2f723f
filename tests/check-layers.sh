#!/bin/bash
# check-layers.sh - a lower layer never includes a higher one.  The layers,
# bottom up: bpf/ (the programs and the ABI header), discovery/ (libnsm),
# user/agent/ (the agent library), user/serve/ (the HTTP service),
# user/cli/ (the commands).  Each file's
# quoted includes must be found in its own layer or one below; from
# discovery/, the layers above may include only its public headers (nsm.h,
# idmap.h, nscaps.h, nsm_run.h, nsm_dl.h), not the passes' private ones.
# Prints `ok layers` or
# `FAIL layers: ...` with one detail line per offending include.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

# layer name -> directories searched, in order
declare -A dirs=(
	[bpf]="bpf vmlinux/x86 vmlinux/arm64"
	[discovery]="discovery discovery/engines bpf"
	[agent]="user/agent discovery bpf"
	[serve]="user/serve user/agent discovery bpf"
	[cli]="user/cli user/serve user/agent discovery bpf"
)
public_discovery="nsm.h idmap.h nscaps.h nsm_run.h nsm_dl.h"
# generated skeletons: the bpf layer's, usable from discovery up
skels="sweep.skel.h events.skel.h"

bad=()
check() {
	local layer=$1 file=$2 inc d found
	while read -r inc; do
		found=
		if [[ " $skels " == *" $inc "* && $layer != bpf ]]; then
			continue
		fi
		for d in ${dirs[$layer]}; do
			if [[ -f $d/$inc || -f $(dirname "$file")/$inc ]]; then
				found=$d
				break
			fi
		done
		if [[ -z $found ]]; then
			bad+=("$file: \"$inc\" is not in its layer ($layer) or below")
		elif [[ $layer != discovery && $found == discovery* &&
			" $public_discovery " != *" $(basename "$inc") "* ]]; then
			bad+=("$file: \"$inc\" is private to discovery/")
		fi
	done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$file")
}

shopt -s nullglob
for f in bpf/*.[ch]; do check bpf "$f"; done
for f in discovery/*.[ch] discovery/*/*.[ch]; do check discovery "$f"; done
for f in user/agent/*.[ch]; do check agent "$f"; done
for f in user/serve/*.[ch]; do check serve "$f"; done
for f in user/cli/*.[ch]; do check cli "$f"; done

if ((${#bad[@]})); then
	echo "FAIL layers: ${#bad[@]} include(s) across the layers"
	printf '  # %s\n' "${bad[@]}"
	exit 1
fi
echo "ok layers"
