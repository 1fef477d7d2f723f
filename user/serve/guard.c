// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * guard.c - the headers' deadline.  libmicrohttpd tells us of each
 * connection (MHD_OPTION_NOTIFY_CONNECTION: started, closed), of each
 * request's end (MHD_OPTION_NOTIFY_COMPLETED) and, through the handler,
 * of each request whose headers are all in; a thread looks twice a
 * second for connections past their deadline and shuts their socket
 * down, which ends the read of the connection's own thread (it sees the
 * end of the stream) and so the connection, by libmicrohttpd's own path.
 *
 * The socket is shut down under the guard's lock, and the "closed"
 * notification, which libmicrohttpd sends before it closes the socket,
 * takes the connection off the list under the same lock: the fd shut
 * down is never one already closed and reused.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "guard.h"

/* how often the watchdog looks */
#define GUARD_TICK_MS 500

struct gconn {
	struct gconn *prev, *next;
	struct guard *g;
	int fd;
	int64_t deadline;	/* CLOCK_MONOTONIC ns; 0: a request is in */
};

struct guard {
	pthread_mutex_t lock;
	pthread_cond_t stop_cv;	/* CLOCK_MONOTONIC */
	bool stop;
	struct gconn head;	/* the list's sentinel */
	pthread_t thread;
	atomic_ulong cut;
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t due(void)
{
	return now_ns() + GUARD_HEADERS_S * 1000000000LL;
}

static struct gconn *gconn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *i;

	i = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return i ? i->socket_context : NULL;
}

static void set_deadline(struct MHD_Connection *c, int64_t when)
{
	struct gconn *gc = gconn_of(c);

	if (!gc)
		return;
	pthread_mutex_lock(&gc->g->lock);
	gc->deadline = when;
	pthread_mutex_unlock(&gc->g->lock);
}

void guard_headers(struct MHD_Connection *c)
{
	set_deadline(c, 0);
}

void guard_completed(void *cls, struct MHD_Connection *c, void **con_cls,
		     enum MHD_RequestTerminationCode toe)
{
	set_deadline(c, due());
}

static void add(struct guard *g, struct MHD_Connection *c, void **ctx)
{
	const union MHD_ConnectionInfo *i;
	struct gconn *gc;

	i = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	gc = calloc(1, sizeof(*gc));
	/* no memory: this connection goes unguarded, not refused */
	if (!gc || !i) {
		free(gc);
		return;
	}
	gc->g = g;
	gc->fd = i->connect_fd;
	gc->deadline = due();
	pthread_mutex_lock(&g->lock);
	gc->next = g->head.next;
	gc->prev = &g->head;
	gc->next->prev = gc;
	g->head.next = gc;
	pthread_mutex_unlock(&g->lock);
	*ctx = gc;
}

void guard_notify(void *cls, struct MHD_Connection *c, void **socket_context,
		  enum MHD_ConnectionNotificationCode toe)
{
	struct guard *g = cls;
	struct gconn *gc = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		add(g, c, socket_context);
		return;
	}
	if (!gc)
		return;
	pthread_mutex_lock(&g->lock);
	gc->prev->next = gc->next;
	gc->next->prev = gc->prev;
	pthread_mutex_unlock(&g->lock);
	free(gc);
	*socket_context = NULL;
}

/* With the lock held: shuts down every connection past its deadline. */
static void cut_late(struct guard *g)
{
	int64_t now = now_ns();
	struct gconn *gc;

	for (gc = g->head.next; gc != &g->head; gc = gc->next) {
		if (!gc->deadline || gc->deadline > now)
			continue;
		gc->deadline = 0;
		shutdown(gc->fd, SHUT_RDWR);
		g->cut++;
	}
}

static void *watch(void *arg)
{
	struct guard *g = arg;
	struct timespec ts;

	pthread_mutex_lock(&g->lock);
	while (!g->stop) {
		cut_late(g);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += GUARD_TICK_MS * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&g->stop_cv, &g->lock, &ts);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

int guard_new(struct guard **out)
{
	struct guard *g = calloc(1, sizeof(*g));
	pthread_condattr_t ca;
	int err;

	if (!g)
		return -ENOMEM;
	pthread_mutex_init(&g->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g->stop_cv, &ca);
	pthread_condattr_destroy(&ca);
	g->head.next = g->head.prev = &g->head;
	err = pthread_create(&g->thread, NULL, watch, g);
	if (err) {
		pthread_cond_destroy(&g->stop_cv);
		pthread_mutex_destroy(&g->lock);
		free(g);
		return -err;
	}
	*out = g;
	return 0;
}

void guard_free(struct guard *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	g->stop = true;
	pthread_cond_signal(&g->stop_cv);
	pthread_mutex_unlock(&g->lock);
	pthread_join(g->thread, NULL);
	pthread_cond_destroy(&g->stop_cv);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

uint64_t guard_cut(const struct guard *g)
{
	return g->cut;
}
