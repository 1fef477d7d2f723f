// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sweep_cache.c - one discovery sweep for the HTTP answers at a time, its
 * result shared (sweep_cache.h).  A sweep takes tens to hundreds of
 * milliseconds on a busy host: sixteen clients that each ran their own
 * would be sixteen sweeps of the same /proc side by side; sharing the
 * one in flight costs each of them no more than waiting for it.  The
 * lock is never held during a sweep.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sweep_cache.h"

int sweep_cache_init(struct sweep_cache *c, sweep_fn fn, void *ctx,
		     unsigned max_age_ms)
{
	int err;

	*c = (struct sweep_cache){ .fn = fn, .ctx = ctx,
				   .max_age_ms = max_age_ms };
	err = pthread_mutex_init(&c->lock, NULL);
	if (err)
		return -err;
	err = pthread_cond_init(&c->done, NULL);
	if (err) {
		pthread_mutex_destroy(&c->lock);
		return -err;
	}
	return 0;
}

void sweep_cache_destroy(struct sweep_cache *c)
{
	sweep_put(c->cur);
	c->cur = NULL;
	pthread_cond_destroy(&c->done);
	pthread_mutex_destroy(&c->lock);
}

void sweep_put(struct sweep_res *r)
{
	if (!r || atomic_fetch_sub(&r->refs, 1) != 1)
		return;
	nsm_model_free(r->m);
	free(r->memo);
	pthread_mutex_destroy(&r->memo_lock);
	free(r);
}

char *sweep_memo_get(struct sweep_res *r, const uint64_t *key, size_t *len)
{
	char *body = NULL;

	pthread_mutex_lock(&r->memo_lock);
	if (r->memo && !memcmp(key, r->memo_key, sizeof(r->memo_key))) {
		body = malloc(r->memo_len + 1);
		if (body) {
			memcpy(body, r->memo, r->memo_len + 1);
			*len = r->memo_len;
		}
	}
	pthread_mutex_unlock(&r->memo_lock);
	return body;
}

void sweep_memo_put(struct sweep_res *r, const uint64_t *key,
		    const char *body, size_t len)
{
	char *copy = malloc(len + 1);

	if (!copy)
		return;
	memcpy(copy, body, len);
	copy[len] = '\0';
	pthread_mutex_lock(&r->memo_lock);
	free(r->memo);
	r->memo = copy;
	r->memo_len = len;
	memcpy(r->memo_key, key, sizeof(r->memo_key));
	pthread_mutex_unlock(&r->memo_lock);
}

static struct sweep_res *take(struct sweep_res *r)
{
	atomic_fetch_add(&r->refs, 1);
	return r;
}

static bool fresh(const struct sweep_cache *c)
{
	struct timespec now;
	long long ms;

	if (!c->cur || !c->max_age_ms)
		return false;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - c->cur->done.tv_sec) * 1000LL +
	     (now.tv_nsec - c->cur->done.tv_nsec) / 1000000;
	return ms < c->max_age_ms;
}

/* With the lock held on entry and exit; the sweep itself without. */
static int run(struct sweep_cache *c)
{
	struct nsm_model *m = NULL;
	struct sweep_res *r;
	uint64_t n = ++c->started;
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
		r->m = m;
		r->n = n;
		atomic_init(&r->refs, 1);	/* the cache's */
		clock_gettime(CLOCK_MONOTONIC, &r->done);
	}
	pthread_mutex_lock(&c->lock);
	if (r) {
		sweep_put(c->cur);
		c->cur = r;
	}
	c->err = err;
	c->running = false;
	c->finished++;
	pthread_cond_broadcast(&c->done);
	return err;
}

int sweep_get(struct sweep_cache *c, struct sweep_res **out)
{
	uint64_t want;
	int err;

	pthread_mutex_lock(&c->lock);
	if (fresh(c)) {
		err = 0;
	} else if (!c->running) {
		err = run(c);
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
