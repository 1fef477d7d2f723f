// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_inroot.c - discovery/inroot.c: a path a process named, opened
 * inside its root, on a real directory tree standing in for a container's
 * root: links absolute, climbing with "..", through /proc, and a FIFO
 * where a file should be.  What leads out names nothing (-EXDEV, -ELOOP),
 * what stays inside opens what the process itself would open.
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

struct tree {
	char root[64];	/* the container's root */
	char host[64];	/* outside it */
	char file[128]; /* host/secret */
	int rootfd;
};

static void put(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void link_to(const struct tree *t, const char *target, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/run/%s", t->root, name);
	assert_int_equal(symlink(target, path), 0);
}

static int setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));
	char path[256];

	assert_non_null(t);
	strcpy(t->root, "/tmp/nsmon-inroot-XXXXXX");
	strcpy(t->host, "/tmp/nsmon-host-XXXXXX");
	assert_non_null(mkdtemp(t->root));
	assert_non_null(mkdtemp(t->host));
	snprintf(t->file, sizeof(t->file), "%s/secret", t->host);
	put(t->host, "secret", "host");
	snprintf(path, sizeof(path), "%s/run", t->root);
	assert_int_equal(mkdir(path, 0755), 0);
	put(path, "real", "inside");
	snprintf(path, sizeof(path), "%s/run/fifo", t->root);
	assert_int_equal(mkfifo(path, 0600), 0);
	link_to(t, t->file, "abs");
	snprintf(path, sizeof(path), "../../../../../../..%s", t->file);
	link_to(t, path, "up");
	snprintf(path, sizeof(path), "/proc/self/root%s", t->file);
	link_to(t, path, "magic");
	link_to(t, "real", "rel");
	link_to(t, "/run/real", "inabs");
	link_to(t, "../../../../run/real", "inup");
	link_to(t, "/run", "inrun");
	link_to(t, t->host, "outdir");
	t->rootfd = open(t->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(t->rootfd >= 0);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	static const char *const names[] = {
	    "real", "fifo",  "abs",  "up",    "magic",
	    "rel",  "inabs", "inup", "inrun", "outdir",
	};
	struct tree *t = *state;
	char path[256];
	size_t i;

	close(t->rootfd);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/run/%s", t->root, names[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/run", t->root);
	rmdir(path);
	rmdir(t->root);
	unlink(t->file);
	rmdir(t->host);
	free(t);
	return 0;
}

/* What path inside the tree's root reads as; NULL: the error in *err. */
static char *read_in(const struct tree *t, const char *path, int *err)
{
	char *text = NULL;
	size_t len;

	*err = nsm_read_file_in_root(t->rootfd, path, &text, &len);
	return *err ? NULL : text;
}

static void expect_text(const struct tree *t, const char *path,
			const char *want)
{
	char *text;
	int err;

	text = read_in(t, path, &err);
	assert_int_equal(err, 0);
	assert_string_equal(text, want);
	free(text);
}

static void expect_err(const struct tree *t, const char *path, int want)
{
	int err;

	assert_null(read_in(t, path, &err));
	assert_int_equal(err, want);
}

static void test_in_root(void **state)
{
	const struct tree *t = *state;

	/* leads out: the host's file is never opened */
	expect_err(t, "/run/abs", -EXDEV);
	expect_err(t, "/run/up", -EXDEV);
	expect_err(t, "/run/magic", -EXDEV);
	/* not through a link: ".." stops at the root, as for the process */
	expect_err(t, "/../../../../..//run/nothing", -ENOENT);
	/* stays inside: absolute and ".." as the process sees them */
	expect_text(t, "/run/real", "inside");
	expect_text(t, "/run/rel", "inside");
	expect_text(t, "/run/inabs", "inside");
	expect_text(t, "/run/inup", "inside");
	expect_text(t, "/../../run/real", "inside");
	/* not there, and not leading out: a plain -ENOENT */
	expect_err(t, "/run/nothing", -ENOENT);
	expect_err(t, "/run/nothing/", -ENOENT);
	/* missing under a link that is there: also (/var/run -> /run) */
	expect_err(t, "/run/inrun/nothing", -ENOENT);
	/* under a link that leads out: out */
	expect_err(t, "/run/outdir/secret", -EXDEV);
	expect_err(t, "/run/outdir/nothing", -EXDEV);
	/* a FIFO is not opened (that would block) */
	expect_err(t, "/run/fifo", -EINVAL);
}

static void test_magic_link(void **state)
{
	int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC), fd;

	assert_true(root >= 0);
	/* a root with /proc in it: its magic links lead to other roots */
	fd = nsm_open_in_root(root, "/proc/self/root/etc", O_PATH);
	assert_int_equal(fd, -ELOOP);
	fd = nsm_open_in_root(root, "/proc/self/cwd", O_PATH);
	assert_int_equal(fd, -ELOOP);
	close(root);
}

static void test_beneath(void **state)
{
	const struct tree *t = *state;
	char *text = NULL;
	size_t len;
	int dir, fd;

	dir = nsm_open_beneath(t->rootfd, "run", O_RDONLY | O_DIRECTORY);
	assert_true(dir >= 0);
	/* below a state directory: no link absolute or above it */
	assert_int_equal(nsm_open_beneath(dir, "abs", O_PATH), -EXDEV);
	assert_int_equal(nsm_open_beneath(dir, "up", O_PATH), -EXDEV);
	assert_int_equal(nsm_open_beneath(dir, "inabs", O_PATH), -EXDEV);
	assert_int_equal(nsm_open_beneath(dir, "inup", O_PATH), -EXDEV);
	assert_int_equal(nsm_open_beneath(dir, "..", O_PATH), -EXDEV);
	fd = nsm_open_beneath(dir, "rel", O_RDONLY);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(nsm_read_file_beneath(dir, "real", &text, &len), 0);
	assert_string_equal(text, "inside");
	free(text);
	assert_int_equal(nsm_read_file_beneath(dir, "fifo", &text, &len),
			 -EINVAL);
	close(dir);
}

static void test_root_open(void **state)
{
	int proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC), root;
	struct stat a, b;

	assert_true(proc >= 0);
	root = nsm_root_open(proc, getpid());
	assert_true(root >= 0);
	assert_int_equal(fstat(root, &a), 0);
	assert_int_equal(stat("/", &b), 0);
	assert_true(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	close(root);
	assert_int_equal(nsm_root_open(proc, 0x3fffffff), -ENOENT);
	close(proc);
	/* ours (AT_FDCWD): resolved as any path, magic links too */
	root = nsm_open_in_root(AT_FDCWD, "/proc/self/root/etc", O_PATH);
	assert_true(root >= 0);
	close(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_in_root, setup, teardown),
	    cmocka_unit_test(test_magic_link),
	    cmocka_unit_test_setup_teardown(test_beneath, setup, teardown),
	    cmocka_unit_test(test_root_open),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
