/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * state_events.h - `nsmon watch` follows containerd's and CRI-O's
 * containers through their runtime state, the directories the sweeps
 * read (engine_events.c follows Docker and podman through their event
 * streams, and drives this): a container starts when its state names a
 * process that checks out as its init, and stops when that process exits
 * or its state directory goes.
 *
 * Never blocks: an inotify fd for the directories, down to every
 * container's, and one epoll fd for the pidfds of the containers' inits,
 * two fds in the caller's wait (se_pollfds(), then se_read()).
 */
#ifndef NSMON_STATE_EVENTS_H
#define NSMON_STATE_EVENTS_H

#include <poll.h>
#include <stdio.h>

#include "nsm.h"

/* the fds se_pollfds() asks to wait for: inotify's and the pidfds' epoll */
#define SE_MAX_POLLFDS 2
/* directories watched at most (an inotify watch each) */
#define SE_MAX_DIRS 16384
/* containers whose init is followed at once (a pidfd each; no more than
 * a quarter of RLIMIT_NOFILE) */
#define SE_MAX_RUNNING 4096

/*
 * A container's "start" (its state names its init now, checked by
 * nsm_engine_read_live(); c->pid is ours) or "stop" (that init exited,
 * or the container's state directory went).
 */
typedef void (*se_fn)(void *ctx, const char *action,
		      const struct nsm_container *c);

struct se;

/* warn: where the warnings go (stderr), each once. */
struct se *se_new(se_fn fn, void *ctx, FILE *warn);
void se_free(struct se *se);
/*
 * After a sweep: follows the state of m's containerd and CRI-O engines
 * not followed yet.  What runs there now and m lists is taken as running
 * (its stop will come; no start), what m does not list starts.  Lets go
 * of an engine in another root whose process is gone.
 */
void se_sync(struct se *se, const struct nsm_model *m);
/* The fds to wait for (POLLIN), at most max; how many. */
int se_pollfds(struct se *se, struct pollfd *p, int max);
/* After the wait, with se_pollfds()'s fds: emits what changed. */
void se_read(struct se *se, const struct pollfd *p, int n);

#endif
