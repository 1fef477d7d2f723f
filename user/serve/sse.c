// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sse.c - /api/events: server-sent events from the backlog.  Each client
 * reads at its own position; one that falls a whole backlog behind (it
 * does not read, and the agent went on) has lost events it can never
 * get: it is dropped and counted, and resumes with Last-Event-ID into a
 * resync.  No other client and not the agent wait for it.
 *
 * A client with nothing to send is parked: its connection is suspended
 * (libmicrohttpd's polling threads then skip it) and put on a list, and
 * one thread, the resumer, waits on the backlog and resumes the parked
 * clients when an event comes, a ping is due, or the service stops.  A
 * thread per client would wake them all too, at a context switch each.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "agent_time.h"
#include "serve_int.h"

/* how often the resumer looks for pings due, with no event */
#define RESUME_TICK_MS 1000

struct sse_client {
	struct serve *s;
	struct MHD_Connection *conn;
	struct backlog_filter f;
	struct backlog_pos pos;	/* in the backlog */
	/* a frame of our own (resync, ping, shutdown): its bytes not sent */
	const char *say;
	size_t say_len;
	int64_t sent_ns;	/* CLOCK_MONOTONIC: the last bytes made */
	struct sse_client *prev, *next;	/* parked: in s->park */
	bool parked;
	bool ended;		/* the shutdown frame is said */
	bool dropped;		/* counted in sse_dropped */
};

static const char resync_frame[] =
	"event: resync\ndata: {\"reason\":\"backlog\"}\n\n";
static const char shutdown_frame[] = "event: shutdown\ndata: {}\n\n";
static const char ping_frame[] = ": ping\n\n";

/*
 * Suspends c's connection, on the park's list, unless an event came or
 * the service stopped since c looked: -EAGAIN, look again.  With the
 * park's lock held across the check and the suspend, the resumer, which
 * takes it after the backlog moved, finds c parked.
 */
static int park(struct sse_client *c)
{
	struct sse_park *p = &c->s->park;
	bool first;

	pthread_mutex_lock(&p->lock);
	if (p->closed || backlog_last(&c->s->backlog) > c->pos.after) {
		pthread_mutex_unlock(&p->lock);
		return -EAGAIN;
	}
	c->next = p->head;
	c->prev = NULL;
	if (p->head)
		p->head->prev = c;
	p->head = c;
	c->parked = true;
	MHD_suspend_connection(c->conn);
	/* the first one parked: the resumer waits for events again */
	first = atomic_fetch_add(&p->parked, 1) == 0;
	pthread_mutex_unlock(&p->lock);
	if (first)
		backlog_poke(&c->s->backlog);
	return 0;
}

/* With the park's lock held. */
static void unpark(struct sse_park *p, struct sse_client *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		p->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->parked = false;
	atomic_fetch_sub(&p->parked, 1);
}

static void say(struct sse_client *c, const char *frame, size_t len)
{
	c->say = frame;
	c->say_len = len;
}

/*
 * Into buf: what is left of our own frame, else events straight from the
 * backlog, else the end, else a ping when one is due; else parks c: 0,
 * and libmicrohttpd calls again once c is resumed.
 */
static ssize_t sse_read(void *cls, uint64_t at, char *buf, size_t max)
{
	struct sse_client *c = cls;
	struct backlog *b = &c->s->backlog;
	ssize_t n;

	for (;;) {
		if (c->say_len) {
			n = c->say_len < max ? c->say_len : max;
			memcpy(buf, c->say, n);
			c->say += n;
			c->say_len -= n;
			break;
		}
		if (c->ended)
			return MHD_CONTENT_READER_END_OF_STREAM;
		n = backlog_read(b, &c->pos, &c->f, buf, max);
		if (n == -ESTALE) {
			c->dropped = true;
			c->s->sse_dropped++;
			return MHD_CONTENT_READER_END_WITH_ERROR;
		}
		/* out of memory for a packed block's copy: the stream ends */
		if (n < 0)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		if (n)
			break;
		if (backlog_closed(b)) {
			c->ended = true;
			say(c, shutdown_frame, sizeof(shutdown_frame) - 1);
		} else if (agent_mono_ns() - c->sent_ns >=
			   SSE_PING_MS * 1000000LL) {
			say(c, ping_frame, sizeof(ping_frame) - 1);
		} else if (!park(c)) {
			return 0;
		}
	}
	c->sent_ns = agent_mono_ns();
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
	struct sse_park *p = &c->s->park;

	/* a suspended connection goes only with its daemon */
	pthread_mutex_lock(&p->lock);
	if (c->parked)
		unpark(p, c);
	pthread_mutex_unlock(&p->lock);
	backlog_leave(&c->s->backlog, &c->pos);

	if (!c->dropped && !c->ended &&
	    backlog_passed(&c->s->backlog, c->pos.after))
		c->s->sse_dropped++;
	c->s->sse_clients--;
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
	sc->conn = c;
	sc->sent_ns = agent_mono_ns();
	sc->f = (struct backlog_filter){ .kinds = q->kinds, .types = q->types };
	resync = backlog_start(&s->backlog,
			       q->seen & Q_LAST_ID ? &q->last_id : NULL,
			       &sc->pos.after);
	if (resync)
		say(sc, resync_frame, sizeof(resync_frame) - 1);
	backlog_join(&s->backlog, &sc->pos);
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, SSE_CHUNK,
					      sse_read, sc, sse_free);
	if (!r) {
		backlog_leave(&s->backlog, &sc->pos);
		free(sc);
		return MHD_NO;
	}
	s->sse_clients++;
	MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT,
				  SSE_TIMEOUT_S);
	bound_sndbuf(c);
	return serve_queue(s, c, MHD_HTTP_OK, r, "text/event-stream");
}

/* Resumes the parked clients that have something to send. */
static void resume_due(struct sse_park *p, uint64_t last, bool closed)
{
	int64_t ping = agent_mono_ns() - SSE_PING_MS * 1000000LL;
	struct sse_client *c, *next;

	pthread_mutex_lock(&p->lock);
	p->closed = closed;
	for (c = p->head; c; c = next) {
		next = c->next;
		if (!closed && c->pos.after >= last && c->sent_ns > ping)
			continue;
		unpark(p, c);
		MHD_resume_connection(c->conn);
	}
	pthread_mutex_unlock(&p->lock);
}

static void *resumer(void *arg)
{
	struct serve *s = arg;
	uint64_t last = 0;
	bool closed = false;

	bool idle;

	while (!closed) {
		idle = backlog_wait(&s->backlog, last, RESUME_TICK_MS,
				    &s->park.parked) ==
		       -ETIMEDOUT;
		last = backlog_last(&s->backlog);
		closed = backlog_closed(&s->backlog);
		resume_due(&s->park, last, closed);
		/*
		 * After the clients are resumed, never before them: a block
		 * at each wake while events come (they come faster than
		 * blocks fill), every one the clients are past when idle.
		 */
		while (!closed && backlog_pack(&s->backlog) && idle)
			;
	}
	return NULL;
}

int sse_start(struct serve *s)
{
	struct sse_park *p = &s->park;
	int err;

	pthread_mutex_init(&p->lock, NULL);
	err = -pthread_create(&p->thread, NULL, resumer, s);
	p->started = !err;
	return err;
}

/* After backlog_close(): the resumer resumes every parked client, ends. */
void sse_stop(struct serve *s)
{
	if (!s->park.started)
		return;
	pthread_join(s->park.thread, NULL);
	s->park.started = false;
}
