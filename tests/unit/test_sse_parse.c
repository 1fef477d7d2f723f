// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_sse_parse.c - the response parser of the SSE load client
 * (tests/helpers/sse_parse.c): the same frames from a response however
 * its bytes are cut into reads and its stream into chunks (a chunk size
 * line, a CRLF, a frame's line split anywhere), chunked or not; the end
 * of a chunked body; malformed heads and framing refused; the data's
 * time read back.
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
#include <time.h>

#include <cmocka.h>

#include "sse_parse.h"

/* the frames seen, one line each */
struct log {
	char s[8192];
	size_t len;
};

static void record(void *ctx, const struct sse_frame *f)
{
	struct log *l = ctx;
	int n;

	n = snprintf(l->s + l->len, sizeof(l->s) - l->len,
		     "%s%llu%s ev=%s c=%d data=%.*s\n",
		     f->has_id ? "id=" : "noid", (unsigned long long)f->id,
		     f->bad_id ? " bad" : "", f->event, f->comment,
		     (int)f->data_len, f->data);
	assert_true(n > 0 && (size_t)n < sizeof(l->s) - l->len);
	l->len += (size_t)n;
}

static const char stream[] =
	"id: 1\nevent: create\ndata: {\"seq\":1,\"time\":\"2026-12-04T11:37:59.104540395Z\"}\n\n"
	": ping\n\n"
	"id: 2\r\nevent: switch\r\ndata: {\"seq\":2}\r\n\r\n"
	"event: resync\ndata: {\"reason\":\"backlog\"}\n\n"
	"id:3\nevent: lost\ndata: {\"seq\":3,\"count\":5}\n\n"
	"id: 18446744073709551615\nevent: destroy\ndata: {}\n\n"
	"id: 12x\nevent: create\n\n"
	"id: 18446744073709551616\n\n"
	"event: shutdown\ndata: {}\n\n";

static const char want[] =
	"id=1 ev=create c=0 data={\"seq\":1,\"time\":\"2026-12-04T11:37:59.104540395Z\"}\n"
	"noid0 ev= c=1 data=\n"
	"id=2 ev=switch c=0 data={\"seq\":2}\n"
	"noid0 ev=resync c=0 data={\"reason\":\"backlog\"}\n"
	"id=3 ev=lost c=0 data={\"seq\":3,\"count\":5}\n"
	"id=18446744073709551615 ev=destroy c=0 data={}\n"
	"noid0 bad ev=create c=0 data=\n"
	"noid0 bad ev= c=0 data=\n"
	"noid0 ev=shutdown c=0 data={}\n";

static const char head_chunked[] =
	"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
	"Transfer-Encoding: chunked\r\n\r\n";
static const char head_plain[] =
	"HTTP/1.0 200 OK\r\nContent-Type: text/event-stream\r\n\r\n";

/* head + body chunked in pieces of csize (an extension on odd ones) */
static size_t chunk(char *out, size_t cap, const char *body, size_t csize,
		    bool last)
{
	size_t len = strlen(body), o = 0, k, i = 0;

	o += (size_t)snprintf(out, cap, "%s", head_chunked);
	for (; len; i++) {
		k = len < csize ? len : csize;
		o += (size_t)snprintf(out + o, cap - o, "%zx%s\r\n", k,
				      i % 2 ? ";x=1" : "");
		memcpy(out + o, body, k);
		o += k;
		o += (size_t)snprintf(out + o, cap - o, "\r\n");
		body += k;
		len -= k;
	}
	if (last)
		o += (size_t)snprintf(out + o, cap - o, "0\r\nX-T: y\r\n\r\n");
	assert_true(o < cap);
	return o;
}

/* The frames of resp fed in reads of the sizes in cuts, cycled. */
static int feed(const char *resp, size_t len, const size_t *cuts, size_t nc,
		struct log *l)
{
	struct sse_parser p;
	size_t off = 0, k, i = 0;
	int rc = 0;

	memset(l, 0, sizeof(*l));
	sse_parser_init(&p, record, l);
	while (off < len && rc == 0) {
		k = cuts[i++ % nc];
		if (k > len - off)
			k = len - off;
		rc = sse_parser_feed(&p, resp + off, k);
		off += k;
	}
	return rc;
}

static void whole_and_split(void **state)
{
	static char resp[8192];
	static const size_t sizes[] = { 1, 2, 3, 7, 13, 64, 4096 };
	struct log l;
	size_t len, cs, r, cut, two[2];

	for (cs = 0; cs < sizeof(sizes) / sizeof(*sizes); cs++) {
		len = chunk(resp, sizeof(resp), stream, sizes[cs], true);
		for (r = 0; r < sizeof(sizes) / sizeof(*sizes); r++) {
			assert_int_equal(feed(resp, len, &sizes[r], 1, &l), 1);
			assert_string_equal(l.s, want);
		}
		/* every two-read cut */
		for (cut = 1; cut < len; cut++) {
			two[0] = cut;
			two[1] = len;
			assert_int_equal(feed(resp, len, two, 2, &l), 1);
			assert_string_equal(l.s, want);
		}
	}
}

static void plain(void **state)
{
	static char resp[8192];
	static const size_t one = 1, big = 100000;
	struct log l;
	size_t len;

	len = (size_t)snprintf(resp, sizeof(resp), "%s%s", head_plain, stream);
	assert_int_equal(feed(resp, len, &one, 1, &l), 0);
	assert_string_equal(l.s, want);
	assert_int_equal(feed(resp, len, &big, 1, &l), 0);
	assert_string_equal(l.s, want);
}

/* A data line longer than what is kept, cut across reads. */
static void long_lines(void **state)
{
	static char body[4096], resp[8192], data[2000];
	static const size_t cuts[] = { 100, 1, 333 };
	struct log l;
	char exp[512];
	size_t len;

	memset(data, 'a', sizeof(data) - 1);
	snprintf(body, sizeof(body), "id: 7\ndata: %s\n\nid: 8\n\n", data);
	len = chunk(resp, sizeof(resp), body, 1000, false);
	assert_int_equal(feed(resp, len, cuts, 3, &l), 0);
	snprintf(exp, sizeof(exp), "id=7 ev= c=0 data=%.*s\nid=8 ev= c=0 data=\n",
		 SSE_KEEP - 6, data);
	assert_string_equal(l.s, exp);
	/* an id line longer than kept is no id */
	memset(data, '1', sizeof(data) - 1);
	snprintf(body, sizeof(body), "id: %s\n\n", data);
	len = chunk(resp, sizeof(resp), body, 1000, false);
	assert_int_equal(feed(resp, len, cuts, 3, &l), 0);
	assert_string_equal(l.s, "noid0 bad ev= c=0 data=\n");
}

static int feed_all(const char *resp)
{
	static const size_t one = 1;
	struct log l;

	return feed(resp, strlen(resp), &one, 1, &l);
}

static void bad(void **state)
{
	static const size_t all = 1 << 20;
	struct sse_parser p;
	struct log l;
	char *big;

	assert_int_equal(feed_all("HTTP/1.1 404 Not Found\r\n\r\n"), -EBADMSG);
	sse_parser_init(&p, record, &l);
	assert_int_equal(sse_parser_feed(&p, "HTTP/1.1 401 No\r\n\r\n", 19), -EBADMSG);
	assert_int_equal(p.status, 401);
	assert_int_equal(sse_parser_feed(&p, "x", 1), -EPROTO);
	assert_int_equal(feed_all("HTTX/1.1 200 OK\r\n\r\n"), -EPROTO);
	assert_int_equal(feed_all("HTTP/1.1 2 OK\r\n\r\n"), -EPROTO);
	/* chunk framing */
	assert_int_equal(feed_all("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				  "g\r\n"), -EPROTO);
	assert_int_equal(feed_all("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				  "\r\n"), -EPROTO);
	assert_int_equal(feed_all("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				  "2\r\nabc\r\n"), -EPROTO);
	assert_int_equal(feed_all("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				  "2\nab\r\n"), -EPROTO);
	assert_int_equal(feed_all("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				  "1000000000000000\r\n"), -EPROTO);
	assert_int_equal(feed_all("HTTP/1.1 200 OK\r\ntransfer-encoding:  Chunked\r\n\r\n"
				  "0\r\n\r\n"), 1);
	/* a head that does not end */
	big = malloc(SSE_HEAD_MAX * 2);
	assert_non_null(big);
	memset(big, 'a', SSE_HEAD_MAX * 2);
	memcpy(big, "HTTP/1.1 200 OK\r\n", 17);
	assert_int_equal(feed(big, SSE_HEAD_MAX * 2, &all, 1, &l), -EPROTO);
	free(big);
}

static void times(void **state)
{
	struct tm tm = { .tm_year = 126, .tm_mon = 11, .tm_mday = 4,
			 .tm_hour = 11, .tm_min = 37, .tm_sec = 59 };
	const char *s = "{\"seq\":1,\"time\":\"2026-12-04T11:37:59.104540395Z\",\"x\":1}";
	const char *t;
	int64_t ns;
	size_t n;

	t = sse_json_str(s, strlen(s), "time", &n);
	assert_non_null(t);
	assert_int_equal(n, 30);
	assert_int_equal(sse_time_ns(t, n, &ns), 0);
	assert_int_equal(ns, (int64_t)timegm(&tm) * 1000000000 + 104540395);
	assert_null(sse_json_str(s, strlen(s), "tim", &n));
	assert_null(sse_json_str(s, 20, "time", &n));
	assert_int_equal(sse_time_ns("1970-01-01T00:00:01.5Z", 22, &ns), 0);
	assert_int_equal(ns, 1500000000);
	assert_int_equal(sse_time_ns("2000-03-01T00:00:00Z", 20, &ns), 0);
	assert_int_equal(ns, 951868800LL * 1000000000);
	assert_int_equal(sse_time_ns("2000-13-01T00:00:00Z", 20, &ns), -EINVAL);
	assert_int_equal(sse_time_ns("2000-03-01T00:00:00.1", 21, &ns), -EINVAL);
	assert_int_equal(sse_time_ns("2000-03-01 00:00:00Z", 20, &ns), -EINVAL);
	assert_int_equal(sse_time_ns("2000-03-01T00:00:00Z", 19, &ns), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(whole_and_split), cmocka_unit_test(plain),
		cmocka_unit_test(long_lines), cmocka_unit_test(bad),
		cmocka_unit_test(times),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
