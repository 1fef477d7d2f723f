/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * publish.h - the live model as the agent publishes it for other threads
 * (agent_view_get()): an immutable copy, shared by reference, swapped in
 * by the agent's thread.  Readers never take the model's lock, so a
 * reader never waits for a turn of the agent (a batch of events folded,
 * a liveness step), and the agent never waits for a reader.
 *
 * The agent copies the model only when a reader took the copy before:
 * with nobody reading, a publish costs nothing.  A reader that finds the
 * copy behind the model and older than PUB_MAX_AGE_NS asks for a new one
 * and waits for the agent's next turn (woken at once), at most
 * PUB_WAIT_NS; behind by less, it takes what there is: consistent, with
 * its own seq, which is all the list+watch hand-off needs.
 */
#ifndef NSMON_PUBLISH_H
#define NSMON_PUBLISH_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "agent.h"

#define PUB_MAX_AGE_NS (20 * 1000000LL)
#define PUB_WAIT_NS (200 * 1000000LL)

struct pub {
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* a view was published */
	struct agent_view *cur;		/* never NULL after pub_init() */
	int64_t at;			/* when cur was published */
	uint64_t seq_now;		/* the model's seq, as last told */
	bool taken;			/* a reader took cur */
	bool want;			/* a reader waits for a newer one */
	bool closed;			/* no more publishes: do not wait */
	int64_t (*now)(void);
	void (*wake)(void *ctx);	/* makes the agent's turn come now */
	void *ctx;
};

int pub_init(struct pub *p, int64_t (*now)(void), void (*wake)(void *),
	     void *ctx);
void pub_destroy(struct pub *p);
/*
 * The agent's: should a copy of the model at seq be published now?
 * force: yes (a sweep changed the model without events, perhaps).
 */
bool pub_due(struct pub *p, uint64_t seq, bool force);
/* The agent's: v (taken) replaces the view. */
void pub_swap(struct pub *p, struct agent_view *v);
/* The agent's: it publishes no more; readers take what there is. */
void pub_close(struct pub *p);
/* A reader's: a reference to the view (agent_view_put() it). */
struct agent_view *pub_get(struct pub *p);

/* A view for n namespaces, n and seq set, counted 0; NULL: no memory. */
struct agent_view *agent_view_new(size_t n, uint64_t seq);
/* Sorts ns[] by id and counts the types. */
void agent_view_seal(struct agent_view *v);

#endif
