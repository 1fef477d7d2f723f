// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * docker.c - Docker and podman through the Docker Engine API on their unix
 * socket (podman serves the same API as "compat"), with libcurl: the one
 * HTTP client of nsmon.
 *
 * Discovery (the engine's list()): GET /containers/json lists the
 * containers that have processes (running and paused) with id, names and
 * labels; GET /containers/ID/json gives State.Pid and State.Paused.  One
 * connection, kept alive, for all; a pass may wait for it (3 s at most).
 *
 * The agent (nsm_dk_*, see nsm.h): the same inspect and the event stream
 * (GET /events, chunked, one JSON object per line for as long as the
 * connection lasts) on curl's multi interface, driven by the agent's own
 * poll loop: curl tells which sockets it waits for (CURLMOPT_SOCKETFUNCTION)
 * and when its next timeout is (CURLMOPT_TIMERFUNCTION).  curl refuses
 * curl_multi_add_handle() from inside its callbacks, where a line of the
 * stream asks for an inspect: such a transfer waits in the list, not yet
 * added, until curl has returned (settle()).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "nsm_dl.h"
#include "engine.h"

/* an engine that does not answer in time is reported, not waited for */
#define CONNECT_MS 500L
#define TIMEOUT_MS 3000L
#define MAX_BODY (64L << 20)
/* a line of the event stream longer than this is garbage */
#define STREAM_LINE_MAX (64 << 10)
/* {"type":["container"]} */
#define FILTER "filters=%7B%22type%22%3A%5B%22container%22%5D%7D"

struct body {
	char *buf;
	size_t len;
};

static int body_add(struct body *b, const char *p, size_t len, size_t max)
{
	char *nb;

	if (b->len + len > max)
		return -E2BIG;
	nb = realloc(b->buf, b->len + len + 1);
	if (!nb)
		return -ENOMEM;
	memcpy(nb + b->len, p, len);
	b->len += len;
	nb[b->len] = '\0';
	b->buf = nb;
	return 0;
}

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
	return body_add(ctx, p, size * n, MAX_BODY) ? 0 : size * n;
}

static const char *json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* An id goes into a URL: hex or at least no path, no query. */
static bool id_ok(const char *id)
{
	return id && strlen(id) <= 128 && !strpbrk(id, "/?#%");
}

/*
 * What /containers/ID/json says of a container: its name (pointing into
 * doc, else id), its init pid as the engine numbers it (0: none), paused.
 */
static void inspect_parse(const cJSON *doc, const char *id, const char **name,
			  pid_t *pid, bool *paused)
{
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(doc, "State");
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(st, "Pid");
	const char *n = json_str(doc, "Name");

	*pid = 0;
	if (cJSON_IsNumber(p) && p->valuedouble > 0 && p->valuedouble < 1 << 30)
		*pid = (pid_t)p->valuedouble;
	*paused = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st, "Paused"));
	if (n && n[0] == '/')
		n++;
	*name = n && *n ? n : id;
}

/*
 * A handle on the engine's socket, sockfd: an O_PATH fd of it, opened
 * inside its engine's root (nsm_open_in_root()).  connect(2) to
 * "/proc/self/fd/N" reaches that very socket, whatever its path is now
 * and however long (sun_path holds 108 bytes); the caller keeps sockfd
 * open for as long as the handle may connect.
 */
static CURL *handle(int sockfd)
{
	char sock[40];
	CURL *h = curl_easy_init();

	if (!h)
		return NULL;
	snprintf(sock, sizeof(sock), "/proc/self/fd/%d", sockfd);
	/* curl copies the string */
	curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, sock);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_MS);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(h, CURLOPT_USERAGENT, "nsmon/" NSM_VERSION);
	return h;
}

/* ---------------------------------------------------------- discovery */

/*
 * connect(2) to a unix socket needs write permission on it (docker's is
 * root:docker 0660): whether ours, with our capabilities (AT_EACCESS),
 * is what refused.
 */
static bool refused_by_mode(const struct nsm_engine *e)
{
	char sock[40];

	snprintf(sock, sizeof(sock), "/proc/self/fd/%d", e->fd);
	return faccessat(AT_FDCWD, sock, W_OK, AT_EACCESS) && errno == EACCES;
}

/* GET url on the engine's socket; the parsed JSON body, or NULL (warned). */
static cJSON *api_get(struct nsm_model *m, const struct nsm_engine *e,
		      CURL *h, const char *url)
{
	struct body b = {0};
	long status = 0;
	cJSON *doc = NULL;
	char desc[512];
	CURLcode rc;

	nsm_engine_desc(e, desc, sizeof(desc));
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	rc = curl_easy_perform(h);
	if (rc == CURLE_COULDNT_CONNECT && refused_by_mode(e)) {
		nsm_priv_refused(m, CAP_DAC_OVERRIDE, desc);
		goto out;
	}
	if (rc != CURLE_OK) {
		nsm_warn(m, "%s: %s", desc, curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		nsm_warn(m, "%s: %s: HTTP status %ld", desc, url + 16, status);
		goto out;
	}
	doc = b.buf ? cJSON_ParseWithLength(b.buf, b.len) : NULL;
	if (!doc)
		nsm_warn(m, "%s: %s: not JSON", desc, url + 16);
out:
	free(b.buf);
	return doc;
}

/* One entry of /containers/json, completed by /containers/ID/json. */
static int one(struct nsm_model *m, const struct nsm_engine *e, CURL *h,
	       const cJSON *item)
{
	const char *id = json_str(item, "Id"), *state = json_str(item, "State");
	const cJSON *names = cJSON_GetObjectItemCaseSensitive(item, "Names");
	struct nsm_container *c;
	const char *name = NULL, *iname;
	cJSON *doc;
	char url[256];

	if (!id || strlen(id) > 128 || strchr(id, '/'))
		return 0;
	/* only containers with processes have namespaces */
	if (state && strcmp(state, "running") && strcmp(state, "paused") &&
	    strcmp(state, "restarting"))
		return 0;
	if (cJSON_IsArray(names) && cJSON_IsString(names->child))
		name = names->child->valuestring;
	snprintf(url, sizeof(url), "http://localhost/containers/%s/json", id);
	doc = api_get(m, e, h, url);
	if (!doc)
		return 0;
	c = calloc(1, sizeof(*c));
	if (!c)
		goto nomem;
	c->engine = e->kind;
	inspect_parse(doc, id, &iname, &c->engine_pid, &c->paused);
	if (!name)
		name = iname;
	else if (name[0] == '/')
		name++;
	if (!*name)
		name = id;
	c->id = strdup(id);
	c->name = strdup(name);
	if (!c->id || !c->name)
		goto nomem;
	if (nsm_container_add_labels(
		    c, cJSON_GetObjectItemCaseSensitive(item, "Labels")))
		goto nomem;
	cJSON_Delete(doc);
	return nsm_container_add(m, c);
nomem:
	nsm_container_free(c);
	cJSON_Delete(doc);
	return -ENOMEM;
}

static int list(struct nsm_model *m, const struct nsm_engine *e)
{
	const cJSON *item;
	char desc[512];
	int err = 0;
	cJSON *doc;
	const char *why;
	CURL *h;

	/* libcurl is loaded now (dl_curl.c); without it: not asked, said */
	if (nsm_dl_curl(&why)) {
		nsm_warn(m, "%s: %s", nsm_engine_desc(e, desc, sizeof(desc)),
			 why);
		return 0;
	}
	h = handle(e->fd);
	if (!h)
		return -ENOMEM;
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, TIMEOUT_MS);
	doc = api_get(m, e, h, "http://localhost/containers/json?all=1");
	if (doc && !cJSON_IsArray(doc))
		nsm_warn(m, "%s: /containers/json: not a list",
			 nsm_engine_desc(e, desc, sizeof(desc)));
	else if (doc)
		cJSON_ArrayForEach(item, doc) {
			err = one(m, e, h, item);
			if (err)
				break;
		}
	cJSON_Delete(doc);
	curl_easy_cleanup(h);
	return err;
}

const struct nsm_engine_ops nsm_engine_docker_ops = {
	.kind = NSM_ENGINE_DOCKER,
	.default_path = "/run/docker.sock",
	.list = list,
};

const struct nsm_engine_ops nsm_engine_podman_ops = {
	.kind = NSM_ENGINE_PODMAN,
	.default_path = "/run/podman/podman.sock",
	.list = list,
};

/* ------------------------------------------------------- the agent's */

struct dk_req {
	struct nsm_dk *dk;
	struct dk_req *next;	/* dk's transfers */
	CURL *h;
	int sockfd;		/* O_PATH: the socket, for this transfer */
	curl_socket_t fd;	/* a stream's connection (on_sockopt()) */
	bool added;		/* in the multi handle (else: to add) */
	bool opened;		/* a stream's status 200 came */
	bool stopped;		/* line() said stop */
	int err;		/* a stream's own verdict on the bytes */
	const struct nsm_dk_stream_ops *ops;	/* NULL: an inspect */
	nsm_dk_inspect_fn fn;
	void *tag;
	char id[129];
	struct body b;		/* a stream's line so far; an inspect's body */
};

struct dk_sock {
	curl_socket_t fd;
	int what;		/* CURL_POLL_* */
};

struct nsm_dk {
	CURLM *multi;
	struct dk_req *reqs;
	struct dk_sock *socks;
	size_t nsocks;
	int64_t due;		/* curl's next timeout, CLOCK_MONOTONIC ns; -1 */
	int depth;		/* inside curl: no curl_multi_add_handle() */
};

static int64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int on_socket(CURL *h, curl_socket_t fd, int what, void *ctx,
		     void *sockp)
{
	struct nsm_dk *dk = ctx;
	struct dk_sock *v;
	size_t i;

	for (i = 0; i < dk->nsocks && dk->socks[i].fd != fd; i++)
		;
	if (what == CURL_POLL_REMOVE) {
		if (i < dk->nsocks)
			dk->socks[i] = dk->socks[--dk->nsocks];
		return 0;
	}
	if (i == dk->nsocks) {
		v = reallocarray(dk->socks, dk->nsocks + 1, sizeof(*v));
		if (!v)
			return -1;
		dk->socks = v;
		v[dk->nsocks++].fd = fd;
	}
	dk->socks[i].what = what;
	return 0;
}

static int on_timer(CURLM *multi, long ms, void *ctx)
{
	struct nsm_dk *dk = ctx;

	dk->due = ms < 0 ? -1 : mono_ns() + ms * 1000000;
	return 0;
}

struct nsm_dk *nsm_dk_new(void)
{
	struct nsm_dk *dk = calloc(1, sizeof(*dk));

	if (dk)
		dk->due = -1;
	return dk;
}

/*
 * The multi handle, made at the first transfer: an agent with no Docker
 * engine to follow never loads libcurl (dl_curl.c).  0, -ELIBACC (no
 * libcurl: nsm_dl_curl() says why) or -ENOMEM.
 */
static int dk_start(struct nsm_dk *dk)
{
	if (dk->multi)
		return 0;
	if (nsm_dl_curl(NULL))
		return -ELIBACC;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -ENOMEM;
	dk->multi = curl_multi_init();
	if (!dk->multi) {
		curl_global_cleanup();
		return -ENOMEM;
	}
	curl_multi_setopt(dk->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(dk->multi, CURLMOPT_SOCKETDATA, dk);
	curl_multi_setopt(dk->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(dk->multi, CURLMOPT_TIMERDATA, dk);
	/*
	 * Idle connections curl keeps for the next inspect: by default four
	 * per transfer ever added at once, so a burst of inspects (a sync
	 * inspects every container) left its connections open for good.
	 */
	curl_multi_setopt(dk->multi, CURLMOPT_MAXCONNECTS, 1L);
	return 0;
}

static void req_free(struct dk_req *r)
{
	curl_easy_cleanup(r->h);
	if (r->sockfd >= 0)
		close(r->sockfd);
	free(r->b.buf);
	free(r);
}

static void req_unlink(struct dk_req *r)
{
	struct dk_req **pp;

	for (pp = &r->dk->reqs; *pp != r; pp = &(*pp)->next)
		;
	*pp = r->next;
	if (r->added)
		curl_multi_remove_handle(r->dk->multi, r->h);
}

void nsm_dk_free(struct nsm_dk *dk)
{
	if (!dk)
		return;
	while (dk->reqs) {
		struct dk_req *r = dk->reqs;

		req_unlink(r);
		req_free(r);
	}
	if (dk->multi) {
		curl_multi_cleanup(dk->multi);
		curl_global_cleanup();
	}
	free(dk->socks);
	free(dk);
}

/* A line of the stream (without its end): to the caller, unless empty. */
static bool stream_line(struct dk_req *r, const char *s, size_t n)
{
	if (n && s[n - 1] == '\r')
		n--;
	if (n && !r->stopped)
		r->stopped = r->ops->line(r->tag, s, n) != 0;
	return r->stopped;
}

/* The part of a line that came so far, and its end (the whole of it). */
static bool stream_tail(struct dk_req *r, const char *s, size_t n)
{
	bool stop;

	if (!r->b.len)
		return stream_line(r, s, n);
	if (body_add(&r->b, s, n, STREAM_LINE_MAX)) {
		r->err = -EPROTO;
		return true;
	}
	stop = stream_line(r, r->b.buf, r->b.len);
	r->b.len = 0;
	return stop;
}

static size_t on_stream(char *p, size_t size, size_t n, void *ctx)
{
	struct dk_req *r = ctx;
	size_t len = size * n, from = 0, i;
	long status = 0;

	curl_easy_getinfo(r->h, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200)
		return 0;
	for (i = 0; i < len; i++) {
		if (p[i] != '\n')
			continue;
		if (stream_tail(r, p + from, i - from))
			return 0;
		from = i + 1;
	}
	if (from < len && body_add(&r->b, p + from, len - from, STREAM_LINE_MAX)) {
		r->err = -EPROTO;
		return 0;
	}
	return len;
}

/*
 * The engine process at the other end, as our PID namespace numbers it
 * (SO_PEERCRED: the kernel translates the pid), 0 if unknown.
 */
static pid_t peer_pid(curl_socket_t fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (fd == CURL_SOCKET_BAD ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len))
		return 0;
	return cr.pid;
}

/*
 * A stream's new socket, before its connect: its peer is asked at the
 * headers (CURLINFO_ACTIVESOCKET answers only once a transfer is over).
 */
static int on_sockopt(void *ctx, curl_socket_t fd, curlsocktype purpose)
{
	struct dk_req *r = ctx;

	r->fd = fd;
	return CURL_SOCKOPT_OK;
}

/* The empty line after the headers: a status 200 opens the stream. */
static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct dk_req *r = ctx;
	size_t len = size * n;
	long status = 0;

	if (len > 2 || (p[0] != '\r' && p[0] != '\n') || r->opened)
		return len;
	curl_easy_getinfo(r->h, CURLINFO_RESPONSE_CODE, &status);
	if (status == 200) {
		r->opened = true;
		r->ops->open(r->tag, peer_pid(r->fd));
	}
	return len;
}

/* Why a transfer failed, as -errno and words. */
static int failure(struct dk_req *r, CURLcode rc, char *why, size_t size)
{
	long oserr = 0;

	curl_easy_getinfo(r->h, CURLINFO_OS_ERRNO, &oserr);
	if (rc == CURLE_COULDNT_CONNECT && oserr > 0) {
		snprintf(why, size, "%s", strerror((int)oserr));
		return -(int)oserr;
	}
	if (rc == CURLE_WEIRD_SERVER_REPLY || rc == CURLE_BAD_CONTENT_ENCODING) {
		snprintf(why, size, "garbage from the socket (%s)",
			 curl_easy_strerror(rc));
		return -EPROTO;
	}
	snprintf(why, size, "%s", curl_easy_strerror(rc));
	return rc == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : -EIO;
}

static void stream_done(struct dk_req *r, CURLcode rc)
{
	char why[160];
	long status = 0;
	int err;

	curl_easy_getinfo(r->h, CURLINFO_RESPONSE_CODE, &status);
	if (r->stopped) {
		err = -ECANCELED;
		snprintf(why, sizeof(why), "stopped");
	} else if (r->err) {
		err = r->err;
		snprintf(why, sizeof(why),
			 "garbage from the socket (a line longer than %d KiB)",
			 STREAM_LINE_MAX >> 10);
	} else if (status && status != 200) {
		err = -EPROTO;
		snprintf(why, sizeof(why), "GET /events: HTTP status %ld",
			 status);
	} else if (r->opened) {
		/* the last line may end with the stream */
		if (r->b.len && stream_tail(r, "", 0)) {
			stream_done(r, rc);
			return;
		}
		err = -EPIPE;
		snprintf(why, sizeof(why), "the event stream ended");
	} else {
		err = failure(r, rc, why, sizeof(why));
	}
	r->ops->end(r->tag, err, why);
}

static void inspect_done(struct dk_req *r, CURLcode rc)
{
	const char *name;
	long status = 0;
	bool paused;
	cJSON *doc;
	pid_t pid;

	curl_easy_getinfo(r->h, CURLINFO_RESPONSE_CODE, &status);
	if (rc == CURLE_OK && status == 404) {
		r->fn(r->tag, -ENOENT, NULL, 0);
		return;
	}
	doc = rc == CURLE_OK && status == 200 && r->b.buf
		      ? cJSON_ParseWithLength(r->b.buf, r->b.len)
		      : NULL;
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		r->fn(r->tag, -EIO, NULL, 0);
		return;
	}
	inspect_parse(doc, r->id, &name, &pid, &paused);
	r->fn(r->tag, 0, name, pid);
	cJSON_Delete(doc);
}

/* A transfer is over: its callback, and it is gone. */
static void req_done(struct dk_req *r, CURLcode rc)
{
	req_unlink(r);
	if (r->ops)
		stream_done(r, rc);
	else
		inspect_done(r, rc);
	req_free(r);
}

static void finish(struct nsm_dk *dk)
{
	struct dk_req *r;
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(dk->multi, &left))) {
		CURLcode rc = msg->data.result;

		if (msg->msg != CURLMSG_DONE)
			continue;
		if (curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
				      (char **)&r) == CURLE_OK && r)
			req_done(r, rc);
	}
}

static void action(struct nsm_dk *dk, curl_socket_t fd, int mask)
{
	int running;

	dk->depth++;
	curl_multi_socket_action(dk->multi, fd, mask, &running);
	dk->depth--;
}

/*
 * After curl returned: adds the transfers started from its callbacks,
 * hands back the finished ones, runs the timeout when due (adding a
 * transfer makes one due at once).  Bounded: a timer curl keeps a few
 * microseconds later than we rounded it is tried again at the next tick.
 */
static void settle(struct nsm_dk *dk)
{
	struct dk_req *r, *next;
	int round;

	if (!dk->multi)
		return;
	for (round = 0; round < 8; round++) {
		for (r = dk->reqs; r; r = next) {
			next = r->next;
			if (r->added)
				continue;
			r->added = curl_multi_add_handle(dk->multi, r->h) ==
				   CURLM_OK;
			if (!r->added)
				req_done(r, CURLE_OUT_OF_MEMORY);
		}
		finish(dk);
		if (dk->due < 0 || mono_ns() < dk->due)
			break;
		action(dk, CURL_SOCKET_TIMEOUT, 0);
	}
	finish(dk);
}

/*
 * A new transfer to e's socket, which is looked up again inside e's root
 * (an engine that restarted made a new one); added to the multi handle
 * by req_start(), or by settle().  0 or -errno.
 */
static int req_new(struct nsm_dk *dk, const struct nsm_engine *e,
		   const char *url, struct dk_req **out)
{
	struct dk_req *r;
	int err = dk_start(dk);

	if (err)
		return err;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->dk = dk;
	r->fd = CURL_SOCKET_BAD;
	r->sockfd = nsm_open_in_root(e->root, e->path, O_PATH);
	if (r->sockfd < 0) {
		err = r->sockfd;
		free(r);
		return err;
	}
	r->h = handle(r->sockfd);
	if (!r->h) {
		close(r->sockfd);
		free(r);
		return -ENOMEM;
	}
	curl_easy_setopt(r->h, CURLOPT_URL, url);
	curl_easy_setopt(r->h, CURLOPT_PRIVATE, r);
	*out = r;
	return 0;
}

static int req_start(struct dk_req *r)
{
	struct nsm_dk *dk = r->dk;

	if (!dk->depth) {
		if (curl_multi_add_handle(dk->multi, r->h) != CURLM_OK) {
			req_free(r);
			return -ENOMEM;
		}
		r->added = true;
	}
	r->next = dk->reqs;
	dk->reqs = r;
	return 0;
}

int nsm_dk_events(struct nsm_dk *dk, const struct nsm_engine *e,
		  int64_t since_ns, const struct nsm_dk_stream_ops *ops,
		  void *tag)
{
	struct dk_req *r;
	char url[256];
	int err;

	/* after a break: what happened since, from the engine's log */
	if (since_ns)
		snprintf(url, sizeof(url),
			 "http://localhost/events?since=%lld.%09lld&%s",
			 (long long)(since_ns / 1000000000),
			 (long long)(since_ns % 1000000000), FILTER);
	else
		snprintf(url, sizeof(url), "http://localhost/events?%s", FILTER);
	err = req_new(dk, e, url, &r);
	if (err)
		return err;
	r->ops = ops;
	r->tag = tag;
	curl_easy_setopt(r->h, CURLOPT_WRITEFUNCTION, on_stream);
	curl_easy_setopt(r->h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(r->h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(r->h, CURLOPT_HEADERDATA, r);
	/* a connection of its own, which on_sockopt() sees made */
	curl_easy_setopt(r->h, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(r->h, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(r->h, CURLOPT_SOCKOPTFUNCTION, on_sockopt);
	curl_easy_setopt(r->h, CURLOPT_SOCKOPTDATA, r);
	return req_start(r);
}

int nsm_dk_inspect(struct nsm_dk *dk, const struct nsm_engine *e,
		   const char *id, long timeout_ms, nsm_dk_inspect_fn fn,
		   void *tag)
{
	struct dk_req *r;
	char url[256];
	int err;

	if (!id_ok(id))
		return -EINVAL;
	snprintf(url, sizeof(url), "http://localhost/containers/%s/json", id);
	err = req_new(dk, e, url, &r);
	if (err)
		return err;
	r->fn = fn;
	r->tag = tag;
	snprintf(r->id, sizeof(r->id), "%s", id);
	curl_easy_setopt(r->h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(r->h, CURLOPT_WRITEDATA, &r->b);
	curl_easy_setopt(r->h, CURLOPT_TIMEOUT_MS, timeout_ms);
	return req_start(r);
}

int nsm_dk_pollfds(struct nsm_dk *dk, struct pollfd *p, int max)
{
	size_t i;
	int n = 0;

	for (i = 0; i < dk->nsocks && n < max; i++, n++) {
		int what = dk->socks[i].what;

		p[n].fd = dk->socks[i].fd;
		p[n].events = (what & CURL_POLL_IN ? POLLIN : 0) |
			      (what & CURL_POLL_OUT ? POLLOUT : 0);
		p[n].revents = 0;
	}
	return n;
}

void nsm_dk_ready(struct nsm_dk *dk, const struct pollfd *p, int n)
{
	size_t j;
	int i, mask;

	for (i = 0; i < n; i++) {
		if (!p[i].revents)
			continue;
		/* curl may have closed it meanwhile (another's answer) */
		for (j = 0; j < dk->nsocks && dk->socks[j].fd != p[i].fd; j++)
			;
		if (j == dk->nsocks)
			continue;
		mask = (p[i].revents & (POLLIN | POLLHUP) ? CURL_CSELECT_IN : 0) |
		       (p[i].revents & POLLOUT ? CURL_CSELECT_OUT : 0) |
		       (p[i].revents & (POLLERR | POLLNVAL) ? CURL_CSELECT_ERR
							    : 0);
		action(dk, p[i].fd, mask);
	}
	settle(dk);
}

void nsm_dk_tick(struct nsm_dk *dk)
{
	settle(dk);
}
