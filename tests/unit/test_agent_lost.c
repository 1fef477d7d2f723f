// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_agent_lost.c - the agent's loss resync (user/agent/lost.c) with a
 * fake clock, a fake lost counter and a fake sweep: a loss is reported
 * at once (after the records that made it) and followed by a sync; a
 * second loss within LOST_RESYNC_GAP_MS waits for its sync; at exit the
 * pending sync is done.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lost.h"

static int64_t now_ns;

static int64_t fake_clock(void)
{
	return now_ns;
}

/* The counter and what the agent did, in order: "c" read the ring,
 * "L<n>" reported n lost, "S" swept. */
struct fake {
	uint64_t quick, total;
	char log[256];
};

static void log_add(struct fake *f, const char *s)
{
	strncat(f->log, s, sizeof(f->log) - strlen(f->log) - 1);
}

static uint64_t f_quick(void *ctx)
{
	return ((struct fake *)ctx)->quick;
}

static uint64_t f_total(void *ctx, uint64_t dflt)
{
	return ((struct fake *)ctx)->total;
}

static int f_consume(void *ctx)
{
	log_add(ctx, "c");
	return 0;
}

static void f_report(void *ctx, uint64_t n)
{
	char s[32];

	snprintf(s, sizeof(s), "L%llu", (unsigned long long)n);
	log_add(ctx, s);
}

static int f_resync(void *ctx)
{
	log_add(ctx, "S");
	return 0;
}

static const struct lost_ops ops = {
	.quick = f_quick,
	.total = f_total,
	.consume = f_consume,
	.report = f_report,
	.resync = f_resync,
};

static void lose(struct fake *f, uint64_t n)
{
	f->quick += n;
	f->total += n;
}

static void open_lost(struct lost *l, struct fake *f)
{
	memset(f, 0, sizeof(*f));
	/* monotonic time is the uptime: far from 0 */
	now_ns = 100 * 1000 * MS_NS;
	lost_init(l, &ops, f, fake_clock);
}

static void test_nothing_lost(void **state)
{
	struct lost l;
	struct fake f;

	open_lost(&l, &f);
	lost_check(&l);
	lost_resync(&l, false);
	lost_resync(&l, true);
	assert_string_equal(f.log, "");
	assert_int_equal(lost_due(&l), 0);
}

/* A loss: the ring read, the count, then the sync at once. */
static void test_loss_then_sync(void **state)
{
	struct lost l;
	struct fake f;

	open_lost(&l, &f);
	lose(&f, 7);
	lost_check(&l);
	assert_string_equal(f.log, "cL7cS");
	assert_int_equal(lost_due(&l), 0);
	/* the same count again is no new loss */
	lost_check(&l);
	assert_string_equal(f.log, "cL7cS");
}

/* A second loss within the gap: reported now, synced after the gap. */
static void test_second_loss_waits(void **state)
{
	struct lost l;
	struct fake f;

	open_lost(&l, &f);
	lose(&f, 1);
	lost_check(&l);
	now_ns += 200 * MS_NS;
	lose(&f, 2);
	lost_check(&l);
	assert_string_equal(f.log, "cL1cScL2");
	assert_int_equal(lost_due(&l), now_ns - 200 * MS_NS +
					    LOST_RESYNC_GAP_MS * MS_NS);
	/* a third before the sync: reported, the same sync covers it */
	now_ns += 300 * MS_NS;
	lose(&f, 4);
	lost_check(&l);
	lost_resync(&l, false);
	assert_string_equal(f.log, "cL1cScL2cL4");
	now_ns = lost_due(&l) - 1;
	lost_resync(&l, false);
	assert_string_equal(f.log, "cL1cScL2cL4");
	now_ns += 1;
	lost_resync(&l, false);
	assert_string_equal(f.log, "cL1cScL2cL4cS");
	assert_int_equal(lost_due(&l), 0);
}

/* At exit a pending sync is done now: a lost is always followed by one. */
static void test_exit_syncs(void **state)
{
	struct lost l;
	struct fake f;

	open_lost(&l, &f);
	lose(&f, 1);
	lost_check(&l);
	now_ns += 10 * MS_NS;
	lose(&f, 1);
	lost_check(&l);
	assert_string_equal(f.log, "cL1cScL1");
	lost_resync(&l, true);
	assert_string_equal(f.log, "cL1cScL1cS");
	assert_int_equal(lost_due(&l), 0);
}

/* The cheap counter moved but the real one did not (yet): nothing. */
static void test_quick_only(void **state)
{
	struct lost l;
	struct fake f;

	open_lost(&l, &f);
	f.quick = 3;
	lost_check(&l);
	assert_string_equal(f.log, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing_lost),
		cmocka_unit_test(test_loss_then_sync),
		cmocka_unit_test(test_second_loss_waits),
		cmocka_unit_test(test_exit_syncs),
		cmocka_unit_test(test_quick_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
