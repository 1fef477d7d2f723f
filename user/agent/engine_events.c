// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * engine_events.c - see engine_events.h.  One event stream per engine,
 * GET /events with a filter to container events (Docker's API, which
 * podman serves as "compat" too), and the inspects that complete them,
 * all through the Docker client of the discovery library
 * (discovery/engines/docker.c, on libcurl's multi interface): nothing
 * here waits for an engine.  A line that is not JSON drops the stream
 * (tried again in EE_RETRY_MS).
 *
 * A start event names the container but not its process: the engine is
 * asked (GET /containers/ID/json, as discovery does).  While that answer
 * is out, the engine's later events wait behind it, in their order, in
 * the engine's queue; other engines' events and the namespace feed go on.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "agent_time.h"
#include "nsm_dl.h"
#include "engine_events.h"
#include "idmap.h"

/* how far a creator's pid may be from its child's (runc's stages) */
#define NEAR_PIDS 16
/*
 * How long an inspect may take: it waits beside the agent's loop, not in
 * it, so an engine slow to answer (a busy dockerd) is given longer than
 * discovery gives it, and its events keep their pids.
 */
#define INSPECT_MS 10000L
/* events of one engine waiting behind an inspect; more are dropped */
#define MAX_WAITING 4096

/* What was last said about a connection (a warning once per change). */
enum { W_NONE, W_DOWN, W_GARBAGE };

struct ctr {
	char *id;
	char *name;
	enum nsm_engine_kind engine;
	pid_t pid;
};

/* An event of an engine, waiting its turn. */
struct pend {
	struct pend *next;
	const char *action;	/* ee_parse()'s: a static string */
	char *id;
	char *name;		/* NULL: the event did not say */
	bool asked;		/* its inspect went out */
};

struct conn {
	struct ee *ee;
	/* path and root owned (root dup'ed from the sweep's), fd -1 */
	struct nsm_engine e;
	bool up;		/* a stream is open or on its way */
	bool opened;		/* and its response began */
	bool same_pidns;	/* the engine's pids are ours */
	bool gone;		/* its root let go (conn_release()): no retries */
	int warned;		/* W_* */
	int64_t retry_at;	/* CLOCK_MONOTONIC ns */
	int64_t lost_at;	/* CLOCK_REALTIME ns the stream broke; 0: never */
	struct pend *head, **tail;	/* in the engine's order */
	size_t nwaiting;
	bool asking;		/* the head's inspect is out */
	bool overflowed;	/* said that events were dropped */
};

/* A start or stop of containerd's or CRI-O's found in a sync: held. */
struct held {
	struct held *next;
	const char *action;	/* a static string */
	char *id;
	char *name;
	enum nsm_engine_kind engine;
	pid_t pid;
};

struct ee {
	struct conn **c;
	size_t nc;
	struct ctr **ctrs;
	size_t nctrs;
	struct nsm_idmap *by_pid;	/* the last sweep's processes -> ctr */
	struct nsm_dk *dk;	/* every engine's transfers */
	struct se *se;		/* containerd's and CRI-O's state */
	int ndk;		/* of the last ee_pollfds(): dk's, then se's */
	bool syncing;		/* in ee_sync(): se's events are held */
	struct held *held, **held_tail;	/* until the next ee_tick() */
	ee_emit_fn emit;
	void *ctx;
	FILE *warn;
	char cgid[65];		/* ee_container_of()'s answer from a cgroup */
};

static void on_state(void *ctx, const char *action,
		     const struct nsm_container *c);

struct ee *ee_new(ee_emit_fn emit, void *ctx, FILE *warn)
{
	struct ee *ee = calloc(1, sizeof(*ee));

	if (!ee)
		return NULL;
	ee->by_pid = nsm_idmap_new();
	ee->dk = nsm_dk_new();
	ee->se = se_new(on_state, ee, warn);
	if (!ee->by_pid || !ee->dk || !ee->se) {
		nsm_idmap_free(ee->by_pid);
		nsm_dk_free(ee->dk);
		se_free(ee->se);
		free(ee);
		return NULL;
	}
	ee->emit = emit;
	ee->ctx = ctx;
	ee->warn = warn;
	ee->held_tail = &ee->held;
	return ee;
}

static void held_free(struct held *h)
{
	free(h->id);
	free(h->name);
	free(h);
}

static void ctr_free(struct ctr *c)
{
	if (!c)
		return;
	free(c->id);
	free(c->name);
	free(c);
}

static void ctrs_free(struct ctr **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		ctr_free(v[i]);
	free(v);
}

static void pend_free(struct pend *p)
{
	if (!p)
		return;
	free(p->id);
	free(p->name);
	free(p);
}

/* The head of c's queue has had its turn. */
static void pop(struct conn *c)
{
	struct pend *p = c->head;

	c->head = p->next;
	if (!c->head)
		c->tail = &c->head;
	c->nwaiting--;
	pend_free(p);
}

void ee_free(struct ee *ee)
{
	size_t i;

	if (!ee)
		return;
	/* first: no callback comes after this */
	nsm_dk_free(ee->dk);
	se_free(ee->se);
	for (i = 0; i < ee->nc; i++) {
		while (ee->c[i]->head)
			pop(ee->c[i]);
		nsm_engine_close(&ee->c[i]->e);
		free(ee->c[i]);
	}
	free(ee->c);
	while (ee->held) {
		struct held *h = ee->held;

		ee->held = h->next;
		held_free(h);
	}
	ctrs_free(ee->ctrs, ee->nctrs);
	nsm_idmap_free(ee->by_pid);
	free(ee);
}

/* ------------------------------------------------------------ containers */

static struct ctr *ctr_find(const struct ee *ee, const char *id)
{
	size_t i;

	for (i = 0; i < ee->nctrs; i++)
		if (!strcmp(ee->ctrs[i]->id, id))
			return ee->ctrs[i];
	return NULL;
}

/* Finds or adds the container id; NULL on ENOMEM. */
static struct ctr *ctr_get(struct ee *ee, const char *id,
			   enum nsm_engine_kind engine)
{
	struct ctr *c = ctr_find(ee, id), **v;

	if (c)
		return c;
	v = reallocarray(ee->ctrs, ee->nctrs + 1, sizeof(*v));
	if (!v)
		return NULL;
	ee->ctrs = v;
	c = calloc(1, sizeof(*c));
	if (!c || !(c->id = strdup(id))) {
		free(c);
		return NULL;
	}
	c->engine = engine;
	v[ee->nctrs++] = c;
	return c;
}

static void ctr_drop(struct ee *ee, const char *id)
{
	size_t i;

	for (i = 0; i < ee->nctrs; i++) {
		if (strcmp(ee->ctrs[i]->id, id))
			continue;
		if (ee->ctrs[i]->pid &&
		    nsm_idmap_get(ee->by_pid, ee->ctrs[i]->pid) == ee->ctrs[i])
			nsm_idmap_put(ee->by_pid, ee->ctrs[i]->pid, NULL);
		ctr_free(ee->ctrs[i]);
		ee->ctrs[i] = ee->ctrs[--ee->nctrs];
		return;
	}
}

static void ctr_set_name(struct ctr *c, const char *name)
{
	char *s;

	if (!name || !*name || (c->name && !strcmp(c->name, name)))
		return;
	s = strdup(name);
	if (!s)
		return;
	free(c->name);
	c->name = s;
}

/* The last sweep's containers, and which process is in which. */
static void take_containers(struct ee *ee, const struct nsm_model *m)
{
	struct nsm_idmap *by_pid = nsm_idmap_new();
	struct nsm_idmap *of = nsm_idmap_new();
	struct ctr **v = NULL;
	size_t i, n = 0;

	if (!by_pid || !of)
		goto fail;
	v = calloc(m->ncontainers + 1, sizeof(*v));
	if (!v)
		goto fail;
	for (i = 0; i < m->ncontainers; i++) {
		const struct nsm_container *mc = m->containers[i];
		struct ctr *c = calloc(1, sizeof(*c));

		if (!c)
			goto fail;
		v[n++] = c;
		c->id = strdup(mc->id);
		c->name = strdup(mc->name);
		if (!c->id || !c->name)
			goto fail;
		c->engine = mc->engine;
		c->pid = mc->pid;
		if (nsm_idmap_put(of, (uintptr_t)mc, c))
			goto fail;
	}
	for (i = 0; i < m->nprocs; i++) {
		const struct nsm_proc *p = m->procs[i];
		struct ctr *c = p->container
					? nsm_idmap_get(of, (uintptr_t)p->container)
					: NULL;

		if (c && nsm_idmap_put(by_pid, p->pid, c))
			goto fail;
	}
	ctrs_free(ee->ctrs, ee->nctrs);
	nsm_idmap_free(ee->by_pid);
	ee->ctrs = v;
	ee->nctrs = n;
	ee->by_pid = by_pid;
	nsm_idmap_free(of);
	return;
fail:
	/* out of memory: keep what was known */
	ctrs_free(v, n);
	nsm_idmap_free(by_pid);
	nsm_idmap_free(of);
}

static bool is_hex64(const char *s)
{
	int i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/*
 * An engine's cgroup for a container: Docker's "docker-ID.scope" (systemd)
 * or "/docker/ID" (cgroupfs), podman's "libpod-ID.scope", CRI-O's
 * "crio-ID.scope", containerd's CRI "cri-containerd-ID.scope".
 */
static bool engine_cgroup(const char *text, const char *at)
{
	static const char *const pre[] = { "docker-", "/docker/", "libpod-",
					   "crio-", "cri-containerd-" };
	size_t i, k;

	for (i = 0; i < sizeof(pre) / sizeof(pre[0]); i++) {
		k = strlen(pre[i]);
		if ((size_t)(at - text) >= k && !memcmp(at - k, pre[i], k))
			return true;
	}
	return false;
}

/* From pid's cgroup path: 1 found, 0 not, -ENOENT: no such process. */
static int from_cgroup(struct ee *ee, pid_t pid)
{
	char path[64], *text = NULL, *p;
	size_t len = 0;
	int err;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	err = nsm_read_file_at(AT_FDCWD, path, &text, &len);
	if (err)
		return err == -ENOENT || err == -ESRCH ? -ENOENT : 0;
	for (p = text; len >= 64 && p <= text + len - 64; p++) {
		bool start = p == text || !((p[-1] >= '0' && p[-1] <= '9') ||
					    (p[-1] >= 'a' && p[-1] <= 'f'));

		if (!start || !is_hex64(p))
			continue;
		memcpy(ee->cgid, p, 64);
		ee->cgid[64] = 0;
		if (ctr_find(ee, ee->cgid) || engine_cgroup(text, p)) {
			free(text);
			return 1;
		}
	}
	free(text);
	return 0;
}

/* Whether pid is in the namespace id of type. */
static bool in_ns(pid_t pid, enum nsm_type type, uint64_t id)
{
	struct stat st;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid,
		 nsm_type_name(type));
	return !stat(path, &st) && st.st_ino == id;
}

const char *ee_container_of(struct ee *ee, pid_t pid, enum nsm_type type,
			    uint64_t id)
{
	struct ctr *c;
	pid_t q;
	int r;

	if (!ee || pid <= 0 || (!ee->nctrs && !ee->nc))
		return NULL;
	/*
	 * The cgroup first: a pid of the last sweep may be another
	 * process's by now.  An engine puts a container's processes into
	 * its cgroup before they make its namespaces (runc joins the
	 * cgroups, then sends nsexec its bootstrap data).
	 */
	r = from_cgroup(ee, pid);
	if (r > 0)
		return ee->cgid;
	/*
	 * runc's middle stage (runc:[1:CHILD]) unshares, forks the
	 * container's init and exits at once: gone before its record is
	 * read, often.  Its child, a few pids on, is in the new namespace.
	 */
	for (q = pid + 1; r == -ENOENT && id && q <= pid + NEAR_PIDS; q++)
		if (in_ns(q, type, id) && from_cgroup(ee, q) > 0)
			return ee->cgid;
	c = nsm_idmap_get(ee->by_pid, pid);
	return c ? c->id : NULL;
}

/* ----------------------------------------------------------- the stream */

int ee_parse(const char *line, size_t len, struct ee_event *e, cJSON **doc)
{
	static const char *const actions[][2] = {
		{ "start", "start" },	{ "die", "stop" },
		{ "died", "stop" },	{ "pause", "pause" },
		{ "unpause", "unpause" }, { "create", "create" },
		{ "destroy", "destroy" }, { "remove", "destroy" },
	};
	const cJSON *type, *action, *actor, *id, *attrs, *name;
	size_t i;

	memset(e, 0, sizeof(*e));
	*doc = cJSON_ParseWithLength(line, len);
	if (!cJSON_IsObject(*doc)) {
		cJSON_Delete(*doc);
		*doc = NULL;
		return -EBADMSG;
	}
	type = cJSON_GetObjectItemCaseSensitive(*doc, "Type");
	action = cJSON_GetObjectItemCaseSensitive(*doc, "Action");
	if (!cJSON_IsString(action))
		action = cJSON_GetObjectItemCaseSensitive(*doc, "status");
	if ((type && (!cJSON_IsString(type) ||
		      strcmp(type->valuestring, "container"))) ||
	    !cJSON_IsString(action))
		return 0;
	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (!strcmp(action->valuestring, actions[i][0]))
			break;
	if (i == sizeof(actions) / sizeof(actions[0]))
		return 0;
	actor = cJSON_GetObjectItemCaseSensitive(*doc, "Actor");
	id = cJSON_GetObjectItemCaseSensitive(actor, "ID");
	if (!cJSON_IsString(id))
		id = cJSON_GetObjectItemCaseSensitive(*doc, "id");
	/* an id goes into a URL and the output: hex, as engines make them */
	if (!cJSON_IsString(id) || !*id->valuestring ||
	    strlen(id->valuestring) > 128 ||
	    strspn(id->valuestring, "0123456789abcdef") !=
		    strlen(id->valuestring))
		return 0;
	attrs = cJSON_GetObjectItemCaseSensitive(actor, "Attributes");
	name = cJSON_GetObjectItemCaseSensitive(attrs, "name");
	e->action = actions[i][1];
	e->id = id->valuestring;
	e->name = cJSON_IsString(name) && *name->valuestring ? name->valuestring
							      : NULL;
	return 1;
}

static void say(struct ee *ee, struct conn *c, int kind, const char *fmt,
		const char *what)
{
	char desc[512], *path, *text;

	if (c->warned == kind || !ee->warn)
		return;
	c->warned = kind;
	/* a path found through a process and what an engine said: one line */
	nsm_engine_desc(&c->e, desc, sizeof(desc));
	path = nsm_encode_dup(NSM_ENC_TEXT, desc, strlen(desc));
	text = nsm_encode_dup(NSM_ENC_TEXT, what, strlen(what));
	fprintf(ee->warn, "nsmon watch: %s: ", path ? path : "?");
	fprintf(ee->warn, fmt, text ? text : "?");
	if (kind != W_NONE)
		fprintf(ee->warn, "; trying again every %d s",
			EE_RETRY_MS / 1000);
	fputc('\n', ee->warn);
	fflush(ee->warn);
	free(path);
	free(text);
}

/* The connection works (again); says so if it had been warned about. */
static void fine(struct ee *ee, struct conn *c, int clears)
{
	if (c->warned == W_NONE || (clears != W_NONE && c->warned != clears))
		return;
	say(ee, c, W_NONE, "%sfollowing its events again", "");
}

static void down(struct ee *ee, struct conn *c, int kind, const char *fmt,
		 const char *what)
{
	/* a stream that worked: its next one starts where it broke */
	if (c->up && c->opened)
		c->lost_at = agent_clock_ns(CLOCK_REALTIME);
	c->up = c->opened = false;
	c->retry_at = agent_clock_ns(CLOCK_MONOTONIC) + EE_RETRY_MS * (int64_t)1000000;
	say(ee, c, kind, fmt, what);
}

/* The engine's pid of a container's init, in our PID namespace. */
static pid_t our_pid(const struct conn *c, pid_t pid)
{
	return c->same_pidns ? pid : 0;
}

/*
 * The turn of an event of c, with what its inspect said (iname NULL: not
 * asked, or no answer): the container it names is updated, and unless
 * the event only says so (create, destroy), it is emitted.
 */
static void turn(struct ee *ee, struct conn *c, const struct pend *p,
		 const char *iname, pid_t ipid)
{
	struct ee_event e = {
		.action = p->action, .id = p->id, .name = p->name,
		.engine = c->e.kind,
	};
	struct ctr *k;

	if (!strcmp(e.action, "destroy")) {
		ctr_drop(ee, e.id);
		return;
	}
	k = ctr_get(ee, e.id, c->e.kind);
	if (k)
		ctr_set_name(k, e.name);
	if (!strcmp(e.action, "create"))
		return;
	if (k && iname) {
		ctr_set_name(k, iname);
		if (our_pid(c, ipid))
			k->pid = our_pid(c, ipid);
	}
	if (k) {
		e.name = k->name ? k->name : e.name;
		e.pid = k->pid;
	} else if (!e.name) {
		e.name = iname;
	}
	if (!e.name)
		e.name = e.id;
	ee->emit(ee->ctx, &e);
	if (k && !strcmp(e.action, "stop")) {
		if (k->pid && nsm_idmap_get(ee->by_pid, k->pid) == k)
			nsm_idmap_put(ee->by_pid, k->pid, NULL);
		k->pid = 0;
	}
}

/*
 * Found in a sync: emitted at the next ee_tick(), not in the midst of
 * one (before the start sync, or between a sync's corrections and it).
 */
static void hold(struct ee *ee, const struct ee_event *e)
{
	struct held *h = calloc(1, sizeof(*h));

	if (!h)
		return;
	h->action = e->action;
	h->id = strdup(e->id);
	h->name = strdup(e->name);
	h->engine = e->engine;
	h->pid = e->pid;
	if (!h->id || !h->name) {
		held_free(h);
		return;
	}
	*ee->held_tail = h;
	ee->held_tail = &h->next;
}

static void emit_held(struct ee *ee)
{
	struct held *h;

	while ((h = ee->held)) {
		struct ee_event e = {
			.action = h->action, .id = h->id, .name = h->name,
			.engine = h->engine, .pid = h->pid,
		};

		ee->held = h->next;
		ee->emit(ee->ctx, &e);
		held_free(h);
	}
	ee->held_tail = &ee->held;
}

/* A start or stop of containerd's or CRI-O's, from their state. */
static void on_state(void *ctx, const char *action,
		     const struct nsm_container *c)
{
	struct ee *ee = ctx;
	struct ee_event e = {
		.action = action, .id = c->id, .name = c->name,
		.engine = c->engine, .pid = c->pid,
	};
	struct ctr *k = ctr_get(ee, c->id, c->engine);
	bool start = !strcmp(action, "start");

	if (k) {
		ctr_set_name(k, c->name);
		if (start)
			k->pid = c->pid;
	}
	if (ee->syncing)
		hold(ee, &e);
	else
		ee->emit(ee->ctx, &e);
	if (k && !start) {
		if (k->pid && nsm_idmap_get(ee->by_pid, k->pid) == k)
			nsm_idmap_put(ee->by_pid, k->pid, NULL);
		k->pid = 0;
	}
}

/* A start, or an event of a container whose process is not known. */
static bool needs_inspect(const struct ee *ee, const struct pend *p)
{
	const struct ctr *k;

	if (!strcmp(p->action, "create") || !strcmp(p->action, "destroy"))
		return false;
	k = ctr_find(ee, p->id);
	return !strcmp(p->action, "start") || !k || !k->pid;
}

static void drain(struct ee *ee, struct conn *c);

static void on_inspect(void *tag, int err, const char *name, pid_t pid)
{
	struct conn *c = tag;

	/* ENOENT: gone already; EIO: the stream will tell */
	c->asking = false;
	if (c->head) {
		turn(c->ee, c, c->head, err ? NULL : name, err ? 0 : pid);
		pop(c);
	}
	drain(c->ee, c);
}

/* Gives c's waiting events their turns, up to one that must ask first. */
static void drain(struct ee *ee, struct conn *c)
{
	struct pend *p;

	while ((p = c->head) && !c->asking) {
		if (!p->asked && needs_inspect(ee, p)) {
			p->asked = true;
			if (!nsm_dk_inspect(ee->dk, &c->e, p->id, INSPECT_MS,
					    on_inspect, c)) {
				c->asking = true;
				return;
			}
		}
		turn(ee, c, p, NULL, 0);
		pop(c);
	}
}

static void enqueue(struct ee *ee, struct conn *c, const struct ee_event *e)
{
	struct pend *p;
	struct ctr *k;
	char desc[512];

	/*
	 * Known at once, before its turn: ee_container_of() tells the
	 * namespaces runc makes meanwhile by the container's cgroup.
	 */
	if (!strcmp(e->action, "create") || !strcmp(e->action, "start")) {
		k = ctr_get(ee, e->id, c->e.kind);
		if (k)
			ctr_set_name(k, e->name);
	}
	if (c->nwaiting >= MAX_WAITING) {
		if (!c->overflowed && ee->warn)
			fprintf(ee->warn,
				"nsmon watch: %s: more than %d events wait for its answers: dropped\n",
				nsm_engine_desc(&c->e, desc, sizeof(desc)),
				MAX_WAITING);
		c->overflowed = true;
		return;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return;
	p->action = e->action;
	p->id = strdup(e->id);
	p->name = e->name ? strdup(e->name) : NULL;
	if (!p->id || (e->name && !p->name)) {
		pend_free(p);
		return;
	}
	*c->tail = p;
	c->tail = &p->next;
	c->nwaiting++;
	drain(ee, c);
}

static bool same_pidns(pid_t pid)
{
	struct stat a, b;
	char path[64];

	if (!pid)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
	return !stat(path, &a) && !stat("/proc/self/ns/pid", &b) &&
	       a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

static void on_open(void *tag, pid_t peer)
{
	struct conn *c = tag;

	c->opened = true;
	c->same_pidns = same_pidns(peer);
	fine(c->ee, c, W_DOWN);
}

static int on_line(void *tag, const char *line, size_t len)
{
	struct conn *c = tag;
	struct ee_event e;
	cJSON *doc = NULL;
	int r;

	if (!c->up)
		return 1;
	r = ee_parse(line, len, &e, &doc);
	if (r < 0) {
		/* the framing is sound, the object is not: drop it */
		down(c->ee, c, W_GARBAGE, "%s", "an event that is not JSON");
		return 1;
	}
	fine(c->ee, c, W_GARBAGE);
	if (r > 0) {
		e.engine = c->e.kind;
		enqueue(c->ee, c, &e);
	}
	cJSON_Delete(doc);
	return 0;
}

static void on_end(void *tag, int err, const char *why)
{
	struct conn *c = tag;

	/* a stream dropped here was said so already */
	if (c->up)
		down(c->ee, c, err == -EPROTO ? W_GARBAGE : W_DOWN, "%s", why);
}

static const struct nsm_dk_stream_ops stream_ops = {
	.open = on_open,
	.line = on_line,
	.end = on_end,
};

static void conn_open(struct ee *ee, struct conn *c)
{
	const char *why = NULL;
	int err;

	if (c->up || c->gone)
		return;
	c->up = true;
	c->opened = false;
	err = nsm_dk_events(ee->dk, &c->e, c->lost_at, &stream_ops, c);
	/* no libcurl (loaded at the first stream): its line says which */
	if (err == -ELIBACC)
		nsm_dl_curl(&why);
	if (err)
		down(ee, c, W_DOWN, "%s", why ? why : nsm_in_root_strerror(err));
}

/*
 * Whether the sweep's engine e is the one c follows: c's path, looked up
 * inside c's root now, is e's socket.  So an engine that restarted under
 * another pid (in the same root and mount namespace: the path leads to
 * its new socket) is the same, one in a container with a socket of the
 * same path another.
 */
static bool same_engine(const struct conn *c, const struct nsm_engine *e)
{
	struct stat a, b;
	bool same;
	int fd;

	if (c->e.kind != e->kind || fstat(e->fd, &b))
		return false;
	fd = nsm_open_in_root(c->e.root, c->e.path, O_PATH);
	if (fd < 0)
		return false;
	same = !fstat(fd, &a) && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
	close(fd);
	return same;
}

/*
 * A container's engine that went away with its process: its root is let
 * go, not held (an fd on a container's root keeps its mounts, and what
 * they are on, busy).  One in our own root stays, and connects again when
 * the engine is back (a dockerd restarted under another pid).
 */
static void conn_release(struct conn *c)
{
	struct stat a, b;
	char proc[32];

	if (c->up || c->asking || c->gone || c->e.root == AT_FDCWD)
		return;
	if (!fstat(c->e.root, &a) && !stat("/", &b) && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino)
		return;
	snprintf(proc, sizeof(proc), "/proc/%d", (int)c->e.pid);
	if (c->e.pid && !access(proc, F_OK))
		return;
	close(c->e.root);
	c->e.root = -1;
	c->gone = true;
}

/* c follows e: its own copy of e's path and root. */
static int conn_take(struct conn *c, const struct nsm_engine *e)
{
	c->e = *e;
	c->e.fd = -1;
	c->e.root = e->root == AT_FDCWD
			    ? AT_FDCWD
			    : fcntl(e->root, F_DUPFD_CLOEXEC, 0);
	c->e.path = strdup(e->path);
	if (c->e.path && (c->e.root >= 0 || c->e.root == AT_FDCWD))
		return 0;
	nsm_engine_close(&c->e);
	return -ENOMEM;
}

void ee_sync(struct ee *ee, const struct nsm_model *m)
{
	size_t i, j;

	for (i = 0; i < m->nengines; i++) {
		const struct nsm_engine *e = &m->engines[i];
		struct conn **v, *c;

		if (e->kind != NSM_ENGINE_DOCKER && e->kind != NSM_ENGINE_PODMAN)
			continue;
		for (j = 0; j < ee->nc; j++)
			if (!ee->c[j]->gone && same_engine(ee->c[j], e))
				break;
		if (j < ee->nc) {
			if (e->pid)
				ee->c[j]->e.pid = e->pid;
			continue;
		}
		if (ee->nc == EE_MAX_ENGINES)
			break;
		v = reallocarray(ee->c, ee->nc + 1, sizeof(*v));
		if (!v)
			break;
		ee->c = v;
		c = calloc(1, sizeof(*c));
		if (!c)
			break;
		c->ee = ee;
		if (conn_take(c, e)) {
			free(c);
			break;
		}
		c->tail = &c->head;
		v[ee->nc++] = c;
	}
	for (i = 0; i < ee->nc; i++)
		conn_release(ee->c[i]);
	for (i = 0; i < ee->nc; i++)
		conn_open(ee, ee->c[i]);
	take_containers(ee, m);
	/* after: its starts and stops update what take_containers() took */
	ee->syncing = true;
	se_sync(ee->se, m);
	ee->syncing = false;
	/* they connect at the next ee_tick(): no event in the midst of a sync */
}

void ee_tick(struct ee *ee)
{
	int64_t now = 0;
	size_t i;

	emit_held(ee);
	for (i = 0; i < ee->nc; i++) {
		if (ee->c[i]->up)
			continue;
		if (!now)
			now = agent_clock_ns(CLOCK_MONOTONIC);
		if (now >= ee->c[i]->retry_at)
			conn_open(ee, ee->c[i]);
	}
	nsm_dk_tick(ee->dk);
}

int ee_pollfds(struct ee *ee, struct pollfd *p, int max)
{
	int n = nsm_dk_pollfds(ee->dk, p, max - SE_MAX_POLLFDS);

	ee->ndk = n;
	return n + se_pollfds(ee->se, p + n, max - n);
}

void ee_read(struct ee *ee, const struct pollfd *p, int n)
{
	int ndk = n < ee->ndk ? n : ee->ndk;

	nsm_dk_ready(ee->dk, p, ndk);
	se_read(ee->se, p + ndk, n - ndk);
}
