// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_mounts.c - pass 7: mount tables per mount namespace and the hidden
 * (over-mounted) marks, on fixture mountinfo files (tests/fixtures/
 * mountinfo/), fixture procfs trees ($NSM_FIXTURES) and this process's own
 * mount namespace (listmount/statmount and mountinfo must agree).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "nsm.h"

/* make runs the tests from the top of the repository */
static const char *fixdir(void)
{
	const char *d = getenv("NSM_MOUNTINFO_FIXTURES");

	return d ? d : "tests/fixtures/mountinfo";
}

static int load(const char *name, struct nsm_mounts *mt, size_t *bad)
{
	char path[4096], *text = NULL;
	size_t len = 0;
	int dfd, err;

	snprintf(path, sizeof(path), "%s", fixdir());
	dfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		fail_msg("%s: %s", path, strerror(errno));
	err = nsm_read_file_at(dfd, name, &text, &len);
	close(dfd);
	if (err)
		fail_msg("%s/%s: %s", path, name, strerror(-err));
	memset(mt, 0, sizeof(*mt));
	*bad = 0;
	err = nsm_mountinfo_parse(text, len, mt, bad);
	free(text);
	if (!err)
		nsm_mounts_mark_hidden(mt);
	return err;
}

static const struct nsm_mountinfo *by_id(const struct nsm_mounts *mt, int id)
{
	size_t i;

	for (i = 0; i < mt->n; i++)
		if (mt->v[i].mount_id == id)
			return &mt->v[i];
	fail_msg("no mount %d", id);
	return NULL;
}

/* ids: the mounts that must be hidden, 0-terminated; all others not. */
static void expect_hidden(const struct nsm_mounts *mt, const int *ids)
{
	size_t i, k;

	for (i = 0; i < mt->n; i++) {
		bool want = false;

		for (k = 0; ids[k]; k++)
			want |= ids[k] == mt->v[i].mount_id;
		if (mt->v[i].hidden != want)
			fail_msg("mount %d %s: hidden %d, want %d",
				 mt->v[i].mount_id, mt->v[i].path,
				 mt->v[i].hidden, want);
	}
}

/* Two tmpfs on /mnt: the lower one and what is mounted in it are hidden. */
static void stacked(void **state)
{
	static const int hidden[] = { 30, 32, 0 };
	struct nsm_mounts mt;
	size_t bad;

	assert_int_equal(load("stacked", &mt, &bad), 0);
	assert_int_equal(mt.n, 5);
	expect_hidden(&mt, hidden);
	nsm_mounts_free(&mt);
}

/* A tmpfs on /srv/a shadows the older mount on /srv/a/b and its subtree,
 * not /srv/ab; a new mount on /srv/a/b inside the tmpfs is visible. */
static void shadow(void **state)
{
	static const int hidden[] = { 40, 41, 0 };
	struct nsm_mounts mt;
	size_t bad;

	assert_int_equal(load("shadow", &mt, &bad), 0);
	expect_hidden(&mt, hidden);
	nsm_mounts_free(&mt);
}

/* File bind mounts stack as directories do, and hide under a directory. */
static void filebind(void **state)
{
	static const int hidden[] = { 50, 52, 0 };
	struct nsm_mounts mt;
	size_t bad;

	assert_int_equal(load("filebind", &mt, &bad), 0);
	expect_hidden(&mt, hidden);
	assert_string_equal(by_id(&mt, 51)->root, "/etc/passwd");
	nsm_mounts_free(&mt);
}

/* The rootfs under "/" (its own parent), and what was mounted in it. */
static void rootstack(void **state)
{
	static const int hidden[] = { 1, 21, 0 };
	struct nsm_mounts mt;
	size_t bad;

	assert_int_equal(load("rootstack", &mt, &bad), 0);
	expect_hidden(&mt, hidden);
	nsm_mounts_free(&mt);
}

/* Parent loops, duplicate ids, orphans, relative paths: no crash, and
 * what is plainly visible stays so. */
static void hostile(void **state)
{
	struct nsm_mounts mt;
	size_t bad;

	assert_int_equal(load("hostile", &mt, &bad), 0);
	assert_int_equal(mt.n, 8);
	assert_false(by_id(&mt, 7)->hidden);
	assert_false(mt.v[3].hidden);	/* 8 /c */
	assert_false(mt.v[4].hidden);	/* 8 /c again */
	assert_false(by_id(&mt, 9)->hidden);
	assert_false(by_id(&mt, 10)->hidden);
	assert_string_equal(by_id(&mt, 11)->path, "/d e");
	assert_string_equal(by_id(&mt, 11)->root, "/\\");
	assert_false(by_id(&mt, 11)->hidden);
	nsm_mounts_free(&mt);
}

/* Malformed fixture files: -EINVAL and the line, nothing kept. */
static void malformed_files(void **state)
{
	static const struct {
		const char *name;
		size_t line;
	} cases[] = {
		{ "malformed-sep", 3 },
		{ "malformed-nul", 3 },
		{ "malformed-empty-line", 3 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nsm_mounts mt;
		size_t bad;
		int err = load(cases[i].name, &mt, &bad);

		if (err != -EINVAL || bad != cases[i].line)
			fail_msg("%s: %d at line %zu, want -EINVAL at %zu",
				 cases[i].name, err, bad, cases[i].line);
		assert_int_equal(mt.n, 0);
		assert_null(mt.v);
	}
}

static void propagation(void **state)
{
	struct nsm_mountinfo mi = { .tags = "" };
	char buf[64];

	assert_string_equal(nsm_mount_propagation(&mi, buf, sizeof(buf)),
			    "private");
	mi.tags = "shared:5";
	assert_string_equal(nsm_mount_propagation(&mi, buf, sizeof(buf)),
			    "shared");
	mi.tags = "shared:5 master:2 propagate_from:3 unbindable";
	assert_string_equal(nsm_mount_propagation(&mi, buf, sizeof(buf)),
			    "shared,slave,unbindable");
	mi.tags = "master:2";
	assert_string_equal(nsm_mount_propagation(&mi, buf, sizeof(buf)),
			    "private,slave");
}

static struct nsm_model *fixture_model(const char *tree)
{
	const char *root = getenv("NSM_FIXTURES");
	struct nsm_model *m = NULL;
	struct nsm_opts o;
	char path[4096];

	if (!root)
		fail_msg("NSM_FIXTURES is not set (tests/run-unit.sh sets it)");
	snprintf(path, sizeof(path), "%s/%s", root, tree);
	nsm_opts_default(&o);
	o.bpf = false;	/* the /proc sweep: test_bpf_sweep covers the other */
	o.proc_root = path;
	assert_int_equal(nsm_model_new(&m, &o), 0);
	assert_int_equal(nsm_discover(m), 0);
	return m;
}

/* Every mount namespace of the fixture host gets its table, read once. */
static void fixture_tables(void **state)
{
	struct nsm_model *m = fixture_model("proc-basic");
	struct nsm_ns *host = nsm_ns_get(m, 4026531832ULL);
	struct nsm_ns *priv = nsm_ns_get(m, 4026532030ULL);

	assert_non_null(host);
	assert_non_null(priv);
	assert_non_null(host->mounts);
	assert_non_null(priv->mounts);
	assert_int_equal(host->mounts->n, 9);
	assert_int_equal(priv->mounts->n, 3);
	assert_string_equal(host->mounts->v[6].path, "/run/netns/with space");
	assert_false(host->mounts->v[0].hidden);
	assert_int_equal(priv->mounts->v[2].mount_id, 902);
	nsm_model_free(m);
}

/* A malformed mountinfo: a warning naming its line, no table, no abort;
 * the other namespaces still get theirs. */
static void fixture_malformed(void **state)
{
	struct nsm_model *m = fixture_model("proc-bad");
	struct nsm_ns *bad = nsm_ns_get(m, 4026532040ULL);
	struct nsm_ns *host = nsm_ns_get(m, 4026531832ULL);
	bool warned = false;
	size_t i;

	assert_non_null(bad);
	assert_null(bad->mounts);
	assert_non_null(host);
	assert_non_null(host->mounts);
	for (i = 0; i < m->nwarnings; i++)
		warned |= strstr(m->warnings[i], "20/mountinfo:2: malformed") !=
			  NULL;
	if (!warned)
		fail_msg("no warning naming 20/mountinfo:2 (%zu warnings)",
			 m->nwarnings);
	nsm_model_free(m);
}

/*
 * This process's namespace, read as pass 7 reads it, equals the kernel's
 * own /proc/self/mountinfo: from that mountinfo, and by namespace id with
 * listmount/statmount (NSM_MOUNTS_BY_ID: what a namespace without a
 * process gets).  Whatever else runs on the host may mount or unmount
 * meanwhile (a container engine): the two are compared only when the
 * kernel's table was the same before and after the scan.
 */
static char *self_mountinfo(size_t *len)
{
	char *text = NULL;
	int pfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);

	assert_true(pfd >= 0);
	assert_int_equal(nsm_read_file_at(pfd, "self/mountinfo", &text, len),
			 0);
	close(pfd);
	return text;
}

static void live_self(bool by_id)
{
	struct nsm_model *m = NULL;
	struct nsm_mounts ref;
	struct nsm_opts o;
	struct nsm_ns *ns;
	struct stat st;
	char *text = NULL, *after;
	size_t len, len2, bad, i, k;
	int try;

	nsm_opts_default(&o);
	o.bpf = false;	/* the /proc sweep: test_bpf_sweep covers the other */
	o.mount_reader = by_id ? NSM_MOUNTS_BY_ID : NSM_MOUNTS_AUTO;
	assert_int_equal(stat("/proc/self/ns/mnt", &st), 0);
	for (try = 0; try < 20; try++) {
		assert_int_equal(nsm_model_new(&m, &o), 0);
		if (!m->live) {
			nsm_model_free(m);
			skip();
		}
		assert_int_equal(nsm_ns_add(m, st.st_ino, NSM_MNT, &ns), 0);
		assert_int_equal(nsm_pids_add(&ns->procs, getpid()), 0);
		text = self_mountinfo(&len);
		assert_int_equal(nsm_scan_mounts(m), 0);
		assert_non_null(ns->mounts);
		after = self_mountinfo(&len2);
		if (len == len2 && !memcmp(text, after, len)) {
			free(after);
			break;
		}
		free(after);
		free(text);
		text = NULL;
		nsm_model_free(m);
		usleep(50000);
	}
	if (!text)
		fail_msg("the mount table changed during each of %d scans", try);
	assert_int_equal(nsm_mountinfo_parse(text, len, &ref, &bad), 0);
	free(text);
	assert_int_equal(ns->mounts->n, ref.n);
	for (i = 0; i < ref.n; i++) {
		const struct nsm_mountinfo *a = &ref.v[i], *b = NULL;

		for (k = 0; k < ns->mounts->n && !b; k++)
			if (ns->mounts->v[k].mount_id == a->mount_id)
				b = &ns->mounts->v[k];
		if (!b)
			fail_msg("mount %d %s missing", a->mount_id, a->path);
		assert_int_equal(a->parent_id, b->parent_id);
		assert_string_equal(a->path, b->path);
		assert_string_equal(a->root, b->root);
		assert_string_equal(a->fstype, b->fstype);
		assert_string_equal(a->source, b->source);
		assert_string_equal(a->options, b->options);
		assert_string_equal(a->tags, b->tags);
		assert_string_equal(a->super_options, b->super_options);
	}
	nsm_mounts_free(&ref);
	nsm_model_free(m);
}

static void live_self_mountinfo(void **state)
{
	live_self(false);
}

static void live_self_listmount(void **state)
{
	live_self(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stacked),
		cmocka_unit_test(shadow),
		cmocka_unit_test(filebind),
		cmocka_unit_test(rootstack),
		cmocka_unit_test(hostile),
		cmocka_unit_test(malformed_files),
		cmocka_unit_test(propagation),
		cmocka_unit_test(fixture_tables),
		cmocka_unit_test(fixture_malformed),
		cmocka_unit_test(live_self_mountinfo),
		cmocka_unit_test(live_self_listmount),
	};

	return cmocka_run_group_tests_name("mounts", tests, NULL, NULL);
}
