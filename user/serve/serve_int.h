/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * serve_int.h - what the files of user/serve/ share: the service's state
 * and the answers' helpers.  Private to user/serve/.
 */
#ifndef NSMON_SERVE_INT_H
#define NSMON_SERVE_INT_H

#include <microhttpd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "backlog.h"
#include "guard.h"
#include "metrics.h"
#include "query.h"
#include "serve.h"
#include "sweep_cache.h"
#include "tls.h"
#include "work.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define SSE_PING_MS 15000
/* an SSE connection that took no byte this long is cut: twice the ping */
#define SSE_TIMEOUT_S 30
/* an SSE socket's send buffer (the kernel doubles it) */
#define SSE_SNDBUF (128 << 10)
/* a stream's buffer in libmicrohttpd: bytes copied out of the backlog at once */
#define SSE_CHUNK (16 << 10)

/* SSE clients with nothing to send, their connections suspended (sse.c) */
struct sse_park {
	pthread_mutex_t lock;
	struct sse_client *head;
	atomic_uint parked;	/* clients on the list: the resumer waits for events */
	bool closed;		/* the service stops: park no more */
	pthread_t thread;	/* the resumer */
	bool started;
};

struct serve {
	struct serve_opts o;
	int fds[SERVE_MAX_LISTEN];	/* -1: none, or libmicrohttpd's */
	bool made[SERVE_MAX_LISTEN];	/* a unix socket to unlink */
	struct MHD_Daemon *mhd[SERVE_MAX_LISTEN];
	char *token;
	struct tls tls;
	struct guard *guard;	/* the headers' deadline */
	struct agent *agent;
	struct backlog backlog;
	struct sse_park park;
	struct work work;	/* the data answers' workers */
	struct sweep_cache sweeps;	/* for what the live model has not */
	bool sweeps_made;
	FILE *line;		/* the agent's: one event serialized */
	char *line_buf;
	size_t line_len;
	atomic_bool ready;	/* the start sweep's sync came */
	/* counters for /metrics */
	struct metrics m;
	int statm_fd;		/* /proc/self/statm, read again by pread; -1 */
	atomic_ulong publish_failed;
	atomic_long sse_clients;
	atomic_ulong sse_dropped;
	atomic_bool gz_asked;	/* a client took gzip: the refresher makes it too */
	atomic_ulong gz_answers;
	atomic_ulong codes[600];
	struct timespec started;
};

/* An answer with body (malloc'd, taken) of type ctype; MHD_YES/NO. */
enum MHD_Result serve_reply(struct serve *s, struct MHD_Connection *c,
			    unsigned code, const char *ctype, char *body,
			    size_t len);
/* {"error": msg}: msg is ours, never the client's input. */
enum MHD_Result serve_error(struct serve *s, struct MHD_Connection *c,
			    unsigned code, const char *msg);
/* Counts code and adds the headers every answer has. */
enum MHD_Result serve_queue(struct serve *s, struct MHD_Connection *c,
			    unsigned code, struct MHD_Response *r,
			    const char *ctype);

/* api.c */
/* metrics.c */
enum MHD_Result api_metrics(struct serve *s, struct MHD_Connection *c);

/* api_doc.c: the query keys (Q_*) of a path it answers; -1: not one */
int api_doc_args(const char *url);
enum MHD_Result api_doc(struct serve *s, struct MHD_Connection *c,
			const char *url, const struct query *q);
/* The refresher's: /api/namespaces of r and the view now, made ahead. */
void api_doc_prep(void *ctx, struct sweep_res *r);
/* nsmon_api_sweeps_total and its kin, for /metrics */
void api_doc_metrics(FILE *f, struct serve *s);

/* sse.c */
enum MHD_Result sse_open(struct serve *s, struct MHD_Connection *c,
			 const struct query *q, bool head);
/* The resumer of parked clients; 0 or -errno. */
int sse_start(struct serve *s);
/* After backlog_close(): every parked client resumed, the resumer gone. */
void sse_stop(struct serve *s);

#endif
