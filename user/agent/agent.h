/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * agent.h - the agent as a library: the kernel's event feed folded into
 * a live model of the namespaces, kept honest by liveness checks and
 * sweeps, every change an event (SPEC "Events") handed to the
 * subscribers.  `nsmon watch` is one front end (a line writer on
 * stdout), the HTTP service another.
 *
 *	agent_open(&a, &opts);
 *	agent_subscribe(a, wev_write, &writer);
 *	agent_run(a);		// until agent_stop() or an error
 *	agent_close(a);
 */
#ifndef NSMON_AGENT_H
#define NSMON_AGENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nsm.h"
#include "wev.h"

struct agent_opts {
	const char *name;	/* messages on stderr start "NAME: " */
	unsigned types;		/* 1 << NSM_*: the types events are about */
	bool initial;		/* the creates of the start sweep */
	unsigned ring_size;	/* the kernel's ring, bytes (a power of 2) */
	unsigned resync_s;	/* sweep this often; 0: on loss and request */
	unsigned max_delay_us;	/* read a burst this late; 0: per record */
	unsigned exit_delay_ms;	/* an exit's events this late; 0: at once */
	bool containers;	/* follow the container engines' events */
	bool bpf_stats;		/* the kernel counts the programs' runs */
	int verbose;		/* libbpf's messages */
	/*
	 * The sweep: a whole discovery into *out (the caller's
	 * nsm_discover() wiring), 0 or -errno with its message printed.
	 */
	int (*sweep)(void *ctx, struct nsm_model **out);
	/*
	 * A lighter one after exits (NULL: none): every task, fd, socket,
	 * bind mount and user/PID link, but no mount tables, engines or
	 * details; quiet (no message), as it runs often.
	 */
	int (*check_sweep)(void *ctx, struct nsm_model **out);
	void *sweep_ctx;
};

/* The defaults of `nsmon watch` (every type, initial creates, 1 MiB). */
void agent_opts_default(struct agent_opts *o);

struct agent;

/*
 * Loads and attaches the feed (nothing is missed from here on); says on
 * stderr what is missing when it cannot.  0 or -errno.
 */
int agent_open(struct agent **out, const struct agent_opts *o);
/*
 * Sends every event from now on to fn (seq and event; NULL ends a
 * batch), in seq order, on the agent's thread.  A sink that fails stops
 * the agent.  0 or -ENOMEM; at most AGENT_MAX_SINKS.
 */
#define AGENT_MAX_SINKS 16
int agent_subscribe(struct agent *a, wev_sink_fn fn, void *ctx);
/*
 * An fd whose hangup or error stops the agent as a failed sink does
 * (stdout: a pipe whose reader is gone), before the next event, which
 * may be hours away.
 */
void agent_watch_fd(struct agent *a, int fd);
/*
 * The start sweep, then events until agent_stop(); detaches the feed
 * and drains it before it returns.  0: stopped; -EPIPE: a sink's reader
 * is gone; else -errno (agent_sink_error() says whether a sink failed).
 * Stopped before it began: no sweep, no event, 0.
 */
int agent_run(struct agent *a);
/*
 * Async-signal-safe, from any thread: agent_run() returns soon; its wait
 * ends at once (the start sweep, which cannot be interrupted, first).
 */
void agent_stop(struct agent *a);
/* Async-signal-safe: a sweep soon, its sync with reason "signal". */
void agent_resync_request(struct agent *a);
/* The error of the sink that failed; 0: none did. */
int agent_sink_error(const struct agent *a);
void agent_close(struct agent *a);

/* A namespace alive in the model. */
struct agent_ns {
	uint64_t id, ns_id, owner, parent;
	enum nsm_type type;
};

/*
 * A consistent copy of the live model: its namespaces of the types of
 * the options, sorted by id, their number by type, and the seq of the
 * last event folded into it; a subscriber gets every event after seq.
 * Immutable once published; shared by reference (publish.h).
 */
struct agent_view {
	atomic_uint refs;
	uint64_t seq;
	size_t n;
	size_t count[NSM_NTYPES];
	struct agent_ns ns[];
};

/*
 * A reference to the published view, at most PUB_MAX_AGE_NS behind the
 * model (publish.h); never NULL.  From any thread between agent_open()
 * and agent_close(), but not from a sink (it may wait for the agent's
 * turn, which runs the sinks).
 */
struct agent_view *agent_view_get(struct agent *a);
/*
 * CLOCK_MONOTONIC ns when the agent's loop last began a turn (at least
 * every 250 ms while it runs; 0: not yet): for a watchdog.  Any thread.
 */
int64_t agent_heartbeat(struct agent *a);
void agent_view_put(struct agent_view *v);
/* The view's namespace id; NULL: none. */
const struct agent_ns *agent_view_find(const struct agent_view *v,
				       uint64_t id);

/*
 * The feed's programs and what the kernel counted of their runs
 * (bpf_prog_info's run_time_ns and run_cnt): counted only while run-time
 * stats are on (agent_opts.bpf_stats, or the kernel.bpf_stats_enabled
 * sysctl), else 0.  From any thread, between agent_open() and
 * agent_close(); how many (at most max), or -errno.
 */
struct agent_prog_stats {
	const char *name;	/* the program's, as the agent's */
	uint64_t run_time_ns, run_cnt;
};
#define AGENT_MAX_PROGS 32
int agent_prog_stats(struct agent *a, struct agent_prog_stats *out, int max);
/*
 * The calling thread, and the threads it makes from now on, ask the
 * scheduler for short slices (EEVDF, 6.12+): they get the CPU sooner when
 * they wake, not more of it.  For threads that wake for little work on
 * an event's way to its reader; agent_run() calls it for its own.
 */
void agent_short_slice(void);

/* Bytes the kernel wrote into the ring not read yet; any thread. */
uint64_t agent_ring_used(struct agent *a);

/*
 * What keeping the model exact costs, since the start; any thread.  The
 * kernel's hints (a umount, a close of an nsfs fd or socket that may
 * end a namespace, an exit that may end a user or PID namespace or a
 * holder's, another exit in one) and the namespaces looked up by nsfs
 * handle to see whether they still exist.
 */
#define AGENT_NHINTS 4
struct agent_counts {
	uint64_t hints[AGENT_NHINTS];
	uint64_t checks;
};
void agent_counts(struct agent *a, struct agent_counts *out);
/* "umount", "close", "exit", "exit_ns" for 0 .. AGENT_NHINTS - 1 */
const char *agent_hint_name(int kind);

#endif
