/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lost.h - records the kernel dropped (its ring was full): each loss is
 * reported at once (a lost event) and followed by a resync (a sweep, a
 * sync event with reason lost), at most one per LOST_RESYNC_GAP_MS.  The
 * counters, the sweep and the clock are the caller's, so that a unit
 * test can fake them.
 */
#ifndef NSMON_LOST_H
#define NSMON_LOST_H

#include <stdbool.h>
#include <stdint.h>

#include "agent_time.h"

/*
 * A sweep takes tens of ms, in which a busy host can fill the ring
 * again: the loss-resync after a loss-resync waits this long, so that
 * a burst cannot keep the agent sweeping (each loss is reported at once
 * and is followed by a sync, only later).
 */
#define LOST_RESYNC_GAP_MS 1000

struct lost_ops {
	/* a cheap copy of the counter (.bss): did it move? */
	uint64_t (*quick)(void *ctx);
	/* the counter itself; dflt if it cannot be read */
	uint64_t (*total)(void *ctx, uint64_t dflt);
	/* reads the ring: the records that made it happened before */
	int (*consume)(void *ctx);
	/* reports count lost records (a lost event) */
	void (*report)(void *ctx, uint64_t count);
	/* sweeps and reconciles, reason "lost" */
	int (*resync)(void *ctx);
};

struct lost {
	const struct lost_ops *ops;
	void *ctx;
	agent_clock_fn clock;
	uint64_t seen;		/* the counter, as reported */
	int64_t sync_due;	/* clock ns; 0: none pending */
	int64_t sync_at;	/* the last loss-resync */
};

void lost_init(struct lost *l, const struct lost_ops *ops, void *ctx,
	       agent_clock_fn clock);
/* After each read: reports a loss, schedules (or runs) its resync. */
void lost_check(struct lost *l);
/* The resync that follows a loss: when due, or now (at exit). */
void lost_resync(struct lost *l, bool now);
/* Clock ns when the pending resync is due; 0: none. */
static inline int64_t lost_due(const struct lost *l)
{
	return l->sync_due;
}

#endif
