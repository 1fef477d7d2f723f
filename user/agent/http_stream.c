// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * http_stream.c - see http_stream.h.  RFC 9112: a status line, header
 * fields up to an empty line, then with "Transfer-Encoding: chunked"
 * chunks of "HEXSIZE[;ext]CRLF DATA CRLF" up to a zero size and
 * trailers; else the body is Content-Length bytes, or runs until the
 * connection closes.  Lone LFs
 * are taken as line ends (RFC 9112 2.2 allows it).
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "http_stream.h"

void hs_init(struct hs *s)
{
	s->state = HS_STATUS;
	s->chunked = false;
	s->sized = false;
	s->cr = false;
	s->status = 0;
	s->left = 0;
	s->why = NULL;
	s->hn = 0;
	s->n = 0;
}

static int bad(struct hs *s, const char *why)
{
	s->state = HS_BAD;
	s->why = why;
	return -EPROTO;
}

/* The body's bytes, split into lines. */
static int body(struct hs *s, const char *p, size_t n, hs_line_fn fn,
		void *ctx)
{
	while (n) {
		const char *nl = memchr(p, '\n', n);
		size_t k = nl ? (size_t)(nl - p) : n;

		if (s->n + k > sizeof(s->line))
			return bad(s, "a line longer than 64 KiB");
		memcpy(s->line + s->n, p, k);
		s->n += k;
		if (!nl)
			break;
		if (s->n && s->line[s->n - 1] == '\r')
			s->n--;
		if (s->n)
			fn(ctx, s->line, s->n);
		s->n = 0;
		p += k + 1;
		n -= k + 1;
	}
	return 0;
}

static int status_line(struct hs *s, const char *l, size_t n)
{
	int i, v = 0;

	/* "HTTP/1.1 200 OK" */
	if (n < 12 || memcmp(l, "HTTP/1.", 7) || l[8] != ' ' ||
	    (n > 12 && l[12] != ' '))
		return bad(s, "not an HTTP response");
	for (i = 9; i < 12; i++) {
		if (l[i] < '0' || l[i] > '9')
			return bad(s, "not an HTTP response");
		v = v * 10 + l[i] - '0';
	}
	s->status = v;
	if (v != 200)
		return bad(s, "HTTP status other than 200");
	s->state = HS_HEADERS;
	return 0;
}

/* Whether the field "name: value" has this name and contains token. */
static bool field_has(const char *l, size_t n, const char *name,
		      const char *token)
{
	size_t nl = strlen(name), tl = strlen(token), i;

	if (n <= nl || strncasecmp(l, name, nl) || l[nl] != ':')
		return false;
	for (i = nl + 1; i + tl <= n; i++)
		if (!strncasecmp(l + i, token, tl))
			return true;
	return false;
}

static int size_line(struct hs *s, const char *l, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		char c = l[i];
		int d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (c | 0x20) - 'a' + 10;
		else
			break;
		/* Docker's chunks are one event each: 1 GiB is garbage */
		if (v >= 1u << 26)
			return bad(s, "a chunk larger than 1 GiB");
		v = v * 16 + d;
	}
	if (!i || (i < n && l[i] != ';' && l[i] != ' ' && l[i] != '\t'))
		return bad(s, "a bad chunk size");
	s->left = v;
	s->state = v ? HS_DATA : HS_TRAILER;
	return 0;
}

/* Content-Length: DIGITS; false if it is not that field. */
static int content_length(struct hs *s, const char *l, size_t n)
{
	static const char name[] = "Content-Length:";
	size_t i = sizeof(name) - 1;
	uint64_t v = 0;

	if (n < i || strncasecmp(l, name, i))
		return 0;
	while (i < n && (l[i] == ' ' || l[i] == '\t'))
		i++;
	if (i == n)
		return bad(s, "a bad Content-Length");
	for (; i < n && l[i] != ' ' && l[i] != '\t'; i++) {
		if (l[i] < '0' || l[i] > '9' || v >= 1u << 26)
			return bad(s, "a bad Content-Length");
		v = v * 10 + l[i] - '0';
	}
	s->sized = true;
	s->left = v;
	return 0;
}

/* The end of the head: what the body is. */
static void body_starts(struct hs *s)
{
	if (s->chunked)
		s->state = HS_SIZE;
	else if (s->sized && !s->left)
		s->state = HS_DONE;
	else
		s->state = HS_BODY;
}

/* One header-part line (status, field, chunk size, trailer) is complete. */
static int head_line(struct hs *s)
{
	const char *l = s->head;
	size_t n = s->hn;

	s->hn = 0;
	switch (s->state) {
	case HS_STATUS:
		return status_line(s, l, n);
	case HS_HEADERS:
		if (!n) {
			body_starts(s);
			return 0;
		}
		if (field_has(l, n, "Transfer-Encoding", "chunked"))
			s->chunked = true;
		return content_length(s, l, n);
	case HS_SIZE:
		return size_line(s, l, n);
	case HS_DATA_END:
		if (n)
			return bad(s, "no line end after a chunk");
		s->state = HS_SIZE;
		return 0;
	case HS_TRAILER:
		if (!n)
			s->state = HS_DONE;
		return 0;
	default:
		return bad(s, "internal state");
	}
}

int hs_feed(struct hs *s, const char *buf, size_t n, hs_line_fn fn,
	    void *ctx)
{
	int err;

	while (n) {
		switch (s->state) {
		case HS_BAD:
			return -EPROTO;
		case HS_DONE:
			return bad(s, "data after the end of the response");
		case HS_BODY:
			if (!s->sized)
				return body(s, buf, n, fn, ctx);
			/* as a chunk, to the end of the body */
			/* fall through */
		case HS_DATA: {
			size_t k = n < s->left ? n : (size_t)s->left;

			err = body(s, buf, k, fn, ctx);
			if (err)
				return err;
			buf += k;
			n -= k;
			s->left -= k;
			if (s->left)
				continue;
			if (s->state == HS_DATA) {
				s->state = HS_DATA_END;
				continue;
			}
			hs_eof(s, fn, ctx);
			return n ? bad(s, "data after the end of the response")
				 : 1;
		}
		default:
			break;
		}
		/* a line of the head, a chunk size, a chunk's end, trailers */
		if (*buf == '\n') {
			s->cr = false;
			err = head_line(s);
			if (err)
				return err;
		} else if (s->cr) {
			return bad(s, "a CR inside a line");
		} else if (*buf == '\r') {
			s->cr = true;
		} else if (s->hn == sizeof(s->head)) {
			return bad(s, "a header line longer than 1 KiB");
		} else if (!*buf) {
			return bad(s, "a NUL in the header");
		} else {
			s->head[s->hn++] = *buf;
		}
		buf++;
		n--;
	}
	return s->state == HS_DONE ? 1 : 0;
}

int hs_eof(struct hs *s, hs_line_fn fn, void *ctx)
{
	if (s->state == HS_BODY) {
		/* the last line may lack its LF */
		if (s->n)
			fn(ctx, s->line, s->n);
		s->n = 0;
		s->state = HS_DONE;
	}
	return s->state == HS_DONE ? 0 : -EPIPE;
}
