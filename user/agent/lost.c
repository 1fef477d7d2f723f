// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lost.c - the loss resync of the agent: SPEC says a lost event is always
 * followed by a sync; this decides when.
 */
#include "lost.h"

void lost_init(struct lost *l, const struct lost_ops *ops, void *ctx,
	       agent_clock_fn clock)
{
	*l = (struct lost){ .ops = ops, .ctx = ctx, .clock = clock };
}

void lost_resync(struct lost *l, bool now)
{
	if (!l->sync_due)
		return;
	if (!now && l->clock() < l->sync_due)
		return;
	l->ops->consume(l->ctx);
	l->ops->resync(l->ctx);
	l->sync_due = 0;
	l->sync_at = l->clock();
}

void lost_check(struct lost *l)
{
	int64_t due;
	uint64_t n;

	/* the .bss mirror of the per-CPU counter: no syscall per read */
	if (l->ops->quick(l->ctx) == l->seen)
		return;
	n = l->ops->total(l->ctx, l->seen);
	if (n == l->seen)
		return;
	/* the records that made it come first: they happened before */
	l->ops->consume(l->ctx);
	n = l->ops->total(l->ctx, l->seen);
	l->ops->report(l->ctx, n - l->seen);
	l->seen = n;
	if (l->sync_due)
		return;
	due = l->sync_at + LOST_RESYNC_GAP_MS * MS_NS;
	l->sync_due = due > 1 ? due : 1;
	lost_resync(l, false);
}
