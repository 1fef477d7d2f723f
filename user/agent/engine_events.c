// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * engine_events.c - see engine_events.h.  One non-blocking unix-socket
 * connection per engine, GET /events with a filter to container events
 * (Docker's API, which podman serves as "compat" too): the engine sends
 * its headers at once, then one chunk per event, each a JSON object and
 * a newline, for as long as the connection lasts.  The stream is read
 * by http_stream.c; what it is not is garbage, which drops the
 * connection (tried again in EE_RETRY_MS).
 *
 * A start event names the container but not its process: the engine is
 * asked (GET /containers/ID/json, as discovery does), which blocks the
 * agent for as long as the engine takes to answer (at most 3 s).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "engine_events.h"
#include "http_stream.h"
#include "idmap.h"

/* {"type":["container"]} */
#define FILTER "filters=%7B%22type%22%3A%5B%22container%22%5D%7D"
#define REQUEST_END                                                        \
	" HTTP/1.1\r\nHost: localhost\r\nUser-Agent: nsmon/" NSM_VERSION    \
	"\r\nAccept: application/json\r\n\r\n"
/* how far a creator's pid may be from its child's (runc's stages) */
#define NEAR_PIDS 16
/* reads per engine and wakeup: a flood does not starve the kernel feed */
#define MAX_READS 64

/* What was last said about a connection (a warning once per change). */
enum { W_NONE, W_DOWN, W_GARBAGE };

struct ctr {
	char *id;
	char *name;
	enum nsm_engine_kind engine;
	pid_t pid;
};

struct conn {
	struct nsm_engine e;	/* path owned */
	int fd;			/* -1: down */
	bool same_pidns;	/* the engine's pids are ours */
	int warned;		/* W_* */
	int64_t retry_at;	/* CLOCK_MONOTONIC ns */
	int64_t lost_at;	/* CLOCK_REALTIME ns the stream broke; 0: never */
	struct hs hs;
};

struct ee {
	struct conn **c;
	size_t nc;
	struct ctr **ctrs;
	size_t nctrs;
	struct nsm_idmap *by_pid;	/* the last sweep's processes -> ctr */
	ee_emit_fn emit;
	void *ctx;
	FILE *warn;
	struct conn *cur;	/* whose line is being parsed */
	char cgid[65];		/* ee_container_of()'s answer from a cgroup */
};

static int64_t clock_ns(clockid_t id)
{
	struct timespec t;

	clock_gettime(id, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

struct ee *ee_new(ee_emit_fn emit, void *ctx, FILE *warn)
{
	struct ee *ee = calloc(1, sizeof(*ee));

	if (!ee)
		return NULL;
	ee->by_pid = nsm_idmap_new();
	if (!ee->by_pid) {
		free(ee);
		return NULL;
	}
	ee->emit = emit;
	ee->ctx = ctx;
	ee->warn = warn;
	return ee;
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

void ee_free(struct ee *ee)
{
	size_t i;

	if (!ee)
		return;
	for (i = 0; i < ee->nc; i++) {
		if (ee->c[i]->fd >= 0)
			close(ee->c[i]->fd);
		free(ee->c[i]->e.path);
		free(ee->c[i]);
	}
	free(ee->c);
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
	if (c->warned == kind || !ee->warn)
		return;
	c->warned = kind;
	fprintf(ee->warn, "nsmon watch: %s %s: ", nsm_engine_name(c->e.kind),
		c->e.path);
	fprintf(ee->warn, fmt, what);
	if (kind != W_NONE)
		fprintf(ee->warn, "; trying again every %d s",
			EE_RETRY_MS / 1000);
	fputc('\n', ee->warn);
	fflush(ee->warn);
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
	if (c->fd >= 0 && c->hs.state > HS_HEADERS && c->hs.state != HS_BAD)
		c->lost_at = clock_ns(CLOCK_REALTIME);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->retry_at = clock_ns(CLOCK_MONOTONIC) + EE_RETRY_MS * (int64_t)1000000;
	say(ee, c, kind, fmt, what);
}

/* The engine's pid of a container's init, in our PID namespace. */
static pid_t our_pid(const struct conn *c, pid_t pid)
{
	return c->same_pidns ? pid : 0;
}

static void on_line(void *ctx, const char *line, size_t len)
{
	struct ee *ee = ctx;
	struct conn *c = ee->cur;
	struct ee_event e;
	struct ctr *k;
	cJSON *doc = NULL;
	char *name = NULL;
	pid_t pid = 0;
	int r;

	if (c->fd < 0)
		return;
	r = ee_parse(line, len, &e, &doc);
	if (r < 0) {
		/* the framing is sound, the object is not: drop it */
		down(ee, c, W_GARBAGE, "%s", "an event that is not JSON");
		return;
	}
	fine(ee, c, W_GARBAGE);
	if (r == 0)
		goto out;
	e.engine = c->e.kind;
	if (!strcmp(e.action, "destroy")) {
		ctr_drop(ee, e.id);
		goto out;
	}
	k = ctr_get(ee, e.id, c->e.kind);
	if (k)
		ctr_set_name(k, e.name);
	if (!strcmp(e.action, "create"))
		goto out;
	if (!strcmp(e.action, "start") || !k || !k->pid) {
		/* ENOENT: gone already; -EIO: the stream will tell */
		if (!nsm_docker_inspect(&c->e, e.id, &name, &pid) && k) {
			ctr_set_name(k, name);
			if (our_pid(c, pid))
				k->pid = our_pid(c, pid);
		}
	}
	if (k) {
		e.name = k->name ? k->name : e.name;
		e.pid = k->pid;
	} else if (!e.name) {
		e.name = name;
	}
	if (!e.name)
		e.name = e.id;
	ee->emit(ee->ctx, &e);
	if (k && !strcmp(e.action, "stop")) {
		if (k->pid && nsm_idmap_get(ee->by_pid, k->pid) == k)
			nsm_idmap_put(ee->by_pid, k->pid, NULL);
		k->pid = 0;
	}
out:
	free(name);
	cJSON_Delete(doc);
}

static void conn_read(struct ee *ee, struct conn *c)
{
	char buf[16 << 10];
	ssize_t n;
	int i, r;

	ee->cur = c;
	for (i = 0; i < MAX_READS && c->fd >= 0; i++) {
		bool headers = c->hs.state <= HS_HEADERS;

		n = read(c->fd, buf, sizeof(buf));
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0) {
			down(ee, c, W_DOWN, "%s", strerror(errno));
			return;
		}
		if (!n) {
			hs_eof(&c->hs, on_line, ee);
			down(ee, c, W_DOWN, "%s", "the event stream ended");
			return;
		}
		r = hs_feed(&c->hs, buf, n, on_line, ee);
		if (c->fd < 0)
			return;
		if (r < 0) {
			if (c->hs.status && c->hs.status != 200) {
				char s[64];

				snprintf(s, sizeof(s), "GET /events: HTTP status %d",
					 c->hs.status);
				down(ee, c, W_GARBAGE, "%s", s);
			} else {
				down(ee, c, W_GARBAGE, "garbage from the socket (%s)",
				     c->hs.why);
			}
			return;
		}
		if (r > 0) {
			down(ee, c, W_DOWN, "%s", "the event stream ended");
			return;
		}
		if (headers && c->hs.state > HS_HEADERS)
			fine(ee, c, W_DOWN);
	}
}

/* connect(2) to a path longer than sun_path: through an O_PATH fd. */
static int connect_path(int fd, const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int pfd = -1, err = 0;

	if (strlen(path) < sizeof(a.sun_path)) {
		strcpy(a.sun_path, path);
	} else {
		pfd = open(path, O_PATH | O_CLOEXEC);
		if (pfd < 0)
			return -errno;
		snprintf(a.sun_path, sizeof(a.sun_path), "/proc/self/fd/%d", pfd);
	}
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
		err = -errno;
	if (pfd >= 0)
		close(pfd);
	return err;
}

/*
 * The engine process at the other end, as our PID namespace numbers it
 * (SO_PEERCRED: the kernel translates the pid), 0 if unknown: the one
 * the sweep found may have restarted since.
 */
static pid_t peer_pid(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len))
		return 0;
	return cr.pid;
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

static void conn_open(struct ee *ee, struct conn *c)
{
	char req[512];
	ssize_t n;
	int fd, err, len;

	if (c->fd >= 0)
		return;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		down(ee, c, W_DOWN, "socket: %s", strerror(errno));
		return;
	}
	c->fd = fd;
	/* a unix socket connects at once, or is refused, or is full */
	err = connect_path(fd, c->e.path);
	if (err) {
		down(ee, c, W_DOWN, "%s", strerror(-err));
		return;
	}
	/*
	 * After a break (the engine restarted, say): what happened since,
	 * replayed from the engine's log (since=SECONDS.NANOSECONDS).
	 */
	if (c->lost_at)
		len = snprintf(req, sizeof(req),
			       "GET /events?since=%lld.%09lld&%s%s",
			       (long long)(c->lost_at / 1000000000),
			       (long long)(c->lost_at % 1000000000), FILTER,
			       REQUEST_END);
	else
		len = snprintf(req, sizeof(req), "GET /events?%s%s", FILTER,
			       REQUEST_END);
	/* the request fits any socket buffer: one send */
	n = send(fd, req, len, MSG_NOSIGNAL);
	if (n != len) {
		down(ee, c, W_DOWN, "%s", n < 0 ? strerror(errno) : "short send");
		return;
	}
	c->same_pidns = same_pidns(peer_pid(fd));
	hs_init(&c->hs);
}

/*
 * An engine found by its process is at /proc/PID/root/PATH; when that
 * process shares our mount namespace, PATH is the same socket, and stays
 * so when the engine restarts under another pid.
 */
static const char *plain_path(const char *path)
{
	struct stat a, b;
	char ns[64];
	int pid, n = 0;

	if (sscanf(path, "/proc/%d/root%n", &pid, &n) != 1 || !n ||
	    path[n] != '/')
		return path;
	snprintf(ns, sizeof(ns), "/proc/%d/ns/mnt", pid);
	if (stat(ns, &a) || stat("/proc/self/ns/mnt", &b) ||
	    a.st_ino != b.st_ino || a.st_dev != b.st_dev)
		return path;
	return path + n;
}

void ee_sync(struct ee *ee, const struct nsm_model *m)
{
	size_t i, j;

	for (i = 0; i < m->nengines; i++) {
		const struct nsm_engine *e = &m->engines[i];
		const char *path = plain_path(e->path);
		struct conn **v, *c;

		if (e->kind != NSM_ENGINE_DOCKER && e->kind != NSM_ENGINE_PODMAN)
			continue;
		for (j = 0; j < ee->nc; j++)
			if (ee->c[j]->e.kind == e->kind &&
			    !strcmp(ee->c[j]->e.path, path))
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
		c->e = *e;
		c->e.path = strdup(path);
		if (!c->e.path) {
			free(c);
			break;
		}
		c->fd = -1;
		v[ee->nc++] = c;
	}
	for (i = 0; i < ee->nc; i++)
		conn_open(ee, ee->c[i]);
	take_containers(ee, m);
}

void ee_tick(struct ee *ee)
{
	int64_t now = 0;
	size_t i;

	for (i = 0; i < ee->nc; i++) {
		if (ee->c[i]->fd >= 0)
			continue;
		if (!now)
			now = clock_ns(CLOCK_MONOTONIC);
		if (now >= ee->c[i]->retry_at)
			conn_open(ee, ee->c[i]);
	}
}

int ee_pollfds(struct ee *ee, struct pollfd *p, int max)
{
	size_t i;
	int n = 0;

	for (i = 0; i < ee->nc && n < max; i++) {
		if (ee->c[i]->fd < 0)
			continue;
		p[n].fd = ee->c[i]->fd;
		p[n].events = POLLIN;
		p[n].revents = 0;
		n++;
	}
	return n;
}

void ee_read(struct ee *ee, const struct pollfd *p, int n)
{
	size_t i;
	int k;

	for (k = 0; k < n; k++) {
		if (!p[k].revents)
			continue;
		for (i = 0; i < ee->nc; i++)
			if (ee->c[i]->fd == p[k].fd)
				conn_read(ee, ee->c[i]);
	}
}
