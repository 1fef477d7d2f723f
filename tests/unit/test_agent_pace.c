// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_agent_pace.c - how the agent paces its reads of the kernel's ring
 * (user/agent/pace.c), with a fake clock and a fake feed: a burst starts
 * after BURST_WAKEUPS fast wakeups and ends on a read of at most one
 * record; an exit's records may wait --exit-delay, after which they wake
 * the agent again (deep), and a record found then makes it light again.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pace.h"

#define US 1000LL
#define RING (1 << 20)

static int64_t now_ns;

static int64_t fake_clock(void)
{
	return now_ns;
}

/* The feed's knobs as the programs would see them, and its ring. */
struct fake {
	struct pace *p;
	bool batching, lazy_wakes;
	int clears, consumes;
	int pending;		/* records in the ring, read by consume */
	size_t len;		/* of each */
};

static void f_batching(void *ctx, bool on)
{
	((struct fake *)ctx)->batching = on;
}

static void f_lazy_wakes(void *ctx, bool on)
{
	((struct fake *)ctx)->lazy_wakes = on;
}

static void f_clear_lazy(void *ctx)
{
	((struct fake *)ctx)->clears++;
}

static int f_consume(void *ctx)
{
	struct fake *f = ctx;
	int n = f->pending;

	f->consumes++;
	for (; f->pending; f->pending--)
		pace_record(f->p, f->len);
	return n;
}

static const struct pace_ops ops = {
	.set_batching = f_batching,
	.set_lazy_wakes = f_lazy_wakes,
	.clear_lazy = f_clear_lazy,
	.consume = f_consume,
};

static void open_pace(struct pace *p, struct fake *f, unsigned max_delay_us,
		      unsigned exit_delay_ms)
{
	memset(f, 0, sizeof(*f));
	f->p = p;
	f->len = 200;
	now_ns = 100 * 1000 * 1000 * 1000LL;
	pace_init(p, &ops, f, fake_clock, max_delay_us, exit_delay_ms, RING);
	pace_start(p);
}

/* One turn of the agent's loop: a read that finds n records. */
static void read_n(struct pace *p, struct fake *f, int n)
{
	f->pending = n;
	f_consume(f);
	pace_read(p);
}

/* Wakeups every gap_us with a record each: the read after which the
 * burst began (0: none within max). */
static int wakeups_until_burst(struct pace *p, struct fake *f, int64_t gap_us,
			       int max)
{
	int i;

	for (i = 1; i <= max; i++) {
		now_ns += gap_us * US;
		read_n(p, f, 1);
		if (p->batching)
			return i;
	}
	return 0;
}

static void test_burst_starts(void **state)
{
	struct pace p;
	struct fake f;

	open_pace(&p, &f, MAX_DELAY_US, 0);
	/* the first BURST_WAKEUPS wakeups only fill the window */
	assert_int_equal(wakeups_until_burst(&p, &f, 10, 100),
			 BURST_WAKEUPS + 1);
	assert_true(f.batching);
	assert_false(pace_ring_wakes(&p));
	/* a timed read: at most the delay, not the caller's wait */
	assert_int_equal(pace_wait_us(&p, 250000), MAX_DELAY_US);
}

/* Sparse records (more than a quarter delay apart) never batch. */
static void test_sparse_no_burst(void **state)
{
	struct pace p;
	struct fake f;

	open_pace(&p, &f, MAX_DELAY_US, 0);
	assert_int_equal(wakeups_until_burst(&p, &f, MAX_DELAY_US / 4 + 10,
					     100), 0);
	assert_false(f.batching);
	/* --max-delay 0: a wakeup per record, however fast */
	open_pace(&p, &f, 0, 0);
	assert_int_equal(wakeups_until_burst(&p, &f, 1, 100), 0);
}

static void test_burst_ends(void **state)
{
	struct pace p;
	struct fake f;
	int consumes;

	open_pace(&p, &f, MAX_DELAY_US, 0);
	assert_int_not_equal(wakeups_until_burst(&p, &f, 10, 100), 0);
	/* reads that find several records keep it going */
	read_n(&p, &f, 2);
	read_n(&p, &f, 50);
	assert_true(f.batching);
	/* a quarter of the ring in one read: the delay halves */
	f.len = RING / 4 / 40;
	read_n(&p, &f, 50);
	assert_int_equal(p.delay_us, MAX_DELAY_US / 2);
	f.len = 200;
	/* one record: over; the ring read once more, a short wait once */
	consumes = f.consumes;
	read_n(&p, &f, 1);
	assert_false(f.batching);
	assert_true(pace_ring_wakes(&p));
	assert_int_equal(f.consumes, consumes + 2);
	assert_true(pace_wait_us(&p, 250000) <= MAX_DELAY_US);
	assert_int_equal(pace_wait_us(&p, 250000), 250000);
	/* and a new burst needs BURST_WAKEUPS fast wakeups again */
	assert_int_equal(wakeups_until_burst(&p, &f, 10, 100),
			 BURST_WAKEUPS + 1);
}

/*
 * --exit-delay: idle, an exit wakes the agent (deep); after a read with
 * records it does not for exit_delay (light), then it does again.
 */
static void test_lazy_exit(void **state)
{
	struct pace p;
	struct fake f;

	open_pace(&p, &f, MAX_DELAY_US, 100);
	assert_true(f.lazy_wakes);
	/* deep: no deadline */
	assert_int_equal(pace_wait_us(&p, 250000), 250000);
	read_n(&p, &f, 1);
	assert_false(f.lazy_wakes);
	assert_int_equal(pace_wait_us(&p, 250000), 100 * 1000);
	/* an empty read before the delay is over changes nothing */
	now_ns += 60 * 1000 * US;
	read_n(&p, &f, 0);
	assert_false(f.lazy_wakes);
	assert_int_equal(pace_wait_us(&p, 250000), 40 * 1000);
	/* after it: deep again, and what waited in the ring is read */
	now_ns += 40 * 1000 * US;
	read_n(&p, &f, 0);
	assert_true(f.lazy_wakes);
	assert_int_equal(f.clears, 1);
	assert_int_equal(pace_wait_us(&p, 250000), 250000);
}

/*
 * Going deep, the ring is read once more: exit records that came before
 * lazy_wakes was set woke nobody.  Found: light again.
 */
static void test_lazy_found_on_deep(void **state)
{
	struct pace p;
	struct fake f;

	open_pace(&p, &f, MAX_DELAY_US, 100);
	read_n(&p, &f, 1);
	now_ns += 100 * 1000 * US;
	/* the agent's read found nothing; these came after it */
	f.pending = 3;
	pace_read(&p);
	assert_int_equal(f.clears, 1);
	assert_int_equal(f.pending, 0);
	assert_false(f.lazy_wakes);
	assert_int_equal(pace_wait_us(&p, 250000), 100 * 1000);
}

/* --exit-delay 0: exits always wake the agent. */
static void test_no_exit_delay(void **state)
{
	struct pace p;
	struct fake f;

	open_pace(&p, &f, MAX_DELAY_US, 0);
	read_n(&p, &f, 1);
	assert_true(f.lazy_wakes);
	assert_int_equal(pace_wait_us(&p, 250000), 250000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_starts),
		cmocka_unit_test(test_sparse_no_burst),
		cmocka_unit_test(test_burst_ends),
		cmocka_unit_test(test_lazy_exit),
		cmocka_unit_test(test_lazy_found_on_deep),
		cmocka_unit_test(test_no_exit_delay),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
