// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * notify.c - systemd's notify protocol for watch and serve (sd_notify(3),
 * done here rather than with libsystemd: one datagram per message to
 * $NOTIFY_SOCKET, a path or, with a leading '@', an abstract name).
 * READY=1 once the start sweep is out (the start sync: serve's /readyz
 * answers 200 from the same event, and its sink runs first); WATCHDOG=1
 * every WATCHDOG_USEC/2 while the agent's model can be locked, so that a
 * loop stuck holding it stops the pings; STOPPING=1 at the stop.
 * Without $NOTIFY_SOCKET nothing of it runs.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "agent_cli.h"

struct notify {
	int fd;
	struct sockaddr_un addr;
	socklen_t len;
	bool ready;
	struct agent *a;
	uint64_t wd_usec;	/* 0: no watchdog */
	pthread_t wd;
	bool wd_running;
	pthread_mutex_t lock;
	pthread_cond_t stop_cv;
	bool stop;
};

static struct notify n = {
	.fd = -1,
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.stop_cv = PTHREAD_COND_INITIALIZER,
};

static void send_msg(const char *msg)
{
	/* a manager that is gone is no reason to stop the agent */
	(void)sendto(n.fd, msg, strlen(msg), MSG_NOSIGNAL,
		     (struct sockaddr *)&n.addr, n.len);
}

/* The address of $NOTIFY_SOCKET: 0, or -EINVAL for one we cannot use. */
static int parse_addr(const char *path)
{
	size_t l = strlen(path);

	if (l < 2 || l >= sizeof(n.addr.sun_path) ||
	    (path[0] != '/' && path[0] != '@'))
		return -EINVAL;
	n.addr.sun_family = AF_UNIX;
	memcpy(n.addr.sun_path, path, l);
	if (path[0] == '@') {
		n.addr.sun_path[0] = '\0';
		n.len = offsetof(struct sockaddr_un, sun_path) + l;
	} else {
		n.len = offsetof(struct sockaddr_un, sun_path) + l + 1;
	}
	return 0;
}

/* WATCHDOG_USEC, if meant for us (WATCHDOG_PID unset or ours) */
static uint64_t watchdog_usec(void)
{
	const char *u = getenv("WATCHDOG_USEC"), *p = getenv("WATCHDOG_PID");
	char *end;
	unsigned long long v;

	if (!u || (p && strtol(p, NULL, 10) != getpid()))
		return 0;
	errno = 0;
	v = strtoull(u, &end, 10);
	return errno || *end || end == u ? 0 : v;
}

static int ready_sink(void *ctx, uint64_t seq, const struct wev *e)
{
	if (e && e->kind == WEV_SYNC && !n.ready) {
		n.ready = true;
		send_msg("READY=1\nSTATUS=start sweep done, following events");
	}
	return 0;
}

static void *watchdog(void *arg)
{
	struct timespec t;
	int64_t now;
	uint64_t half = n.wd_usec / 2;

	pthread_mutex_lock(&n.lock);
	while (!n.stop) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		t.tv_sec += half / 1000000;
		t.tv_nsec += (half % 1000000) * 1000;
		if (t.tv_nsec >= 1000000000) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000;
		}
		if (pthread_cond_timedwait(&n.stop_cv, &n.lock, &t) != ETIMEDOUT)
			continue;
		pthread_mutex_unlock(&n.lock);
		/*
		 * The agent's loop turned lately (it turns at least every
		 * 250 ms): it lives.  Lately: within the half period, or a
		 * second if that is shorter than a turn may take.
		 */
		clock_gettime(CLOCK_MONOTONIC, &t);
		now = t.tv_sec * 1000000000LL + t.tv_nsec;
		if (now - agent_heartbeat(n.a) <
		    ((int64_t)half * 1000 > 1000000000LL ?
		     (int64_t)half * 1000 : 1000000000LL))
			send_msg("WATCHDOG=1");
		pthread_mutex_lock(&n.lock);
	}
	pthread_mutex_unlock(&n.lock);
	return NULL;
}

int cli_notify_start(struct agent *a, const char *who)
{
	const char *path = getenv("NOTIFY_SOCKET");
	pthread_condattr_t ca;
	int err;

	if (!path)
		return 0;
	if (parse_addr(path)) {
		fprintf(stderr, "%s: NOTIFY_SOCKET=%s: not a socket address; "
			"not notifying\n", who, path);
		return 0;
	}
	n.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (n.fd < 0) {
		err = -errno;
		fprintf(stderr, "%s: notify socket: %s\n", who, strerror(-err));
		return err;
	}
	n.a = a;
	err = agent_subscribe(a, ready_sink, NULL);
	n.wd_usec = watchdog_usec();
	if (!err && n.wd_usec) {
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&n.stop_cv, &ca);
		pthread_condattr_destroy(&ca);
		err = -pthread_create(&n.wd, NULL, watchdog, NULL);
		n.wd_running = !err;
	}
	if (err)
		fprintf(stderr, "%s: notify: %s\n", who, strerror(-err));
	return err;
}

void cli_notify_stop(void)
{
	if (n.fd < 0)
		return;
	send_msg("STOPPING=1");
	if (n.wd_running) {
		pthread_mutex_lock(&n.lock);
		n.stop = true;
		pthread_cond_signal(&n.stop_cv);
		pthread_mutex_unlock(&n.lock);
		pthread_join(n.wd, NULL);
		n.wd_running = false;
	}
	close(n.fd);
	n.fd = -1;
}
