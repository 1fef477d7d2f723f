/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sweep_cache.h - the discovery sweep the HTTP answers share: what the
 * live model does not hold (refs, processes, mounts, containers) comes
 * from a whole discovery run on request.  One runs at a time; requests
 * that come while it runs wait for its result, and a result is reused
 * for max_age_ms (0: every request that finds none in flight runs one).
 *
 *	sweep_get(&c, &r);	// r->m: the model, read-only
 *	...
 *	sweep_put(r);
 */
#ifndef NSMON_SWEEP_CACHE_H
#define NSMON_SWEEP_CACHE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "nsm.h"

/* words of a memo's key: what the answer was made of besides the sweep */
#define SWEEP_MEMO_KEY 3

/* One sweep's result, shared by the answers that use it; immutable. */
struct sweep_res {
	atomic_uint refs;
	struct nsm_model *m;
	uint64_t n;		/* its number: the n-th sweep of this run */
	struct timespec done;	/* CLOCK_MONOTONIC, when it ended */
	/* the last answer made of it, and what it was made for */
	pthread_mutex_t memo_lock;
	uint64_t memo_key[SWEEP_MEMO_KEY];
	char *memo;
	size_t memo_len;
};

/* The discovery: 0 and *out, or -errno (quiet: it runs per request). */
typedef int (*sweep_fn)(void *ctx, struct nsm_model **out);

struct sweep_cache {
	pthread_mutex_t lock;
	pthread_cond_t done;	/* a sweep ended */
	sweep_fn fn;
	void *ctx;
	unsigned max_age_ms;
	struct sweep_res *cur;	/* the newest result; NULL: none yet */
	bool running;
	uint64_t started, finished;
	int err;		/* of the last sweep that ended */
	/* for /metrics: sweeps run, requests that waited for one */
	atomic_ulong sweeps, waits;
};

int sweep_cache_init(struct sweep_cache *c, sweep_fn fn, void *ctx,
		     unsigned max_age_ms);
void sweep_cache_destroy(struct sweep_cache *c);
/*
 * A result at most max_age_ms old, or the one of the sweep in flight, or
 * one run now: 0 and *out (a reference: sweep_put() it), or the sweep's
 * -errno.  Any thread.
 */
int sweep_get(struct sweep_cache *c, struct sweep_res **out);
void sweep_put(struct sweep_res *r);
/*
 * An answer made of r for key (a copy, malloc'd; its length in *len), as
 * sweep_memo_put() left it; NULL: none for that key.  Many clients that
 * poll one document between two events get it rendered once.
 */
char *sweep_memo_get(struct sweep_res *r, const uint64_t *key, size_t *len);
/* Keeps a copy of body as r's answer for key (the one before is gone). */
void sweep_memo_put(struct sweep_res *r, const uint64_t *key,
		    const char *body, size_t len);

#endif
