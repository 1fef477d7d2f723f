// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_engine_events.c - the parser of one line of an engine's event
 * stream (ee_parse in user/agent/engine_events.c): events as Docker and
 * podman send them, those it leaves out, and garbage.  And the Docker
 * client under it (nsm_dk_* in discovery/engines/docker.c) against a
 * scripted engine on a unix socket, in a thread: lines split across
 * chunks, an inspect that is answered late while the stream goes on,
 * one that is refused, the end of a stream, a socket that is not there.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "engine_events.h"

static const char ev_start[] =
	"{\"status\":\"start\",\"id\":\"5f8f669bc219fb5538c8b24c2d9b6f0b51fdee3263c19b41439afaad6cadf8eb\","
	"\"from\":\"nsmon-test/busybox\",\"Type\":\"container\",\"Action\":\"start\","
	"\"Actor\":{\"ID\":\"5f8f669bc219fb5538c8b24c2d9b6f0b51fdee3263c19b41439afaad6cadf8eb\","
	"\"Attributes\":{\"image\":\"nsmon-test/busybox\",\"name\":\"web\"}},"
	"\"scope\":\"local\",\"time\":1795500000,\"timeNano\":1795500000123456789}";

static int parse(const char *line, struct ee_event *e, cJSON **doc)
{
	return ee_parse(line, strlen(line), e, doc);
}

static void test_parse(void **state)
{
	struct ee_event e;
	cJSON *doc = NULL;
	char buf[1024];

	assert_int_equal(parse(ev_start, &e, &doc), 1);
	assert_string_equal(e.action, "start");
	assert_string_equal(e.id, "5f8f669bc219fb5538c8b24c2d9b6f0b51fdee3263c19b41439afaad6cadf8eb");
	assert_string_equal(e.name, "web");
	cJSON_Delete(doc);

	/* die is the one stop; Docker's own stop and kill are not */
	assert_int_equal(parse("{\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"ID\":\"ab12\",\"Attributes\":{\"exitCode\":\"137\",\"name\":\"db\"}}}", &e, &doc), 1);
	assert_string_equal(e.action, "stop");
	assert_string_equal(e.name, "db");
	cJSON_Delete(doc);
	assert_int_equal(parse("{\"Type\":\"container\",\"Action\":\"stop\",\"Actor\":{\"ID\":\"ab12\"}}", &e, &doc), 0);
	cJSON_Delete(doc);
	assert_int_equal(parse("{\"Type\":\"container\",\"Action\":\"kill\",\"Actor\":{\"ID\":\"ab12\"}}", &e, &doc), 0);
	cJSON_Delete(doc);
	assert_int_equal(parse("{\"Type\":\"container\",\"Action\":\"pause\",\"Actor\":{\"ID\":\"ab12\"}}", &e, &doc), 1);
	assert_string_equal(e.action, "pause");
	assert_null(e.name);
	cJSON_Delete(doc);
	/* an old engine: status and id only */
	assert_int_equal(parse("{\"status\":\"unpause\",\"id\":\"cd34\"}", &e, &doc), 1);
	assert_string_equal(e.action, "unpause");
	assert_string_equal(e.id, "cd34");
	cJSON_Delete(doc);
	/* podman's compat API says died */
	assert_int_equal(parse("{\"Type\":\"container\",\"Action\":\"died\",\"Actor\":{\"ID\":\"ab12\"}}", &e, &doc), 1);
	assert_string_equal(e.action, "stop");
	cJSON_Delete(doc);
	/* other types, other actions, ids that are no ids */
	assert_int_equal(parse("{\"Type\":\"network\",\"Action\":\"start\",\"Actor\":{\"ID\":\"ab12\"}}", &e, &doc), 0);
	cJSON_Delete(doc);
	assert_int_equal(parse("{\"Type\":\"container\",\"Action\":\"exec_start: sh\",\"Actor\":{\"ID\":\"ab12\"}}", &e, &doc), 0);
	cJSON_Delete(doc);
	assert_int_equal(parse("{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"../x\"}}", &e, &doc), 0);
	cJSON_Delete(doc);
	assert_int_equal(parse("{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":7}}", &e, &doc), 0);
	cJSON_Delete(doc);
	memset(buf, 'a', sizeof(buf));
	memcpy(buf, "{\"Action\":\"start\",\"id\":\"", 24);
	memcpy(buf + 24 + 200, "\"}", 3);
	assert_int_equal(parse(buf, &e, &doc), 0);
	cJSON_Delete(doc);
	/* garbage */
	assert_int_equal(parse("<html>this is not JSON", &e, &doc), -EBADMSG);
	assert_null(doc);
	assert_int_equal(parse("[1,2]", &e, &doc), -EBADMSG);
	assert_null(doc);
	assert_int_equal(parse("{\"Type\":", &e, &doc), -EBADMSG);
	assert_null(doc);
}

/* ------------------------------------------------ the Docker client */

/* The scripted engine: one thread per connection, steered by ctl. */
struct engine {
	char path[108];
	int lfd;
	int ctl[2];		/* the test writes 'd' (one more line), 'e' (end) */
	int answer[2];		/* the test writes one byte: answer the inspect */
	pthread_t accept;
};

struct got {
	char lines[1024];
	size_t nlines;
	int opened;
	pid_t peer;
	int end_err;		/* 1: not yet */
	int insp_err;		/* 1: not yet */
	char insp_name[64];
	pid_t insp_pid;
};

/* The engine's threads abort on a failure: cmocka's asserts are not
 * for threads of their own. */
static void put(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		abort();
}

static void chunk(int fd, const char *s)
{
	char head[32];

	snprintf(head, sizeof(head), "%zx\r\n", strlen(s));
	put(fd, head);
	put(fd, s);
	put(fd, "\r\n");
}

struct conn_arg {
	struct engine *en;
	int fd;
};

static const char late[] = "{\"Name\":\"/late\",\"State\":{\"Pid\":4242}}";

static void *serve_conn(void *arg)
{
	struct conn_arg *ca = arg;
	struct engine *en = ca->en;
	char req[1024] = "", c;
	size_t n = 0;
	int fd = ca->fd;

	free(ca);
	while (n < sizeof(req) - 1 && read(fd, req + n, 1) == 1) {
		n++;
		if (n >= 4 && !memcmp(req + n - 4, "\r\n\r\n", 4))
			break;
	}
	req[n] = 0;
	if (!strncmp(req, "GET /events?", 12)) {
		put(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			"Transfer-Encoding: chunked\r\n\r\n");
		/* a line across two chunks, one with a CR, an empty one */
		chunk(fd, "{\"a\":");
		chunk(fd, "1}\n{\"b\":2}\r\n\n{\"c\"");
		chunk(fd, ":3}\n");
		while (read(en->ctl[0], &c, 1) == 1 && c == 'd')
			chunk(fd, "{\"d\":4}\n");
		put(fd, "0\r\n\r\n");
	} else if (!strncmp(req, "GET /containers/aa/json ", 24)) {
		/* a slow engine: it answers when the test says so */
		if (read(en->answer[0], &c, 1) != 1)
			abort();
		snprintf(req, sizeof(req),
			 "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s",
			 strlen(late), late);
		put(fd, req);
	} else {
		put(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}");
	}
	close(fd);
	return NULL;
}

static void *accept_loop(void *arg)
{
	struct engine *en = arg;
	pthread_t t;
	int fd;

	while ((fd = accept(en->lfd, NULL, NULL)) >= 0) {
		struct conn_arg *ca = malloc(sizeof(*ca));

		if (!ca)
			abort();
		ca->en = en;
		ca->fd = fd;
		if (pthread_create(&t, NULL, serve_conn, ca))
			abort();
		pthread_detach(t);
	}
	return NULL;
}

static void engine_start(struct engine *en)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	snprintf(en->path, sizeof(en->path), "/tmp/nsmon-test-dk-%d.sock",
		 (int)getpid());
	unlink(en->path);
	strcpy(a.sun_path, en->path);
	en->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(en->lfd >= 0);
	assert_int_equal(bind(en->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(en->lfd, 8), 0);
	assert_int_equal(pipe(en->ctl), 0);
	assert_int_equal(pipe(en->answer), 0);
	assert_int_equal(pthread_create(&en->accept, NULL, accept_loop, en), 0);
}

static void engine_stop(struct engine *en)
{
	shutdown(en->lfd, SHUT_RDWR);
	pthread_join(en->accept, NULL);
	close(en->lfd);
	/* the connections' threads are done: their streams ended, answered */
	close(en->ctl[0]);
	close(en->ctl[1]);
	close(en->answer[0]);
	close(en->answer[1]);
	unlink(en->path);
}

static void on_open(void *tag, pid_t peer)
{
	struct got *g = tag;

	g->opened++;
	g->peer = peer;
}

static int on_line(void *tag, const char *line, size_t len)
{
	struct got *g = tag;
	size_t n = strlen(g->lines);

	assert_null(memchr(line, '\n', len));
	assert_true(n + len + 2 < sizeof(g->lines));
	memcpy(g->lines + n, line, len);
	memcpy(g->lines + n + len, "|", 2);
	g->nlines++;
	return 0;
}

static void on_end(void *tag, int err, const char *why)
{
	struct got *g = tag;

	assert_non_null(why);
	g->end_err = err;
}

static void on_inspect(void *tag, int err, const char *name, pid_t pid)
{
	struct got *g = tag;

	g->insp_err = err;
	if (!err)
		snprintf(g->insp_name, sizeof(g->insp_name), "%s", name);
	g->insp_pid = pid;
}

static const struct nsm_dk_stream_ops ops = {
	.open = on_open, .line = on_line, .end = on_end,
};

/* One turn of the agent's loop, as the client expects it. */
static void step(struct nsm_dk *dk)
{
	struct pollfd p[8];
	int n;

	nsm_dk_tick(dk);
	n = nsm_dk_pollfds(dk, p, 8);
	if (poll(p, n, 10) > 0)
		nsm_dk_ready(dk, p, n);
}

/* Turns of the loop until cond holds (5 s at most). */
#define WAIT_FOR(dk, cond)                                              \
	do {                                                            \
		int i_;                                                 \
		for (i_ = 0; i_ < 500 && !(cond); i_++)                 \
			step(dk);                                       \
		assert_true(cond);                                      \
	} while (0)

static void test_docker_client(void **state)
{
	struct got g = { .end_err = 1, .insp_err = 1 }, g2 = g, g3 = g;
	struct nsm_dk *dk = nsm_dk_new();
	struct engine en;
	/* inside a root: "/" as a process's would be (nsm_root_open()) */
	struct nsm_engine e = { .kind = NSM_ENGINE_DOCKER, .fd = -1 };
	struct nsm_engine none = { .kind = NSM_ENGINE_DOCKER, .fd = -1,
				   .root = AT_FDCWD,
				   .path = "/nonexistent/nsmon.sock" };

	assert_non_null(dk);
	engine_start(&en);
	e.path = en.path;
	e.root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(e.root >= 0);
	assert_int_equal(nsm_dk_events(dk, &e, 0, &ops, &g), 0);
	/* callbacks come from tick and ready, never from the start calls */
	assert_int_equal(g.opened, 0);
	WAIT_FOR(dk, g.nlines == 3);
	assert_string_equal(g.lines, "{\"a\":1}|{\"b\":2}|{\"c\":3}|");
	assert_int_equal(g.opened, 1);
	assert_int_equal(g.peer, getpid());

	/* an inspect out: the stream goes on meanwhile */
	assert_int_equal(nsm_dk_inspect(dk, &e, "aa", 5000, on_inspect,
					&g2), 0);
	assert_int_equal(nsm_dk_inspect(dk, &e, "bb", 5000, on_inspect,
					&g3), 0);
	assert_int_equal(write(en.ctl[1], "d", 1), 1);
	WAIT_FOR(dk, g.nlines == 4 && g3.insp_err != 1);
	assert_int_equal(g2.insp_err, 1);	/* not yet answered */
	assert_int_equal(g3.insp_err, -ENOENT);
	assert_int_equal(write(en.answer[1], "x", 1), 1);
	WAIT_FOR(dk, g2.insp_err != 1);
	assert_int_equal(g2.insp_err, 0);
	assert_string_equal(g2.insp_name, "late");
	assert_int_equal(g2.insp_pid, 4242);

	/* the engine ends the stream */
	assert_int_equal(write(en.ctl[1], "e", 1), 1);
	WAIT_FOR(dk, g.end_err != 1);
	assert_int_equal(g.end_err, -EPIPE);
	assert_string_equal(g.lines, "{\"a\":1}|{\"b\":2}|{\"c\":3}|{\"d\":4}|");

	/* no such socket: said at once, and no callback */
	g = (struct got){ .end_err = 1 };
	assert_int_equal(nsm_dk_events(dk, &none, 0, &ops, &g), -ENOENT);
	step(dk);
	assert_int_equal(g.end_err, 1);
	assert_int_equal(g.opened, 0);
	assert_int_equal(nsm_dk_inspect(dk, &e, "../x", 5000, on_inspect,
					&g2), -EINVAL);
	nsm_dk_free(dk);
	close(e.root);
	engine_stop(&en);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_docker_client),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
