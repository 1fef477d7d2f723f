# t_golden.sh - the command line's output on the fixture procfs trees
# equals tests/golden (written by the pre-refactor binary, 8b6fe75; see
# tests/golden/README.md): discover, ls, tree, ps and mounts, every column.

repo_golden=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# _golden TREE: the outputs of $NSMON on a fresh TREE, diffed with the
# goldens; the diff is printed on failure.
_golden() {
	local tree=$1 gold=$repo_golden/tests/golden
	bash "$repo_golden/tests/fixtures/mkfixtures.sh" "$T_DIR/fx" >&2
	bash "$gold/gen.sh" "$NSMON" "$T_DIR/fx" "$T_DIR/out" "$tree"
	if ! diff -ru "$gold/$tree" "$T_DIR/out/$tree" >"$T_DIR/diff"; then
		cat "$T_DIR/diff" >&2
		fail "nsmon on $tree differs from tests/golden/$tree: $(grep -c '^[-+][^-+]' "$T_DIR/diff") lines; $(grep '^diff' "$T_DIR/diff" | awk '{print $NF}' | xargs -n1 basename | tr '\n' ' ')"
	fi
}

test_golden_basic() {
	_golden proc-basic
}

test_golden_bad() {
	_golden proc-bad
}
