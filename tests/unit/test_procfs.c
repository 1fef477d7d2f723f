// SPDX-License-Identifier: GPL-2.0-or-later
/* test_procfs.c - the /proc text parsers: stat, status, nsfs links, type
 * lists; and the type/slot/via name tables. */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nsm.h"

/* A full stat line (52 fields) with comm, ppid and starttime filled in. */
static char *stat_line(const char *pid, const char *comm, const char *ppid,
		       const char *nthreads, const char *starttime)
{
	char *s;

	assert_true(asprintf(&s,
			     "%s (%s) S %s 4242 4242 34816 -1 4194560 1034 0 0 0 "
			     "3 1 0 0 -2 -20 %s 0 %s 8757248 896 "
			     "18446744073709551615 1 1 0 0 0 0 0 0 65536 0 0 0 "
			     "17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
			     pid, comm, ppid, nthreads, starttime) > 0);
	return s;
}

static void stat_ok(void **state)
{
	char *s = stat_line("4242", "bash", "1", "1", "123456");
	struct nsm_stat st;

	memset(&st, 0x55, sizeof(st));
	assert_int_equal(nsm_parse_stat(s, &st), 0);
	assert_string_equal(st.comm, "bash");
	assert_int_equal(st.ppid, 1);
	assert_int_equal(st.nthreads, 1);
	assert_int_equal(st.starttime, 123456);
	free(s);
}

static void stat_comm_spaces_and_parens(void **state)
{
	static const char *const comms[] = {
		"a b", "a) b", ") (", "x (y) z", "(", ")", "a) S 9 9 9 (b",
		"", "  ", "tmux: server",
	};
	struct nsm_stat st;
	size_t i;

	for (i = 0; i < sizeof(comms) / sizeof(comms[0]); i++) {
		char *s = stat_line("77", comms[i], "7", "3", "99");

		assert_int_equal(nsm_parse_stat(s, &st), 0);
		assert_string_equal(st.comm, comms[i]);
		assert_int_equal(st.ppid, 7);
		assert_int_equal(st.nthreads, 3);
		assert_int_equal(st.starttime, 99);
		free(s);
	}
}

/* comm is at most 15 characters in the kernel; a longer one is cut, and
 * never overflows comm[17]. */
static void stat_comm_long(void **state)
{
	char *s = stat_line("1", "abcdefghijklmnopqrstuvwxyz", "0", "1", "5");
	struct nsm_stat st;

	assert_int_equal(nsm_parse_stat(s, &st), 0);
	assert_true(strlen(st.comm) <= 16);
	assert_memory_equal(st.comm, "abcdefghijklmno", 15);
	assert_int_equal(st.starttime, 5);
	free(s);
}

static void stat_huge_numbers(void **state)
{
	struct nsm_stat st;
	char *s;

	s = stat_line("1", "x", "2147483647", "1", "18446744073709551615");
	assert_int_equal(nsm_parse_stat(s, &st), 0);
	assert_int_equal(st.ppid, 2147483647);
	assert_true(st.starttime == UINT64_MAX);
	free(s);
	/* one more than UINT64_MAX */
	s = stat_line("1", "x", "1", "1", "18446744073709551616");
	assert_true(nsm_parse_stat(s, &st) < 0);
	free(s);
	s = stat_line("1", "x", "1", "1", "99999999999999999999999999");
	assert_true(nsm_parse_stat(s, &st) < 0);
	free(s);
	/* a ppid beyond pid_t */
	s = stat_line("1", "x", "2147483648", "1", "5");
	assert_true(nsm_parse_stat(s, &st) < 0);
	free(s);
	s = stat_line("1", "x", "-1", "1", "5");
	assert_true(nsm_parse_stat(s, &st) < 0);
	free(s);
}

static void stat_truncated(void **state)
{
	char *full = stat_line("4242", "ba) sh", "1", "1", "123456");
	/* where field 22 starts: cutting anywhere before its end must fail */
	const char *st22 = strstr(full, " 123456 ") + 1;
	size_t cut, n = (size_t)(st22 - full);
	struct nsm_stat st;

	for (cut = 0; cut <= n; cut++) {
		char *t = strndup(full, cut);

		if (nsm_parse_stat(t, &st) == 0)
			fail_msg("parsed a stat cut after %zu bytes: '%s'", cut,
				 t);
		free(t);
	}
	/* cut right after the starttime digits: all 22 fields are there */
	{
		char *t = strndup(full, n + 6);

		assert_int_equal(nsm_parse_stat(t, &st), 0);
		assert_int_equal(st.starttime, 123456);
		free(t);
	}
	free(full);
}

static void stat_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"\n",
		"1234",
		"1234 bash S 1",
		"1234 (bash S 1 2 3",
		"1234 (bash)S 1 2",
		"1234 (bash) S x 1 1 0 -1 0 0 0 0 0 0 0 0 0 0 0 1 0 5",
		"1234 (bash) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 0 0 1 0 x",
		"1234 (bash) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 0 0 1 0 -5",
	};
	struct nsm_stat st;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (nsm_parse_stat(bad[i], &st) != -EINVAL)
			fail_msg("nsm_parse_stat accepted '%s'", bad[i]);
}

#define STATUS_HEAD                                                      \
	"Name:\tsleep\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t4242\n" \
	"Ngid:\t0\nPid:\t4242\nPPid:\t1\nTracerPid:\t0\n"
#define STATUS_TAIL "NSpgid:\t4242\nNSsid:\t1\nThreads:\t1\n"

static void status_ok(void **state)
{
	const char *t = STATUS_HEAD "Uid:\t1000\t0\t0\t0\nGid:\t5\t5\t5\t5\n"
				    "FDSize:\t64\nGroups:\t5 \nNStgid:\t4242\n"
				    "NSpid:\t4242\n" STATUS_TAIL;
	pid_t *nspid = NULL;
	size_t n = 99, bad = 0;
	uid_t uid = 12345;

	assert_int_equal(nsm_parse_status(t, &uid, &nspid, &n, &bad), 0);
	assert_int_equal(uid, 1000); /* the real uid, not the effective */
	assert_int_equal(n, 1);
	assert_non_null(nspid);
	assert_int_equal(nspid[0], 4242);
	free(nspid);
}

static void status_nspid_levels(void **state)
{
	const char *t = STATUS_HEAD "Uid:\t0\t0\t0\t0\n"
				    "NStgid:\t4242\t17\t1\n"
				    "NSpid:\t4242\t17\t1\n" STATUS_TAIL;
	pid_t *nspid = NULL;
	size_t n = 0, bad = 0;
	uid_t uid = 1;

	assert_int_equal(nsm_parse_status(t, &uid, &nspid, &n, &bad), 0);
	assert_int_equal(uid, 0);
	assert_int_equal(n, 3);
	assert_int_equal(nspid[0], 4242);
	assert_int_equal(nspid[1], 17);
	assert_int_equal(nspid[2], 1);
	free(nspid);
}

/* Before Linux 4.1 there is no NSpid line. */
static void status_no_nspid(void **state)
{
	const char *t = STATUS_HEAD "Uid:\t33\t33\t33\t33\nGid:\t0\t0\t0\t0\n";
	pid_t *nspid = (pid_t *)&t;
	size_t n = 99, bad = 0;
	uid_t uid = 0;

	assert_int_equal(nsm_parse_status(t, &uid, &nspid, &n, &bad), 0);
	assert_int_equal(uid, 33);
	assert_int_equal(n, 0);
	assert_null(nspid);
}

/* No trailing newline on the last line. */
static void status_no_final_newline(void **state)
{
	const char *t = "Uid:\t7\t7\t7\t7\nNSpid:\t9\t1";
	pid_t *nspid = NULL;
	size_t n = 0, bad = 0;
	uid_t uid = 0;

	assert_int_equal(nsm_parse_status(t, &uid, &nspid, &n, &bad), 0);
	assert_int_equal(uid, 7);
	assert_int_equal(n, 2);
	assert_int_equal(nspid[0], 9);
	assert_int_equal(nspid[1], 1);
	free(nspid);
}

struct bad_status {
	const char *text;
	size_t line;
};

static void status_malformed(void **state)
{
	static const struct bad_status bad[] = {
		{ "Name:\tx\nUid:\t0\t0\t0\t0\nNSpid:\t12\tx\n", 3 },
		{ "Name:\tx\nUid:\t0\t0\t0\t0\nNSpid:\tx\n", 3 },
		{ "Name:\tx\nUid:\t0\t0\t0\t0\nNSpid:\t12x\n", 3 },
		{ "Name:\tx\nUid:\t0\t0\t0\t0\nNSpid:\t-3\n", 3 },
		{ "Name:\tx\nUid:\t0\t0\t0\t0\nNSpid:\t0\n", 3 },
		{ "Name:\tx\nUid:\t0\t0\t0\t0\nNSpid:\t99999999999\n", 3 },
		{ "Name:\tx\nUid:\t0\t0\t0\t0\nNSpid:\n", 3 },
		{ "Name:\tx\nState:\tS\nUid:\tabc\t0\t0\t0\nNSpid:\t1\n", 3 },
		{ "Name:\tx\nUid:\t\nNSpid:\t1\n", 2 },
		{ "Uid:\t4294967296\t0\t0\t0\n", 1 },
		{ STATUS_HEAD "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t64\n"
			      "Groups:\t\nNStgid:\t700\nNSpid:\t700\tx\n" STATUS_TAIL,
		  14 },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pid_t *nspid = NULL;
		size_t n = 0, line = 0;
		uid_t uid = 0;
		int err = nsm_parse_status(bad[i].text, &uid, &nspid, &n, &line);

		if (err != -EINVAL)
			fail_msg("case %zu: returned %d, want -EINVAL", i, err);
		if (line != bad[i].line)
			fail_msg("case %zu: bad line %zu, want %zu", i, line,
				 bad[i].line);
		if (nspid || n)
			fail_msg("case %zu: nspid kept after an error", i);
	}
}

/* A status without any Uid line is not a status file. */
static void status_no_uid(void **state)
{
	pid_t *nspid = NULL;
	size_t n = 0, line = 0;
	uid_t uid = 0;

	assert_true(nsm_parse_status("Name:\tx\nNSpid:\t5\n", &uid, &nspid,
				     &n, &line) < 0);
	assert_null(nspid);
	assert_true(nsm_parse_status("", &uid, &nspid, &n, &line) < 0);
}

static void nslink_ok(void **state)
{
	static const char *const names[NSM_NTYPES] = {
		[NSM_CGROUP] = "cgroup", [NSM_IPC] = "ipc",
		[NSM_MNT] = "mnt",	 [NSM_NET] = "net",
		[NSM_PID] = "pid",	 [NSM_TIME] = "time",
		[NSM_USER] = "user",	 [NSM_UTS] = "uts",
	};
	enum nsm_type t;
	uint64_t id;
	char buf[64];
	int i;

	for (i = 0; i < NSM_NTYPES; i++) {
		snprintf(buf, sizeof(buf), "%s:[%llu]", names[i],
			 4026531840ULL - i);
		t = NSM_TYPE_NONE;
		assert_int_equal(nsm_parse_nslink(buf, &t, &id), 0);
		assert_int_equal(t, i);
		assert_true(id == 4026531840ULL - i);
		assert_string_equal(nsm_type_name(i), names[i]);
	}
	assert_int_equal(nsm_parse_nslink("net:[18446744073709551615]", &t, &id), 0);
	assert_true(id == UINT64_MAX);
	assert_int_equal(nsm_parse_nslink("mnt:[1]", &t, &id), 0);
	assert_int_equal(t, NSM_MNT);
	assert_int_equal(id, 1);
}

static void nslink_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"net",
		"net:",
		"net:[",
		"net:[]",
		"net:[abc]",
		"net:[12",
		"net:[12]x",
		"net:[12] ",
		"net:[-1]",
		"net:[+1]",
		"net:[ 12]",
		"net:4026531840",
		"net[4026531840]",
		" net:[4026531840]",
		"NET:[4026531840]",
		"bogus:[4026531840]",
		"socket:[12345]",
		"pipe:[12345]",
		"anon_inode:[eventfd]",
		"pid_for_children:[4026531836]",
		"/srv/net:[4026531840]",
		"net:[18446744073709551616]",
		"net:[0]",
	};
	enum nsm_type t;
	uint64_t id;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (nsm_parse_nslink(bad[i], &t, &id) != -EINVAL)
			fail_msg("nsm_parse_nslink accepted '%s'", bad[i]);
}

static void types_ok(void **state)
{
	unsigned mask = 0;

	assert_int_equal(nsm_parse_types("net", &mask), 0);
	assert_int_equal(mask, 1U << NSM_NET);
	assert_int_equal(nsm_parse_types("net,uts", &mask), 0);
	assert_int_equal(mask, (1U << NSM_NET) | (1U << NSM_UTS));
	assert_int_equal(nsm_parse_types("uts,net,uts", &mask), 0);
	assert_int_equal(mask, (1U << NSM_NET) | (1U << NSM_UTS));
	assert_int_equal(
		nsm_parse_types("cgroup,ipc,mnt,net,pid,time,user,uts", &mask),
		0);
	assert_int_equal(mask, (1U << NSM_NTYPES) - 1);
}

static void types_malformed(void **state)
{
	static const char *const bad[] = {
		"", ",", "bogus", "net,bogus", "bogus,net", "net,,uts", "NET",
		"ne", "nett", "pid_for_children", " net", "net uts",
	};
	unsigned mask;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (nsm_parse_types(bad[i], &mask) != -EINVAL)
			fail_msg("nsm_parse_types accepted '%s'", bad[i]);
}

static void names_and_flags(void **state)
{
	int t;

	for (t = 0; t < NSM_NTYPES; t++) {
		const char *n = nsm_type_name(t);

		assert_int_equal(nsm_type_from_name(n, strlen(n)), t);
		assert_int_equal(nsm_type_from_clone_flag(nsm_type_clone_flag(t)),
				 t);
		assert_string_equal(nsm_slot_name(t), n);
		assert_int_equal(nsm_slot_type(t), t);
	}
	assert_int_equal(nsm_type_clone_flag(NSM_NET), CLONE_NEWNET);
	assert_int_equal(nsm_type_clone_flag(NSM_MNT), CLONE_NEWNS);
	assert_int_equal(nsm_type_clone_flag(NSM_USER), CLONE_NEWUSER);
	assert_int_equal(nsm_type_from_name("netx", 3), NSM_NET);
	assert_int_equal(nsm_type_from_name("bogus", 5), NSM_TYPE_NONE);
	assert_string_equal(nsm_slot_name(NSM_SLOT_PID_FC), "pid_for_children");
	assert_string_equal(nsm_slot_name(NSM_SLOT_TIME_FC), "time_for_children");
	assert_int_equal(nsm_slot_type(NSM_SLOT_PID_FC), NSM_PID);
	assert_int_equal(nsm_slot_type(NSM_SLOT_TIME_FC), NSM_TIME);
	assert_string_equal(nsm_via_name(NSM_VIA_PROCESS), "process");
	assert_string_equal(nsm_via_name(NSM_VIA_TASK), "task");
	assert_string_equal(nsm_via_name(NSM_VIA_CHILDREN), "children");
	assert_string_equal(nsm_via_name(NSM_VIA_FD), "fd");
	assert_string_equal(nsm_via_name(NSM_VIA_SOCKET), "socket");
	assert_string_equal(nsm_via_name(NSM_VIA_BINDMOUNT), "bindmount");
	assert_string_equal(nsm_via_name(NSM_VIA_HIERARCHY), "hierarchy");
	assert_string_equal(nsm_via_name(NSM_VIA_OWNER), "owner");
}

/* The kernel's fixed inode numbers of the initial namespaces. */
static void initial_ids(void **state)
{
	assert_true(nsm_id_is_initial(NSM_CGROUP, 4026531835));
	assert_true(nsm_id_is_initial(NSM_IPC, 4026531839));
	assert_true(nsm_id_is_initial(NSM_MNT, 4026531832));
	assert_true(nsm_id_is_initial(NSM_NET, 4026531833));
	assert_true(nsm_id_is_initial(NSM_PID, 4026531836));
	assert_true(nsm_id_is_initial(NSM_TIME, 4026531834));
	assert_true(nsm_id_is_initial(NSM_USER, 4026531837));
	assert_true(nsm_id_is_initial(NSM_UTS, 4026531838));
	assert_false(nsm_id_is_initial(NSM_NET, 4026531837));
	assert_false(nsm_id_is_initial(NSM_NET, 4026532001));
	assert_false(nsm_id_is_initial(NSM_USER, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stat_ok),
		cmocka_unit_test(stat_comm_spaces_and_parens),
		cmocka_unit_test(stat_comm_long),
		cmocka_unit_test(stat_huge_numbers),
		cmocka_unit_test(stat_truncated),
		cmocka_unit_test(stat_malformed),
		cmocka_unit_test(status_ok),
		cmocka_unit_test(status_nspid_levels),
		cmocka_unit_test(status_no_nspid),
		cmocka_unit_test(status_no_final_newline),
		cmocka_unit_test(status_malformed),
		cmocka_unit_test(status_no_uid),
		cmocka_unit_test(nslink_ok),
		cmocka_unit_test(nslink_malformed),
		cmocka_unit_test(types_ok),
		cmocka_unit_test(types_malformed),
		cmocka_unit_test(names_and_flags),
		cmocka_unit_test(initial_ids),
	};

	return cmocka_run_group_tests_name("procfs", tests, NULL, NULL);
}
