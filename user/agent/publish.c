// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * publish.c - the published copy of the live model (publish.h).  The
 * lock guards only the pointer and the flags: nothing is copied or
 * freed under it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "publish.h"

struct agent_view *agent_view_new(size_t n, uint64_t seq)
{
	struct agent_view *v = calloc(1, sizeof(*v) + n * sizeof(v->ns[0]));

	if (!v)
		return NULL;
	atomic_init(&v->refs, 1);
	v->seq = seq;
	v->n = n;
	return v;
}

static int by_id(const void *a, const void *b)
{
	const struct agent_ns *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

void agent_view_seal(struct agent_view *v)
{
	size_t i;

	qsort(v->ns, v->n, sizeof(v->ns[0]), by_id);
	memset(v->count, 0, sizeof(v->count));
	for (i = 0; i < v->n; i++)
		if (v->ns[i].type < NSM_NTYPES)
			v->count[v->ns[i].type]++;
}

const struct agent_ns *agent_view_find(const struct agent_view *v,
				       uint64_t id)
{
	const struct agent_ns key = { .id = id };

	return bsearch(&key, v->ns, v->n, sizeof(key), by_id);
}

void agent_view_put(struct agent_view *v)
{
	if (v && atomic_fetch_sub(&v->refs, 1) == 1)
		free(v);
}

int pub_init(struct pub *p, int64_t (*now)(void), void (*wake)(void *),
	     void *ctx)
{
	pthread_condattr_t ca;
	int err;

	memset(p, 0, sizeof(*p));
	p->now = now;
	p->wake = wake;
	p->ctx = ctx;
	p->cur = agent_view_new(0, 0);
	if (!p->cur)
		return -ENOMEM;
	err = pthread_condattr_init(&ca);
	if (!err)
		err = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (!err)
		err = pthread_cond_init(&p->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (!err)
		err = pthread_mutex_init(&p->lock, NULL);
	if (err) {
		agent_view_put(p->cur);
		p->cur = NULL;
		return -err;
	}
	p->at = now();
	return 0;
}

void pub_destroy(struct pub *p)
{
	if (!p->cur)
		return;
	agent_view_put(p->cur);
	p->cur = NULL;
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
}

bool pub_due(struct pub *p, uint64_t seq, bool force)
{
	bool due;

	pthread_mutex_lock(&p->lock);
	p->seq_now = seq;
	/*
	 * Taken and behind: a reader is likely to come again; the rate
	 * stays below one copy per PUB_MAX_AGE_NS unless one waits.
	 */
	due = force || (p->cur->seq != seq &&
			(p->want || (p->taken &&
				     p->now() - p->at >= PUB_MAX_AGE_NS)));
	pthread_mutex_unlock(&p->lock);
	return due;
}

void pub_swap(struct pub *p, struct agent_view *v)
{
	struct agent_view *old;

	pthread_mutex_lock(&p->lock);
	old = p->cur;
	p->cur = v;
	p->at = p->now();
	p->taken = p->want = false;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	agent_view_put(old);
}

void pub_close(struct pub *p)
{
	pthread_mutex_lock(&p->lock);
	p->closed = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

/* cur is behind the model and old enough to ask for a newer one */
static bool stale(const struct pub *p)
{
	return !p->closed && p->cur->seq != p->seq_now &&
	       p->now() - p->at >= PUB_MAX_AGE_NS;
}

struct agent_view *pub_get(struct pub *p)
{
	struct agent_view *v;
	struct timespec ts;

	/* the cond's clock, not p->now(), which tests may fake */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (ts.tv_nsec + PUB_WAIT_NS) / 1000000000LL;
	ts.tv_nsec = (ts.tv_nsec + PUB_WAIT_NS) % 1000000000LL;
	pthread_mutex_lock(&p->lock);
	while (stale(p)) {
		if (!p->want) {
			p->want = true;
			p->wake(p->ctx);
		}
		if (pthread_cond_timedwait(&p->cond, &p->lock, &ts) == ETIMEDOUT)
			break;
	}
	v = p->cur;
	p->taken = true;
	atomic_fetch_add(&v->refs, 1);
	pthread_mutex_unlock(&p->lock);
	return v;
}
