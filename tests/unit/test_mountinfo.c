// SPDX-License-Identifier: GPL-2.0-or-later
/* test_mountinfo.c - nsm_mountinfo_parse (proc_pid_mountinfo(5)). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nsm.h"

static int parse(const char *text, struct nsm_mounts *m, size_t *bad)
{
	memset(m, 0, sizeof(*m));
	*bad = 0;
	return nsm_mountinfo_parse(text, strlen(text), m, bad);
}

static void one_line(void **state)
{
	struct nsm_mounts m;
	size_t bad;
	const struct nsm_mountinfo *mi;

	assert_int_equal(parse("36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - "
			       "ext3 /dev/root rw,errors=continue\n",
			       &m, &bad),
			 0);
	assert_int_equal(m.n, 1);
	mi = &m.v[0];
	assert_int_equal(mi->mount_id, 36);
	assert_int_equal(mi->parent_id, 35);
	assert_int_equal(mi->major, 98);
	assert_int_equal(mi->minor, 0);
	assert_string_equal(mi->root, "/mnt1");
	assert_string_equal(mi->path, "/mnt2");
	assert_string_equal(mi->options, "rw,noatime");
	assert_string_equal(mi->tags, "master:1");
	assert_string_equal(mi->fstype, "ext3");
	assert_string_equal(mi->source, "/dev/root");
	assert_string_equal(mi->super_options, "rw,errors=continue");
	nsm_mounts_free(&m);
}

static void nsfs_line(void **state)
{
	struct nsm_mounts m;
	size_t bad;

	assert_int_equal(parse("612 29 0:4 net:[4026532010] /run/netns/x "
			       "rw,nosuid,nodev,noexec shared:123 - nsfs nsfs "
			       "rw\n",
			       &m, &bad),
			 0);
	assert_int_equal(m.n, 1);
	assert_string_equal(m.v[0].root, "net:[4026532010]");
	assert_string_equal(m.v[0].path, "/run/netns/x");
	assert_string_equal(m.v[0].fstype, "nsfs");
	assert_string_equal(m.v[0].source, "nsfs");
	assert_int_equal(m.v[0].major, 0);
	assert_int_equal(m.v[0].minor, 4);
	nsm_mounts_free(&m);
}

static void optional_fields(void **state)
{
	struct nsm_mounts m;
	size_t bad;

	assert_int_equal(
		parse("1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
		      "2 1 0:5 / /a rw shared:1 master:2 propagate_from:3 "
		      "unbindable - tmpfs tmpfs rw\n"
		      "3 1 0:6 / /b rw shared:7 - tmpfs tmpfs rw\n",
		      &m, &bad),
		0);
	assert_int_equal(m.n, 3);
	assert_string_equal(m.v[0].tags, "");
	assert_string_equal(m.v[0].fstype, "ext4");
	assert_string_equal(m.v[1].tags,
			    "shared:1 master:2 propagate_from:3 unbindable");
	assert_string_equal(m.v[1].fstype, "tmpfs");
	assert_string_equal(m.v[1].path, "/a");
	assert_string_equal(m.v[2].tags, "shared:7");
	assert_int_equal(m.v[2].mount_id, 3);
	nsm_mounts_free(&m);
}

/* The kernel escapes space, tab, newline and backslash as octal
 * (seq_path/mangle: " \t\n\\"). */
static void escapes(void **state)
{
	struct nsm_mounts m;
	size_t bad;

	assert_int_equal(parse("40 1 0:40 /r\\040o\\134ot /a\\040b\\011c\\012d"
			       "\\134e rw - tmpfs my\\040src rw\n",
			       &m, &bad),
			 0);
	assert_int_equal(m.n, 1);
	assert_string_equal(m.v[0].root, "/r o\\ot");
	assert_string_equal(m.v[0].path, "/a b\tc\nd\\e");
	assert_string_equal(m.v[0].source, "my src");
	assert_string_equal(m.v[0].fstype, "tmpfs");
	nsm_mounts_free(&m);
}

/* A '-' after the separator (a source called "-") is not a second one. */
static void dash_source(void **state)
{
	struct nsm_mounts m;
	size_t bad;

	assert_int_equal(parse("5 1 0:7 / /c rw shared:2 - tmpfs - rw\n", &m,
			       &bad),
			 0);
	assert_int_equal(m.n, 1);
	assert_string_equal(m.v[0].fstype, "tmpfs");
	assert_string_equal(m.v[0].source, "-");
	assert_string_equal(m.v[0].super_options, "rw");
	assert_string_equal(m.v[0].tags, "shared:2");
	nsm_mounts_free(&m);
}

static void empty(void **state)
{
	struct nsm_mounts m;
	size_t bad;

	assert_int_equal(parse("", &m, &bad), 0);
	assert_int_equal(m.n, 0);
	nsm_mounts_free(&m);
	assert_int_equal(parse("\n", &m, &bad) <= 0, 1);
	nsm_mounts_free(&m);
}

static void no_final_newline(void **state)
{
	struct nsm_mounts m;
	size_t bad;

	assert_int_equal(parse("1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
			       "2 1 0:5 / /a rw - tmpfs tmpfs rw,size=4k",
			       &m, &bad),
			 0);
	assert_int_equal(m.n, 2);
	assert_string_equal(m.v[1].super_options, "rw,size=4k");
	nsm_mounts_free(&m);
}

/* Only len bytes are read: the text need not end where len does. */
static void honours_len(void **state)
{
	const char *t = "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
			"garbage that is not a mountinfo line\n";
	struct nsm_mounts m = { 0 };
	size_t bad = 0;

	assert_int_equal(nsm_mountinfo_parse(t, strchr(t, '\n') + 1 - t, &m,
					     &bad),
			 0);
	assert_int_equal(m.n, 1);
	nsm_mounts_free(&m);
}

struct bad_case {
	const char *text;
	size_t line;
};

static void malformed(void **state)
{
	static const struct bad_case bad[] = {
		/* no separator */
		{ "1 0 8:1 / / rw ext4 /dev/sda1 rw\n", 1 },
		{ "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
		  "2 1 0:5 / /a rw shared:1 tmpfs tmpfs rw\n"
		  "3 1 0:6 / /b rw - tmpfs tmpfs rw\n",
		  2 },
		/* too few fields */
		{ "1 0 8:1 /\n", 1 },
		{ "1 0 8:1 / /\n", 1 },
		{ "1\n", 1 },
		{ "1 0 8:1 / / rw - ext4\n", 1 },
		{ "1 0 8:1 / / rw -\n", 1 },
		{ "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
		  "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
		  "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
		  "x 0 8:1 / / rw - ext4 /dev/sda1 rw\n",
		  4 },
		/* bad numbers */
		{ "a 0 8:1 / / rw - ext4 /dev/sda1 rw\n", 1 },
		{ "1 b 8:1 / / rw - ext4 /dev/sda1 rw\n", 1 },
		{ "1 0 8-1 / / rw - ext4 /dev/sda1 rw\n", 1 },
		{ "1 0 8: / / rw - ext4 /dev/sda1 rw\n", 1 },
		{ "1 0 :1 / / rw - ext4 /dev/sda1 rw\n", 1 },
		{ "1 0 8:1x / / rw - ext4 /dev/sda1 rw\n", 1 },
		{ "99999999999999999999 0 8:1 / / rw - ext4 /dev/sda1 rw\n", 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct nsm_mounts m;
		size_t line;
		int err = parse(bad[i].text, &m, &line);

		if (err != -EINVAL)
			fail_msg("case %zu: returned %d, want -EINVAL", i, err);
		if (line != bad[i].line)
			fail_msg("case %zu: bad line %zu, want %zu", i, line,
				 bad[i].line);
		/* nothing is kept: n is 0 and freeing is safe */
		if (m.n)
			fail_msg("case %zu: %zu mounts kept after -EINVAL", i,
				 m.n);
		nsm_mounts_free(&m);
	}
}

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* Lines far beyond any fixed buffer: a 100,000-character mount point, and
 * 300 optional fields. */
static void very_long_lines(void **state)
{
	char *name = repeat('x', 100000), *text, *tags;
	struct nsm_mounts m;
	size_t bad, i;

	assert_true(asprintf(&text,
			     "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
			     "2 1 0:5 / /%s rw - tmpfs tmpfs rw\n",
			     name) > 0);
	assert_int_equal(parse(text, &m, &bad), 0);
	assert_int_equal(m.n, 2);
	assert_int_equal(strlen(m.v[1].path), 100001);
	assert_memory_equal(m.v[1].path + 1, name, 100000);
	nsm_mounts_free(&m);
	free(text);

	tags = calloc(300, 16);
	assert_non_null(tags);
	for (i = 0; i < 300; i++)
		sprintf(tags + strlen(tags), "%sshared:%zu", i ? " " : "", i);
	assert_true(asprintf(&text, "3 1 0:6 / /t rw %s - tmpfs tmpfs rw\n",
			     tags) > 0);
	assert_int_equal(parse(text, &m, &bad), 0);
	assert_int_equal(m.n, 1);
	assert_string_equal(m.v[0].tags, tags);
	assert_string_equal(m.v[0].fstype, "tmpfs");
	nsm_mounts_free(&m);
	free(text);
	free(tags);
	free(name);
}

/* Many lines: a host with thousands of mounts. */
static void many_lines(void **state)
{
	size_t n = 20000, i, len = 0, cap = n * 64;
	char *text = malloc(cap);
	struct nsm_mounts m;
	size_t bad;

	assert_non_null(text);
	for (i = 0; i < n; i++)
		len += snprintf(text + len, cap - len,
				"%zu 1 0:4 net:[%zu] /run/netns/n%zu rw - "
				"nsfs nsfs rw\n",
				i + 2, 4026532000 + i, i);
	assert_int_equal(parse(text, &m, &bad), 0);
	assert_int_equal(m.n, n);
	assert_int_equal(m.v[n - 1].mount_id, (int)(n + 1));
	assert_string_equal(m.v[n - 1].path, "/run/netns/n19999");
	assert_string_equal(m.v[7].root, "net:[4026532007]");
	nsm_mounts_free(&m);
	free(text);
}

/* A real mountinfo of this machine parses (if we can read one). */
static void live_self(void **state)
{
	char *text = NULL;
	size_t len = 0, bad = 0;
	struct nsm_mounts m = { 0 };

	if (nsm_read_file_at(AT_FDCWD, "/proc/self/mountinfo",
			     &text, &len)) {
		skip();
		return;
	}
	assert_int_equal(nsm_mountinfo_parse(text, len, &m, &bad), 0);
	assert_true(m.n > 0);
	nsm_mounts_free(&m);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_line),
		cmocka_unit_test(nsfs_line),
		cmocka_unit_test(optional_fields),
		cmocka_unit_test(escapes),
		cmocka_unit_test(dash_source),
		cmocka_unit_test(empty),
		cmocka_unit_test(no_final_newline),
		cmocka_unit_test(honours_len),
		cmocka_unit_test(malformed),
		cmocka_unit_test(very_long_lines),
		cmocka_unit_test(many_lines),
		cmocka_unit_test(live_self),
	};

	return cmocka_run_group_tests_name("mountinfo", tests, NULL, NULL);
}
