/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * engine_events.h - `nsmon watch` follows the container engines that
 * stream their events (Docker, podman: GET /events on the API socket):
 * container start, stop, pause, unpause; and containerd's and CRI-O's
 * containers, start and stop, through their state (state_events.h).  The
 * engines are those the last sweep found; one that goes away is tried
 * again every few seconds.
 *
 * Never blocks: the engines are spoken to through the discovery
 * library's Docker client (libcurl's multi interface), driven by the
 * caller's loop: ee_tick() at least every 250 ms, a wait for the fds of
 * ee_pollfds() with the events it asks for (POLLIN, POLLOUT: pass .events
 * through), then ee_read().
 *
 * It also keeps what it knows of containers (id, name, engine, init pid;
 * from the sweeps and the start events) to tell which container a
 * process belongs to.
 */
#ifndef NSMON_ENGINE_EVENTS_H
#define NSMON_ENGINE_EVENTS_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "nsm.h"
#include "state_events.h"

/* an engine that is down or talks garbage is tried again this often */
#define EE_RETRY_MS 5000
/* engines followed at once */
#define EE_MAX_ENGINES 16
/*
 * the most fds ee_pollfds() asks to wait for: per engine its stream and
 * the inspect that is out (one at a time per engine); and those that
 * follow containerd's and CRI-O's state (state_events.h)
 */
#define EE_MAX_POLLFDS (2 * EE_MAX_ENGINES + SE_MAX_POLLFDS)

/* One container event of an engine. */
struct ee_event {
	const char *action;	/* start, stop, pause, unpause */
	const char *id;
	const char *name;	/* NULL: unknown */
	enum nsm_engine_kind engine;
	pid_t pid;		/* init, in our PID namespace; 0: unknown */
};

typedef void (*ee_emit_fn)(void *ctx, const struct ee_event *e);

struct ee;

/* warn: where the warnings go (stderr), one per change of state. */
struct ee *ee_new(ee_emit_fn emit, void *ctx, FILE *warn);
void ee_free(struct ee *ee);
/*
 * After a sweep: follows the Docker and podman engines in m->engines
 * (besides those already followed), connects those that are down now,
 * follows the state of its containerd and CRI-O engines (se_sync()), and
 * takes m's containers and their processes as what is known.
 */
void ee_sync(struct ee *ee, const struct nsm_model *m);
/*
 * Emits the starts and stops that ee_sync() found (held: not in the midst
 * of a sync), reconnects the engines that are down, when due
 * (EE_RETRY_MS), and runs the engines' timeouts (connect, inspect).
 */
void ee_tick(struct ee *ee);
/* The fds to wait for, with their .events, at most max; how many. */
int ee_pollfds(struct ee *ee, struct pollfd *p, int max);
/*
 * After the wait: reads what the engines sent, emits their events (an
 * engine's in its order; one waiting for an inspect holds back the
 * engine's later ones, not other engines').
 */
void ee_read(struct ee *ee, const struct pollfd *p, int n);
/*
 * The id of the container that pid, which made namespace id of type,
 * belongs to: one whose cgroup path names a known container or is an
 * engine's (read now; if pid is gone, that of a child of it in the
 * namespace), or a process of one in the last sweep; NULL if none.
 * Valid until the next ee_* call.
 */
const char *ee_container_of(struct ee *ee, pid_t pid, enum nsm_type type,
			    uint64_t id);

/*
 * One line of an engine's event stream: 1 and *e filled (pointing into
 * *doc, which the caller frees with cJSON_Delete) for a container start
 * (Action start), stop (die), pause or unpause; 0 for anything else
 * (Docker's own stop and kill come before the die: one stop is emitted);
 * -EBADMSG if the line is not a JSON object.
 */
struct cJSON;
int ee_parse(const char *line, size_t len, struct ee_event *e,
	     struct cJSON **doc);

#endif
