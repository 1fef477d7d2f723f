/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sweep_cache.h - the discovery sweep the HTTP answers share: what the
 * live model does not hold (refs, processes, mounts, containers) comes
 * from a whole discovery run on request.  One runs at a time; requests
 * that come while it runs wait for its result, and a result is reused
 * for max_age_ms (0: every request that finds none in flight runs one).
 * While requests keep coming (one in the last REFRESH_IDLE_MS or two
 * max_age_ms, whichever is longer), a thread of the cache makes the next
 * result before the current one expires, by as long as the last sweep
 * took: a client that polls then never waits for a sweep.  When that
 * sweep is late (a busy host), the requests meanwhile get the result
 * before it, for up to another max_age_ms (or a sweep's time, if
 * longer) after it expires.  When nobody asks any more, an expired
 * result is dropped (megabytes at 10,000 namespaces) and the heap
 * trimmed.
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

#include "doc_text.h"
#include "nsm.h"

/* The whole-list answers a sweep's memo keeps, one of each kind */
enum { MEMO_NAMESPACES, MEMO_PROCESSES, MEMO_PIDMAP, MEMO_CONTAINERS,
       MEMO_KINDS };

/* One sweep's result, shared by the answers that use it; immutable. */
struct sweep_res {
	atomic_uint refs;
	struct nsm_model *m;
	uint64_t n;		/* its number: the n-th sweep of this run */
	struct timespec done;	/* CLOCK_MONOTONIC, when it ended */
	/* its document in pieces (sweep_text()), and the last answers */
	pthread_mutex_t memo_lock;
	pthread_cond_t memo_made;	/* a memo's answer was made */
	struct doc_text *text;
	struct memo {
		uint64_t seq;
		unsigned types;
		struct body *b;
		bool making;	/* for seq and types, by one request */
	} memo[MEMO_KINDS];
};

#define REFRESH_IDLE_MS 2000
/* the refresher's nice value: the answers come first */
#define REFRESH_NICE 10

/* The discovery: 0 and *out, or -errno (quiet: it runs per request). */
typedef int (*sweep_fn)(void *ctx, struct nsm_model **out);

struct sweep_cache {
	pthread_mutex_t lock;
	pthread_cond_t done;	/* a sweep ended */
	pthread_cond_t kick;	/* the refresher: a request came, or quit */
	pthread_t refresher;
	bool has_refresher, quit;
	int64_t asked;		/* CLOCK_MONOTONIC ns of the last request */
	int64_t took;		/* ns the last sweep took, with its text */
	/*
	 * What the refresher makes of a new result before it is anyone's
	 * (the answer most asked for); set before the first sweep_get().
	 */
	void (*prep)(void *ctx, struct sweep_res *r);
	void *prep_ctx;
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
/* The refresher stopped (its prep may use what goes before destroy). */
void sweep_cache_stop(struct sweep_cache *c);
void sweep_cache_destroy(struct sweep_cache *c);
/*
 * A result at most max_age_ms old, or, while one is made, the one before
 * it for up to a sweep's time longer; else the result of the sweep in
 * flight, or of one run now: 0 and *out (a reference: sweep_put() it), or the sweep's
 * -errno.  Any thread.
 */
int sweep_get(struct sweep_cache *c, struct sweep_res **out);
void sweep_put(struct sweep_res *r);
/*
 * r's document in pieces (doc_text.h), made on the first call (the
 * refresher makes it before anyone asks); NULL: out of memory.
 */
const struct doc_text *sweep_text(struct sweep_res *r);
/*
 * The answer of kind made of r for the view at seq and types (a
 * reference: body_put() it); NULL: out of memory.  Made by make(ctx)
 * once: the requests that come while it is made wait for it, rather than
 * make the same megabytes side by side (sixteen pollers of a new seq).
 * Many clients that poll one document between two events get it made
 * once.
 */
struct body *sweep_memo(struct sweep_res *r, int kind, uint64_t seq,
			unsigned types, struct body *(*make)(void *ctx),
			void *ctx);

#endif
