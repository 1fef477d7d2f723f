// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_http_stream.c - libFuzzer target for the reader of an engine's
 * event stream (user/agent/http_stream.c): any bytes, fed whole and in pieces
 * whose sizes the first byte chooses, must give the same lines and the
 * same verdict; lines are bounded and hold no LF; once refused, a stream
 * stays refused.
 *
 *   make fuzz   (tests/fuzz/corpus/http_stream seeds it)
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_stream.h"

struct sum {
	uint64_t hash;
	size_t lines;
};

static void on_line(void *ctx, const char *line, size_t len)
{
	struct sum *s = ctx;
	size_t i;

	if (!len || len > HS_LINE_MAX || memchr(line, '\n', len))
		abort();
	for (i = 0; i < len; i++)
		s->hash = (s->hash ^ (unsigned char)line[i]) * 0x100000001b3ULL;
	s->hash = (s->hash ^ 0x1ff) * 0x100000001b3ULL;
	s->lines++;
}

static int feed(struct hs *s, const uint8_t *d, size_t n, size_t step,
		struct sum *sum)
{
	int r = 0;

	hs_init(s);
	while (n) {
		size_t k = n < step ? n : step;

		r = hs_feed(s, (const char *)d, k, on_line, sum);
		if (r == -EPROTO) {
			if (!s->why || s->state != HS_BAD)
				abort();
			/* refused for good */
			if (hs_feed(s, "\r\n", 2, on_line, sum) != -EPROTO)
				abort();
			return r;
		}
		if (r != 0 && r != 1)
			abort();
		d += k;
		n -= k;
	}
	return r ? r : hs_eof(s, on_line, sum);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hs a, b;
	struct sum x = { 0 }, y = { 0 };
	size_t step;
	int ra, rb;

	if (!size)
		return 0;
	step = data[0] % 17 + 1;
	ra = feed(&a, data + 1, size - 1, size, &x);
	rb = feed(&b, data + 1, size - 1, step, &y);
	/* the same answer however read(2) cut the bytes */
	if (ra != rb || x.hash != y.hash || x.lines != y.lines)
		abort();
	return 0;
}
