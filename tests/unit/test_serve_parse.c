// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_serve_parse.c - the pure parsers of `nsmon serve` (user/serve/):
 * --listen addresses (listen.c) and which are loopback, the query
 * parameters of the HTTP API (query.c), the bearer token check (auth.c).
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
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <cmocka.h>

#include "auth.h"
#include "listen.h"
#include "nsm.h"
#include "query.h"
#include "wev.h"

static void listen_good(void **state)
{
	struct listen_addr a;
	struct sockaddr_in *in = (struct sockaddr_in *)&a.sa;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a.sa;

	assert_int_equal(listen_parse("127.0.0.1:5010", &a), 0);
	assert_int_equal(in->sin_family, AF_INET);
	assert_int_equal(ntohs(in->sin_port), 5010);
	assert_true(a.loopback);
	assert_null(a.path);
	assert_int_equal(listen_parse("127.1.2.3:0", &a), 0);
	assert_true(a.loopback);
	assert_int_equal(listen_parse("0.0.0.0:80", &a), 0);
	assert_false(a.loopback);
	assert_int_equal(listen_parse("192.168.1.5:65535", &a), 0);
	assert_false(a.loopback);
	assert_int_equal(listen_parse("[::1]:8080", &a), 0);
	assert_int_equal(in6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(in6->sin6_port), 8080);
	assert_true(a.loopback);
	assert_int_equal(listen_parse("[::]:8080", &a), 0);
	assert_false(a.loopback);
	assert_int_equal(listen_parse("[::ffff:127.0.0.1]:1", &a), 0);
	assert_true(a.loopback);
	assert_int_equal(listen_parse("[fe80::1]:1", &a), 0);
	assert_false(a.loopback);
	assert_int_equal(listen_parse("unix:/run/nsmon.sock", &a), 0);
	assert_int_equal(a.sa.ss_family, AF_UNIX);
	assert_true(a.loopback);
	assert_string_equal(a.path, "/run/nsmon.sock");
	assert_string_equal(((struct sockaddr_un *)&a.sa)->sun_path,
			    "/run/nsmon.sock");
}

static void listen_bad(void **state)
{
	static const char *const bad[] = {
		"", ":", "127.0.0.1", "127.0.0.1:", ":5010", "127.0.0.1:65536",
		"127.0.0.1:-1", "127.0.0.1:+1", "127.0.0.1:1x", "localhost:80",
		"1.2.3:80", "256.0.0.1:80", "[::1]", "[::1]80", "[::1]:",
		"[]:80", "[::1:80", "::1:80", "[127.0.0.1]:80", "unix:",
		"127.0.0.1:99999999999999999999", " 127.0.0.1:80",
	};
	char longpath[200];
	struct listen_addr a;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (listen_parse(bad[i], &a) != -EINVAL)
			fail_msg("'%s' taken", bad[i]);
	}
	/* longer than sun_path */
	memset(longpath, 'a', sizeof(longpath));
	memcpy(longpath, "unix:/", 6);
	longpath[sizeof(longpath) - 1] = '\0';
	assert_int_equal(listen_parse(longpath, &a), -EINVAL);
}

static void query_good(void **state)
{
	struct query q = { 0 };

	assert_int_equal(query_set(&q, Q_TYPE | Q_EVENT | Q_LAST_ID, "type",
				   "net,user"), 0);
	assert_int_equal(q.types, (1U << NSM_NET) | (1U << NSM_USER));
	assert_int_equal(query_set(&q, Q_TYPE | Q_EVENT | Q_LAST_ID, "event",
				   "create,destroy,sync"), 0);
	assert_int_equal(q.kinds, (1U << WEV_CREATE) | (1U << WEV_DESTROY) |
					  (1U << WEV_SYNC));
	assert_int_equal(query_set(&q, Q_TYPE | Q_EVENT | Q_LAST_ID,
				   "last_event_id", "18446744073709551615"), 0);
	assert_true(q.last_id == UINT64_MAX);
	assert_int_equal(q.seen, Q_TYPE | Q_EVENT | Q_LAST_ID);
	/* the data endpoints' */
	assert_int_equal(query_set(&q, Q_MOUNTS | Q_NS, "mounts", "1"), 0);
	assert_true(q.mounts);
	assert_int_equal(query_set(&q, Q_MOUNTS | Q_NS, "ns", "4026531832"), 0);
	assert_true(q.ns == 4026531832ULL);
	memset(&q, 0, sizeof(q));
	assert_int_equal(query_set(&q, Q_MOUNTS, "mounts", "0"), 0);
	assert_false(q.mounts);
}

static void query_bad(void **state)
{
	static const struct { unsigned allowed; const char *k, *v; } bad[] = {
		{ Q_TYPE, "type", "bogus" },
		{ Q_TYPE, "type", "" },
		{ Q_TYPE, "type", NULL },
		{ Q_TYPE, "event", "create" },	/* not allowed there */
		{ Q_TYPE, "foo", "1" },
		{ Q_EVENT, "event", "dying" },
		{ Q_EVENT, "event", "create,,destroy" },
		{ Q_EVENT, "event", "CREATE" },
		{ Q_LAST_ID, "last_event_id", "-1" },
		{ Q_LAST_ID, "last_event_id", "1x" },
		{ Q_LAST_ID, "last_event_id", " 1" },
		{ Q_LAST_ID, "last_event_id", "18446744073709551616" },
		{ Q_MOUNTS, "mounts", "yes" },
		{ Q_MOUNTS, "mounts", "2" },
		{ Q_MOUNTS, "mounts", "" },
		{ Q_MOUNTS, "mounts", NULL },
		{ Q_TYPE, "mounts", "1" },
		{ Q_NS, "ns", "x" },
		{ Q_NS, "ns", "-1" },
		{ Q_NS, "ns", "" },
		{ Q_MOUNTS, "ns", "1" },
	};
	struct query q;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&q, 0, sizeof(q));
		if (query_set(&q, bad[i].allowed, bad[i].k, bad[i].v) != -EINVAL)
			fail_msg("%s=%s taken", bad[i].k,
				 bad[i].v ? bad[i].v : "(none)");
	}
	/* a key twice */
	memset(&q, 0, sizeof(q));
	assert_int_equal(query_set(&q, Q_TYPE, "type", "net"), 0);
	assert_int_equal(query_set(&q, Q_TYPE, "type", "net"), -EINVAL);
	assert_int_equal(query_set(&q, Q_NS, "ns", "1"), 0);
	assert_int_equal(query_set(&q, Q_NS, "ns", "1"), -EINVAL);
}

static void token(void **state)
{
	assert_true(auth_check("s3cret", "Bearer s3cret"));
	assert_false(auth_check("s3cret", "Bearer s3cre"));
	assert_false(auth_check("s3cret", "Bearer s3crett"));
	assert_false(auth_check("s3cret", "Bearer S3cret"));
	assert_false(auth_check("s3cret", "bearer s3cret"));
	assert_false(auth_check("s3cret", "s3cret"));
	assert_false(auth_check("s3cret", "Bearer "));
	assert_false(auth_check("s3cret", NULL));
}

static void accept_encoding(void **state)
{
	static const char *const yes[] = {
		"gzip", "GZip", "x-gzip", "deflate, gzip", "gzip, deflate, br",
		"gzip;q=0.5", "gzip ; q=1", "gzip;q=1.000", "gzip;q=0.001",
		"*", "br, *;q=0.1", " ,, gzip ,", "identity;q=0, gzip",
		"gzip;level=9", "foo bar, gzip", "gzip;q=0, gzip;q=0.2",
	};
	static const char *const no[] = {
		"", "identity", "deflate, br", "gzip;q=0", "gzip;q=0.000",
		"gzip; q=0.0", "gzip;q=", "gzip;q=2", "gzip;q=1.5",
		"gzip;q=0.0001", "gzip;q=abc", "*;q=0", "gzip;q=0, *",
		"gzipx", "gzi", "gzip x", "x-gzip;q=0", "*, gzip;q=0",
		"gzip;q=0.5, gzip;q=0", ";", ",", "gzip;q=0.5x",
	};
	size_t i;

	assert_false(query_accepts_gzip(NULL));
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!query_accepts_gzip(yes[i]))
			fail_msg("\"%s\" takes gzip", yes[i]);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (query_accepts_gzip(no[i]))
			fail_msg("\"%s\" does not take gzip", no[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(listen_good), cmocka_unit_test(listen_bad),
		cmocka_unit_test(query_good), cmocka_unit_test(query_bad),
		cmocka_unit_test(token), cmocka_unit_test(accept_encoding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
