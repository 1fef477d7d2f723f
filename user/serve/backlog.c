// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * backlog.c - the ring of the last N events, each serialized once (the
 * SSE frame) on the agent's thread, the frames kept in blocks.  A reader holds the lock only to
 * copy frames out, never while it writes to its socket: the agent's
 * push waits at most for one such copy (about 64 KiB).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backlog.h"

int backlog_init(struct backlog *b, size_t cap)
{
	pthread_condattr_t ca;

	memset(b, 0, sizeof(*b));
	if (!cap)
		return -EINVAL;
	b->e = calloc(cap, sizeof(*b->e));
	if (!b->e)
		return -ENOMEM;
	b->cap = cap;
	pthread_mutex_init(&b->lock, NULL);
	/* waits measured on the monotonic clock: a clock step is no ping */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&b->cond, &ca);
	pthread_condattr_destroy(&ca);
	return 0;
}

void backlog_destroy(struct backlog *b)
{
	struct backlog_block *k;

	if (!b->e)
		return;
	while ((k = b->oldest)) {
		b->oldest = k->next;
		free(k);
	}
	free(b->e);
	b->e = NULL;
	pthread_mutex_destroy(&b->lock);
	pthread_cond_destroy(&b->cond);
}

static struct backlog_entry *at(struct backlog *b, size_t i)
{
	return &b->e[(b->first + i) % b->cap];
}

/* Room for len bytes at the end of the newest block; NULL: no memory. */
static char *room(struct backlog *b, size_t len)
{
	struct backlog_block *k = b->newest;
	size_t size = len > BACKLOG_BLOCK ? len : BACKLOG_BLOCK;

	if (k && k->size - k->used >= len)
		return k->data + k->used;
	k = malloc(sizeof(*k) + size);
	if (!k)
		return NULL;
	*k = (struct backlog_block){ .size = size };
	if (b->newest)
		b->newest->next = k;
	else
		b->oldest = k;
	b->newest = k;
	return k->data;
}

/* The blocks whose every frame was pushed out: freed. */
static void trim(struct backlog *b)
{
	struct backlog_block *k;

	while ((k = b->oldest) && k != b->newest &&
	       k->last_seq <= b->evicted_seq) {
		b->oldest = k->next;
		free(k);
	}
}

int backlog_push(struct backlog *b, uint64_t seq, unsigned kind,
		 unsigned types, const char *frame, size_t len)
{
	struct backlog_entry *e;
	char *p;

	pthread_mutex_lock(&b->lock);
	if (b->n == b->cap) {
		e = at(b, 0);
		b->evicted_seq = e->seq;
		b->first = (b->first + 1) % b->cap;
		b->n--;
		trim(b);
	}
	p = room(b, len);
	if (!p) {
		pthread_mutex_unlock(&b->lock);
		return -ENOMEM;
	}
	memcpy(p, frame, len);
	b->newest->used += len;
	b->newest->last_seq = seq;
	e = at(b, b->n++);
	*e = (struct backlog_entry){ .seq = seq, .kind = kind, .types = types,
				     .frame = p, .len = len };
	b->last_seq = seq;
	pthread_mutex_unlock(&b->lock);
	return 0;
}

void backlog_wake(struct backlog *b)
{
	pthread_mutex_lock(&b->lock);
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
}

void backlog_close(struct backlog *b)
{
	pthread_mutex_lock(&b->lock);
	b->closed = true;
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
}

bool backlog_closed(struct backlog *b)
{
	bool closed;

	pthread_mutex_lock(&b->lock);
	closed = b->closed;
	pthread_mutex_unlock(&b->lock);
	return closed;
}

bool backlog_passed(struct backlog *b, uint64_t after)
{
	bool passed;

	pthread_mutex_lock(&b->lock);
	passed = after < b->evicted_seq;
	pthread_mutex_unlock(&b->lock);
	return passed;
}

bool backlog_start(struct backlog *b, const uint64_t *id, uint64_t *after)
{
	bool resync = false;

	pthread_mutex_lock(&b->lock);
	if (!id) {
		*after = b->last_seq;
	} else if (*id < b->evicted_seq) {
		*after = b->evicted_seq;
		resync = true;
	} else if (*id > b->last_seq) {
		/* an id from another run (seqs start at 1 in each): from now */
		*after = b->last_seq;
		resync = true;
	} else {
		*after = *id;
	}
	pthread_mutex_unlock(&b->lock);
	return resync;
}

/* Index of the first entry with seq > after (b->n: none); seqs increase. */
static size_t first_after(struct backlog *b, uint64_t after)
{
	size_t lo = 0, hi = b->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (at(b, mid)->seq <= after)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool passes(const struct backlog_entry *e,
		   const struct backlog_filter *f)
{
	if (f->kinds && !(f->kinds & (1U << e->kind)))
		return false;
	/* sync, lost, container: about no one type, every reader's */
	return !f->types || !e->types || (f->types & e->types);
}

ssize_t backlog_read(struct backlog *b, struct backlog_pos *pos,
		     const struct backlog_filter *f, char *buf, size_t max)
{
	const struct backlog_entry *e;
	size_t i, n = 0, k;

	pthread_mutex_lock(&b->lock);
	if (pos->after < b->evicted_seq) {
		pthread_mutex_unlock(&b->lock);
		return -ESTALE;
	}
	for (i = first_after(b, pos->after); i < b->n && n < max; i++) {
		e = at(b, i);
		if (!passes(e, f)) {
			pos->after = e->seq;
			continue;
		}
		k = e->len - pos->off;
		if (k > max - n)
			k = max - n;
		memcpy(buf + n, e->frame + pos->off, k);
		n += k;
		pos->off += k;
		if (pos->off < e->len)
			break;
		pos->after = e->seq;
		pos->off = 0;
	}
	pthread_mutex_unlock(&b->lock);
	return n;
}

int backlog_wait(struct backlog *b, uint64_t after, unsigned timeout_ms)
{
	struct timespec ts;
	int err = 0;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&b->lock);
	while (!b->closed && b->last_seq <= after && !err)
		err = pthread_cond_timedwait(&b->cond, &b->lock, &ts);
	pthread_mutex_unlock(&b->lock);
	return err == ETIMEDOUT ? -ETIMEDOUT : 0;
}

uint64_t backlog_last(struct backlog *b)
{
	uint64_t last;

	pthread_mutex_lock(&b->lock);
	last = b->last_seq;
	pthread_mutex_unlock(&b->lock);
	return last;
}
