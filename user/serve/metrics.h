/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * metrics.h - the counters behind /metrics that the agent's events move
 * (counted by the sink, on the agent's thread; read by any HTTP thread).
 */
#ifndef NSMON_METRICS_H
#define NSMON_METRICS_H

#include <stdatomic.h>

#include "nsm.h"
#include "wev.h"

/* the sync reasons SPEC names, and one for any other */
enum { SYNC_START, SYNC_LOST, SYNC_INTERVAL, SYNC_SIGNAL, SYNC_OTHER,
       SYNC_NREASONS };

struct metrics {
	/* [kind][1 + type]; [kind][0]: an event about no one type */
	atomic_ulong events[WEV_DYING][1 + NSM_NTYPES];
	atomic_ulong lost;
	atomic_ulong syncs[SYNC_NREASONS];
	atomic_ulong created, destroyed;	/* sync.corrected */
};

/* One event published. */
void metrics_event(struct metrics *m, const struct wev *e);

#endif
