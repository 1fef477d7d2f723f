/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * liveness.h - the destroys the feed cannot see (user and PID namespaces
 * freed after the exit tracepoint, the last nsfs fd closed, a bind mount
 * unmounted): after a hint, the namespaces that could have gone are
 * checked at steps, and every namespace now and then (the safety net).
 * The clock and the check of one namespace are the caller's, so that a
 * unit test can make a namespace die when it likes.
 */
#ifndef NSMON_LIVENESS_H
#define NSMON_LIVENESS_H

#include <stdbool.h>
#include <stdint.h>

#include "agent_time.h"
#include "reconcile.h"

/*
 * After a hint (nsm_abi.h) at t: checks at t + each step, restarted by
 * the next hint.  A namespace closed or lazily unmounted goes at the
 * return to user space; a zombie holds its user and PID namespaces
 * until it is reaped (the early steps: most parents reap at once; a
 * hint on wait4 would cost every fork+exit of the host ~190 ns); the
 * kernel frees a user namespace's last credentials through lazy RCU, up
 * to ~10 s later: the checks go on every second until 11 s.
 */
#define LIVENESS_STEPS_MS { 5, 15, 30, 45, 60, 80, 100, 150, 250, 500, \
			   1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, \
			   9000, 10000, 11000 }
/*
 * Steps up to here also sweep after an exit (liveness_ops.gone): a user
 * or PID namespace that nothing holds any more is gone then, not when
 * the kernel's lazy RCU frees it (up to ~10 s later, the last steps).
 */
#define GONE_UNTIL_MS 1000
/* a sweep costs ms: at most this share of the time goes to them */
#define GONE_DUTY 4
/*
 * At this step a check covers every namespace: one that a process held
 * when the model last learnt of it may be held only by an fd or a
 * mount since.  Not at every step: each check opens the namespace (an
 * nsfs handle), a reference that an exit at that moment counts, and
 * then its destroy is not seen as the exit's.
 */
#define CHECK_ALL_AT_MS 1000
/*
 * The safety net: every namespace, this often, a part at a time: at
 * once, 3,500 namespaces were a burst of ~25 ms on one CPU every 5 s
 * (nsfs handles opened and closed), in the tail of serve's answers.
 */
#define LIVENESS_MS 5000
#define LIVENESS_PARTS 20
/* closed nsfs fds remembered between two rounds of checks */
#define LIVENESS_NCLOSED 64

struct liveness_ops {
	/* is the namespace there? 1 yes, 0 gone, < 0 cannot tell */
	rc_alive_fn alive;
	/* reads the feed: what it reported comes before a check's finds */
	int (*consume)(void *ctx);
	/* sweeps and destroys what it no longer finds (rc_gone()); NULL: no */
	int (*gone)(void *ctx);
};

struct liveness {
	const struct liveness_ops *ops;
	void *ctx;
	agent_clock_fn clock;
	struct rc *rc;
	bool handles;		/* checks can run (the kernel's nsfs handles) */
	unsigned hints;		/* RC_HINT_* since the first pending step */
	int step;		/* next of the steps, -1: none pending */
	int64_t hint_at;	/* clock ns of the last hint */
	int64_t next_part;	/* clock ns of the safety net's next part */
	unsigned part;		/* the safety net's next part */
	int64_t gone_next;	/* clock ns before which no gone sweep runs */
	/* namespaces whose nsfs fd was closed, since the hints were taken */
	uint64_t closed[LIVENESS_NCLOSED];
	unsigned nclosed;
};

/* handles: whether checks can run at all (liveness_probe()). */
void liveness_init(struct liveness *lv, const struct liveness_ops *ops,
		   void *ctx, agent_clock_fn clock, struct rc *rc,
		   bool handles);
/* After the start sweep: the safety net counts from now. */
void liveness_start(struct liveness *lv);
/* No checks pending (the hint counters may be reset). */
static inline bool liveness_idle(const struct liveness *lv)
{
	return lv->step < 0;
}
/*
 * Early in a round of checks: hints that come meanwhile need not wake
 * the agent (its next step is soon); later each one does.
 */
#define QUIET_UNTIL_MS 250
static inline bool liveness_quiet(const struct liveness *lv)
{
	static const int steps[] = LIVENESS_STEPS_MS;

	return lv->step >= 0 && steps[lv->step] <= QUIET_UNTIL_MS;
}
/* Hints came (RC_HINT_* bits): checks from now on, at the steps. */
void liveness_hint(struct liveness *lv, unsigned hints);
/* A hint named the namespace whose nsfs fd was closed. */
void liveness_closed(struct liveness *lv, uint64_t id);
/* ms until the next check is due (<= 0: now), uncapped. */
int64_t liveness_due_ms(const struct liveness *lv);
/* Runs the check that is due, if one is; how many were destroyed. */
size_t liveness_run(struct liveness *lv);

/* nsfs file handles (6.18+): whether namespace id lives, no fd held. */
int liveness_ns_alive(void *ctx, enum nsm_type type, uint64_t id,
		      uint64_t ns_id);
/* Whether this kernel opens nsfs handles (our own net namespace). */
bool liveness_probe(void);

#endif
