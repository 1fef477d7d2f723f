// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lost.c - the loss resync of the agent: SPEC says a lost event is always
 * followed by a sync; this makes it the next thing after it (only the
 * sweep's corrections between), and decides when.
 */
#include "lost.h"

void lost_init(struct lost *l, const struct lost_ops *ops, void *ctx,
	       agent_clock_fn clock)
{
	*l = (struct lost){ .ops = ops, .ctx = ctx, .clock = clock };
}

void lost_resync(struct lost *l, bool now)
{
	uint64_t n, shed;

	if (!l->sync_due)
		return;
	if (!now && l->clock() < l->sync_due)
		return;
	/*
	 * In this order: what a program does once shedding is off is
	 * either in the ring, read now, or in the counters, read after
	 * it; what comes after the counters are read, the sweep sees or
	 * it is read after the sweep (reconcile.c folds it into the
	 * model then), or it is the next loss.
	 */
	l->ops->shedding(l->ctx, false);
	/* the records that made it come first: they happened before */
	l->ops->consume(l->ctx);
	n = l->ops->total(l->ctx, l->noticed);
	shed = l->ops->shed(l->ctx);
	l->ops->report(l->ctx, n - l->seen + shed - l->shed_seen,
		       shed - l->shed_seen);
	l->seen = n;
	l->shed_seen = shed;
	l->ops->resync(l->ctx);
	l->sync_due = 0;
	l->sync_at = l->clock();
}

void lost_check(struct lost *l)
{
	int64_t due;
	uint64_t n;

	/* shedding: its resync counts it all */
	if (l->sync_due)
		return;
	/* the .bss mirrors of the counters: no syscall per read */
	if (l->ops->quick(l->ctx) == l->seen + l->shed_seen)
		return;
	n = l->ops->total(l->ctx, l->seen);
	/* a program that read the knob before it went off sheds late */
	if (n == l->seen && l->ops->shed(l->ctx) == l->shed_seen)
		return;
	l->noticed = n;
	/* the sweep will find it all: the records need not be written */
	l->ops->shedding(l->ctx, true);
	due = l->sync_at + LOST_RESYNC_GAP_MS * MS_NS;
	l->sync_due = due > 1 ? due : 1;
	lost_resync(l, false);
}
