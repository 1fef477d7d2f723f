/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wev.h - one event of the agent (SPEC "Events"), as the reconciler
 * produces it and every sink receives it, and the sink of `nsmon watch`:
 * the JSON/text line writer (events_out.c).
 */
#ifndef NSMON_WEV_H
#define NSMON_WEV_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "nsm.h"

enum wev_kind {
	WEV_CREATE,
	WEV_SWITCH,
	WEV_DESTROY,
	WEV_SYNC,
	WEV_LOST,
	WEV_CONTAINER,
	/*
	 * Not printed: the feed's note that a namespace's last task exited
	 * while a few references more held it (NSM_EV_DYING).
	 */
	WEV_DYING,
};

struct wev_change {
	enum nsm_type type;
	uint64_t from, to;
};

/* One event as printed; the printers (events_out.c) read nothing else. */
struct wev {
	enum wev_kind kind;
	struct timespec time;	/* realtime */
	const char *via;	/* create, switch, destroy */
	pid_t pid, tid;		/* 0 = unknown */
	char comm[17];
	/* create, destroy */
	enum nsm_type type;
	uint64_t id, ns_id, owner, parent;
	const char *container;	/* create: the container's id, NULL: none */
	/* switch */
	struct wev_change changes[NSM_NTYPES];
	int nchanges;
	/* sync */
	const char *reason;
	size_t namespaces;
	size_t created, destroyed;
	bool incomplete;	/* the sweep missed what it should hold */
	/* lost: count records, shed of them shed by the kernel */
	uint64_t count, shed;
	/* container (pid: its init, 0 = unknown) */
	const char *action;
	const char *ctr_id, *ctr_name, *ctr_engine;
};

/*
 * A sink: takes every event, in seq order; e == NULL ends a batch (the
 * events of one read of the kernel's ring): write out what is buffered.
 * Non-zero (-errno) means the sink is broken (its reader is gone): the
 * agent stops.
 */
typedef int (*wev_sink_fn)(void *ctx, uint64_t seq, const struct wev *e);

/* "create", ... as in the lines; NULL for one never printed (WEV_DYING). */
const char *wev_kind_name(enum wev_kind k);

/*
 * events_out.c: one line, buffered; wev_flush() writes what is buffered.
 * Both: -EPIPE etc. when out is gone.
 */
int wev_print(FILE *out, bool json, uint64_t seq, const struct wev *e);
int wev_flush(FILE *out);

/* The line writer as a sink (ctx: a struct wev_writer). */
struct wev_writer {
	FILE *out;
	bool json;
};

int wev_write(void *ctx, uint64_t seq, const struct wev *e);

#endif
