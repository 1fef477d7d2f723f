// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_incomplete.c - how a read error of a pass shapes the answer
 * (nsm_read_error, SPEC "Exit status"): a process that vanished is no
 * news, out of fds or memory makes it incomplete (named once per cause,
 * the rest counted), a refusal is a warning; and which proc roots
 * nsm_model_new takes.
 */
#include <errno.h>
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

static struct nsm_model *live_model(void)
{
	struct nsm_opts o;
	struct nsm_model *m = NULL;

	nsm_opts_default(&o);
	assert_int_equal(nsm_model_new(&m, &o), 0);
	assert_true(m->live);
	return m;
}

static void test_vanished(void **state)
{
	struct nsm_model *m = live_model();

	nsm_read_error(m, -ENOENT, "/proc/%d/stat", 42);
	nsm_read_error(m, -ESRCH, "/proc/%d/ns", 42);
	assert_int_equal(m->nwarnings, 0);
	assert_false(m->incomplete);
	nsm_model_free(m);
}

static void test_resources(void **state)
{
	struct nsm_model *m = live_model();

	nsm_read_error(m, -EMFILE, "/proc/%d/stat", 1);
	nsm_read_error(m, -EMFILE, "/proc/%d/stat", 2);
	nsm_read_error(m, -ENOMEM, "/proc/%d/status", 3);
	nsm_read_error(m, -ENFILE, "/proc/%d", 4);
	nsm_read_error(m, -ENOMEM, "/proc/%d/status", 5);
	assert_true(m->incomplete);
	assert_int_equal(m->nwarnings, 3);
	assert_string_equal(m->warnings[0], "/proc/1/stat: Too many open "
			    "files" NSM_INCOMPLETE);
	assert_string_equal(m->warnings[1], "/proc/3/status: Cannot allocate "
			    "memory" NSM_INCOMPLETE);
	assert_string_equal(m->warnings[2], "/proc/4: Too many open files in "
			    "system" NSM_INCOMPLETE);
	assert_int_equal(m->gaps_more, 2);
	nsm_model_free(m);
}

static void test_refused(void **state)
{
	struct nsm_model *m = live_model();

	/*
	 * A refusal is a warning: a capability that is missing was said
	 * by nsm_discover() before the passes ran (test_privs.c).
	 */
	nsm_read_error(m, -EACCES, "/proc/%d/ns", 1);
	nsm_read_error(m, -EPERM, "pid %d: pidfd_open", 3);
	assert_false(m->incomplete);
	assert_int_equal(m->nwarnings, 2);
	assert_string_equal(m->warnings[0], "/proc/1/ns: Permission denied");
	assert_string_equal(m->warnings[1], "pid 3: pidfd_open: Operation not "
			    "permitted");
	nsm_model_free(m);
}

static void test_proc_roots(void **state)
{
	char dir[] = "/tmp/test_incomplete.XXXXXX", path[64];
	struct nsm_model *m = NULL;
	struct nsm_opts o;
	FILE *f;

	nsm_opts_default(&o);
	o.proc_root = "/etc";	/* no procfs, no process directory */
	assert_int_equal(nsm_model_new(&m, &o), -EMEDIUMTYPE);
	assert_non_null(mkdtemp(dir));
	o.proc_root = dir;
	assert_int_equal(nsm_model_new(&m, &o), -EMEDIUMTYPE);
	/* a fixture tree: a directory named by a pid, with a stat */
	snprintf(path, sizeof(path), "%s/1", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/1/stat", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(nsm_model_new(&m, &o), 0);
	assert_false(m->live);
	nsm_model_free(m);
	unlink(path);
	snprintf(path, sizeof(path), "%s/1", dir);
	rmdir(path);
	rmdir(dir);
	o.proc_root = "/nonexistent-proc-root";
	assert_int_equal(nsm_model_new(&m, &o), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vanished),
		cmocka_unit_test(test_resources),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_proc_roots),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
