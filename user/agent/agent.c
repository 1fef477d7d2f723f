// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * agent.c - the agent's loop: the feed (feed.c) is attached before the
 * start sweep, so nothing that happens during the sweep is missed: a
 * create the sweep also found is dropped by the model (reconcile.c), a
 * namespace destroyed before the sweep reached it is in neither (the
 * kernel reports destroys only of namespaces it knows).  From then on
 * it waits for the ring, reads it, and lets pacing (pace.c), liveness
 * checks (liveness.c) and the loss resync (lost.c) decide what comes
 * next.  Every event goes to the subscribers, one batch per read.
 *
 * The model is behind a mutex, held except while the loop waits or
 * sweeps, so that agent_snapshot() can copy it from another thread.
 */
#include <errno.h>
#include <malloc.h>
#include <stdatomic.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "agent.h"
#include "engine_events.h"
#include "feed.h"
#include "liveness.h"
#include "lost.h"
#include "nsm_abi.h"
#include "pace.h"
#include "publish.h"
#include "reconcile.h"

/* the longest wait without a deadline: hints counted meanwhile show */
#define POLL_MS 250

struct sink {
	wev_sink_fn fn;
	void *ctx;
};

struct agent {
	struct agent_opts o;
	struct feed *feed;
	struct rc *rc;
	struct ee *ee;		/* container engines; NULL: none followed */
	struct pace pace;
	struct liveness live;
	struct lost lost;
	pthread_mutex_t lock;	/* rc and the sinks */
	struct pub pub;		/* the model as readers see it */
	_Atomic uint64_t checks;	/* agent_counts() */
	_Atomic int64_t beat;	/* agent_heartbeat() */
	struct sink sinks[AGENT_MAX_SINKS];
	unsigned nsinks;
	int watch_fd;		/* agent_watch_fd(); -1: none */
	/*
	 * agent_stop() and agent_resync_request() set a flag and make wake_fd
	 * readable: the wait in wait_feed() polls it, so a request that comes
	 * after the loop looked at the flags but before it sleeps ends that
	 * sleep at once, as does one handled on another thread.
	 */
	int wake_fd;		/* an eventfd */
	int stats_fd;		/* BPF_ENABLE_STATS held; -1: none */
	volatile sig_atomic_t stop, hup;
};

void agent_opts_default(struct agent_opts *o)
{
	*o = (struct agent_opts){
		.name = "nsmon agent",
		.types = (1U << NSM_NTYPES) - 1,
		.initial = true,
		.ring_size = 1 << 20,
		.max_delay_us = MAX_DELAY_US,
		.exit_delay_ms = EXIT_DELAY_MS,
		.containers = true,
	};
}

/* ---------------------------------------------------- the parts' wiring */

static int fan_out(void *ctx, uint64_t seq, const struct wev *e)
{
	struct agent *a = ctx;
	unsigned i;
	int err;

	for (i = 0; i < a->nsinks; i++) {
		err = a->sinks[i].fn(a->sinks[i].ctx, seq, e);
		if (err)
			return err;
	}
	return 0;
}

static int on_event(void *ctx, struct wev *e)
{
	struct agent *a = ctx;

	rc_event(a->rc, e);
	return rc_error(a->rc);
}

static void on_record(void *ctx, size_t len)
{
	struct agent *a = ctx;

	pace_record(&a->pace, len);
}

static void on_closed(void *ctx, uint64_t id)
{
	struct agent *a = ctx;

	liveness_closed(&a->live, id);
}

/* The kernel's known map follows the model (reconcile.c's callback). */
static void on_known(void *ctx, uint64_t id, uint64_t ns_id, bool alive)
{
	struct agent *a = ctx;

	feed_known(a->feed, id, ns_id, alive);
}

/* liveness_ns_alive(), counted */
static int agent_alive(void *ctx, enum nsm_type type, uint64_t id,
		       uint64_t ns_id)
{
	struct agent *a = ctx;

	atomic_fetch_add_explicit(&a->checks, 1, memory_order_relaxed);
	return liveness_ns_alive(a, type, id, ns_id);
}

static int on_alive(void *ctx, enum nsm_type type, uint64_t id,
		    uint64_t ns_id)
{
	struct agent *a = ctx;

	return a->live.handles ? agent_alive(a, type, id, ns_id) : -1;
}

static void on_container(void *ctx, const struct ee_event *c)
{
	struct agent *a = ctx;
	struct wev e = {
		.action = c->action,
		.ctr_id = c->id,
		.ctr_name = c->name,
		.ctr_engine = nsm_engine_name(c->engine),
		.pid = c->pid,
	};

	rc_container(a->rc, &e);
}

static const char *container_of(void *ctx, pid_t pid, enum nsm_type type,
				uint64_t id)
{
	struct agent *a = ctx;

	return a->ee ? ee_container_of(a->ee, pid, type, id) : NULL;
}

static int consume(void *ctx)
{
	struct agent *a = ctx;

	return feed_consume(a->feed);
}

static void set_batching(void *ctx, bool on)
{
	struct agent *a = ctx;

	feed_set_batching(a->feed, on);
}

static void set_lazy_wakes(void *ctx, bool on)
{
	struct agent *a = ctx;

	feed_set_lazy_wakes(a->feed, on);
}

static void clear_lazy(void *ctx)
{
	struct agent *a = ctx;

	feed_clear_lazy(a->feed);
}

static uint64_t lost_quick(void *ctx)
{
	struct agent *a = ctx;

	return feed_nlost(a->feed) + feed_nshed(a->feed);
}

static uint64_t lost_total(void *ctx, uint64_t dflt)
{
	struct agent *a = ctx;

	return feed_lost_total(a->feed, dflt);
}

static uint64_t lost_shed(void *ctx)
{
	struct agent *a = ctx;

	return feed_nshed(a->feed);
}

static void set_shedding(void *ctx, bool on)
{
	struct agent *a = ctx;

	feed_set_shedding(a->feed, on);
}

static void lost_report(void *ctx, uint64_t count, uint64_t shed)
{
	struct agent *a = ctx;

	rc_lost(a->rc, count, shed);
}

static int resync(struct agent *a, const char *reason);

static int lost_sweep(void *ctx)
{
	return resync(ctx, "lost");
}

static const struct pace_ops pace_ops = {
	.set_batching = set_batching,
	.set_lazy_wakes = set_lazy_wakes,
	.clear_lazy = clear_lazy,
	.consume = consume,
};

/* One of the caller's sweeps; the model is free meanwhile. */
static int sweep_unlocked(struct agent *a,
			  int (*sweep)(void *ctx, struct nsm_model **out),
			  struct nsm_model **m)
{
	int err;

	pthread_mutex_unlock(&a->lock);
	err = sweep(a->o.sweep_ctx, m);
	pthread_mutex_lock(&a->lock);
	return err;
}

/*
 * After an exit: a sweep of what holds namespaces (the caller's
 * check_sweep), the destroys of what it no longer finds, and its fd and
 * socket holders as the kernel's from now on (their exit is a hint).
 */
static int gone_sweep(void *ctx)
{
	struct agent *a = ctx;
	uint64_t epoch = rc_epoch(a->rc);
	int64_t t0 = agent_mono_ns();
	struct nsm_model *m;
	size_t n = 0;
	int err;

	if (!a->o.check_sweep)
		return -EOPNOTSUPP;
	err = sweep_unlocked(a, a->o.check_sweep, &m);
	if (err)
		return err;
	/*
	 * What the feed reported meanwhile first: a namespace whose last
	 * process exited during the sweep has its destroy (via exit, with
	 * the pid) in the ring.
	 */
	feed_consume(a->feed);
	/* a partial sweep misses what still lives: it decides nothing */
	if (!m->incomplete) {
		feed_set_holders(a->feed, m, false);
		n = rc_gone(a->rc, m, epoch, agent_alive, a);
	}
	if (a->o.verbose > 1)
		fprintf(stderr, "%s: sweep after an exit: %.1f ms, %zu gone%s\n",
			a->o.name, (agent_mono_ns() - t0) / 1e6, n,
			m->incomplete ? " (incomplete: none judged)" : "");
	nsm_model_free(m);
	return 0;
}

static const struct liveness_ops liveness_ops = {
	.alive = agent_alive,
	.consume = consume,
	.gone = gone_sweep,
};

static const struct lost_ops lost_ops = {
	.quick = lost_quick,
	.total = lost_total,
	.shed = lost_shed,
	.shedding = set_shedding,
	.consume = consume,
	.report = lost_report,
	.resync = lost_sweep,
};

/* ------------------------------------------------------------ the loop */

static void view_one(void *ctx, const struct rc_ns *ns)
{
	struct agent_view *v = ctx;

	v->ns[v->n++] = (struct agent_ns){
		.id = ns->id,
		.ns_id = ns->ns_id,
		.owner = ns->owner,
		.parent = ns->parent,
		.type = ns->type,
	};
}

/*
 * A copy of the model for the readers, if one is due (publish.h); out of
 * memory, the old one stays and the next turn tries again.
 */
static void publish(struct agent *a, bool force)
{
	uint64_t seq = rc_seq(a->rc);
	struct agent_view *v;

	if (!pub_due(&a->pub, seq, force))
		return;
	v = agent_view_new(rc_count(a->rc), seq);
	if (!v)
		return;
	v->n = 0;
	rc_each(a->rc, view_one, v);
	agent_view_seal(v);
	pub_swap(&a->pub, v);
}

/*
 * A sweep into the model: at start, after the feed lost records, on
 * request and every --resync.  The model is free meanwhile.
 */
static int resync(struct agent *a, const char *reason)
{
	struct nsm_model *m;
	int err = sweep_unlocked(a, a->o.sweep, &m);

	if (err)
		return err;
	feed_calibrate(a->feed);
	feed_set_holders(a->feed, m, true);
	/* rediscovery: the engines this sweep found, those down retried */
	if (a->ee)
		ee_sync(a->ee, m);
	rc_sync(a->rc, m, reason);
	nsm_model_free(m);
	/*
	 * The sweep's many small blocks, freed, leave holes in the heap that
	 * malloc keeps resident: megabytes at 10,000 namespaces, after each
	 * resync.  Resyncs are rare; a trim takes a few ms.
	 */
	malloc_trim(0);
	publish(a, true);
	return 0;
}

/* The kernel's hint counters: checks at the steps from now. */
static void take_hints(struct agent *a)
{
	unsigned got = feed_take_hints(a->feed, !liveness_quiet(&a->live),
				       a->live.handles);

	if (got && a->live.handles)
		liveness_hint(&a->live, got);
}

/* us until the loop has something to do without a record */
static int64_t wait_us(struct agent *a)
{
	int64_t due = a->live.handles ? liveness_due_ms(&a->live) : POLL_MS;
	int64_t us = due < 0 ? 0 : due < POLL_MS ? (due + 1) * 1000
						 : POLL_MS * 1000;

	us = pace_wait_us(&a->pace, us);
	if (lost_due(&a->lost)) {
		int64_t left = (lost_due(&a->lost) - agent_mono_ns()) / 1000;

		if (left < us)
			us = left < 0 ? 0 : left;
	}
	return us;
}

/* Empties wake_fd: its count is of no interest, only that it woke us. */
static void take_wake(struct agent *a)
{
	uint64_t n;

	/* nonblocking: EAGAIN if there is nothing to take */
	(void)read(a->wake_fd, &n, sizeof(n));
}

/*
 * Waits for records, an engine, a stop or resync request or the next
 * deadline, and watches the watched fd too: a pipe whose reader is gone
 * (`| head`) reports POLLERR, so we leave then, not at the next event,
 * which may be hours away.  In a burst it only sleeps the burst's delay:
 * the records do not wake us then, and the ring fd would be ready at
 * once.
 */
static int wait_feed(struct agent *a)
{
	struct pollfd pfd[3 + EE_MAX_POLLFDS] = {
		{ .fd = a->watch_fd, .events = 0 },
		{ .fd = a->wake_fd, .events = POLLIN },
	};
	int ne = a->ee ? ee_pollfds(a->ee, pfd + 2, EE_MAX_POLLFDS) : 0;
	int64_t us = wait_us(a);
	struct timespec ts = {
		.tv_sec = us / 1000000,
		.tv_nsec = us % 1000000 * 1000,
	};
	int n;

	/* the engines' streams always; the ring only when it wakes us */
	pfd[2 + ne].fd = feed_fd(a->feed);
	pfd[2 + ne].events = POLLIN;
	pthread_mutex_unlock(&a->lock);
	n = ppoll(pfd, 2 + ne + pace_ring_wakes(&a->pace), &ts, NULL);
	pthread_mutex_lock(&a->lock);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL))
		return -EPIPE;
	if (pfd[1].revents & POLLIN)
		take_wake(a);
	/*
	 * Before the ring: an engine's create event names a container
	 * before runc makes its namespaces (ee_container_of()).
	 */
	if (ne)
		ee_read(a->ee, pfd + 2, ne);
	return 0;
}

/*
 * EEVDF (6.12+) takes a normal task's sched_runtime as the slice it asks
 * for: a task that asks for a short one gets an earlier deadline when it
 * wakes, and so the CPU sooner from a task that asked for more.  The
 * agent wakes for ~20 us of work per read: 100 us is plenty, and a
 * create line waits less behind, say, a netns cleanup worker (p99 of the
 * latency benchmark).  Older kernels ignore the field; a policy or nice
 * value the user chose is kept.
 */
void agent_short_slice(void)
{
	/* the kernel's struct sched_attr (linux/sched/types.h; no wrapper) */
	struct {
		uint32_t size;
		uint32_t sched_policy;
		uint64_t sched_flags;
		int32_t sched_nice;
		uint32_t sched_priority;
		uint64_t sched_runtime;
		uint64_t sched_deadline;
		uint64_t sched_period;
	} a = {
		.size = sizeof(a),
		.sched_policy = SCHED_OTHER,
		.sched_runtime = 100 * 1000,
	};

	/*
	 * A timed read in a burst (pace.h) is due every --max-delay, not
	 * up to the default 50 us of slack later.
	 */
	(void)prctl(PR_SET_TIMERSLACK, 10 * 1000UL);
	if (sched_getscheduler(0) != SCHED_OTHER)
		return;
	errno = 0;
	a.sched_nice = getpriority(PRIO_PROCESS, 0);
	if (errno)
		return;
	(void)syscall(SYS_sched_setattr, 0, &a, 0);
}

/* A sweep on request (SIGHUP) or every --resync; a loss's comes first. */
static void resync_due(struct agent *a, int64_t *next)
{
	if (!a->hup && !(*next && agent_mono_ns() >= *next))
		return;
	feed_consume(a->feed);
	/* a loss waits for its sync: it comes first */
	lost_resync(&a->lost, true);
	resync(a, a->hup ? "signal" : "interval");
	a->hup = 0;
	if (*next)
		*next = agent_mono_ns() + a->o.resync_s * 1000000000LL;
}

/* One turn: wait, read the ring, and what follows from what it held. */
static int turn(struct agent *a)
{
	int err;

	atomic_store(&a->beat, agent_mono_ns());
	if (a->ee)
		ee_tick(a->ee);
	err = wait_feed(a);
	if (err == -EPIPE)
		return err;
	feed_clear_lazy(a->feed);
	err = feed_consume(a->feed);
	if (err < 0 && err != -EPIPE) {
		fprintf(stderr, "%s: ring buffer: %s\n", a->o.name,
			strerror(-err));
		return err;
	}
	lost_check(&a->lost);
	lost_resync(&a->lost, false);
	take_hints(a);
	liveness_run(&a->live);
	pace_read(&a->pace);
	rc_flush(a->rc);
	publish(a, false);
	return err;
}

static int run(struct agent *a)
{
	int64_t next = 0;
	int err = 0;

	feed_calibrate(a->feed);
	agent_short_slice();
	pace_start(&a->pace);
	a->live.handles = liveness_probe();
	/*
	 * Stopped while the feed loaded: nothing has been reported, so
	 * there is nothing to complete (a stop from here on is seen after
	 * the start sweep, whose sync then completes the stream).
	 */
	if (a->stop) {
		feed_detach(a->feed);
		return 0;
	}
	err = resync(a, "start");
	if (err)
		return err;
	liveness_start(&a->live);
	if (a->o.resync_s)
		next = agent_mono_ns() + a->o.resync_s * 1000000000LL;
	/*
	 * Destroys the feed cannot see (user and PID namespaces, the last
	 * fd closed, a bind mount unmounted) are found by the liveness
	 * checks, and in the end by a sweep.
	 */
	while (!a->stop && !rc_error(a->rc)) {
		resync_due(a, &next);
		err = turn(a);
		if (err < 0 && err != -EPIPE)
			return err;
		if (err == -EPIPE)
			break;
	}
	/* detach first, then drain: nothing is left behind in the ring */
	feed_detach(a->feed);
	if (err == -EPIPE)
		return err;
	if (!rc_error(a->rc)) {
		feed_consume(a->feed);
		/* SPEC: a lost event is always followed by a sync */
		lost_check(&a->lost);
		lost_resync(&a->lost, true);
	}
	rc_flush(a->rc);
	publish(a, true);
	return rc_error(a->rc);
}

int agent_run(struct agent *a)
{
	int err;

	pthread_mutex_lock(&a->lock);
	err = run(a);
	pthread_mutex_unlock(&a->lock);
	pub_close(&a->pub);
	return err;
}

/* ---------------------------------------------------------- the API */

/*
 * The kernel counts every BPF program's run time and runs while an fd
 * of BPF_ENABLE_STATS is open (it costs two clock reads per run), until
 * agent_close().
 */
static int enable_stats(struct agent *a)
{
	int err;

	if (!a->o.bpf_stats)
		return 0;
	a->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (a->stats_fd >= 0)
		return 0;
	err = -errno;
	fprintf(stderr, "%s: cannot enable BPF run-time stats: %s\n",
		a->o.name, strerror(-err));
	return err;
}

static void wake(struct agent *a);

static void wake_cb(void *ctx)
{
	wake(ctx);
}

int agent_open(struct agent **out, const struct agent_opts *o)
{
	struct agent *a = calloc(1, sizeof(*a));
	struct feed_opts fo = {
		.name = o->name,
		.ring_size = o->ring_size,
		.verbose = o->verbose,
		.cbs = { on_event, on_record, on_closed, NULL },
	};
	struct rc_opts ro = {
		.emit = fan_out,
		.types = o->types,
		.initial = o->initial,
		.known = on_known,
		.alive = on_alive,
		.container_of = container_of,
	};
	int err;

	if (!a)
		return -ENOMEM;
	a->o = *o;
	a->watch_fd = -1;
	a->stats_fd = -1;
	pthread_mutex_init(&a->lock, NULL);
	err = pub_init(&a->pub, agent_mono_ns, wake_cb, a);
	if (err) {
		pthread_mutex_destroy(&a->lock);
		free(a);
		return err;
	}
	fo.cbs.ctx = ro.emit_ctx = ro.ctx = a;
	a->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (a->wake_fd < 0) {
		err = -errno;
		fprintf(stderr, "%s: eventfd: %s\n", o->name, strerror(-err));
		goto fail;
	}
	err = enable_stats(a);
	if (!err)
		err = feed_open(&a->feed, &fo);
	if (err)
		goto fail;
	err = rc_new(&a->rc, &ro);
	if (!err && o->containers) {
		a->ee = ee_new(on_container, a, stderr);
		err = a->ee ? 0 : -ENOMEM;
	}
	if (err) {
		fprintf(stderr, "%s: %s\n", o->name, strerror(-err));
		goto fail;
	}
	pace_init(&a->pace, &pace_ops, a, agent_mono_ns, o->max_delay_us,
		  o->exit_delay_ms, o->ring_size);
	liveness_init(&a->live, &liveness_ops, a, agent_mono_ns, a->rc, false);
	lost_init(&a->lost, &lost_ops, a, agent_mono_ns);
	/* it sweeps after exits, often: the sweep's programs stay loaded */
	nsm_bpf_keep(true);
	*out = a;
	return 0;
fail:
	agent_close(a);
	return err;
}

void agent_close(struct agent *a)
{
	if (!a)
		return;
	nsm_bpf_keep(false);
	feed_close(a->feed);
	ee_free(a->ee);
	rc_free(a->rc);
	if (a->wake_fd >= 0)
		close(a->wake_fd);
	if (a->stats_fd >= 0)
		close(a->stats_fd);
	pub_destroy(&a->pub);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

int agent_subscribe(struct agent *a, wev_sink_fn fn, void *ctx)
{
	int err = 0;

	pthread_mutex_lock(&a->lock);
	if (a->nsinks < AGENT_MAX_SINKS)
		a->sinks[a->nsinks++] = (struct sink){ fn, ctx };
	else
		err = -ENOMEM;
	pthread_mutex_unlock(&a->lock);
	return err;
}

void agent_watch_fd(struct agent *a, int fd)
{
	a->watch_fd = fd;
}

/* Async-signal-safe: write(2) is, and errno is the interrupted code's. */
static void wake(struct agent *a)
{
	uint64_t one = 1;
	int saved = errno;

	/* fails only with EAGAIN: a counter full of wakes not yet taken */
	(void)write(a->wake_fd, &one, sizeof(one));
	errno = saved;
}

void agent_stop(struct agent *a)
{
	a->stop = 1;
	wake(a);
}

void agent_resync_request(struct agent *a)
{
	a->hup = 1;
	wake(a);
}

int agent_sink_error(const struct agent *a)
{
	return rc_error(a->rc);
}

int64_t agent_heartbeat(struct agent *a)
{
	return atomic_load(&a->beat);
}

struct agent_view *agent_view_get(struct agent *a)
{
	return pub_get(&a->pub);
}

int agent_prog_stats(struct agent *a, struct agent_prog_stats *out, int max)
{
	return feed_prog_stats(a->feed, out, max);
}

uint64_t agent_ring_used(struct agent *a)
{
	return feed_ring_used(a->feed);
}

_Static_assert(AGENT_NHINTS == NSM_HINT_N, "agent_counts' hints");

void agent_counts(struct agent *a, struct agent_counts *out)
{
	feed_hint_totals(a->feed, out->hints);
	out->checks = atomic_load_explicit(&a->checks, memory_order_relaxed);
}

const char *agent_hint_name(int kind)
{
	static const char *const name[NSM_HINT_N] = {
		[NSM_HK_UMOUNT] = "umount", [NSM_HK_CLOSE] = "close",
		[NSM_HK_EXIT] = "exit", [NSM_HK_EXIT_NS] = "exit_ns",
	};

	return kind >= 0 && kind < NSM_HINT_N ? name[kind] : NULL;
}
