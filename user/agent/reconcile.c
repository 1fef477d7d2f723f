// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * reconcile.c - the live model of `nsmon watch`: namespace id -> type,
 * ns_id, owner, parent, in an open-addressing table (linear probing,
 * backward-shift deletion: namespaces come and go all day, tombstones
 * would pile up).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile.h"

struct live {
	uint64_t id;		/* 0 = empty slot */
	uint64_t ns_id;
	uint64_t owner, parent;
	enum nsm_type type;
	uint32_t mark;		/* the sync generation that saw it */
	uint64_t epoch;		/* rc's epoch when it came into the model */
	uint8_t held;		/* H_*: how the last sweep saw it held */
};

/* How a namespace is held, from the last sweep (0: not swept yet). */
enum {
	H_PROCS = 1,		/* tasks (or pid/time_for_children) */
	H_BIND = 2,		/* an nsfs bind mount */
	H_FD = 4,		/* an nsfs fd or a socket */
};

/*
 * The last task of these exited while a few references more held them
 * (WEV_DYING): found gone within DYING_MS, the exit was their end.
 */
#define RC_NDYING 64
#define DYING_MS 250

struct dying {
	uint64_t id, ns_id;
	struct timespec time;	/* of the exit */
	pid_t pid, tid;
	char comm[17];
};

struct rc {
	struct rc_opts o;
	struct live *v;
	size_t n, cap;		/* cap: a power of two */
	uint64_t seq;
	uint32_t gen;
	int err;
	unsigned hints;		/* RC_HINT_*: pending liveness checks */
	uint64_t epoch;		/* +1 per namespace added */
	struct dying dying[RC_NDYING];
	unsigned ndying;	/* added ever: the next slot, mod RC_NDYING */
};

static size_t slot_of(uint64_t id, size_t cap)
{
	/* inode numbers are dense: spread them (Fibonacci hashing) */
	return (id * 0x9e3779b97f4a7c15ULL) >> 17 & (cap - 1);
}

static struct live *find(const struct rc *r, uint64_t id)
{
	size_t i = slot_of(id, r->cap);

	while (r->v[i].id) {
		if (r->v[i].id == id)
			return &r->v[i];
		i = (i + 1) & (r->cap - 1);
	}
	return NULL;
}

static struct live *insert_slot(struct live *v, size_t cap, uint64_t id)
{
	size_t i = slot_of(id, cap);

	while (v[i].id && v[i].id != id)
		i = (i + 1) & (cap - 1);
	return &v[i];
}

static int grow(struct rc *r)
{
	size_t cap = r->cap * 2, i;
	struct live *v = calloc(cap, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (i = 0; i < r->cap; i++)
		if (r->v[i].id)
			*insert_slot(v, cap, r->v[i].id) = r->v[i];
	free(r->v);
	r->v = v;
	r->cap = cap;
	return 0;
}

static struct live *add(struct rc *r, uint64_t id)
{
	struct live *l;

	if ((r->n + 1) * 4 > r->cap * 3 && grow(r))
		return NULL;
	l = insert_slot(r->v, r->cap, id);
	memset(l, 0, sizeof(*l));
	l->id = id;
	l->epoch = ++r->epoch;
	r->n++;
	return l;
}

/* Knuth's algorithm R: keeps every probe chain unbroken. */
static void del(struct rc *r, struct live *l)
{
	size_t i = l - r->v, j = i, k;

	r->v[i].id = 0;
	for (;;) {
		j = (j + 1) & (r->cap - 1);
		if (!r->v[j].id)
			break;
		k = slot_of(r->v[j].id, r->cap);
		/* leave j where it is if its home lies cyclically in (i, j] */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		r->v[i] = r->v[j];
		r->v[j].id = 0;
		i = j;
	}
	r->n--;
}

static bool shown(const struct rc *r, enum nsm_type t)
{
	return r->o.types & (1U << t);
}

int rc_new(struct rc **out, const struct rc_opts *o)
{
	struct rc *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->o = *o;
	r->cap = 1024;
	r->v = calloc(r->cap, sizeof(*r->v));
	if (!r->v) {
		free(r);
		return -ENOMEM;
	}
	*out = r;
	return 0;
}

void rc_free(struct rc *r)
{
	if (!r)
		return;
	free(r->v);
	free(r);
}

size_t rc_count(const struct rc *r)
{
	return r->n;
}

uint64_t rc_seq(const struct rc *r)
{
	return r->seq;
}

void rc_each(const struct rc *r, rc_each_fn fn, void *ctx)
{
	size_t i;

	for (i = 0; i < r->cap; i++) {
		const struct live *l = &r->v[i];
		struct rc_ns ns = {
			.id = l->id,
			.ns_id = l->ns_id,
			.owner = l->owner,
			.parent = l->parent,
			.type = l->type,
		};

		if (l->id && shown(r, l->type))
			fn(ctx, &ns);
	}
}

int rc_error(const struct rc *r)
{
	return r->err;
}

int rc_flush(struct rc *r)
{
	int err;

	if (r->err)
		return r->err;
	err = r->o.emit ? r->o.emit(r->o.emit_ctx, r->seq, NULL) : 0;
	if (err)
		r->err = err;
	return r->err;
}

static void emit(struct rc *r, const struct wev *e)
{
	int err;

	if (r->err)
		return;
	err = r->o.emit ? r->o.emit(r->o.emit_ctx, r->seq + 1, e) : 0;
	if (err)
		r->err = err;
	else
		r->seq++;
}

static void known(struct rc *r, uint64_t id, uint64_t ns_id, bool alive)
{
	if (r->o.known)
		r->o.known(r->o.ctx, id, ns_id, alive);
}

static void now(struct wev *e)
{
	clock_gettime(CLOCK_REALTIME, &e->time);
}

static const char *gone_via(const struct live *l, unsigned hints);

/* The destroy e of l, which the feed did not report: l is removed. */
static void destroy_unreported(struct rc *r, struct live *l, struct wev *e)
{
	e->kind = WEV_DESTROY;
	e->type = l->type;
	e->id = l->id;
	e->ns_id = l->ns_id;
	known(r, l->id, l->ns_id, false);
	if (shown(r, l->type))
		emit(r, e);
	del(r, l);
}

/* A destroy a sweep found, at time t (NULL: now); via NULL: "sweep". */
static void destroy_swept(struct rc *r, struct live *l,
			  const struct timespec *t, const char *via)
{
	struct wev e = { .via = via ? via : "sweep" };

	if (t)
		e.time = *t;
	else
		now(&e);
	destroy_unreported(r, l, &e);
}

static void fold_create(struct rc *r, struct wev *e)
{
	struct live *l = find(r, e->id);

	if (l) {
		/*
		 * Known: a second report of the same namespace.  With
		 * another ns_id it is a new namespace under a reused inode
		 * number, and the old one went away unseen.
		 */
		if (l->type == e->type &&
		    (!l->ns_id || !e->ns_id || l->ns_id == e->ns_id)) {
			/*
			 * A sweep that saw it gone before NS_GET_ID left no
			 * ns_id: take the feed's, so that liveness checks
			 * and the next reuse of the inode number can tell.
			 */
			if (!l->ns_id)
				l->ns_id = e->ns_id;
			return;
		}
		/*
		 * A late record: a sweep folded in before it already found
		 * the inode number's next owner, alive.  Inode numbers are
		 * unique among live namespaces, so the one this record
		 * created went before that sweep; its records are part of
		 * what the sweep repaired (after a loss) and say nothing
		 * about l.
		 */
		if (r->o.alive && l->ns_id &&
		    r->o.alive(r->o.ctx, l->type, l->id, l->ns_id) == 1)
			return;
		/*
		 * It was gone before the new one came (keep time in order),
		 * and before a liveness check saw it: say why, if we can.
		 */
		destroy_swept(r, l, &e->time,
			      r->hints || l->held & ~H_PROCS ||
					      l->type == NSM_USER ||
					      l->type == NSM_PID
				      ? gone_via(l, r->hints)
				      : NULL);
		/* the kernel knows the new one: keep it in its map */
		known(r, e->id, e->ns_id, true);
	}
	l = add(r, e->id);
	if (!l) {
		r->err = -ENOMEM;
		return;
	}
	l->type = e->type;
	l->ns_id = e->ns_id;
	l->owner = e->owner;
	l->parent = e->parent;
	l->mark = r->gen;
	if (!shown(r, e->type))
		return;
	/* read now, while the task that made it most likely lives */
	if (!e->container && e->pid && r->o.container_of)
		e->container = r->o.container_of(r->o.ctx, e->pid, e->type,
						 e->id);
	emit(r, e);
}

static void fold_destroy(struct rc *r, struct wev *e)
{
	struct live *l = find(r, e->id);

	/*
	 * Unknown, or a reused inode number: a liveness check or a sweep
	 * already reported this namespace gone, and the feed's own record
	 * of it comes late.  The ns_id tells the two apart.
	 */
	if (!l || (e->ns_id && l->ns_id && e->ns_id != l->ns_id))
		return;
	e->type = l->type;
	if (!e->ns_id)
		e->ns_id = l->ns_id;
	del(r, l);
	if (shown(r, e->type))
		emit(r, e);
}

static void fold_switch(struct rc *r, struct wev *e)
{
	int i, n = 0;

	for (i = 0; i < e->nchanges; i++)
		if (shown(r, e->changes[i].type))
			e->changes[n++] = e->changes[i];
	e->nchanges = n;
	if (n)
		emit(r, e);
}

static void fold_dying(struct rc *r, const struct wev *e)
{
	struct dying *d = &r->dying[r->ndying++ % RC_NDYING];

	*d = (struct dying){
		.id = e->id,
		.ns_id = e->ns_id,
		.time = e->time,
		.pid = e->pid,
		.tid = e->tid,
	};
	memcpy(d->comm, e->comm, sizeof(d->comm));
}

/* The exit that l's last task made, if it was lately. */
static const struct dying *dying_of(const struct rc *r, const struct live *l,
				    const struct timespec *now)
{
	unsigned i, n = r->ndying < RC_NDYING ? r->ndying : RC_NDYING;

	for (i = 0; i < n; i++) {
		const struct dying *d = &r->dying[i];
		int64_t ms = (now->tv_sec - d->time.tv_sec) * 1000 +
			     (now->tv_nsec - d->time.tv_nsec) / 1000000;

		if (d->id == l->id && d->ns_id == l->ns_id && ms <= DYING_MS)
			return d;
	}
	return NULL;
}

void rc_event(struct rc *r, struct wev *e)
{
	switch (e->kind) {
	case WEV_DYING:
		fold_dying(r, e);
		break;
	case WEV_CREATE:
		fold_create(r, e);
		break;
	case WEV_DESTROY:
		fold_destroy(r, e);
		break;
	case WEV_SWITCH:
		fold_switch(r, e);
		break;
	default:
		break;
	}
}

/* Who to name in a create from a sweep: the oldest process in it. */
static void holder(const struct nsm_model *m, const struct nsm_ns *ns,
		   struct wev *e)
{
	const struct nsm_proc *p;
	pid_t pid = ns->ealdorman;

	if (!pid && ns->procs.n)
		pid = ns->procs.v[0];
	if (!pid && ns->tasks.n)
		pid = ns->tasks.v[0];
	p = pid ? nsm_proc_get(m, pid) : NULL;
	if (!p)
		return;
	e->pid = e->tid = p->pid;
	snprintf(e->comm, sizeof(e->comm), "%s", p->comm);
}

static uint8_t held_of(const struct nsm_ns *ns)
{
	uint8_t h = ns->procs.n || ns->tasks.n ? H_PROCS : 0;
	size_t i;

	for (i = 0; i < ns->nrefs; i++)
		switch (ns->refs[i].via) {
		case NSM_VIA_PROCESS:
		case NSM_VIA_TASK:
		case NSM_VIA_CHILDREN:
			h |= H_PROCS;
			break;
		case NSM_VIA_BINDMOUNT:
			h |= H_BIND;
			break;
		case NSM_VIA_FD:
		case NSM_VIA_SOCKET:
			h |= H_FD;
			break;
		default:
			break;
		}
	return h;
}

/*
 * Whether the sweep's namespace under l's inode number is l.  Without an
 * ns_id on one side (a sweep that saw it go before NS_GET_ID) it is,
 * unless l is known gone: its ns_id kept, a live namespace would later
 * be checked under a dead one's and reported gone.
 */
static bool same_ns(struct rc *r, const struct live *l, enum nsm_type type,
		    uint64_t ns_id)
{
	if (l->type != type)
		return false;
	if (l->ns_id == ns_id || !l->ns_id)
		return true;
	if (ns_id)
		return false;
	return !r->o.alive || r->o.alive(r->o.ctx, l->type, l->id, l->ns_id) != 0;
}

void rc_sync(struct rc *r, const struct nsm_model *m, const char *reason)
{
	bool start = !strcmp(reason, "start");
	struct wev s = { .kind = WEV_SYNC, .reason = reason };
	size_t i;

	r->gen++;
	for (i = 0; i < m->nns && !r->err; i++) {
		const struct nsm_ns *ns = m->ns[i];
		struct live *l = find(r, ns->id);
		struct wev e = {
			.kind = WEV_CREATE,
			.via = start ? "start" : "sweep",
			.type = ns->type,
			.id = ns->id,
			.ns_id = ns->ns_id,
			.owner = ns->owner,
			.parent = ns->parent,
		};

		if (l && same_ns(r, l, ns->type, ns->ns_id)) {
			l->mark = r->gen;
			l->held = held_of(ns);
			if (!l->ns_id)
				l->ns_id = ns->ns_id;
			continue;
		}
		if (l) {
			s.destroyed += shown(r, l->type);
			destroy_swept(r, l, NULL, NULL);
		}
		l = add(r, ns->id);
		if (!l) {
			r->err = -ENOMEM;
			break;
		}
		l->type = ns->type;
		l->ns_id = ns->ns_id;
		l->owner = ns->owner;
		l->parent = ns->parent;
		l->mark = r->gen;
		l->held = held_of(ns);
		known(r, ns->id, ns->ns_id, true);
		if (!start)
			s.created += shown(r, ns->type);
		if (!shown(r, ns->type) || (start && !r->o.initial))
			continue;
		holder(m, ns, &e);
		/* several (a pod's shared namespaces): the first */
		if (ns->nctrs)
			e.container = ns->ctrs[0]->id;
		now(&e);
		emit(r, &e);
	}
	/* what the model holds and the sweep no longer finds */
	for (i = 0; i < r->cap && !r->err;) {
		if (r->v[i].id && r->v[i].mark != r->gen) {
			s.destroyed += shown(r, r->v[i].type);
			/* del() may shift a later entry into slot i */
			destroy_swept(r, &r->v[i], NULL, NULL);
			continue;
		}
		i++;
	}
	/* what the stream shows: -t leaves the other types out */
	s.namespaces = 0;
	for (i = 0; i < r->cap; i++)
		s.namespaces += r->v[i].id && shown(r, r->v[i].type);
	s.incomplete = m->incomplete;
	now(&s);
	emit(r, &s);
	rc_flush(r);
}

/* Why l went, as far as we can tell. */
static const char *gone_via(const struct live *l, unsigned hints)
{
	if (l->held & H_BIND && !(l->held & H_FD))
		return "umount";
	if (l->held & H_FD)
		return "close";
	if (l->type == NSM_USER || l->type == NSM_PID)
		return "exit";
	/* created by the feed since the last sweep: what prompted us */
	if (hints & RC_HINT_UMOUNT)
		return "umount";
	if (hints & (RC_HINT_EXIT | RC_HINT_EXIT_NS) && l->held & H_PROCS)
		return "exit";
	/* fds and sockets closed by an exit give no hint */
	return "close";
}

/* How many user/PID parents l has in the model (its nesting depth). */
static unsigned depth_of(const struct rc *r, const struct live *l)
{
	unsigned d = 0;

	while (l && l->parent && d < 64) {
		l = find(r, l->parent);
		d++;
	}
	return d;
}

/*
 * Namespaces found gone by one check, destroyed in the order of SPEC:
 * what a namespace holds goes before it (owned namespaces, then PID,
 * then user namespaces; children before their parents).
 */
struct gone {
	uint64_t id;
	unsigned rank;
	const char *via;
};

struct gone_list {
	struct gone *v;
	size_t n, cap;
};

static void gone_add(struct rc *r, struct gone_list *g, const struct live *l,
		     const char *via)
{
	unsigned k = l->type == NSM_USER ? 2 : l->type == NSM_PID ? 1 : 0;

	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 16;
		void *v = realloc(g->v, cap * sizeof(*g->v));

		if (!v) {
			r->err = -ENOMEM;
			return;
		}
		g->v = v;
		g->cap = cap;
	}
	g->v[g->n++] = (struct gone){
		.id = l->id,
		.rank = k << 8 | (255 - (depth_of(r, l) & 255)),
		.via = via,
	};
}

/*
 * A destroy that a check found: via the exit of its last task, with
 * who that was, if it was lately (a reader held the namespace for a
 * moment then), else via.
 */
static void destroy_gone(struct rc *r, struct live *l,
			 const struct timespec *now, const char *via)
{
	const struct dying *d = dying_of(r, l, now);
	struct wev e = { .via = d ? "exit" : via, .time = *now };

	if (d) {
		e.pid = d->pid;
		e.tid = d->tid;
		memcpy(e.comm, d->comm, sizeof(e.comm));
	}
	destroy_unreported(r, l, &e);
}

static int cmp_rank(const void *a, const void *b)
{
	const struct gone *x = a, *y = b;

	return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* Whether a namespace that stays in the model holds l (owner, parent). */
static bool held_by_model(const struct rc *r, const struct live *l,
			  const struct gone *gone, size_t ngone)
{
	size_t i, j;

	if (l->type != NSM_USER && l->type != NSM_PID)
		return false;
	for (i = 0; i < r->cap; i++) {
		const struct live *o = &r->v[i];

		if (!o->id || (o->owner != l->id && o->parent != l->id))
			continue;
		for (j = 0; j < ngone && gone[j].id != o->id; j++)
			;
		if (j == ngone)
			return true;
	}
	return false;
}

/*
 * Destroys the list in order; with check, not one that a namespace
 * staying in the model holds (a sweep's judgement, not the kernel's).
 */
static size_t gone_emit(struct rc *r, struct gone_list *g, bool check)
{
	struct timespec t;
	size_t i, n = 0;

	clock_gettime(CLOCK_REALTIME, &t);
	if (!r->err && g->n > 1)
		qsort(g->v, g->n, sizeof(*g->v), cmp_rank);
	for (i = 0; i < g->n && !r->err; i++) {
		struct live *l = find(r, g->v[i].id);

		if (!l || (check && held_by_model(r, l, g->v + i, g->n - i)))
			continue;
		destroy_gone(r, l, &t, g->v[i].via);
		n++;
	}
	free(g->v);
	return n;
}

/* rc_liveness() over the model's slots [from, to). */
static size_t liveness_range(struct rc *r, size_t from, size_t to, bool all,
			     unsigned hints, rc_alive_fn alive,
			     rc_closed_fn closed, void *ctx)
{
	struct gone_list g = { 0 };
	size_t i;

	for (i = from; i < to && i < r->cap && !r->err; i++) {
		struct live *l = &r->v[i];

		/*
		 * Not all: user and PID namespaces, and those a sweep saw
		 * held by a mount, an fd or a socket.  One only tasks held
		 * (or made since the last sweep, by a task) ends with an
		 * exit the feed reports; opening it now and then would only
		 * add a reference that an exit at that moment counts.
		 */
		if (!l->id || !l->ns_id ||
		    (!all && !(l->held & ~H_PROCS) && l->type != NSM_USER &&
		     l->type != NSM_PID && !(closed && closed(ctx, l->id))) ||
		    alive(ctx, l->type, l->id, l->ns_id) != 0)
			continue;
		/*
		 * An nsfs fd of it closed since the last round: its last
		 * reference, unless the last sweep saw processes alone hold
		 * it (another tool's reader came and went).
		 */
		gone_add(r, &g, l,
			 closed && closed(ctx, l->id) &&
					 (l->held & ~H_PROCS || !l->held)
				 ? "close" : gone_via(l, hints));
	}
	return gone_emit(r, &g, false);
}

size_t rc_liveness(struct rc *r, bool all, unsigned hints, rc_alive_fn alive,
		   rc_closed_fn closed, void *ctx)
{
	return liveness_range(r, 0, r->cap, all, hints, alive, closed, ctx);
}

size_t rc_liveness_part(struct rc *r, unsigned part, unsigned parts,
			unsigned hints, rc_alive_fn alive, rc_closed_fn closed,
			void *ctx)
{
	size_t from = r->cap * part / parts, to = r->cap * (part + 1) / parts;

	return liveness_range(r, from, to, true, hints, alive, closed, ctx);
}

uint64_t rc_epoch(const struct rc *r)
{
	return r->epoch;
}

/*
 * Why a namespace the sweep no longer finds went.  The last process of
 * an nsproxy namespace is reported by the feed (exit_slow() in
 * events.bpf.c): if the feed did not, an fd, a socket or a mount was
 * the last.
 */
static const char *swept_via(const struct rc *r, const struct live *l)
{
	if (l->type == NSM_USER || l->type == NSM_PID)
		return gone_via(l, RC_HINT_EXIT);
	if (l->held & (H_BIND | H_FD))
		return gone_via(l, 0);
	/* not seen held by anything but tasks: what prompted the check */
	return r->hints & RC_HINT_UMOUNT ? "umount" : "close";
}

size_t rc_gone(struct rc *r, const struct nsm_model *m, uint64_t epoch,
	       rc_alive_fn alive, void *ctx)
{
	struct gone_list g = { 0 };
	size_t i;

	for (i = 0; i < r->cap && !r->err; i++) {
		struct live *l = &r->v[i];
		const struct nsm_ns *ns;

		/* new since the sweep began: it could not find it */
		if (!l->id || l->epoch > epoch)
			continue;
		ns = nsm_ns_get(m, l->id);
		if (ns && same_ns(r, l, ns->type, ns->ns_id)) {
			/* how it is held now: the via of its destroy */
			l->held = held_of(ns);
			continue;
		}
		/*
		 * Unseen.  A user or PID namespace that no task, fd, mount or
		 * namespace holds any more is gone, whatever the kernel's
		 * lazy frees still keep; another type is gone only when the
		 * kernel says so (a kernel-internal holder is not swept).
		 */
		if (l->type != NSM_USER && l->type != NSM_PID &&
		    (!l->ns_id || alive(ctx, l->type, l->id, l->ns_id) != 0))
			continue;
		gone_add(r, &g, l, swept_via(r, l));
	}
	return gone_emit(r, &g, true);
}

void rc_hints(struct rc *r, unsigned hints)
{
	r->hints = hints;
}

void rc_lost(struct rc *r, uint64_t count, uint64_t shed)
{
	struct wev e = { .kind = WEV_LOST, .count = count, .shed = shed };

	now(&e);
	emit(r, &e);
}

void rc_container(struct rc *r, struct wev *e)
{
	e->kind = WEV_CONTAINER;
	now(e);
	emit(r, e);
}
