// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_agent_lost.c - the agent's loss resync (user/agent/lost.c) with a
 * fake clock, fake lost and shed counters, a fake shedding knob and a
 * fake sweep: a loss turns shedding on and is reported only when its
 * resync runs (at once, or LOST_RESYNC_GAP_MS after the last one), as
 * one lost event with every record lost or shed since the last report,
 * followed at once by the sync; losses during the sweep are the next
 * lost's; at exit a pending loss is reported and synced.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
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

/*
 * The kernel's counters and what the agent did, in order: "+" and "-"
 * shedding on and off, "c" read the ring, "L<n>/<s>" reported n lost of
 * which s shed, "S" swept.
 */
struct fake {
	uint64_t quick, total, shed;
	bool shedding;
	bool total_fails;	/* the per-CPU counters cannot be read */
	uint64_t sweep_loses;	/* records lost while the sweep runs */
	char log[256];
};

static void log_add(struct fake *f, const char *s)
{
	strncat(f->log, s, sizeof(f->log) - strlen(f->log) - 1);
}

static uint64_t f_quick(void *ctx)
{
	struct fake *f = ctx;

	return f->quick + f->shed;
}

static uint64_t f_total(void *ctx, uint64_t dflt)
{
	struct fake *f = ctx;

	return f->total_fails ? dflt : f->total;
}

static uint64_t f_shed(void *ctx)
{
	return ((struct fake *)ctx)->shed;
}

static void f_shedding(void *ctx, bool on)
{
	struct fake *f = ctx;

	f->shedding = on;
	log_add(f, on ? "+" : "-");
}

static int f_consume(void *ctx)
{
	log_add(ctx, "c");
	return 0;
}

static void f_report(void *ctx, uint64_t n, uint64_t shed)
{
	char s[48];

	snprintf(s, sizeof(s), "L%llu/%llu", (unsigned long long)n,
		 (unsigned long long)shed);
	log_add(ctx, s);
}

static void lose(struct fake *f, uint64_t n);

static int f_resync(void *ctx)
{
	struct fake *f = ctx;

	log_add(f, "S");
	lose(f, f->sweep_loses);
	f->sweep_loses = 0;
	return 0;
}

static const struct lost_ops ops = {
	.quick = f_quick,
	.total = f_total,
	.shed = f_shed,
	.shedding = f_shedding,
	.consume = f_consume,
	.report = f_report,
	.resync = f_resync,
};

/* n records that do not fit the ring: shed while the knob is on */
static void lose(struct fake *f, uint64_t n)
{
	if (f->shedding) {
		f->shed += n;
		return;
	}
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

/* A loss after a quiet while: the ring read, the count, the sync. */
static void test_loss_then_sync(void **state)
{
	struct lost l;
	struct fake f;

	open_lost(&l, &f);
	lose(&f, 7);
	lost_check(&l);
	assert_string_equal(f.log, "+-cL7/0S");
	assert_int_equal(lost_due(&l), 0);
	assert_false(f.shedding);
	/* the same count again is no new loss */
	lost_check(&l);
	assert_string_equal(f.log, "+-cL7/0S");
}

/*
 * Losses within the gap: not reported yet, the kernel sheds; at the
 * resync one lost counts them all, the records shed too, and its sync
 * follows it at once.
 */
static void test_losses_fold_into_one(void **state)
{
	struct lost l;
	struct fake f;
	int64_t t0;

	open_lost(&l, &f);
	lose(&f, 1);
	lost_check(&l);
	t0 = now_ns;
	now_ns += 200 * MS_NS;
	lose(&f, 2);
	lost_check(&l);
	assert_string_equal(f.log, "+-cL1/0S+");
	assert_true(f.shedding);
	assert_int_equal(lost_due(&l), t0 + LOST_RESYNC_GAP_MS * MS_NS);
	/* shed meanwhile; a loss still counted (a stash that did not fit) */
	lose(&f, 5);
	f.quick += 1;
	f.total += 1;
	now_ns += 300 * MS_NS;
	lost_check(&l);
	lost_resync(&l, false);
	now_ns = lost_due(&l) - 1;
	lost_resync(&l, false);
	assert_string_equal(f.log, "+-cL1/0S+");
	now_ns += 1;
	lost_resync(&l, false);
	assert_string_equal(f.log, "+-cL1/0S+-cL8/5S");
	assert_int_equal(lost_due(&l), 0);
	assert_false(f.shedding);
	lost_check(&l);
	assert_string_equal(f.log, "+-cL1/0S+-cL8/5S");
}

/* Losses while the sweep runs: the next lost's, after this sync. */
static void test_loss_during_sweep(void **state)
{
	struct lost l;
	struct fake f;

	open_lost(&l, &f);
	lose(&f, 1);
	f.sweep_loses = 3;
	lost_check(&l);
	assert_string_equal(f.log, "+-cL1/0S");
	lost_check(&l);
	assert_string_equal(f.log, "+-cL1/0S+");
	assert_int_equal(lost_due(&l), now_ns + LOST_RESYNC_GAP_MS * MS_NS);
	now_ns = lost_due(&l);
	lost_resync(&l, false);
	assert_string_equal(f.log, "+-cL1/0S+-cL3/0S");
}

/*
 * A program that loaded the knob just before it went off sheds after
 * the counters were read: a loss of its own, with its own sync.
 */
static void test_late_shed(void **state)
{
	struct lost l;
	struct fake f;

	open_lost(&l, &f);
	lose(&f, 1);
	lost_check(&l);
	f.shed += 1;
	now_ns += 10 * MS_NS;
	lost_check(&l);
	now_ns = lost_due(&l);
	lost_resync(&l, false);
	assert_string_equal(f.log, "+-cL1/0S+-cL1/1S");
}

/* At exit a pending loss is reported now, and its sync follows. */
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
	lose(&f, 4);
	assert_string_equal(f.log, "+-cL1/0S+");
	lost_resync(&l, true);
	assert_string_equal(f.log, "+-cL1/0S+-cL5/4S");
	assert_int_equal(lost_due(&l), 0);
	/* a loss the drain at exit finds: checked, then synced now */
	lose(&f, 2);
	lost_check(&l);
	lost_resync(&l, true);
	assert_string_equal(f.log, "+-cL1/0S+-cL5/4S+-cL2/0S");
}

/* The per-CPU counters unreadable at the resync: the count seen. */
static void test_total_fails(void **state)
{
	struct lost l;
	struct fake f;

	open_lost(&l, &f);
	lose(&f, 1);
	lost_check(&l);
	lose(&f, 4);
	lost_check(&l);
	f.total_fails = true;
	lost_resync(&l, true);
	assert_string_equal(f.log, "+-cL1/0S+-cL4/0S");
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
	assert_false(f.shedding);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing_lost),
		cmocka_unit_test(test_loss_then_sync),
		cmocka_unit_test(test_losses_fold_into_one),
		cmocka_unit_test(test_loss_during_sweep),
		cmocka_unit_test(test_late_shed),
		cmocka_unit_test(test_exit_syncs),
		cmocka_unit_test(test_total_fails),
		cmocka_unit_test(test_quick_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
