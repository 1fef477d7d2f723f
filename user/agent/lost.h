/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lost.h - records the kernel dropped (its ring was full).  A loss is
 * not reported at once: from then on the programs shed their records
 * (count them, write none: the sweep will find what they were about),
 * and when the resync is due, at most one per LOST_RESYNC_GAP_MS, one
 * lost event counts every record dropped or shed since the last one,
 * and its sweep's sync (reason lost) follows it at once.  The stream
 * reads lost, sync, ..., lost, sync: each sync repairs what the lost
 * before it counted.  The counters, the knob, the sweep and the clock
 * are the caller's, so that a unit test can fake them.
 */
#ifndef NSMON_LOST_H
#define NSMON_LOST_H

#include <stdbool.h>
#include <stdint.h>

#include "agent_time.h"

/*
 * A sweep takes tens of ms, in which a busy host can fill the ring
 * again: the loss-resync after a loss-resync waits this long, so that
 * a burst cannot keep the agent sweeping.  Meanwhile the kernel sheds:
 * a burst costs it no ring writes and the agent no reads.
 */
#define LOST_RESYNC_GAP_MS 1000

struct lost_ops {
	/* cheap copies (.bss) of the lost and shed counters, summed */
	uint64_t (*quick)(void *ctx);
	/* the lost counter itself; dflt if it cannot be read */
	uint64_t (*total)(void *ctx, uint64_t dflt);
	/* the records the programs shed */
	uint64_t (*shed)(void *ctx);
	/* the programs shed (count, write nothing) or write records */
	void (*shedding)(void *ctx, bool on);
	/* reads the ring: the records that made it happened before */
	int (*consume)(void *ctx);
	/* reports count records lost, shed of them shed (a lost event) */
	void (*report)(void *ctx, uint64_t count, uint64_t shed);
	/* sweeps and reconciles, reason "lost" */
	int (*resync)(void *ctx);
};

struct lost {
	const struct lost_ops *ops;
	void *ctx;
	agent_clock_fn clock;
	uint64_t seen;		/* the lost counter, as reported */
	uint64_t shed_seen;	/* the shed counter, as reported */
	uint64_t noticed;	/* the lost counter when the loss was seen */
	int64_t sync_due;	/* clock ns; 0: none pending (not shedding) */
	int64_t sync_at;	/* the last loss-resync */
};

void lost_init(struct lost *l, const struct lost_ops *ops, void *ctx,
	       agent_clock_fn clock);
/* After each read: a new loss starts shedding and schedules its resync. */
void lost_check(struct lost *l);
/* The lost event and its resync: when due, or now (at exit). */
void lost_resync(struct lost *l, bool now);
/* Clock ns when the pending resync is due; 0: none. */
static inline int64_t lost_due(const struct lost *l)
{
	return l->sync_due;
}

#endif
