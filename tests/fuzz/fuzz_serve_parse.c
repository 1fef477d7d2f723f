// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_serve_parse.c - libFuzzer target for the parsers of `nsmon serve`
 * that take input from outside: --listen addresses (listen.c), the query
 * parameters of a request (query.c) and the bearer token check (auth.c).
 * The input is split at its first NUL: the key, then the value (for the
 * address and the Authorization header the whole input).  Checked:
 * - an address taken has a family, a length within its storage, a unix
 *   path NUL-terminated and equal to what follows "unix:";
 * - query_set() answers 0 or -EINVAL, and what it took is within range
 *   (types of NSM_NTYPES bits, kinds of printed ones);
 * - nsm_parse_u64() takes only all-digit strings, and gives their value back
 *   when printed;
 * - auth_check() takes "Bearer T" for its own token T and nothing else;
 * - query_accepts_gzip() reads within the header, and a header it takes
 *   still takes gzip with an element it ignores added after it.
 *
 *   make fuzz   (tests/fuzz/corpus/serve_parse seeds it)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "auth.h"
#include "listen.h"
#include "nsm.h"
#include "query.h"
#include "wev.h"

#define CHECK(x)                                                         \
	do {                                                             \
		if (!(x))                                                \
			__builtin_trap();                                \
	} while (0)

static void check_listen(const char *s)
{
	struct listen_addr a;

	if (listen_parse(s, &a))
		return;
	CHECK(a.len > 0 && a.len <= sizeof(a.sa));
	if (a.sa.ss_family == AF_UNIX) {
		CHECK(a.path && !strncmp(s, "unix:", 5) &&
		      !strcmp(a.path, s + 5));
		CHECK(!strcmp(((struct sockaddr_un *)&a.sa)->sun_path, a.path));
		CHECK(a.loopback);
	} else {
		CHECK(a.sa.ss_family == AF_INET || a.sa.ss_family == AF_INET6);
		CHECK(!a.path);
	}
}

static void check_query(const char *key, const char *val)
{
	struct query q = { 0 };
	char back[32];
	uint64_t v;
	int err;

	err = query_set(&q, Q_TYPE | Q_EVENT | Q_LAST_ID, key, val);
	CHECK(err == 0 || err == -EINVAL);
	CHECK(!(q.types & ~((1U << NSM_NTYPES) - 1)));
	CHECK(!(q.kinds & ~((1U << WEV_DYING) - 1)));
	if (val && nsm_parse_u64(val, &v) == 0) {
		snprintf(back, sizeof(back), "%" PRIu64, v);
		/* leading zeros are taken: compare the value, not the bytes */
		CHECK(strspn(val, "0123456789") == strlen(val));
		CHECK(strlen(back) <= strlen(val));
	}
}

static void check_token(const char *s)
{
	char *h;

	if (!*s)
		return;
	if (asprintf(&h, "Bearer %s", s) < 0)
		return;
	CHECK(auth_check(s, h));
	CHECK(!auth_check(s, s) || !strncmp(s, "Bearer ", 7));
	h[strlen(h) - 1] ^= 1;
	CHECK(!auth_check(s, h));
	free(h);
}

static void check_accept_encoding(const char *s)
{
	char *more;

	if (!query_accepts_gzip(s) || strchr(s, ',') || strstr(s, "gzip"))
		return;
	/* taken through "*": an unrelated coding after it changes nothing */
	if (asprintf(&more, "%s, br;q=0.5", s) < 0)
		return;
	CHECK(query_accepts_gzip(more));
	free(more);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 2);
	const char *val;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = buf[size + 1] = '\0';
	/* the key up to the first NUL, the value after it */
	val = buf + strlen(buf) + 1;
	if (val > buf + size)
		val = NULL;
	check_listen(buf);
	check_query(buf, val);
	check_token(buf);
	check_accept_encoding(buf);
	free(buf);
	return 0;
}
