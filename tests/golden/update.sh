#!/bin/bash
# update.sh NSMON - rewrites the golden outputs of tests/golden from NSMON
# run on freshly generated fixture trees (see README).  Review the diff
# before committing it: a golden changes only when the output is meant to.
set -euo pipefail

nsmon=${1:?usage: update.sh NSMON}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fx=$(mktemp -d)
trap 'rm -rf "$fx"' EXIT
bash "$here/../fixtures/mkfixtures.sh" "$fx"
bash "$here/gen.sh" "$nsmon" "$fx" "$here"
