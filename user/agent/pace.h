/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pace.h - how the agent reads the kernel's ring: woken per record while
 * records are sparse, on a timer in a burst (--max-delay), and how long
 * an exit's records may wait unread (--exit-delay).  A state machine
 * over a clock and a small interface to the feed, so that a unit test
 * drives it with fakes of both.
 */
#ifndef NSMON_PACE_H
#define NSMON_PACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent_time.h"

/*
 * Bursts: when records come faster than four per --max-delay (over the
 * last BURST_WAKEUPS wakeups), the reader stops taking wakeups
 * (`batching` in events.bpf.c) and reads the ring every --max-delay
 * instead, until a read finds at most one record.  The delay shrinks
 * while a read finds the ring more than a quarter full, so that a small
 * ring does not overflow between two reads.
 */
#define MAX_DELAY_US 250
#define MIN_DELAY_US 20
#define BURST_WAKEUPS 8
/*
 * A task's exit wakes nobody (SUB_LAZY in events.bpf.c): after a read
 * that found records, the reader sleeps at most this long, then
 * re-arms the exit's wakeups and sleeps without a deadline.
 */
#define EXIT_DELAY_MS 100

/* The feed as pacing sees it (feed.c in production). */
struct pace_ops {
	void (*set_batching)(void *ctx, bool on);
	void (*set_lazy_wakes)(void *ctx, bool on);
	void (*clear_lazy)(void *ctx);
	/* reads the ring: pace_record() for each record */
	int (*consume)(void *ctx);
};

struct pace {
	const struct pace_ops *ops;
	void *ctx;
	agent_clock_fn clock;
	unsigned ring_size;
	/* bursts */
	unsigned max_delay_us;	/* --max-delay: 0 = a wakeup per record */
	unsigned delay_us;	/* current, MIN_DELAY_US .. max_delay_us */
	bool batching;
	bool settle;		/* left batching: wait at most delay_us once */
	size_t got;		/* ring bytes read since the last wait */
	size_t recs;		/* records read since the last wait */
	int64_t wakeups[BURST_WAKEUPS];	/* of the last woken reads */
	unsigned nwakeups;
	/* lazy records (an exit's) */
	unsigned exit_delay_ms;	/* --exit-delay: 0 = they wake us too */
	bool deep;		/* they wake us: no deadline for them */
	int64_t light_due;	/* clock ns: when to be deep */
};

/* max_delay_us, exit_delay_ms, ring_size as in struct pace. */
void pace_init(struct pace *p, const struct pace_ops *ops, void *ctx,
	       agent_clock_fn clock, unsigned max_delay_us,
	       unsigned exit_delay_ms, unsigned ring_size);
/* Before the first wait: idle, every record wakes the reader. */
void pace_start(struct pace *p);
/* A record of len bytes was read. */
void pace_record(struct pace *p, size_t len);
/* After each read of the ring: into a burst or out, light or deep. */
void pace_read(struct pace *p);
/*
 * The longest the next wait may sleep, at most us; ends the short wait
 * after a burst.
 */
int64_t pace_wait_us(struct pace *p, int64_t us);
/* Whether the ring wakes the reader (not in a burst). */
static inline bool pace_ring_wakes(const struct pace *p)
{
	return !p->batching;
}

#endif
