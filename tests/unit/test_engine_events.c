// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_engine_events.c - the reader of an engine's event stream
 * (user/agent/http_stream.c) on fixture streams as Docker sends them, whole and
 * a byte at a time, and on malformed ones; and the parser of one event
 * (ee_parse in user/agent/engine_events.c).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "engine_events.h"
#include "http_stream.h"

struct lines {
	char all[4096];
	size_t n, count;
};

static void on_line(void *ctx, const char *line, size_t len)
{
	struct lines *l = ctx;

	assert_null(memchr(line, '\n', len));
	assert_true(l->n + len + 1 < sizeof(l->all));
	memcpy(l->all + l->n, line, len);
	l->n += len;
	l->all[l->n++] = '|';
	l->all[l->n] = 0;
	l->count++;
}

static const char docker_head[] =
	"HTTP/1.1 200 OK\r\n"
	"Api-Version: 1.50\r\n"
	"Content-Type: application/json\r\n"
	"Docker-Experimental: false\r\n"
	"Ostype: linux\r\n"
	"Server: Docker/28.2.2 (linux)\r\n"
	"Date: Tue, 24 Nov 2026 06:31:22 GMT\r\n"
	"Transfer-Encoding: chunked\r\n"
	"\r\n";

static const char ev_start[] =
	"{\"status\":\"start\",\"id\":\"5f8f669bc219fb5538c8b24c2d9b6f0b51fdee3263c19b41439afaad6cadf8eb\","
	"\"from\":\"nsmon-test/busybox\",\"Type\":\"container\",\"Action\":\"start\","
	"\"Actor\":{\"ID\":\"5f8f669bc219fb5538c8b24c2d9b6f0b51fdee3263c19b41439afaad6cadf8eb\","
	"\"Attributes\":{\"image\":\"nsmon-test/busybox\",\"name\":\"web\"}},"
	"\"scope\":\"local\",\"time\":1795500000,\"timeNano\":1795500000123456789}";

/* A chunked stream of two events, a chunk split mid-line, and the end. */
static size_t docker_stream(char *buf, size_t size)
{
	size_t len = strlen(ev_start);

	return snprintf(buf, size, "%s%zx\r\n%s\n\r\n4\r\n{\"a\"\r\n3;x=y\r\n:1}\r\n1\r\n\n\r\n0\r\n\r\n",
			docker_head, len + 1, ev_start);
}

static void test_chunked_whole_and_bytewise(void **state)
{
	char buf[4096], want[2048];
	struct hs *s = malloc(sizeof(*s));
	struct lines a = { 0 }, b = { 0 };
	size_t n = docker_stream(buf, sizeof(buf)), i;
	int r = 0;

	assert_non_null(s);
	hs_init(s);
	assert_int_equal(hs_feed(s, buf, n, on_line, &a), 1);
	assert_int_equal(s->status, 200);
	assert_true(s->chunked);
	snprintf(want, sizeof(want), "%s|{\"a\":1}|", ev_start);
	assert_string_equal(a.all, want);
	assert_int_equal(a.count, 2);
	hs_init(s);
	for (i = 0; i < n; i++) {
		r = hs_feed(s, buf + i, 1, on_line, &b);
		assert_int_equal(r, i + 1 == n ? 1 : 0);
	}
	assert_string_equal(b.all, want);
	assert_int_equal(hs_eof(s, on_line, &b), 0);
	free(s);
}

static void test_lf_only_and_eof(void **state)
{
	static const char in[] = "HTTP/1.0 200 OK\nContent-Type: x\n\nline1\nline2";
	struct hs *s = malloc(sizeof(*s));
	struct lines l = { 0 };

	assert_non_null(s);
	hs_init(s);
	assert_int_equal(hs_feed(s, in, sizeof(in) - 1, on_line, &l), 0);
	assert_int_equal(s->state, HS_BODY);
	assert_string_equal(l.all, "line1|");
	/* a body without a length runs to the close; its last line counts */
	assert_int_equal(hs_eof(s, on_line, &l), 0);
	assert_string_equal(l.all, "line1|line2|");
	free(s);
}

static void test_content_length(void **state)
{
	static const char in[] = "HTTP/1.1 200 OK\r\nContent-Length: 22\r\n\r\n"
				 "<html>this is not JSON";
	struct hs *s = malloc(sizeof(*s));
	struct lines l = { 0 };

	assert_non_null(s);
	hs_init(s);
	assert_int_equal(hs_feed(s, in, sizeof(in) - 1, on_line, &l), 1);
	assert_string_equal(l.all, "<html>this is not JSON|");
	assert_int_equal(hs_feed(s, "x", 1, on_line, &l), -EPROTO);
	free(s);
}

static void test_eof_mid_stream(void **state)
{
	char buf[4096];
	struct hs *s = malloc(sizeof(*s));
	struct lines l = { 0 };
	size_t n = docker_stream(buf, sizeof(buf));

	assert_non_null(s);
	hs_init(s);
	assert_int_equal(hs_feed(s, buf, n - 12, on_line, &l), 0);
	assert_int_equal(hs_eof(s, on_line, &l), -EPIPE);
	free(s);
}

/* Malformed streams: each is refused, with a reason, and stays refused. */
static void test_garbage(void **state)
{
	static const struct {
		const char *in;
		int status;
	} bad[] = {
		{ "<html>hello</html>\r\n", 0 },
		{ "HTTP/1.1 404 Not Found\r\n\r\n", 404 },
		{ "HTTP/1.1 2x0 OK\r\n", 0 },
		{ "HTTP/2 200\r\n", 0 },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 200 },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", 200 },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "2\r\nabX\r\n", 200 },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "ffffffffffffffffff\r\n", 200 },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "0\r\n\r\nmore", 200 },
		{ "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 200 },
		{ "HTTP/1.1 200 OK\rX\n", 0 },
	};
	struct hs *s = malloc(sizeof(*s));
	struct lines l = { 0 };
	size_t i;

	assert_non_null(s);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hs_init(s);
		assert_int_equal(hs_feed(s, bad[i].in, strlen(bad[i].in),
					 on_line, &l),
				 -EPROTO);
		assert_non_null(s->why);
		assert_int_equal(s->status, bad[i].status);
		assert_int_equal(hs_feed(s, "0\r\n", 3, on_line, &l), -EPROTO);
	}
	assert_int_equal(l.count, 0);
	free(s);
}

/* A header or a line over its bound is garbage, not an overflow. */
static void test_bounds(void **state)
{
	static const char head[] = "HTTP/1.1 200 OK\r\n\r\n";
	struct hs *s = malloc(sizeof(*s));
	char *big = malloc(HS_LINE_MAX + 2);
	struct lines l = { 0 };

	assert_non_null(s);
	assert_non_null(big);
	memset(big, 'a', HS_LINE_MAX + 2);
	hs_init(s);
	assert_int_equal(hs_feed(s, "HTTP/1.1 200 OK\r\nX-Long: ", 25, on_line,
				 &l), 0);
	assert_int_equal(hs_feed(s, big, HS_HEADER_MAX, on_line, &l), -EPROTO);
	hs_init(s);
	assert_int_equal(hs_feed(s, head, sizeof(head) - 1, on_line, &l), 0);
	assert_int_equal(hs_feed(s, big, HS_LINE_MAX, on_line, &l), 0);
	assert_int_equal(hs_feed(s, big, 1, on_line, &l), -EPROTO);
	assert_int_equal(l.count, 0);
	free(big);
	free(s);
}

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chunked_whole_and_bytewise),
		cmocka_unit_test(test_lf_only_and_eof),
		cmocka_unit_test(test_content_length),
		cmocka_unit_test(test_eof_mid_stream),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
