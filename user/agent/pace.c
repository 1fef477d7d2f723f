// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pace.c - burst pacing (a timed read instead of a wakeup per record)
 * and lazy-exit pacing (an exit's records wait for the next read, at
 * most --exit-delay) of the agent's reads of the kernel's ring.
 */
#include "pace.h"

void pace_init(struct pace *p, const struct pace_ops *ops, void *ctx,
	       agent_clock_fn clock, unsigned max_delay_us,
	       unsigned exit_delay_ms, unsigned ring_size)
{
	*p = (struct pace){
		.ops = ops,
		.ctx = ctx,
		.clock = clock,
		.ring_size = ring_size,
		.max_delay_us = max_delay_us,
		.delay_us = max_delay_us,
		.exit_delay_ms = exit_delay_ms,
	};
}

static void set_batching(struct pace *p, bool on)
{
	p->batching = on;
	p->ops->set_batching(p->ctx, on);
}

static void set_deep(struct pace *p, bool on)
{
	p->deep = on;
	p->ops->set_lazy_wakes(p->ctx, on);
}

void pace_start(struct pace *p)
{
	p->delay_us = p->max_delay_us;
	/* idle: every record wakes us */
	set_deep(p, true);
}

void pace_record(struct pace *p, size_t len)
{
	/* the ring's 8-byte header, records padded to 8 bytes */
	p->got += 8 + ((len + 7) & ~(size_t)7);
	p->recs++;
}

/*
 * After a read of the ring: records came, so an exit may follow soon
 * (a short-lived task that made a namespace): its records need not wake
 * us for --exit-delay.  After that long without records, they do again:
 * an idle agent sleeps without a deadline for them.
 */
static void pace_lazy(struct pace *p)
{
	int64_t now;

	if (!p->exit_delay_ms)
		return;
	now = p->clock();
	if (p->recs) {
		p->light_due = now + p->exit_delay_ms * MS_NS;
		if (p->deep)
			set_deep(p, false);
		return;
	}
	if (p->deep || now < p->light_due)
		return;
	set_deep(p, true);
	/* what came before the store above: it did not wake us */
	p->ops->clear_lazy(p->ctx);
	p->ops->consume(p->ctx);
	if (p->recs) {
		set_deep(p, false);
		p->light_due = now + p->exit_delay_ms * MS_NS;
	}
}

/*
 * After a read of the ring: into a burst, out of it, or how fast.  A
 * timed sleep costs the agent about twice a wakeup by the kernel here
 * (~30 vs ~16 us, a VM), but a wakeup by the kernel is paid by the
 * task that made the record (~20 us in its BPF program): batching pays
 * off only while records come faster than one per delay.
 */
static void pace_burst(struct pace *p)
{
	size_t got = p->got, recs = p->recs;
	int64_t now;

	p->got = 0;
	p->recs = 0;
	/* an empty read in a burst ends it (below) */
	if (!p->max_delay_us || (!recs && !p->batching))
		return;
	now = p->clock();
	if (!p->batching) {
		/*
		 * A burst: BURST_WAKEUPS wakeups within a quarter of the delay
		 * each on average, so that a timed read gets 4 records or more.
		 * Sparser records (an unshare and its exit, 0.1 ms apart, every
		 * 0.6 ms) cost less woken one by one.
		 */
		int64_t *old = &p->wakeups[p->nwakeups++ % BURST_WAKEUPS];

		if (p->nwakeups > BURST_WAKEUPS &&
		    now - *old < BURST_WAKEUPS * p->max_delay_us * 1000LL / 4) {
			p->delay_us = p->max_delay_us;
			set_batching(p, true);
		}
		*old = now;
		return;
	}
	if (got > p->ring_size / 4 && p->delay_us > MIN_DELAY_US)
		p->delay_us /= 2;
	else if (got < p->ring_size / 16 && p->delay_us < p->max_delay_us)
		p->delay_us = p->delay_us * 2 > p->max_delay_us ? p->max_delay_us
								: p->delay_us * 2;
	if (recs > 1)
		return;
	p->nwakeups = 0;
	/*
	 * The burst is over.  A program that saw batching set just before
	 * this may submit after the read below without waking us: the next
	 * wait is short.
	 */
	set_batching(p, false);
	p->ops->consume(p->ctx);
	p->got = 0;
	p->recs = 0;
	p->settle = true;
}

void pace_read(struct pace *p)
{
	pace_lazy(p);
	pace_burst(p);
}

int64_t pace_wait_us(struct pace *p, int64_t us)
{
	if ((p->batching || p->settle) && us > p->delay_us)
		us = p->delay_us;
	if (!p->deep) {
		int64_t left = (p->light_due - p->clock()) / 1000;

		if (left < us)
			us = left < 0 ? 0 : left;
	}
	p->settle = false;
	return us;
}
