/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * backlog.h - the last N events as SSE frames, shared by the agent (the
 * one writer) and the HTTP threads (readers at their own positions).
 */
#ifndef NSMON_BACKLOG_H
#define NSMON_BACKLOG_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct backlog_block;

struct backlog_entry {
	uint64_t seq;
	struct backlog_block *blk;	/* its bytes: blk's, from off */
	uint32_t off, len;	/* "id: ...\nevent: ...\ndata: ...\n\n" */
	unsigned kind;		/* enum wev_kind */
	unsigned types;		/* 1 << NSM_*; 0: about no one type */
};

/*
 * The frames, back to back in blocks of BACKLOG_BLOCK bytes: one
 * allocation per block, not per frame (65,536 frames of 300 bytes each
 * malloc'd on their own took twice their size), freed when the last of
 * its frames is pushed out.  A block every reader is past is packed
 * (deflated, about 1/6 of its size: 17 MB of JSON lines in a full
 * backlog of 65,536 events was most of what serve kept): only a client
 * that resumes from further back (Last-Event-ID) reads it again, through
 * one of BACKLOG_SLOTS inflated copies.
 */
#define BACKLOG_BLOCK (256 << 10)
#define BACKLOG_SLOTS 4

struct backlog_block {
	struct backlog_block *next;	/* newer */
	uint64_t serial;		/* which block an inflated copy is of */
	uint64_t last_seq;		/* of its newest frame */
	size_t used, size;
	char *data;			/* the frames; NULL once packed */
	char *z;			/* packed: raw deflate of data */
	size_t zlen;
};

/* An inflated copy of a packed block. */
struct backlog_slot {
	uint64_t serial;	/* its block's; 0: none */
	uint64_t used_at;	/* for the least recently used */
	char *buf;
	size_t cap;
};

/*
 * Where a reader is: past every frame up to seq `after` (sent or
 * filtered out), and `off` bytes into the next one it takes.  A reader
 * that joined (backlog_join()) holds its blocks unpacked.
 */
struct backlog_pos {
	uint64_t after;
	size_t off;
	struct backlog_pos *prev, *next;	/* joined: in b->readers */
};

struct backlog {
	pthread_mutex_t lock;
	pthread_cond_t cond;	/* an event came, or closed */
	bool idle_wait;		/* a backlog_wait() needs no event now */
	struct backlog_entry *e;	/* a ring: e[(first + i) % cap] */
	struct backlog_block *oldest, *newest;
	struct backlog_block *packing;	/* deflated outside the lock */
	struct backlog_pos *readers;
	struct backlog_slot slots[BACKLOG_SLOTS];
	size_t cap, n, first;
	uint64_t last_seq;	/* of the newest event pushed; 0: none */
	uint64_t evicted_seq;	/* of the newest one pushed out; 0: none */
	uint64_t serials, reads;
	/* for /metrics: bytes as they are held, and inflations */
	size_t plain_bytes, packed_bytes;
	unsigned long inflates;
	bool closed;
};

/* What a reader wants: 1 << kind, 1 << type; 0 = every one. */
struct backlog_filter {
	unsigned kinds, types;
};

int backlog_init(struct backlog *b, size_t cap);
void backlog_destroy(struct backlog *b);
/*
 * Keeps a copy of frame; seqs increase.  Does not wake the readers:
 * backlog_wake() after a batch.  -ENOMEM: not kept (the readers then
 * miss it: counted by the caller).
 */
int backlog_push(struct backlog *b, uint64_t seq, unsigned kind,
		 unsigned types, const char *frame, size_t len);
void backlog_wake(struct backlog *b);
/* No more events: waiting readers return, and then end their stream. */
void backlog_close(struct backlog *b);

/*
 * Where a reader starts: after *id (Last-Event-ID), or now (id NULL).
 * true when events after *id were pushed out already (the reader then
 * goes on from the oldest one kept), or *id is past the newest event (an
 * id of another run; from now on): the reader must resync.
 */
bool backlog_start(struct backlog *b, const uint64_t *id, uint64_t *after);
/*
 * A reader's position counts for packing from now until it leaves: the
 * blocks after it stay as they are.
 */
void backlog_join(struct backlog *b, struct backlog_pos *pos);
void backlog_leave(struct backlog *b, struct backlog_pos *pos);
/*
 * Copies the bytes of the frames after pos that pass f into buf, up to
 * max, straight from the ring (a frame may end in the next call), and
 * moves pos past them.  The number of bytes, 0 (nothing new), -ESTALE
 * (the reader fell behind: frames after pos were pushed out), or -ENOMEM
 * (a packed block could not be inflated).
 */
ssize_t backlog_read(struct backlog *b, struct backlog_pos *pos,
		     const struct backlog_filter *f, char *buf, size_t max);
/*
 * Waits up to timeout_ms for an event after `after`: 0 (one came, or
 * closed), -ETIMEDOUT.  While *need is 0 (need NULL: always 1) no one
 * needs an event at once: then it waits for the close, the timeout or a
 * backlog_poke() only, and backlog_wake() wakes no one.  A thread switch
 * per batch of events was most of what serve cost with no client.
 */
int backlog_wait(struct backlog *b, uint64_t after, unsigned timeout_ms,
		 const atomic_uint *need);
/* *need rose: a backlog_wait() that needed no event looks again. */
void backlog_poke(struct backlog *b);
bool backlog_closed(struct backlog *b);
/* The seq of the newest event pushed; 0: none yet. */
uint64_t backlog_last(struct backlog *b);
/* Whether events after `after` were pushed out (a reader there lost them). */
bool backlog_passed(struct backlog *b, uint64_t after);
/*
 * Packs the oldest unpacked block that every joined reader is past (not
 * the newest), deflating it without the lock: true if one was packed.
 * Any one thread, not the pusher's: a block's deflate takes about a
 * millisecond.
 */
bool backlog_pack(struct backlog *b);
/* The bytes held unpacked and packed, and the inflations so far. */
void backlog_stats(struct backlog *b, size_t *plain, size_t *packed,
		   unsigned long *inflates);

#endif
