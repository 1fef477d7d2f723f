// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sse.c - /api/events: server-sent events from the backlog.  Each client
 * reads at its own position in its connection's thread; one that falls
 * a whole backlog behind (it does not read, and the agent went on) has
 * lost events it can never get: it is dropped and counted, and resumes
 * with Last-Event-ID into a resync.  No other client and not the agent
 * wait for it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "serve_int.h"

struct sse_client {
	struct serve *s;
	struct backlog_filter f;
	uint64_t after;		/* the last seq looked at */
	struct backlog_buf pend;
	size_t off;		/* of pend, already handed to MHD */
	bool ended;		/* the shutdown frame is in pend */
	bool dropped;		/* counted in sse_dropped */
};

static const char resync_frame[] =
	"event: resync\ndata: {\"reason\":\"backlog\"}\n\n";
static const char shutdown_frame[] = "event: shutdown\ndata: {}\n\n";
static const char ping_frame[] = ": ping\n\n";

/* Fills c->pend: events, else the end, else a ping after the wait. */
static int refill(struct sse_client *c)
{
	struct backlog *b = &c->s->backlog;
	int n;

	for (;;) {
		n = backlog_copy(b, &c->after, &c->f, &c->pend, SSE_CHUNK);
		if (n)
			return n < 0 ? n : 0;
		if (backlog_closed(b)) {
			c->ended = true;
			return backlog_buf_add(&c->pend, shutdown_frame,
					       sizeof(shutdown_frame) - 1);
		}
		if (backlog_wait(b, c->after, SSE_PING_MS) == -ETIMEDOUT)
			return backlog_buf_add(&c->pend, ping_frame,
					       sizeof(ping_frame) - 1);
	}
}

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sse_client *c = cls;
	size_t n;
	int err;

	if (c->off == c->pend.len) {
		c->off = c->pend.len = 0;
		if (c->ended)
			return MHD_CONTENT_READER_END_OF_STREAM;
		err = refill(c);
		if (err == -ESTALE) {
			c->dropped = true;
			c->s->sse_dropped++;
		}
		if (err)
			return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	n = c->pend.len - c->off;
	if (n > max)
		n = max;
	memcpy(buf, c->pend.p + c->off, n);
	c->off += n;
	return n;
}

/*
 * A client that stops reading blocks its connection's send, not us: its
 * reader is not called again, and libmicrohttpd cuts the connection when
 * nothing went out for SSE_TIMEOUT_S.  Had the backlog passed it by then,
 * it was dropped for falling behind, and is counted so.
 */
static void sse_free(void *cls)
{
	struct sse_client *c = cls;

	if (!c->dropped && !c->ended && backlog_passed(&c->s->backlog, c->after))
		c->s->sse_dropped++;
	c->s->sse_clients--;
	free(c->pend.p);
	free(c);
}

/*
 * The kernel grows a socket's send buffer up to net.ipv4.tcp_wmem's
 * maximum (4 MiB by default): per client that stops reading, memory the
 * backlog already holds.  SSE_SNDBUF is enough for a reader that keeps
 * up; one that does not fills it sooner, so its cut comes sooner too.
 */
static void bound_sndbuf(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *i;
	int size = SSE_SNDBUF;

	i = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (i)
		setsockopt(i->connect_fd, SOL_SOCKET, SO_SNDBUF, &size,
			   sizeof(size));
}

enum MHD_Result sse_open(struct serve *s, struct MHD_Connection *c,
			 const struct query *q, bool head)
{
	struct MHD_Response *r;
	struct sse_client *sc;
	bool resync;

	if (head) {
		r = MHD_create_response_from_buffer(0, "",
						    MHD_RESPMEM_PERSISTENT);
		return r ? serve_queue(s, c, MHD_HTTP_OK, r,
				       "text/event-stream") :
			   MHD_NO;
	}
	sc = calloc(1, sizeof(*sc));
	if (!sc)
		return MHD_NO;
	sc->s = s;
	sc->f = (struct backlog_filter){ .kinds = q->kinds, .types = q->types };
	resync = backlog_start(&s->backlog,
			       q->seen & Q_LAST_ID ? &q->last_id : NULL,
			       &sc->after);
	if (resync &&
	    backlog_buf_add(&sc->pend, resync_frame, sizeof(resync_frame) - 1)) {
		free(sc);
		return MHD_NO;
	}
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, SSE_CHUNK,
					      sse_read, sc, sse_free);
	if (!r) {
		free(sc->pend.p);
		free(sc);
		return MHD_NO;
	}
	s->sse_clients++;
	MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT,
				  SSE_TIMEOUT_S);
	bound_sndbuf(c);
	return serve_queue(s, c, MHD_HTTP_OK, r, "text/event-stream");
}
