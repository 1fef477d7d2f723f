/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * feed.h - the kernel's event feed (bpf/events.bpf.c): the skeleton
 * opened, loaded and attached, its ring buffer read and each record
 * decoded into events (struct wev), its lost counters, the maps it keeps
 * in step with the model (known namespaces, holder processes) and the
 * .bss knobs through which the reader paces it (batching, lazy wakeups,
 * hints) or sheds its load after a loss (shedding).
 */
#ifndef NSMON_FEED_H
#define NSMON_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nsm.h"
#include "wev.h"

/* What a read of the ring hands back, record by record. */
struct feed_cbs {
	/* one event (create, switch, destroy); non-zero: stop reading */
	int (*event)(void *ctx, struct wev *e);
	/* every record, hints too: len bytes of ring read */
	void (*record)(void *ctx, size_t len);
	/* an nsfs fd of namespace id was closed (a hint said so) */
	void (*closed)(void *ctx, uint64_t id);
	void *ctx;
};

struct feed_opts {
	const char *name;	/* messages start "NAME: " */
	unsigned ring_size;	/* bytes, a power of two */
	int verbose;		/* libbpf's messages on stderr */
	struct feed_cbs cbs;
};

struct feed;

/*
 * Opens, loads and attaches the feed (tracefs mounted first if it is
 * missing) and its ring buffer.  Says on stderr what is missing when it
 * cannot; -errno.
 */
int feed_open(struct feed **out, const struct feed_opts *o);
/* Detaches the programs: nothing new comes into the ring. */
void feed_detach(struct feed *f);
void feed_close(struct feed *f);

/* Reads every record in the ring; < 0: the ring's or a callback's error. */
int feed_consume(struct feed *f);
/* The fd that is readable when the ring wakes its reader. */
int feed_fd(const struct feed *f);
/* Takes CLOCK_REALTIME - CLOCK_BOOTTIME again (records carry boot time). */
void feed_calibrate(struct feed *f);

/* The losses as the programs count them in .bss: no syscall. */
uint64_t feed_nlost(const struct feed *f);
/* The losses summed over the CPUs' counters; dflt if they cannot be read. */
uint64_t feed_lost_total(const struct feed *f, uint64_t dflt);
/* The records the programs shed (feed_set_shedding()): no syscall. */
uint64_t feed_nshed(const struct feed *f);
/* From a loss until its sweep: the programs count records, write none. */
void feed_set_shedding(struct feed *f, bool on);

/* Bytes in the ring not read yet (producer - consumer); any thread. */
uint64_t feed_ring_used(const struct feed *f);
/* The kernel's hints so far, by kind (NSM_HINT_N of them); any thread. */
void feed_hint_totals(const struct feed *f, uint64_t *out);
/* agent_prog_stats() of the feed's programs: how many, or -errno. */
struct agent_prog_stats;
int feed_prog_stats(const struct feed *f, struct agent_prog_stats *out,
		    int max);

/* The known map follows the model (reconcile.c's known callback). */
void feed_known(struct feed *f, uint64_t id, uint64_t ns_id, bool alive);
/*
 * The processes whose exit may close a namespace's last fd (a sweep's)
 * marked for the exit program; exact (a resync): feed_mark_tasks() too.
 */
void feed_set_holders(struct feed *f, const struct nsm_model *m, bool exact);
/* Marks the tasks not in the initial namespaces.  0 or -errno. */
int feed_mark_tasks(struct feed *f);

/* The knobs (events.bpf.c): records do not wake the reader. */
void feed_set_batching(struct feed *f, bool on);
/* Lazy records (an exit's) wake the reader. */
void feed_set_lazy_wakes(struct feed *f, bool on);
/* Before each read: lazy records read from here on are counted anew. */
void feed_clear_lazy(struct feed *f);
/*
 * The hint counters: the RC_HINT_* bits of those that moved since the
 * last call.  idle: no checks are pending, so the counters are taken
 * (reset); with hold, a hint taken idle leaves its counters non-zero, so
 * that the kernel does not wake us for every hint while checks are due.
 */
unsigned feed_take_hints(struct feed *f, bool idle, bool hold);

#endif
