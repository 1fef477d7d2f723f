// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sweep_cache.c - one discovery sweep for the HTTP answers at a time, its
 * result shared (sweep_cache.h).  A sweep takes tens to hundreds of
 * milliseconds on a busy host: sixteen clients that each ran their own
 * would be sixteen sweeps of the same /proc side by side; sharing the
 * one in flight costs each of them no more than waiting for it, and the
 * refresher spares even that to a client that polls.  The lock is never
 * held during a sweep.
 */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "agent_time.h"
#include "sweep_cache.h"

static int64_t ts_ns(const struct timespec *t)
{
	return t->tv_sec * 1000000000LL + t->tv_nsec;
}

static void *refresh(void *arg);

int sweep_cache_init(struct sweep_cache *c, sweep_fn fn, void *ctx,
		     unsigned max_age_ms)
{
	pthread_condattr_t ca;
	int err;

	*c = (struct sweep_cache){ .fn = fn, .ctx = ctx,
				   .max_age_ms = max_age_ms };
	err = pthread_mutex_init(&c->lock, NULL);
	if (err)
		return -err;
	pthread_cond_init(&c->done, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	err = pthread_cond_init(&c->kick, &ca);
	pthread_condattr_destroy(&ca);
	if (!err && max_age_ms) {
		err = pthread_create(&c->refresher, NULL, refresh, c);
		c->has_refresher = !err;
	}
	if (err) {
		pthread_cond_destroy(&c->kick);
		pthread_cond_destroy(&c->done);
		pthread_mutex_destroy(&c->lock);
		return -err;
	}
	return 0;
}

void sweep_cache_stop(struct sweep_cache *c)
{
	if (!c->has_refresher)
		return;
	pthread_mutex_lock(&c->lock);
	c->quit = true;
	pthread_cond_broadcast(&c->kick);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->refresher, NULL);
	c->has_refresher = false;
}

void sweep_cache_destroy(struct sweep_cache *c)
{
	sweep_cache_stop(c);
	sweep_put(c->cur);
	c->cur = NULL;
	pthread_cond_destroy(&c->kick);
	pthread_cond_destroy(&c->done);
	pthread_mutex_destroy(&c->lock);
}

void sweep_put(struct sweep_res *r)
{
	int i;

	if (!r || atomic_fetch_sub(&r->refs, 1) != 1)
		return;
	nsm_model_free(r->m);
	doc_text_free(r->text);
	for (i = 0; i < MEMO_KINDS; i++)
		body_put(r->memo[i].b);
	pthread_cond_destroy(&r->memo_made);
	pthread_mutex_destroy(&r->memo_lock);
	free(r);
}

const struct doc_text *sweep_text(struct sweep_res *r)
{
	struct doc_text *t;

	pthread_mutex_lock(&r->memo_lock);
	if (!r->text && !doc_text_new(r->m, &t))
		r->text = t;
	t = r->text;
	pthread_mutex_unlock(&r->memo_lock);
	return t;
}

static bool memo_is(const struct memo *m, uint64_t seq, unsigned types)
{
	return m->seq == seq && m->types == types;
}

struct body *sweep_memo(struct sweep_res *r, int kind, uint64_t seq,
			unsigned types, struct body *(*make)(void *ctx),
			void *ctx)
{
	struct memo *m = &r->memo[kind];
	struct body *b, *old = NULL;

	pthread_mutex_lock(&r->memo_lock);
	while (m->making && memo_is(m, seq, types))
		pthread_cond_wait(&r->memo_made, &r->memo_lock);
	if (m->b && memo_is(m, seq, types)) {
		b = body_get(m->b);
		pthread_mutex_unlock(&r->memo_lock);
		return b;
	}
	/* another key in the making: ours is made on its own, not kept */
	if (m->making) {
		pthread_mutex_unlock(&r->memo_lock);
		return make(ctx);
	}
	m->making = true;
	m->seq = seq;
	m->types = types;
	pthread_mutex_unlock(&r->memo_lock);
	b = make(ctx);
	pthread_mutex_lock(&r->memo_lock);
	old = m->b;
	m->b = b ? body_get(b) : NULL;
	m->making = false;
	pthread_cond_broadcast(&r->memo_made);
	pthread_mutex_unlock(&r->memo_lock);
	body_put(old);
	return b;
}

static struct sweep_res *take(struct sweep_res *r)
{
	atomic_fetch_add(&r->refs, 1);
	return r;
}

static bool fresh(const struct sweep_cache *c)
{
	struct timespec now;

	if (!c->cur || !c->max_age_ms)
		return false;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return ts_ns(&now) - ts_ns(&c->cur->done) <
	       c->max_age_ms * 1000000LL;
}

/*
 * While a sweep runs: the result before it, for up to another max_age
 * (or as long as a sweep takes, if longer): a refresher late by a busy
 * host does not make every client wait.  At nice 10 behind sixteen
 * busy connections its sweep took several times its last one, and the
 * clients that then waited for it were the p99 of /api/namespaces.
 */
static bool usable(const struct sweep_cache *c)
{
	int64_t grace = c->max_age_ms * 1000000LL;
	struct timespec now;

	if (!c->cur || !c->max_age_ms)
		return false;
	if (grace < c->took + c->took / 4)
		grace = c->took + c->took / 4;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return ts_ns(&now) - ts_ns(&c->cur->done) <
	       c->max_age_ms * 1000000LL + grace;
}

/*
 * With the lock held on entry and exit; the sweep itself without.  text:
 * the document's pieces made too, before the result is anyone's.
 */
static int run(struct sweep_cache *c, bool text)
{
	struct nsm_model *m = NULL;
	struct sweep_res *r;
	uint64_t n = ++c->started;
	int64_t t0 = agent_mono_ns();
	int err;

	c->running = true;
	atomic_fetch_add(&c->sweeps, 1);
	pthread_mutex_unlock(&c->lock);
	err = c->fn(c->ctx, &m);
	r = err ? NULL : calloc(1, sizeof(*r));
	if (!err && !r) {
		nsm_model_free(m);
		err = -ENOMEM;
	}
	if (r) {
		pthread_mutex_init(&r->memo_lock, NULL);
		pthread_cond_init(&r->memo_made, NULL);
		r->m = m;
		r->n = n;
		atomic_init(&r->refs, 1);	/* the cache's */
		if (text && sweep_text(r) && c->prep)
			c->prep(c->prep_ctx, r);
		clock_gettime(CLOCK_MONOTONIC, &r->done);
	}
	pthread_mutex_lock(&c->lock);
	if (r) {
		sweep_put(c->cur);
		c->cur = r;
	}
	c->took = agent_mono_ns() - t0;
	c->err = err;
	c->running = false;
	c->finished++;
	pthread_cond_broadcast(&c->done);
	/* the refresher counts from this one's end */
	pthread_cond_broadcast(&c->kick);
	return err;
}

int sweep_get(struct sweep_cache *c, struct sweep_res **out)
{
	uint64_t want;
	int err;

	pthread_mutex_lock(&c->lock);
	c->asked = agent_mono_ns();
	if (c->has_refresher)
		pthread_cond_signal(&c->kick);
	if (fresh(c)) {
		err = 0;
	} else if (!c->running) {
		err = run(c, false);
	} else if (usable(c)) {
		/* its successor is on the way: the refresher's, late */
		err = 0;
	} else {
		/* the one in flight: its result, whatever its age then */
		want = c->finished + 1;
		atomic_fetch_add(&c->waits, 1);
		while (c->finished < want)
			pthread_cond_wait(&c->done, &c->lock);
		err = c->finished == want ? c->err : 0;
		if (!c->cur && !err)
			err = -EAGAIN;
	}
	if (!err)
		*out = take(c->cur);
	pthread_mutex_unlock(&c->lock);
	return err;
}

/* ---------------------------------------------------------- refresher */

static void wait_until(struct sweep_cache *c, int64_t until)
{
	struct timespec ts = {
		.tv_sec = until / 1000000000LL,
		.tv_nsec = until % 1000000000LL,
	};

	pthread_cond_timedwait(&c->kick, &c->lock, &ts);
}

/*
 * When the next sweep should start so that it ends as the current result
 * expires: as long before as the last one took, and a quarter more.
 */
static int64_t due(const struct sweep_cache *c)
{
	return ts_ns(&c->cur->done) + c->max_age_ms * 1000000LL -
	       c->took - c->took / 4;
}

static bool asked_lately(const struct sweep_cache *c, int64_t now)
{
	int64_t idle = 2 * c->max_age_ms;

	if (idle < REFRESH_IDLE_MS)
		idle = REFRESH_IDLE_MS;
	return now - c->asked < idle * 1000000LL;
}

/*
 * Nobody asks, and the result expired: the next request needs a new one
 * anyway, and this one is megabytes.  With the lock held on entry and
 * exit.
 */
static void drop(struct sweep_cache *c)
{
	struct sweep_res *r = c->cur;

	c->cur = NULL;
	pthread_mutex_unlock(&c->lock);
	sweep_put(r);
	/*
	 * A sweep is tens of thousands of small blocks: freed, they leave
	 * the heap's pages with holes that malloc keeps (at 10,000
	 * namespaces, 60 % of serve's heap was free and resident).  Not
	 * at each sweep's end while clients poll: the trim holds an arena's
	 * lock while it walks it, and every thread that allocates waits
	 * (the p99 of /api/namespaces); the next sweep reuses the holes.
	 */
	malloc_trim(0);
	pthread_mutex_lock(&c->lock);
}

static void *refresh(void *arg)
{
	struct sweep_cache *c = arg;
	int64_t now, at;

	/*
	 * Behind the answers for the CPU: a request waits for a sweep only
	 * when none is usable, and this one keeps it so.
	 */
	(void)setpriority(PRIO_PROCESS, (id_t)gettid(), REFRESH_NICE);
	pthread_mutex_lock(&c->lock);
	while (!c->quit) {
		now = agent_mono_ns();
		if (c->cur && !c->running && !asked_lately(c, now) &&
		    !usable(c)) {
			drop(c);
			continue;
		}
		if (!c->cur || c->running || !asked_lately(c, now)) {
			/* a request, or the end of the sweep in flight */
			wait_until(c, now + 1000000000LL);
			continue;
		}
		at = due(c);
		if (now < at) {
			wait_until(c, at);
			continue;
		}
		/* a failed sweep is the requests' to report: retried when due */
		if (run(c, true))
			wait_until(c, agent_mono_ns() + c->max_age_ms * 1000000LL);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}
