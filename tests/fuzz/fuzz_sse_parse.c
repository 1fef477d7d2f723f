// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_sse_parse.c - libFuzzer target for the SSE load client's response
 * parser (tests/helpers/sse_parse.c): the input is a response, fed once
 * whole and once in reads of sizes taken from its own bytes (1 to 16).
 * Checked: no crash, no read out of bounds (ASan), and both feeds give
 * the same frames (a hash of every field) and the same end (more wanted,
 * body ended, or the same error), the data never longer than SSE_KEEP.
 *
 *   make fuzz   (tests/fuzz/corpus/sse_parse seeds it)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sse_parse.h"

#define CHECK(x)                                                         \
	do {                                                             \
		if (!(x))                                                \
			__builtin_trap();                                \
	} while (0)

static void mix(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n--)
		*h = (*h ^ *b++) * 1099511628211ULL;
}

static void frame(void *ctx, const struct sse_frame *f)
{
	uint64_t *h = ctx;

	CHECK(f->data_len <= SSE_KEEP);
	CHECK(!(f->has_id && f->bad_id));
	mix(h, &f->has_id, sizeof(f->has_id));
	mix(h, &f->bad_id, sizeof(f->bad_id));
	mix(h, &f->comment, sizeof(f->comment));
	mix(h, &f->id, sizeof(f->id));
	mix(h, f->event, strlen(f->event) + 1);
	mix(h, f->data, f->data_len);
	mix(h, "|", 1);
}

static int run(const uint8_t *d, size_t n, bool split, uint64_t *h)
{
	struct sse_parser *p = malloc(sizeof(*p));
	size_t off = 0, k, i = 0;
	int rc = 0;

	CHECK(p);
	*h = 14695981039346656037ULL;
	sse_parser_init(p, frame, h);
	while (off < n && rc == 0) {
		k = split ? (size_t)(d[i++ % n] % 16) + 1 : n;
		if (k > n - off)
			k = n - off;
		rc = sse_parser_feed(p, (const char *)d + off, k);
		off += k;
	}
	free(p);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	uint64_t h1, h2;
	int rc1, rc2;

	rc1 = run(d, n, false, &h1);
	rc2 = run(d, n, true, &h2);
	CHECK(rc1 == rc2);
	CHECK(h1 == h2);
	return 0;
}
