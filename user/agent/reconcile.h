/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * reconcile.h - the live model of `nsmon watch`: which namespaces exist,
 * folded from kernel events and sweeps, and the events (SPEC "Events")
 * that the folding produces.  It keeps SPEC's invariant: a namespace is
 * created once while it lives, and every destroy follows its create.
 */
#ifndef NSMON_RECONCILE_H
#define NSMON_RECONCILE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "nsm.h"
#include "wev.h"

struct rc;

struct rc_opts {
	/* where the events go, in seq order (NULL: nowhere) */
	wev_sink_fn emit;
	void *emit_ctx;
	unsigned types;		/* mask of 1 << NSM_*: what is printed */
	bool initial;		/* print the creates of the start sync */
	/* create events of new namespaces: whose container pid is in */
	const char *(*container_of)(void *ctx, pid_t pid, enum nsm_type type,
				    uint64_t id);
	/* the kernel's map of known namespaces follows the model */
	void (*known)(void *ctx, uint64_t id, uint64_t ns_id, bool alive);
	/*
	 * Whether a namespace still exists (as rc_alive_fn below: 1, 0,
	 * < 0 cannot tell); NULL: cannot tell.  Decides which of two
	 * namespaces under one inode number a late create is about.
	 */
	int (*alive)(void *ctx, enum nsm_type type, uint64_t id,
		     uint64_t ns_id);
	void *ctx;
};

int rc_new(struct rc **out, const struct rc_opts *o);
void rc_free(struct rc *r);
/* Namespaces alive in the model. */
size_t rc_count(const struct rc *r);
/* The seq of the last event emitted (0: none yet). */
uint64_t rc_seq(const struct rc *r);

/* A namespace alive in the model. */
struct rc_ns {
	uint64_t id, ns_id, owner, parent;
	enum nsm_type type;
};

typedef void (*rc_each_fn)(void *ctx, const struct rc_ns *ns);
/* Calls fn for each namespace alive in the model of a type shown. */
void rc_each(const struct rc *r, rc_each_fn fn, void *ctx);
/* Non-zero once the sink failed (its reader is gone): stop. */
int rc_error(const struct rc *r);
/*
 * Ends a batch: the sink writes out the events emitted so far; every
 * caller's batch ends here (rc_sync() flushes on its own).  The error as rc_error().
 */
int rc_flush(struct rc *r);

/*
 * Folds in one kernel event (kind CREATE, SWITCH or DESTROY): a create of
 * a namespace alive in the model, or a destroy of one not in it, is
 * dropped (the kernel's dedupe can race across CPUs).
 */
void rc_event(struct rc *r, struct wev *e);

/*
 * Reconciles the model with a sweep: namespaces the model lacks are
 * created (via "start" for reason "start", else "sweep"), those the sweep
 * no longer finds are destroyed (via "sweep"); then a sync event.
 */
void rc_sync(struct rc *r, const struct nsm_model *m, const char *reason);
/*
 * Liveness checks between sweeps (the destroys the feed cannot see): is
 * this namespace still there?  1 alive, 0 gone, < 0 cannot tell.
 */
typedef int (*rc_alive_fn)(void *ctx, enum nsm_type type, uint64_t id,
			   uint64_t ns_id);
/* Whether an nsfs fd of namespace id was closed since the last check. */
typedef bool (*rc_closed_fn)(void *ctx, uint64_t id);

/* What a liveness check was prompted by (bpf/nsm_abi.h's hint kinds). */
enum {
	RC_HINT_UMOUNT = 1,
	RC_HINT_CLOSE = 2,
	RC_HINT_EXIT = 4,	/* sweeps too (liveness.c) */
	RC_HINT_EXIT_NS = 8,
};

/*
 * Checks the namespaces that could have gone unseen: with all, every one
 * in the model; else user and PID namespaces, those a sweep saw held by
 * a bind mount, an fd or a socket, and those whose nsfs fd was closed.  Those gone are
 * destroyed with the via of how they were held (an nsfs fd of it was
 * closed: close; a bind mount: umount; an fd or socket: close; user,
 * PID: exit), else of the hints.  Returns how
 * many were destroyed.
 */
size_t rc_liveness(struct rc *r, bool all, unsigned hints, rc_alive_fn alive,
		   rc_closed_fn closed, void *ctx);
/*
 * rc_liveness() with all, over part (0 to parts - 1) of the model: the
 * parts, in turn, cover every namespace (one whose slot moved meanwhile,
 * the model grown, may wait a round).
 */
size_t rc_liveness_part(struct rc *r, unsigned part, unsigned parts,
			unsigned hints, rc_alive_fn alive, rc_closed_fn closed,
			void *ctx);

/*
 * After an exit: the namespaces of the model that a whole sweep (every
 * task, fd, socket, bind mount and the user/PID links between them) no
 * longer finds.  A user or PID namespace is then gone, though the kernel
 * may free it seconds later (its last credentials and struct pids go
 * through lazy RCU); another type when alive() says so too.  Destroyed
 * in the order of SPEC (what a namespace holds first: children before
 * parents), via "exit" for user and PID namespaces (or how the last
 * sweep saw them held), via "close" or "umount" for the others (the feed
 * reports a last process's exit itself).  Only namespaces in the model
 * at epoch (rc_epoch() when the sweep began) are judged.  Returns how
 * many were destroyed.
 */
size_t rc_gone(struct rc *r, const struct nsm_model *m, uint64_t epoch,
	       rc_alive_fn alive, void *ctx);
/*
 * A count of the namespaces that came into the model: rc_gone() leaves
 * those that came after the epoch its sweep began at.
 */
uint64_t rc_epoch(const struct rc *r);

/*
 * The hints whose checks are pending: a namespace whose inode number a
 * new one reuses before a check saw it go is destroyed with their via.
 */
void rc_hints(struct rc *r, unsigned hints);

/* The kernel dropped count records, shed of them on purpose (lost.h). */
void rc_lost(struct rc *r, uint64_t count, uint64_t shed);

/* A container engine reported a change (kind CONTAINER; time set here). */
void rc_container(struct rc *r, struct wev *e);

#endif
