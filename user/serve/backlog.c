// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * backlog.c - the ring of the last N events, each serialized once (the
 * SSE frame) on the agent's thread, the frames kept in blocks.  A reader holds the lock only to
 * copy frames out, never while it writes to its socket: the agent's
 * push waits at most for one such copy (about 64 KiB), or for the
 * inflation of a packed block (a quarter of a millisecond) for a reader
 * that resumed from long ago.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

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

static void block_free(struct backlog *b, struct backlog_block *k)
{
	if (k->data)
		b->plain_bytes -= k->size;
	else
		b->packed_bytes -= k->zlen;
	free(k->data);
	free(k->z);
	free(k);
}

void backlog_destroy(struct backlog *b)
{
	struct backlog_block *k;
	size_t i;

	if (!b->e)
		return;
	while ((k = b->oldest)) {
		b->oldest = k->next;
		block_free(b, k);
	}
	for (i = 0; i < BACKLOG_SLOTS; i++)
		free(b->slots[i].buf);
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
	k = malloc(sizeof(*k));
	if (!k)
		return NULL;
	*k = (struct backlog_block){ .size = size, .serial = ++b->serials,
				     .data = malloc(size) };
	if (!k->data) {
		free(k);
		return NULL;
	}
	b->plain_bytes += size;
	if (b->newest)
		b->newest->next = k;
	else
		b->oldest = k;
	b->newest = k;
	return k->data;
}

/* The blocks whose every frame was pushed out: freed (not one in packing). */
static void trim(struct backlog *b)
{
	struct backlog_block *k;

	while ((k = b->oldest) && k != b->newest && k != b->packing &&
	       k->last_seq <= b->evicted_seq) {
		b->oldest = k->next;
		block_free(b, k);
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
	e = at(b, b->n++);
	*e = (struct backlog_entry){ .seq = seq, .kind = kind, .types = types,
				     .blk = b->newest,
				     .off = (uint32_t)b->newest->used,
				     .len = (uint32_t)len };
	b->newest->used += len;
	b->newest->last_seq = seq;
	b->last_seq = seq;
	pthread_mutex_unlock(&b->lock);
	return 0;
}

void backlog_wake(struct backlog *b)
{
	pthread_mutex_lock(&b->lock);
	if (!b->idle_wait)
		pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
}

void backlog_poke(struct backlog *b)
{
	pthread_mutex_lock(&b->lock);
	if (b->idle_wait)
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

/* Inflates packed block k into slot s: 0 or -ENOMEM. */
static int inflate_into(struct backlog_slot *s, const struct backlog_block *k)
{
	z_stream z = { 0 };
	char *buf = s->buf;
	int ret;

	if (s->cap < k->used) {
		buf = realloc(s->buf, k->used);
		if (!buf)
			return -ENOMEM;
		s->buf = buf;
		s->cap = k->used;
	}
	s->serial = 0;
	if (inflateInit2(&z, -15) != Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)k->z;
	z.avail_in = k->zlen;
	z.next_out = (Bytef *)buf;
	z.avail_out = k->used;
	ret = inflate(&z, Z_FINISH);
	inflateEnd(&z);
	if (ret != Z_STREAM_END || z.total_out != k->used)
		return -ENOMEM;
	s->serial = k->serial;
	return 0;
}

/* Where e's bytes are: its block, or an inflated copy; NULL: no memory. */
static const char *bytes_of(struct backlog *b, const struct backlog_entry *e)
{
	const struct backlog_block *k = e->blk;
	struct backlog_slot *s, *lru = &b->slots[0];

	if (k->data)
		return k->data + e->off;
	b->reads++;
	for (s = b->slots; s < b->slots + BACKLOG_SLOTS; s++) {
		if (s->serial == k->serial) {
			s->used_at = b->reads;
			return s->buf + e->off;
		}
		if (s->used_at < lru->used_at)
			lru = s;
	}
	if (inflate_into(lru, k))
		return NULL;
	lru->used_at = b->reads;
	b->inflates++;
	return lru->buf + e->off;
}

ssize_t backlog_read(struct backlog *b, struct backlog_pos *pos,
		     const struct backlog_filter *f, char *buf, size_t max)
{
	const struct backlog_entry *e;
	const char *src;
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
		src = bytes_of(b, e);
		if (!src) {
			pthread_mutex_unlock(&b->lock);
			return n ? (ssize_t)n : -ENOMEM;
		}
		k = e->len - pos->off;
		if (k > max - n)
			k = max - n;
		memcpy(buf + n, src + pos->off, k);
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

void backlog_join(struct backlog *b, struct backlog_pos *pos)
{
	pthread_mutex_lock(&b->lock);
	pos->prev = NULL;
	pos->next = b->readers;
	if (b->readers)
		b->readers->prev = pos;
	b->readers = pos;
	pthread_mutex_unlock(&b->lock);
}

void backlog_leave(struct backlog *b, struct backlog_pos *pos)
{
	pthread_mutex_lock(&b->lock);
	if (pos->prev)
		pos->prev->next = pos->next;
	else
		b->readers = pos->next;
	if (pos->next)
		pos->next->prev = pos->prev;
	pthread_mutex_unlock(&b->lock);
}

/* The oldest unpacked block every joined reader is past; NULL: none. */
static struct backlog_block *packable(struct backlog *b)
{
	uint64_t min = b->last_seq;
	const struct backlog_pos *r;
	struct backlog_block *k;

	for (r = b->readers; r; r = r->next)
		if (r->after < min)
			min = r->after;
	for (k = b->oldest; k && k != b->newest && k->last_seq <= min;
	     k = k->next)
		/* a block pushed out whole is freed, not packed */
		if (k->data && k->last_seq > b->evicted_seq && k->used)
			return k;
	return NULL;
}

/*
 * Level 1: a block is packed once and seldom read again; zlib's fastest
 * level already takes most of what JSON lines repeat.
 */
static char *deflate_of(const char *s, size_t len, size_t *zlen)
{
	z_stream z = { 0 };
	char *out = NULL, *fit;
	size_t cap;

	if (deflateInit2(&z, 1, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		return NULL;
	cap = deflateBound(&z, len);
	out = malloc(cap);
	if (out) {
		z.next_in = (Bytef *)s;
		z.avail_in = len;
		z.next_out = (Bytef *)out;
		z.avail_out = cap;
		if (deflate(&z, Z_FINISH) == Z_STREAM_END) {
			*zlen = z.total_out;
			fit = realloc(out, *zlen);
			out = fit ? fit : out;
		} else {
			free(out);
			out = NULL;
		}
	}
	deflateEnd(&z);
	return out;
}

bool backlog_pack(struct backlog *b)
{
	struct backlog_block *k;
	size_t zlen = 0;
	char *z;

	pthread_mutex_lock(&b->lock);
	k = b->packing ? NULL : packable(b);
	b->packing = k;
	pthread_mutex_unlock(&b->lock);
	if (!k)
		return false;
	/* k's bytes no longer change (not the newest), and trim spares it */
	z = deflate_of(k->data, k->used, &zlen);
	pthread_mutex_lock(&b->lock);
	b->packing = NULL;
	if (z) {
		free(k->data);
		k->data = NULL;
		k->z = z;
		k->zlen = zlen;
		b->plain_bytes -= k->size;
		b->packed_bytes += zlen;
	}
	/* pushed out meanwhile: freed now */
	trim(b);
	pthread_mutex_unlock(&b->lock);
	return z != NULL;
}

void backlog_stats(struct backlog *b, size_t *plain, size_t *packed,
		   unsigned long *inflates)
{
	pthread_mutex_lock(&b->lock);
	*plain = b->plain_bytes;
	*packed = b->packed_bytes;
	*inflates = b->inflates;
	pthread_mutex_unlock(&b->lock);
}

int backlog_wait(struct backlog *b, uint64_t after, unsigned timeout_ms,
		 const atomic_uint *need)
{
	struct timespec ts;
	bool events;
	int err = 0;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&b->lock);
	/*
	 * *need is read under the lock: a poke after it rose comes once
	 * this waits (and sees idle_wait), or before this reads it.
	 */
	for (;;) {
		events = !need || atomic_load(need);
		if (b->closed || (events && b->last_seq > after) || err)
			break;
		b->idle_wait = !events;
		err = pthread_cond_timedwait(&b->cond, &b->lock, &ts);
	}
	b->idle_wait = false;
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
