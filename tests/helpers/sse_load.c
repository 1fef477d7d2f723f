// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sse_load.c - N clients of `nsmon serve`'s /api/events in one process,
 * for scripts/bench-serve.sh and tests/integration/t_serve_load.sh: a
 * load client fast enough not to be what a benchmark measures (epoll,
 * non-blocking sockets, 256 KiB reads, a parser that looks only at the
 * lines a check needs: sse_parse.c).
 *
 *   sse_load [options] TARGET        TARGET: HOST:PORT, [ADDR6]:PORT or
 *                                    unix:PATH
 *   -n N        clients (1)
 *   -q QUERY    GET /api/events?QUERY
 *   -T FILE     Authorization: Bearer (the file's first line)
 *   -l SEQ      Last-Event-ID: SEQ (the first id due is SEQ + 1)
 *   -d SECS     stop after SECS (a stream's head may wait for its
 *               first frame: not counted from ready)
 *   -u SEQ      stop once every client has seen an id >= SEQ (or ended)
 *   -U FILE     the same, SEQ read from FILE once it holds one
 *   -j THREADS  reader threads (1), the clients dealt among them
 *   -L          latency: each event's data "time" (the kernel's, for the
 *               feed's events) against CLOCK_REALTIME when it was read
 *
 * Says `ready N` on stderr once every client has its 200 (N of them;
 * the rest failed); stops at SIGINT/SIGTERM, -d, -u/-U or when every
 * client ended, and prints one JSON object on stdout:
 *
 *   clients connected failed (no 200: refused, a bad head) dropped
 *   (closed by the server, not after a shutdown frame) shutdown gaps
 *   (clients with a gap or a repeat) missed (ids skipped, summed)
 *   resync lost (the most `lost` events one client got) pings bad
 *   (malformed frames or framing) reached (clients at -u's SEQ)
 *   gapless (connected, not dropped, no gap, no resync, and at SEQ with
 *   -u/-U) events_min events_max events_total bytes first_min
 *   first_max last_min last_max read_s (from ready to the stop)
 *   events_per_s (events_total / read_s / clients) latency_us {n p50
 *   p99 max} (-L) cpu_s (the client's own CPU time, user and system)
 *
 * Ids are checked to rise by one (every seq; with a type= or event=
 * filter in QUERY only to rise), after a resync only to rise.  Exit
 * status 0 when every client is gapless, 1 if not, 2 on bad usage.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "sse_parse.h"

#define READ_SIZE (256 * 1024)
#define LAT_BUCKETS 100000	/* 1 us each; beyond: counted, max kept */
#define NONE UINT64_MAX

enum { C_CONNECTING, C_SENT, C_STREAM, C_ENDED };

struct client {
	struct reader *r;
	int fd;
	int state;
	bool failed, dropped, shutdown, reached, resynced;
	uint64_t first, last, events, bytes;
	uint64_t gaps, missed, resync, lost, pings, bad;
	struct sse_parser p;
};

struct reader {
	pthread_t tid;
	int ep;
	struct client *c;
	size_t n;
	uint64_t lat_n, lat_over, lat_max;
	uint32_t *lat;
	char *buf;
};

static struct {
	struct sockaddr_storage addr;
	socklen_t addr_len;
	char req[1024];
	size_t req_len;
	bool dense;		/* every seq due: no filter */
	bool latency;
	uint64_t last_id;	/* -l, NONE: none */
	atomic_uint_fast64_t until;
	atomic_int stop;
	atomic_int ended;	/* clients ended or at until */
	atomic_int headed;	/* clients with their 200, or failed */
	atomic_int ok;		/* clients with their 200 */
} g = { .last_id = NONE };

static volatile sig_atomic_t signalled;

static void on_signal(int sig)
{
	signalled = sig;
}

static int64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void latency(struct client *c, const struct sse_frame *f)
{
	struct reader *r = c->r;
	const char *t;
	size_t tn;
	int64_t ns, us;

	t = sse_json_str(f->data, f->data_len, "time", &tn);
	if (!t || sse_time_ns(t, tn, &ns))
		return;
	us = (now_ns(CLOCK_REALTIME) - ns) / 1000;
	if (us < 0)
		us = 0;
	r->lat_n++;
	if ((uint64_t)us > r->lat_max)
		r->lat_max = (uint64_t)us;
	if (us < LAT_BUCKETS)
		r->lat[us]++;
	else
		r->lat_over++;
}

static void on_id(struct client *c, uint64_t id)
{
	uint64_t want = c->events ? c->last + 1 :
			g.last_id != NONE ? g.last_id + 1 : id;

	if (c->events && id <= c->last) {
		c->gaps++;
	} else if (id != want && (g.dense || id < want) && !c->resynced) {
		/* below want: an id at or before Last-Event-ID */
		c->gaps++;
		if (id > want)
			c->missed += id - want;
	}
	if (!c->events)
		c->first = id;
	c->last = id;
	c->events++;
	c->resynced = false;
}

static void on_frame(void *ctx, const struct sse_frame *f)
{
	struct client *c = ctx;

	if (!strcmp(f->event, "resync")) {
		c->resync++;
		c->resynced = true;
		return;
	}
	if (!strcmp(f->event, "shutdown")) {
		c->shutdown = true;
		return;
	}
	if (f->comment && !f->has_id && !f->event[0]) {
		c->pings++;
		return;
	}
	if (!f->has_id) {
		c->bad++;
		return;
	}
	on_id(c, f->id);
	if (!strcmp(f->event, "lost"))
		c->lost++;
	if (g.latency)
		latency(c, f);
}

static void end(struct client *c)
{
	if (c->state == C_ENDED)
		return;
	if (c->state != C_STREAM)
		atomic_fetch_add(&g.headed, 1);
	c->state = C_ENDED;
	epoll_ctl(c->r->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	atomic_fetch_add(&g.ended, 1);
}

static void check_until(struct client *c)
{
	if (c->state == C_STREAM && c->events &&
	    c->last >= atomic_load(&g.until)) {
		c->reached = true;
		end(c);
	}
}

static void on_connected(struct client *c)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) || err ||
	    send(c->fd, g.req, g.req_len, MSG_NOSIGNAL) != (ssize_t)g.req_len) {
		c->failed = true;
		end(c);
		return;
	}
	c->state = C_SENT;
	epoll_ctl(c->r->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void on_readable(struct client *c, char *buf)
{
	ssize_t n = read(c->fd, buf, READ_SIZE);
	int rc;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* a close by the server: dropped unless it said shutdown */
		if (c->state == C_STREAM)
			c->dropped = !c->shutdown;
		else
			c->failed = true;
		end(c);
		return;
	}
	c->bytes += (uint64_t)n;
	rc = sse_parser_feed(&c->p, buf, (size_t)n);
	if (c->state == C_SENT && c->p.state != SSE_HEAD && rc >= 0) {
		c->state = C_STREAM;
		atomic_fetch_add(&g.headed, 1);
		atomic_fetch_add(&g.ok, 1);
	}
	if (rc < 0) {
		if (c->state == C_STREAM)
			c->bad++;
		else
			c->failed = true;
		end(c);
	} else if (rc > 0) {
		c->dropped = !c->shutdown;
		end(c);
	} else {
		check_until(c);
	}
}

static int client_open(struct client *c)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };

	sse_parser_init(&c->p, on_frame, c);
	/* only the latency reads the data: a copy saved per event */
	c->p.keep_data = g.latency;
	c->fd = socket(g.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
			SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -errno;
	if (connect(c->fd, (struct sockaddr *)&g.addr, g.addr_len) &&
	    errno != EINPROGRESS) {
		close(c->fd);
		return -errno;
	}
	c->state = C_CONNECTING;
	if (epoll_ctl(c->r->ep, EPOLL_CTL_ADD, c->fd, &ev)) {
		close(c->fd);
		return -errno;
	}
	return 0;
}

static void *reader_run(void *arg)
{
	struct reader *r = arg;
	struct epoll_event ev[64];
	uint64_t until = NONE;
	size_t i;
	int n;

	while (!atomic_load(&g.stop)) {
		n = epoll_wait(r->ep, ev, 64, 50);
		for (int k = 0; k < n; k++) {
			struct client *c = ev[k].data.ptr;

			if (c->state == C_CONNECTING)
				on_connected(c);
			else if (c->state != C_ENDED)
				on_readable(c, r->buf);
		}
		/* a stop seq that came late: who is past it already */
		if (until != atomic_load(&g.until)) {
			until = atomic_load(&g.until);
			for (i = 0; i < r->n; i++)
				check_until(&r->c[i]);
		}
	}
	return NULL;
}

static int target(const char *t)
{
	struct sockaddr_un *un = (struct sockaddr_un *)&g.addr;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	char host[256];
	const char *colon = strrchr(t, ':');
	size_t hn;

	if (!strncmp(t, "unix:", 5)) {
		if (strlen(t + 5) >= sizeof(un->sun_path))
			return -EINVAL;
		un->sun_family = AF_UNIX;
		strcpy(un->sun_path, t + 5);
		g.addr_len = sizeof(*un);
		return 0;
	}
	if (!colon || colon == t)
		return -EINVAL;
	hn = (size_t)(colon - t);
	if (t[0] == '[' && colon[-1] == ']') {
		t++;
		hn -= 2;
	}
	if (hn >= sizeof(host))
		return -EINVAL;
	memcpy(host, t, hn);
	host[hn] = '\0';
	if (getaddrinfo(host, colon + 1, &hints, &ai))
		return -EINVAL;
	memcpy(&g.addr, ai->ai_addr, ai->ai_addrlen);
	g.addr_len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

/* The request every client sends. */
static int request(const char *query, const char *token_file)
{
	char token[512] = "", auth[600] = "", last[64] = "";
	FILE *f;
	int n;

	if (token_file) {
		f = fopen(token_file, "r");
		if (!f || !fgets(token, sizeof(token), f)) {
			if (f)
				fclose(f);
			return -EINVAL;
		}
		fclose(f);
		token[strcspn(token, "\r\n")] = '\0';
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s\r\n",
			 token);
	}
	if (g.last_id != NONE)
		snprintf(last, sizeof(last), "Last-Event-ID: %llu\r\n",
			 (unsigned long long)g.last_id);
	n = snprintf(g.req, sizeof(g.req),
		     "GET /api/events%s%s HTTP/1.1\r\nHost: nsmon\r\n"
		     "Accept: text/event-stream\r\n%s%s\r\n",
		     query ? "?" : "", query ? query : "", auth, last);
	if (n < 0 || (size_t)n >= sizeof(g.req))
		return -EINVAL;
	g.req_len = (size_t)n;
	g.dense = !query || (!strstr(query, "type=") && !strstr(query, "event="));
	return 0;
}

/* -U FILE: its number, once it has one */
static void poll_until_file(const char *path)
{
	unsigned long long v;
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	if (fscanf(f, "%llu", &v) == 1)
		atomic_store(&g.until, (uint64_t)v);
	fclose(f);
}

static uint64_t lat_q(struct reader *rs, int nr, uint64_t n, double q)
{
	uint64_t want = (uint64_t)(q * (double)(n - 1)) + 1, seen = 0;

	for (uint64_t us = 0; us < LAT_BUCKETS; us++) {
		for (int i = 0; i < nr; i++)
			seen += rs[i].lat[us];
		if (seen >= want)
			return us;
	}
	return UINT64_MAX;	/* beyond the buckets: the max says */
}

static void print_latency(struct reader *rs, int nr)
{
	uint64_t n = 0, max = 0, p50, p99;

	for (int i = 0; i < nr; i++) {
		n += rs[i].lat_n;
		if (rs[i].lat_max > max)
			max = rs[i].lat_max;
	}
	if (!n) {
		printf(",\"latency_us\":{\"n\":0}");
		return;
	}
	p50 = lat_q(rs, nr, n, 0.5);
	p99 = lat_q(rs, nr, n, 0.99);
	printf(",\"latency_us\":{\"n\":%llu,\"p50\":%llu,\"p99\":%llu,\"max\":%llu}",
	       (unsigned long long)n,
	       (unsigned long long)(p50 == UINT64_MAX ? max : p50),
	       (unsigned long long)(p99 == UINT64_MAX ? max : p99),
	       (unsigned long long)max);
}

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* The summary; true if every client is gapless. */
static bool summary(struct client *cs, int n, double secs, bool until,
		    struct reader *rs, int nr)
{
	uint64_t s[32] = { 0 };
	uint64_t emin = UINT64_MAX, emax = 0, fmin = UINT64_MAX, fmax = 0;
	uint64_t lmin = UINT64_MAX, lmax = 0, lost = 0;
	struct rusage ru;
	int i, gapless = 0;
	enum { CONN, FAIL, DROP, SHUT, GAPS, MISS, RESYNC, PINGS, BAD, REACH,
	       EVENTS, BYTES };

	for (i = 0; i < n; i++) {
		struct client *c = &cs[i];
		bool ok;

		s[CONN] += !c->failed;
		s[FAIL] += c->failed;
		s[DROP] += c->dropped;
		s[SHUT] += c->shutdown;
		s[GAPS] += !!c->gaps;
		s[MISS] += c->missed;
		s[RESYNC] += c->resync;
		s[PINGS] += c->pings;
		s[BAD] += c->bad;
		s[REACH] += c->reached;
		s[EVENTS] += c->events;
		s[BYTES] += c->bytes;
		lost = MAX(lost, c->lost);
		emin = MIN(emin, c->events);
		emax = MAX(emax, c->events);
		if (c->events) {
			fmin = MIN(fmin, c->first);
			fmax = MAX(fmax, c->first);
			lmin = MIN(lmin, c->last);
			lmax = MAX(lmax, c->last);
		}
		ok = !c->failed && !c->dropped && !c->gaps && !c->resync &&
		     !c->bad && (!until || c->reached);
		gapless += ok;
	}
	if (fmin == UINT64_MAX)
		fmin = lmin = 0;
	printf("{\"clients\":%d,\"connected\":%llu,\"failed\":%llu,"
	       "\"dropped\":%llu,\"shutdown\":%llu,\"gaps\":%llu,"
	       "\"missed\":%llu,\"resync\":%llu,\"lost\":%llu,\"pings\":%llu,"
	       "\"bad\":%llu,\"reached\":%llu,\"gapless\":%d,",
	       n, (unsigned long long)s[CONN], (unsigned long long)s[FAIL],
	       (unsigned long long)s[DROP], (unsigned long long)s[SHUT],
	       (unsigned long long)s[GAPS], (unsigned long long)s[MISS],
	       (unsigned long long)s[RESYNC], (unsigned long long)lost,
	       (unsigned long long)s[PINGS], (unsigned long long)s[BAD],
	       (unsigned long long)s[REACH], gapless);
	printf("\"events_min\":%llu,\"events_max\":%llu,\"events_total\":%llu,"
	       "\"bytes\":%llu,\"first_min\":%llu,\"first_max\":%llu,"
	       "\"last_min\":%llu,\"last_max\":%llu,\"read_s\":%.3f,"
	       "\"events_per_s\":%.0f",
	       (unsigned long long)(n ? emin : 0), (unsigned long long)emax,
	       (unsigned long long)s[EVENTS], (unsigned long long)s[BYTES],
	       (unsigned long long)fmin, (unsigned long long)fmax,
	       (unsigned long long)lmin, (unsigned long long)lmax, secs,
	       secs > 0 && n ? (double)s[EVENTS] / secs / n : 0.0);
	if (g.latency)
		print_latency(rs, nr);
	/* whether the client could have been the limit: its CPU time */
	getrusage(RUSAGE_SELF, &ru);
	printf(",\"cpu_s\":%.3f}\n",
	       (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	return gapless == n;
}

static void usage(void)
{
	fprintf(stderr, "usage: sse_load [-n N] [-q QUERY] [-T TOKENFILE] "
			"[-l SEQ] [-d SECS] [-u SEQ | -U FILE] [-j THREADS] "
			"[-L] HOST:PORT|[ADDR6]:PORT|unix:PATH\n");
	exit(2);
}

/*
 * The controller's loop: until a signal, -d, -u/-U, or every client
 * ended; the seconds from ready (or the start) to then.
 */
static double wait_end(int n, double dur, const char *until_file)
{
	struct timespec tick = { 0, 20 * 1000000 };
	bool ready = false;
	int64_t start = now_ns(CLOCK_MONOTONIC), t0 = start, t;

	for (;;) {
		nanosleep(&tick, NULL);
		t = now_ns(CLOCK_MONOTONIC);
		if (!ready && atomic_load(&g.headed) >= n) {
			ready = true;
			t0 = t;
			fprintf(stderr, "ready %d\n", atomic_load(&g.ok));
		}
		if (until_file)
			poll_until_file(until_file);
		if (signalled || atomic_load(&g.ended) >= n ||
		    (dur > 0 && (double)(t - start) / 1e9 >= dur))
			break;
	}
	atomic_store(&g.stop, 1);
	return (double)(t - t0) / 1e9;
}

int main(int argc, char **argv)
{
	const char *query = NULL, *token = NULL, *until_file = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	struct reader *rs;
	struct client *cs;
	sigset_t block, old;
	double dur = 0, secs;
	int n = 1, nr = 1, o, i;
	bool ok;

	atomic_store(&g.until, NONE);
	while ((o = getopt(argc, argv, "n:q:T:l:d:u:U:j:L")) != -1) {
		switch (o) {
		case 'n': n = atoi(optarg); break;
		case 'q': query = optarg; break;
		case 'T': token = optarg; break;
		case 'l': g.last_id = strtoull(optarg, NULL, 10); break;
		case 'd': dur = atof(optarg); break;
		case 'u': atomic_store(&g.until, strtoull(optarg, NULL, 10)); break;
		case 'U': until_file = optarg; break;
		case 'j': nr = atoi(optarg); break;
		case 'L': g.latency = true; break;
		default: usage();
		}
	}
	if (optind != argc - 1 || n < 1 || nr < 1 || nr > n)
		usage();
	if (target(argv[optind]) || request(query, token)) {
		fprintf(stderr, "sse_load: bad target or token file\n");
		return 2;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	cs = calloc((size_t)n, sizeof(*cs));
	rs = calloc((size_t)nr, sizeof(*rs));
	if (!cs || !rs)
		return 1;
	/* the readers take no signal: the controller does */
	sigfillset(&block);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (i = 0; i < nr; i++) {
		struct reader *r = &rs[i];

		r->ep = epoll_create1(EPOLL_CLOEXEC);
		r->buf = malloc(READ_SIZE);
		r->lat = g.latency ? calloc(LAT_BUCKETS, sizeof(*r->lat)) : NULL;
		/* a slice of the clients each */
		r->c = cs + (size_t)n * i / nr;
		r->n = (size_t)n * (i + 1) / nr - (size_t)n * i / nr;
		if (r->ep < 0 || !r->buf || (g.latency && !r->lat))
			return 1;
		for (size_t k = 0; k < r->n; k++) {
			r->c[k].r = r;
			if (client_open(&r->c[k])) {
				r->c[k].failed = true;
				r->c[k].state = C_ENDED;
				atomic_fetch_add(&g.headed, 1);
				atomic_fetch_add(&g.ended, 1);
			}
		}
		if (pthread_create(&r->tid, NULL, reader_run, r))
			return 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	secs = wait_end(n, dur, until_file);
	for (i = 0; i < nr; i++)
		pthread_join(rs[i].tid, NULL);
	ok = summary(cs, n, secs, atomic_load(&g.until) != NONE || until_file,
		     rs, nr);
	for (i = 0; i < n; i++)
		if (cs[i].state != C_ENDED)
			close(cs[i].fd);
	for (i = 0; i < nr; i++) {
		close(rs[i].ep);
		free(rs[i].buf);
		free(rs[i].lat);
	}
	free(cs);
	free(rs);
	return ok ? 0 : 1;
}
