// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_privs.c - the capability table (discovery/privs.c): which of it a
 * run needs by its switches and sweep, what a set of capabilities lacks
 * (CAP_SYS_ADMIN standing in for CAP_BPF and CAP_PERFMON), and what the
 * agent keeps of what it holds.
 */
#include <linux/capability.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "nsm.h"

#define BIT(c) (1ULL << (c))
/* the set measured for the agent with its default switches */
#define MEASURED (BIT(CAP_SYS_PTRACE) | BIT(CAP_DAC_READ_SEARCH) | \
		  BIT(CAP_SYS_ADMIN) | BIT(CAP_SYS_CHROOT))

static void test_every_entry_said(void **state)
{
	size_t i;

	for (i = 0; i < nsm_nprivs; i++) {
		assert_true(!strncmp(nsm_privs[i].name, "CAP_", 4));
		assert_true(nsm_privs[i].enables[0] && nsm_privs[i].lost[0]);
		assert_true(nsm_privs[i].need != 0);
	}
}

static void test_needs(void **state)
{
	struct nsm_opts o;
	unsigned need;

	nsm_opts_default(&o);
	need = nsm_priv_needs(&o, true, false);
	assert_int_equal(nsm_privs_missing(need, MEASURED), 0);
	/* the /proc sweep asks sockets for their net ns: CAP_NET_ADMIN */
	need = nsm_priv_needs(&o, false, true);
	assert_int_equal(nsm_privs_missing(need, MEASURED), BIT(CAP_NET_ADMIN));
	o.sockets = false;
	need = nsm_priv_needs(&o, false, true);
	assert_int_equal(nsm_privs_missing(need, MEASURED), 0);
	/* without bind mounts and mount tables, no mount ns is entered */
	o.bindmounts = o.mounts = false;
	need = nsm_priv_needs(&o, true, false);
	assert_int_equal(nsm_privs_missing(need, BIT(CAP_SYS_PTRACE) |
					   BIT(CAP_DAC_READ_SEARCH) |
					   BIT(CAP_BPF) | BIT(CAP_PERFMON)), 0);
}

static void test_missing_one(void **state)
{
	struct nsm_opts o;
	unsigned need;

	nsm_opts_default(&o);
	need = nsm_priv_needs(&o, true, false);
	assert_int_equal(nsm_privs_missing(need, MEASURED & ~BIT(CAP_SYS_CHROOT)),
			 BIT(CAP_SYS_CHROOT));
	/* CAP_SYS_ADMIN stood in for BPF's: all three go missing */
	assert_int_equal(nsm_privs_missing(need, MEASURED & ~BIT(CAP_SYS_ADMIN)),
			 BIT(CAP_SYS_ADMIN) | BIT(CAP_BPF) | BIT(CAP_PERFMON));
	/* CAP_DAC_OVERRIDE stands in for CAP_DAC_READ_SEARCH */
	assert_int_equal(nsm_privs_missing(need, (MEASURED &
						  ~BIT(CAP_DAC_READ_SEARCH)) |
						 BIT(CAP_DAC_OVERRIDE)), 0);
}

/* CAP_DAC_OVERRIDE is said only when an engine's socket refuses us */
static void test_engine_socket(void **state)
{
	struct nsm_opts o;

	nsm_opts_default(&o);
	assert_true(nsm_priv_needs(&o, true, false) & NSM_NEED_ENGINE_SOCKETS);
	assert_int_equal(nsm_privs_missing(nsm_priv_needs(&o, true, false),
					   MEASURED), 0);
}

static void test_keep(void **state)
{
	struct nsm_opts o;
	uint64_t root = (1ULL << (CAP_LAST_CAP + 1)) - 1;

	nsm_opts_default(&o);
	/* root keeps the table's own capabilities; CAP_DAC_OVERRIDE for
	 * engines' sockets of other owners */
	assert_int_equal(nsm_privs_keep(nsm_priv_needs(&o, true, false), root),
			 MEASURED | BIT(CAP_BPF) | BIT(CAP_PERFMON) |
			 BIT(CAP_DAC_OVERRIDE));
	o.containers = false;
	/* the measured set keeps all of itself (BPF through SYS_ADMIN) */
	assert_int_equal(nsm_privs_keep(nsm_priv_needs(&o, true, false),
					MEASURED), MEASURED);
	/* --proc after the feed's load: BPF's are dropped */
	assert_int_equal(nsm_privs_keep(nsm_priv_needs(&o, false, true), root),
			 MEASURED | BIT(CAP_NET_ADMIN));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_entry_said),
		cmocka_unit_test(test_needs),
		cmocka_unit_test(test_missing_one),
		cmocka_unit_test(test_engine_socket),
		cmocka_unit_test(test_keep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
