/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * serve.h - the HTTP service over the agent (`nsmon serve`, SPEC "HTTP
 * API"): a sink that publishes every event into a bounded backlog, and
 * libmicrohttpd daemons that answer from it and from snapshots of the
 * live model.
 *
 *	serve_new(&s, &opts);		// sockets bound, token read
 *	agent_open(&a, ...);
 *	serve_start(s, a);		// subscribed, answering
 *	agent_run(a);
 *	serve_stop(s);			// "event: shutdown", closed
 *	agent_close(a); serve_free(s);
 */
#ifndef NSMON_SERVE_H
#define NSMON_SERVE_H

#include <stdbool.h>

#include "agent.h"
#include "listen.h"

#define SERVE_MAX_LISTEN 16
#define SERVE_BACKLOG 65536
/* connections at once, in all and from one address (0: no such limit) */
#define SERVE_MAX_CONNS 256
#define SERVE_MAX_CONNS_PER_IP 64
/* --threads' default: one per CPU, at most this */
#define SERVE_MAX_THREADS 8
/*
 * The data answers' workers: most of their time is a wait (for a sweep
 * in flight, an answer another request makes, the agent's next view),
 * and requests that wait for the same one share its result; fewer
 * workers than concurrent pollers would make them queue for a sweep each.
 */
#define SERVE_WORKERS 16

struct serve_opts {
	const char *name;	/* messages on stderr start "NAME: " */
	struct listen_addr listen[SERVE_MAX_LISTEN];
	int nlisten;
	const char *token_file;	/* NULL: no token asked for */
	const char *tls_cert, *tls_key;	/* PEM files; NULL: no TLS */
	unsigned backlog;	/* events kept for resuming clients */
	/*
	 * The discovery the data endpoints share (docs/http-api.md): a
	 * whole one, quiet; its result reused for max_age_ms.
	 */
	int (*sweep)(void *ctx, struct nsm_model **out);
	void *sweep_ctx;
	unsigned max_age_ms;
	unsigned max_conns;	/* per listening address */
	unsigned max_conns_per_ip;	/* 0: none */
	/* libmicrohttpd's polling threads; 0: one per CPU */
	unsigned threads;
};

struct serve;

/*
 * Binds the sockets and reads the token, before the agent loads; says
 * on stderr what failed.  0 or -errno.
 */
int serve_new(struct serve **out, const struct serve_opts *o);
/* Subscribes to a and starts answering; each bound address on stderr. */
int serve_start(struct serve *s, struct agent *a);
/*
 * After the agent stopped: SSE clients get their last events and
 * `event: shutdown`, then every connection closes.
 */
void serve_stop(struct serve *s);
void serve_free(struct serve *s);

#endif
