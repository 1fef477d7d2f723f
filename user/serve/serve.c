// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * serve.c - the service: the agent's sink that publishes each event (the
 * JSON line of `watch --json`, serialized once, into the backlog), the
 * libmicrohttpd daemons (one per listening socket) and the routing.
 *
 * Threads: libmicrohttpd's polling threads (a pool of --threads, epoll)
 * serve every connection; none of them waits.  An answer that may wait
 * (a sweep, the agent's next view) is made by a worker while its
 * connection is suspended (work.h); an SSE stream with nothing to send
 * is suspended until the backlog moves (sse.c).  A thread per
 * connection, on two CPUs and sixteen clients, made a request's p99 the
 * scheduler's.  The agent never waits on a client: it takes the
 * backlog's lock only to append, and readers hold it only to copy.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "serve_int.h"
#include "ui.h"

/* seconds a connection may be idle; SSE streams ping more often */
#define CONN_TIMEOUT 60
/* how long serve_stop() waits for SSE clients to get their shutdown */
#define STOP_WAIT_MS 2000

enum MHD_Result serve_queue(struct serve *s, struct MHD_Connection *c,
			    unsigned code, struct MHD_Response *r,
			    const char *ctype)
{
	enum MHD_Result ret;

	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	if (code == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					"Bearer");
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	if (code < ARRAY_LEN(s->codes))
		s->codes[code]++;
	return ret;
}

enum MHD_Result serve_reply(struct serve *s, struct MHD_Connection *c,
			    unsigned code, const char *ctype, char *body,
			    size_t len)
{
	struct MHD_Response *r;

	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	return serve_queue(s, c, code, r, ctype);
}

enum MHD_Result serve_error(struct serve *s, struct MHD_Connection *c,
			    unsigned code, const char *msg)
{
	char *body;
	int n = asprintf(&body, "{\"error\":\"%s\"}\n", msg);

	if (n < 0)
		return MHD_NO;
	return serve_reply(s, c, code, "application/json", body, n);
}

static enum MHD_Result text(struct serve *s, struct MHD_Connection *c,
			    unsigned code, const char *msg)
{
	char *body = strdup(msg);

	if (!body)
		return MHD_NO;
	return serve_reply(s, c, code, "text/plain; charset=utf-8", body,
			   strlen(msg));
}

/* ------------------------------------------------------------ routing */

struct args {
	struct query q;
	unsigned allowed;
	bool bad;
};

/* A %00 decodes to a NUL that would end the C string early: refused. */
static enum MHD_Result one_arg(void *cls, enum MHD_ValueKind kind,
			       const char *key, size_t key_len,
			       const char *val, size_t val_len)
{
	struct args *a = cls;

	if (strlen(key) != key_len || (val && strlen(val) != val_len) ||
	    query_set(&a->q, a->allowed, key, val))
		a->bad = true;
	return MHD_YES;
}

/* Which query keys a path takes; -1: no such path. */
static int route_args(const char *url)
{
	int k = api_doc_args(url);

	if (k >= 0)
		return k;
	if (!strcmp(url, "/api/events"))
		return Q_TYPE | Q_EVENT | Q_LAST_ID;
	if (!strcmp(url, "/healthz") ||
	    !strcmp(url, "/readyz") || !strcmp(url, "/metrics"))
		return 0;
	return -1;
}

/* The Last-Event-ID header, if there is one, where ?last_event_id= is not. */
static int last_event_id(struct MHD_Connection *c, struct query *q)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						    "Last-Event-ID");

	if (!h || (q->seen & Q_LAST_ID))
		return 0;
	q->seen |= Q_LAST_ID;
	return nsm_parse_u64(h, &q->last_id);
}

/*
 * A data answer may wait for a sweep or for the agent's next view: a
 * worker makes it while its connection is suspended (work.h), and the
 * polling thread goes on with the others.
 */
struct doc_job {
	struct job j;
	struct serve *s;
	struct MHD_Connection *c;
	const char *url;	/* the request's, alive while it is */
	struct query q;
	void **con_cls;		/* the request's, ditto */
};

/* a request whose answer could not be made: the handler closes it */
static int doc_failed;

static void doc_run(struct job *j)
{
	struct doc_job *d = (struct doc_job *)j;
	struct MHD_Connection *c = d->c;

	/*
	 * Without an answer, libmicrohttpd calls the handler again once the
	 * connection is resumed: it then closes the connection.
	 */
	if (api_doc(d->s, c, d->url, &d->q) != MHD_YES)
		*d->con_cls = &doc_failed;
	free(d);
	MHD_resume_connection(c);
}

static enum MHD_Result doc_defer(struct serve *s, struct MHD_Connection *c,
				 const char *url, const struct query *q,
				 void **con_cls)
{
	struct doc_job *d = malloc(sizeof(*d));

	if (!d)
		return serve_error(s, c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				   "out of memory");
	*d = (struct doc_job){ .j.run = doc_run, .s = s, .c = c, .url = url,
			       .q = *q, .con_cls = con_cls };
	MHD_suspend_connection(c);
	if (work_push(&s->work, &d->j)) {
		MHD_resume_connection(c);
		free(d);
		return serve_error(s, c, MHD_HTTP_SERVICE_UNAVAILABLE,
				   "shutting down");
	}
	return MHD_YES;
}

static enum MHD_Result route(struct serve *s, struct MHD_Connection *c,
			     const char *url, bool head, void **con_cls)
{
	struct args a = { .allowed = 0 };
	int allowed = route_args(url);

	if (allowed < 0)
		return ui_answer(s, c, url);
	a.allowed = allowed;
	MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, one_arg, &a);
	if (a.bad)
		return serve_error(s, c, MHD_HTTP_BAD_REQUEST, "bad query");
	if (!strcmp(url, "/healthz"))
		return text(s, c, MHD_HTTP_OK, "ok\n");
	if (!strcmp(url, "/readyz"))
		return s->ready ? text(s, c, MHD_HTTP_OK, "ok\n") :
				  serve_error(s, c, MHD_HTTP_SERVICE_UNAVAILABLE,
					      "not ready");
	if (!strcmp(url, "/metrics"))
		return api_metrics(s, c);
	if (!strcmp(url, "/api/events")) {
		if (last_event_id(c, &a.q))
			return serve_error(s, c, MHD_HTTP_BAD_REQUEST,
					   "bad Last-Event-ID");
		return sse_open(s, c, &a.q, head);
	}
	a.q.gzip = query_accepts_gzip(MHD_lookup_connection_value(
		c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING));
	return doc_defer(s, c, url, &a.q, con_cls);
}

/*
 * What a request without the token may have: the probes (a kubelet or a
 * service manager has no token) and the UI's files, which hold no data
 * of the host (a browser cannot send a bearer token with a page load: the
 * page asks for the token and sends it with its own requests).
 */
static bool public_path(const char *url)
{
	return !strcmp(url, "/healthz") || !strcmp(url, "/readyz") ||
	       ui_find(url);
}

static bool has_body(struct MHD_Connection *c)
{
	const char *len = MHD_lookup_connection_value(
		c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);

	return (len && strspn(len, "0") != strlen(len)) ||
	       MHD_lookup_connection_value(c, MHD_HEADER_KIND,
					   MHD_HTTP_HEADER_TRANSFER_ENCODING);
}

/*
 * libmicrohttpd calls this when a request's headers are in, then again
 * after its body.  An answer queued at the first call is an answer to a
 * request not yet read whole, after which the connection must close: a
 * client that keeps its connection (every poller, wrk, Prometheus) would
 * pay a connect and a thread per request.  A refusal goes at once (no
 * body of a request refused is worth reading), a GET or HEAD that says
 * it has a body among them; the rest at the second call.
 */
static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	static int headers_in;
	struct serve *s = cls;
	bool head = !strcmp(method, MHD_HTTP_METHOD_HEAD);

	if (!*con_cls) {
		guard_headers(c);
		if (s->token && !public_path(url) &&
		    !auth_check(s->token, MHD_lookup_connection_value(
				    c, MHD_HEADER_KIND,
				    MHD_HTTP_HEADER_AUTHORIZATION)))
			return serve_error(s, c, MHD_HTTP_UNAUTHORIZED,
					   "missing or wrong bearer token");
		if (!head && strcmp(method, MHD_HTTP_METHOD_GET))
			return serve_error(s, c, MHD_HTTP_METHOD_NOT_ALLOWED,
					   "only GET and HEAD");
		if (has_body(c))
			return serve_error(s, c, MHD_HTTP_BAD_REQUEST,
					   "a GET or HEAD has no body");
		*con_cls = &headers_in;
		return MHD_YES;
	}
	if (*con_cls == &doc_failed)
		return MHD_NO;
	/* has_body() said none: nothing comes, and nothing is read */
	*upload_size = 0;
	return route(s, c, url, head, con_cls);
}

/* ------------------------------------------------------------ publish */

/* 1 << type of each namespace the event is about; 0: none in particular. */
static unsigned event_types(const struct wev *e)
{
	unsigned m = 0;
	int i;

	switch (e->kind) {
	case WEV_CREATE:
	case WEV_DESTROY:
		return 1U << e->type;
	case WEV_SWITCH:
		for (i = 0; i < e->nchanges; i++)
			m |= 1U << e->changes[i].type;
		return m;
	default:
		return 0;
	}
}

/* The sink: on the agent's thread, with the model locked. */
static int publish(void *ctx, uint64_t seq, const struct wev *e)
{
	struct serve *s = ctx;
	const char *kind;

	if (!e) {
		backlog_wake(&s->backlog);
		return 0;
	}
	kind = wev_kind_name(e->kind);
	if (!kind)
		return 0;
	metrics_event(&s->m, e);
	if (e->kind == WEV_SYNC)
		s->ready = true;
	/* the data: the same bytes as watch --json's line */
	rewind(s->line);
	if (fprintf(s->line, "id: %llu\nevent: %s\ndata: ",
		    (unsigned long long)seq, kind) < 0 ||
	    wev_print(s->line, true, seq, e) || fputc('\n', s->line) == EOF ||
	    fflush(s->line) ||
	    backlog_push(&s->backlog, seq, e->kind, event_types(e),
			 s->line_buf, s->line_len)) {
		s->publish_failed++;
		return 0;
	}
	return 0;
}

/* ------------------------------------------------------------ life */

int serve_new(struct serve **out, const struct serve_opts *o)
{
	struct serve *s = calloc(1, sizeof(*s));
	int i, err;

	if (!s)
		return -ENOMEM;
	s->o = *o;
	for (i = 0; i < SERVE_MAX_LISTEN; i++)
		s->fds[i] = -1;
	/* without it, process_resident_memory_bytes is 0 */
	s->statm_fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	clock_gettime(CLOCK_REALTIME, &s->started);
	err = backlog_init(&s->backlog, o->backlog);
	if (err)
		goto fail;
	err = sweep_cache_init(&s->sweeps, o->sweep, o->sweep_ctx,
			       o->max_age_ms);
	if (err)
		goto fail;
	s->sweeps.prep = api_doc_prep;
	s->sweeps.prep_ctx = s;
	s->sweeps_made = true;
	s->line = open_memstream(&s->line_buf, &s->line_len);
	if (!s->line) {
		err = -errno;
		goto fail;
	}
	if (o->token_file) {
		err = auth_load(o->token_file, &s->token);
		if (err) {
			fprintf(stderr, "%s: --token-file %s: %s\n", o->name,
				o->token_file,
				err == -EINVAL ? "empty" : strerror(-err));
			goto fail;
		}
	}
	err = tls_load(&s->tls, o->name, o->tls_cert, o->tls_key);
	if (err)
		goto fail;
	for (i = 0; i < o->nlisten; i++) {
		s->fds[i] = listen_socket(&o->listen[i]);
		if (s->fds[i] < 0) {
			err = s->fds[i];
			fprintf(stderr, "%s: cannot listen on address %d: %s\n",
				o->name, i + 1, strerror(-err));
			goto fail;
		}
		s->made[i] = o->listen[i].path;
	}
	*out = s;
	return 0;
fail:
	serve_free(s);
	return err;
}

/*
 * A %00 would end the decoded path or value early (/%00 is "/", the UI):
 * anything that has one stays undecoded, so that it matches no route and
 * no value (404, 400).
 */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
	if (strstr(s, "%00"))
		return strlen(s);
	return MHD_http_unescape(s);
}

static unsigned nthreads(const struct serve *s)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (s->o.threads)
		return s->o.threads;
	if (cpus < 1)
		return 1;
	return cpus < SERVE_MAX_THREADS ? cpus : SERVE_MAX_THREADS;
}

static struct MHD_Daemon *daemon_on(struct serve *s, int i)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			 MHD_ALLOW_SUSPEND_RESUME | tls_flags(&s->tls);

	if (s->o.listen[i].sa.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	return MHD_start_daemon(flags, 0, NULL, NULL, handle, s,
				MHD_OPTION_LISTEN_SOCKET, s->fds[i],
				MHD_OPTION_THREAD_POOL_SIZE, nthreads(s),
				MHD_OPTION_CONNECTION_LIMIT, s->o.max_conns,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT,
				s->o.listen[i].path ? 0 : s->o.max_conns_per_ip,
				MHD_OPTION_CONNECTION_TIMEOUT, CONN_TIMEOUT,
				MHD_OPTION_NOTIFY_CONNECTION, guard_notify, s->guard,
				MHD_OPTION_NOTIFY_COMPLETED, guard_completed, NULL,
				MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
				MHD_OPTION_ARRAY, s->tls.opts, MHD_OPTION_END);
}

/* listen_name() says http://...: with TLS it is https://... */
static void say_listening(const struct serve *s, const char *name)
{
	bool https = s->tls.cert && !strncmp(name, "http:", 5);

	fprintf(stderr, "%s: listening on %s%s\n", s->o.name,
		https ? "https" : "", https ? name + 4 : name);
}

int serve_start(struct serve *s, struct agent *a)
{
	sigset_t stop, old;
	char name[128];
	int i, err = 0;

	s->agent = a;
	err = agent_subscribe(a, publish, s);
	if (err)
		return err;
	/*
	 * The HTTP threads inherit this mask: the stop signals go to the
	 * agent's thread, whose wait they end.
	 */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stop, &old);
	err = guard_new(&s->guard);
	if (!err)
		err = work_init(&s->work, SERVE_WORKERS);
	/*
	 * The resumer and libmicrohttpd's threads carry each event from
	 * the agent to its clients, a few us of work per wake: they ask
	 * for short slices, as the agent does (the data answers' workers,
	 * made above, keep the usual ones).  On the fixture the latency's
	 * p90 went from ~800 to ~300 us.
	 */
	agent_short_slice();
	if (!err)
		err = sse_start(s);
	if (err)
		fprintf(stderr, "%s: cannot start the HTTP service: %s\n",
			s->o.name, strerror(-err));
	for (i = 0; i < s->o.nlisten && !err; i++) {
		s->mhd[i] = daemon_on(s, i);
		if (!s->mhd[i]) {
			fprintf(stderr, "%s: cannot start the HTTP service\n",
				s->o.name);
			err = -EIO;
			break;
		}
		listen_name(s->fds[i], name, sizeof(name));
		say_listening(s, name);
		/* MHD_stop_daemon() closes it */
		s->fds[i] = -1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

void serve_stop(struct serve *s)
{
	int i;

	backlog_close(&s->backlog);
	/* parked SSE clients resumed: none is suspended from here on */
	sse_stop(s);
	/* each SSE reader sends its last frames and the shutdown, then ends */
	for (i = 0; i < STOP_WAIT_MS / 10 && s->sse_clients > 0; i++)
		usleep(10000);
	/* the answers being made are queued and their connections resumed */
	work_stop(&s->work);
	for (i = 0; i < SERVE_MAX_LISTEN; i++) {
		if (s->mhd[i])
			MHD_stop_daemon(s->mhd[i]);
		s->mhd[i] = NULL;
	}
	/* it reads the agent's view, which goes before serve_free() */
	if (s->sweeps_made)
		sweep_cache_stop(&s->sweeps);
}

void serve_free(struct serve *s)
{
	int i;

	if (!s)
		return;
	serve_stop(s);
	for (i = 0; i < SERVE_MAX_LISTEN; i++) {
		if (s->fds[i] >= 0)
			close(s->fds[i]);
		/* the socket we made; a path that was there was refused */
		if (s->made[i])
			unlink(s->o.listen[i].path);
	}
	/* no daemon left to report to it */
	guard_free(s->guard);
	if (s->line)
		fclose(s->line);
	free(s->line_buf);
	free(s->token);
	if (s->statm_fd >= 0)
		close(s->statm_fd);
	tls_free(&s->tls);
	backlog_destroy(&s->backlog);
	if (s->sweeps_made)
		sweep_cache_destroy(&s->sweeps);
	free(s);
}
