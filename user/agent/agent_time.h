/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * agent_time.h - the clock the agent's state machines (pacing, liveness,
 * loss resync) read: CLOCK_MONOTONIC in ns in production, a fake one in
 * their unit tests; and agent_clock_ns() for every other clock read.
 */
#ifndef NSMON_AGENT_TIME_H
#define NSMON_AGENT_TIME_H

#include <stdint.h>
#include <time.h>

typedef int64_t (*agent_clock_fn)(void);

#define MS_NS 1000000LL

/* One clock in ns; the agent's one reader of the time. */
static inline int64_t agent_clock_ns(clockid_t id)
{
	struct timespec t;

	clock_gettime(id, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static inline int64_t agent_mono_ns(void)
{
	return agent_clock_ns(CLOCK_MONOTONIC);
}

#endif
