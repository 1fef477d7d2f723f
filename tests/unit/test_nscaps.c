// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_nscaps.c - the capability rules (discovery/nscaps.c) over a user
 * namespace hierarchy made up in a model: member, ancestor, owner at each
 * level, sibling, unknown links; the /proc/PID/status parser and the
 * credentials and cap_last_cap read from a small procfs tree made here.
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

#include "nscaps.h"
#include "nsm.h"

/*
 * The hierarchy (owner uid in parentheses):
 *   U0 100 (0)
 *   ├── U1 101 (1000)
 *   │   └── U2 102 (1000)
 *   │       └── U3 103 (0)
 *   ├── U4 104 (1001)
 *   └── U5 105 (not resolved)
 * uts T0..T5 = 200..205 owned by U0..U5; T6 206 with its owner unknown.
 */
#define FULL ((1ULL << 41) - 1)
#define SOME ((1ULL << 21) | (1ULL << 12))
#define NOADMIN (1ULL << 12)

struct fx {
	char root[64];
	struct nsm_model *m;
};

static void put(const char *root, const char *path, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, path);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A proc root with process 1 (the credentials) and cap_last_cap 40. */
static void make_root(char *root)
{
	char p[256];

	strcpy(root, "/tmp/nsmon-nscaps-XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(p, sizeof(p), "%s/1", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/1/ns", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/1/ns/user", root);
	assert_int_equal(symlink("user:[101]", p), 0);
	put(root, "1/stat", "1 (sleep) S 0 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 "
			    "5 0 0\n");
	put(root, "1/status", "Name:\tsleep\nUid:\t1000\t1001\t1001\t1001\n"
			      "CapInh:\t0000000000000000\n"
			      "CapEff:\t0000000000201000\n");
	snprintf(p, sizeof(p), "%s/sys", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/sys/kernel", root);
	assert_int_equal(mkdir(p, 0755), 0);
	put(root, "sys/kernel/cap_last_cap", "40\n");
}

static void add_user(struct nsm_model *m, uint64_t id, uint64_t parent,
		     uid_t uid, bool resolved)
{
	struct nsm_ns *ns;

	assert_int_equal(nsm_ns_add(m, id, NSM_USER, &ns), 0);
	ns->parent = parent;
	ns->owner = parent;
	ns->owner_uid = uid;
	ns->has_owner_uid = resolved;
	ns->resolved = resolved;
}

static void add_uts(struct nsm_model *m, uint64_t id, uint64_t owner)
{
	struct nsm_ns *ns;

	assert_int_equal(nsm_ns_add(m, id, NSM_UTS, &ns), 0);
	ns->owner = owner;
	ns->resolved = true;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct nsm_opts o;
	uint64_t i;

	assert_non_null(f);
	make_root(f->root);
	nsm_opts_default(&o);
	o.proc_root = f->root;
	assert_int_equal(nsm_model_new(&f->m, &o), 0);
	add_user(f->m, 100, 0, 0, true);
	add_user(f->m, 101, 100, 1000, true);
	add_user(f->m, 102, 101, 1000, true);
	add_user(f->m, 103, 102, 0, true);
	add_user(f->m, 104, 100, 1001, true);
	add_user(f->m, 105, 100, 0, false);
	for (i = 0; i <= 5; i++)
		add_uts(f->m, 200 + i, 100 + i);
	add_uts(f->m, 206, 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	nsm_model_free(f->m);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->root);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static struct nsm_caps in(const struct fx *f, uid_t euid, uint64_t eff,
			  uint64_t userns, uint64_t target)
{
	const struct nsm_creds c = { .euid = euid, .cap_eff = eff,
				     .userns = userns };
	struct nsm_caps r;
	const struct nsm_ns *ns = nsm_ns_get(f->m, target);

	assert_non_null(ns);
	nsm_caps_in(f->m, &c, FULL, ns, &r);
	return r;
}

static void expect(struct nsm_caps r, enum nsm_caps_rel rel, int level,
		   uint64_t userns, uint64_t owned, uint64_t set)
{
	assert_string_equal(nsm_caps_rel_name(r.rel), nsm_caps_rel_name(rel));
	assert_int_equal(r.level, level);
	assert_int_equal(r.userns, userns);
	assert_int_equal(r.owned, owned);
	assert_int_equal(r.set, set);
}

/* root of the initial user ns: its own set there and everywhere below */
static void test_root(void **state)
{
	struct fx *f = *state;

	expect(in(f, 0, SOME, 100, 200), NSM_CAPS_MEMBER, 0, 100, 0, SOME);
	expect(in(f, 0, SOME, 100, 100), NSM_CAPS_MEMBER, 0, 100, 0, SOME);
	/* U1 is owned by 1000, not 0: up to U0, the effective set */
	expect(in(f, 0, SOME, 100, 201), NSM_CAPS_ANCESTOR, 1, 101, 0, SOME);
	expect(in(f, 0, SOME, 100, 203), NSM_CAPS_ANCESTOR, 3, 103, 0, SOME);
	/* U3's owner uid is 0, but U3 was not made in U0: it does not count */
	expect(in(f, 0, NOADMIN, 100, 103), NSM_CAPS_ANCESTOR, 3, 103, 0,
	       NOADMIN);
}

/* euid 1000 without capabilities: all in what it made in its own ns */
static void test_owner(void **state)
{
	struct fx *f = *state;

	expect(in(f, 1000, 0, 100, 201), NSM_CAPS_OWNER, 0, 101, 101, FULL);
	expect(in(f, 1000, 0, 100, 101), NSM_CAPS_OWNER, 0, 101, 101, FULL);
	expect(in(f, 1000, 0, 100, 202), NSM_CAPS_OWNER, 1, 102, 101, FULL);
	expect(in(f, 1000, 0, 100, 203), NSM_CAPS_OWNER, 2, 103, 101, FULL);
	/* another uid's: its (empty) effective set of the ancestor */
	expect(in(f, 1000, 0, 100, 204), NSM_CAPS_ANCESTOR, 1, 104, 0, 0);
	expect(in(f, 1000, 0, 100, 200), NSM_CAPS_MEMBER, 0, 100, 0, 0);
	/* U2 is owned by 1000 too, but made in U1: only from inside U1 */
	expect(in(f, 1000, 0, 101, 202), NSM_CAPS_OWNER, 0, 102, 102, FULL);
	expect(in(f, 1000, 0, 101, 203), NSM_CAPS_OWNER, 1, 103, 102, FULL);
}

/* a member of U1: nothing in U0 or in the sibling U4 */
static void test_member_below(void **state)
{
	struct fx *f = *state;

	expect(in(f, 0, SOME, 101, 201), NSM_CAPS_MEMBER, 0, 101, 0, SOME);
	expect(in(f, 0, SOME, 101, 203), NSM_CAPS_ANCESTOR, 2, 103, 0, SOME);
	expect(in(f, 0, SOME, 101, 200), NSM_CAPS_NONE, -1, 100, 0, 0);
	expect(in(f, 0, SOME, 101, 204), NSM_CAPS_NONE, -1, 104, 0, 0);
	expect(in(f, 1001, SOME, 101, 104), NSM_CAPS_NONE, -1, 104, 0, 0);
	/* a sibling owned by the same uid: its parent is not ours */
	expect(in(f, 1001, SOME, 104, 201), NSM_CAPS_NONE, -1, 101, 0, 0);
}

/* a link not read: unknown, never a guess */
static void test_unknown(void **state)
{
	struct fx *f = *state;

	expect(in(f, 0, SOME, 100, 205), NSM_CAPS_UNKNOWN, -1, 105, 0, 0);
	expect(in(f, 0, SOME, 100, 206), NSM_CAPS_UNKNOWN, -1, 0, 0, 0);
	/* the process's own namespace is met before the unread one */
	expect(in(f, 0, SOME, 105, 205), NSM_CAPS_MEMBER, 0, 105, 0, SOME);
	/* a user namespace the model does not hold */
	expect(in(f, 0, SOME, 999, 200), NSM_CAPS_NONE, -1, 100, 0, 0);
}

static void test_read_creds(void **state)
{
	struct fx *f = *state;
	struct nsm_creds c;

	assert_int_equal(nsm_read_creds(f->m, 1, &c), 0);
	assert_int_equal(c.euid, 1001);
	assert_int_equal(c.cap_eff, 0x201000);
	assert_int_equal(c.userns, 101);
	assert_int_equal(nsm_read_creds(f->m, 2, &c), -ENOENT);
	assert_int_equal(nsm_caps_full(f->m), FULL);
}

static void test_parse(void **state)
{
	struct nsm_creds c = { 0 };
	size_t bad = 99;

	(void)state;
	assert_int_equal(nsm_parse_creds("Uid:\t0\t5\t0\t0\nCapEff:\t1f\n",
					 &c, &bad), 0);
	assert_int_equal(c.euid, 5);
	assert_int_equal(c.cap_eff, 0x1f);
	assert_int_equal(nsm_parse_creds("CapEff: FFFFFFFFFFFFFFFF\n"
					 "Uid: 1 4294967295 0 0",
					 &c, &bad), 0);
	assert_int_equal(c.euid, 4294967295U);
	assert_int_equal(c.cap_eff, ~0ULL);
	/* missing a line, a field, a digit; too long, out of range */
	assert_int_equal(nsm_parse_creds("Uid:\t0\t0\n", &c, &bad), -EINVAL);
	assert_int_equal(bad, 0);
	assert_int_equal(nsm_parse_creds("Name:\tx\nUid:\t0\nCapEff:\t0\n",
					 &c, &bad), -EINVAL);
	assert_int_equal(bad, 2);
	assert_int_equal(nsm_parse_creds("Uid:\t0\t0\nCapEff:\t\n", &c,
					 &bad), -EINVAL);
	assert_int_equal(bad, 2);
	assert_int_equal(nsm_parse_creds("Uid:\t0\t0\n"
					 "CapEff:\t10000000000000000\n",
					 &c, &bad), -EINVAL);
	assert_int_equal(nsm_parse_creds("Uid:\t0\t4294967296\nCapEff:\t0\n",
					 &c, &bad), -EINVAL);
	assert_int_equal(nsm_parse_creds("Uid:\t0\t-1\nCapEff:\t0\n", &c,
					 &bad), -EINVAL);
	assert_int_equal(nsm_parse_creds("Uid:\t0\t1x\nCapEff:\t0\n", &c,
					 &bad), -EINVAL);
	assert_int_equal(nsm_parse_creds("Uid:\t0\t1\nCapEff:\t0g\n", &c,
					 &bad), -EINVAL);
}

static void test_names(void **state)
{
	char *s;

	(void)state;
	assert_string_equal(nsm_cap_name(NSM_CAP_SYS_ADMIN), "cap_sys_admin");
	assert_string_equal(nsm_cap_name(40), "cap_checkpoint_restore");
	assert_null(nsm_cap_name(nsm_cap_names()));
	s = nsm_caps_names((1ULL << 0) | (1ULL << 21) | (1ULL << 41));
	assert_string_equal(s, "cap_chown,cap_sys_admin,41");
	free(s);
	s = nsm_caps_names(0);
	assert_string_equal(s, "");
	free(s);
	s = nsm_caps_names(~0ULL);
	assert_non_null(strstr(s, ",cap_checkpoint_restore,41,"));
	assert_non_null(strstr(s, ",63"));
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_member_below, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_creds, setup,
						teardown),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
