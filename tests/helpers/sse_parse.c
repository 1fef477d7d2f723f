// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sse_parse.c - the response parser of the SSE load client (sse_parse.h
 * says what it takes).  Three layers, each streaming: the head is
 * gathered whole (it is small), the chunk framing is a byte state
 * machine around bulk runs of chunk data, and the SSE lines are found
 * with memchr; a line is copied (its first SSE_KEEP bytes) only when a
 * read ends inside it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sse_parse.h"

/* the chunk framing, around each chunk's data */
enum {
	CH_SIZE,	/* hex digits of the size line */
	CH_EXT,		/* a chunk extension, up to the line's end */
	CH_SIZE_LF,	/* the size line's LF after its CR */
	CH_DATA,	/* left bytes of data */
	CH_DATA_CR,	/* the CRLF after the data */
	CH_DATA_LF,
	CH_TRAILER,	/* at the start of a trailer line */
	CH_TRAILER_LINE,
	CH_TRAILER_LF,	/* the LF of the empty line that ends it all */
};

void sse_parser_init(struct sse_parser *p, sse_frame_fn fn, void *ctx)
{
	memset(p, 0, sizeof(*p));
	p->fn = fn;
	p->ctx = ctx;
	p->keep_data = true;
}

static void frame_reset(struct sse_parser *p)
{
	memset(&p->f, 0, sizeof(p->f));
	p->f.data = p->data;
	p->f_any = false;
}

/* "NAME:" (k bytes of name) at the line's start: the value after it. */
static inline bool field(const char *l, size_t n, const char *name, size_t k,
			 const char **v, size_t *vn)
{
	if (n <= k || l[k] != ':' || memcmp(l, name, k))
		return false;
	*v = l + k + 1;
	*vn = n - k - 1;
	/* one space after the colon is not the value's */
	if (*vn && **v == ' ') {
		(*v)++;
		(*vn)--;
	}
	return true;
}

static void take_id(struct sse_frame *f, const char *v, size_t n)
{
	uint64_t id = 0;
	size_t i;

	f->has_id = false;
	f->bad_id = true;
	if (!n || n > 20)
		return;
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9' ||
		    __builtin_mul_overflow(id, 10, &id) ||
		    __builtin_add_overflow(id, (uint64_t)(v[i] - '0'), &id))
			return;
	}
	f->id = id;
	f->has_id = true;
	f->bad_id = false;
}

/*
 * One line without its LF, n its whole length, of which the first
 * min(n, SSE_KEEP) bytes are at l.
 */
static void line(struct sse_parser *p, const char *l, size_t n)
{
	const char *v;
	size_t vn, kept = n < SSE_KEEP ? n : SSE_KEEP;

	if (n && n == kept && l[n - 1] == '\r')
		kept = --n;
	if (!n) {
		if (p->f_any)
			p->fn(p->ctx, &p->f);
		frame_reset(p);
		return;
	}
	p->f_any = true;
	/* by the first byte: one compare for most lines */
	switch (l[0]) {
	case ':':
		p->f.comment = true;
		break;
	case 'i':
		/* an id cut at SSE_KEEP is no number */
		if (field(l, kept, "id", 2, &v, &vn))
			take_id(&p->f, v, n == kept ? vn : SIZE_MAX);
		break;
	case 'e':
		if (field(l, kept, "event", 5, &v, &vn)) {
			if (vn >= sizeof(p->f.event))
				vn = sizeof(p->f.event) - 1;
			memcpy(p->f.event, v, vn);
			p->f.event[vn] = '\0';
		}
		break;
	case 'd':
		if (p->keep_data && !p->f.data_len &&
		    field(l, kept, "data", 4, &v, &vn)) {
			memcpy(p->data, v, vn);
			p->f.data_len = vn;
		}
		break;
	}
}

/* The SSE stream's next n bytes. */
static void body(struct sse_parser *p, const char *b, size_t n)
{
	const char *end = b + n, *nl;
	size_t k;

	while (b < end) {
		nl = memchr(b, '\n', end - b);
		k = (nl ? nl : end) - b;
		if (!nl || p->line_open) {
			/* the line straddles reads: keep its head */
			if (p->line_len < SSE_KEEP) {
				size_t c = SSE_KEEP - p->line_len;

				memcpy(p->line + p->line_len, b, k < c ? k : c);
			}
			p->line_len += k;
			p->line_open = true;
			if (!nl)
				return;
			line(p, p->line, p->line_len);
			p->line_len = 0;
			p->line_open = false;
		} else {
			line(p, b, k);
		}
		b = nl + 1;
	}
}

/* One byte of chunk framing; -EPROTO if it does not fit. */
static int framing(struct sse_parser *p, char c)
{
	int x;

	switch (p->cstate) {
	case CH_SIZE:
		x = c >= '0' && c <= '9' ? c - '0' :
		    c >= 'a' && c <= 'f' ? c - 'a' + 10 :
		    c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (x >= 0) {
			/* 15 hex digits: more than any stream sends */
			if (++p->digits > 15)
				return -EPROTO;
			p->left = p->left * 16 + (uint64_t)x;
			return 0;
		}
		if (!p->digits)
			return -EPROTO;
		if (c == ';' || c == ' ' || c == '\t')
			p->cstate = CH_EXT;
		else if (c == '\r')
			p->cstate = CH_SIZE_LF;
		else
			return -EPROTO;
		return 0;
	case CH_EXT:
		if (c == '\r')
			p->cstate = CH_SIZE_LF;
		else if (c == '\n')
			return -EPROTO;
		return 0;
	case CH_SIZE_LF:
		if (c != '\n')
			return -EPROTO;
		p->digits = 0;
		p->cstate = p->left ? CH_DATA : CH_TRAILER;
		return 0;
	case CH_DATA_CR:
		if (c != '\r')
			return -EPROTO;
		p->cstate = CH_DATA_LF;
		return 0;
	case CH_DATA_LF:
		if (c != '\n')
			return -EPROTO;
		p->cstate = CH_SIZE;
		return 0;
	case CH_TRAILER:
		p->cstate = c == '\r' ? CH_TRAILER_LF : CH_TRAILER_LINE;
		return 0;
	case CH_TRAILER_LINE:
		if (c == '\n')
			p->cstate = CH_TRAILER;
		return 0;
	case CH_TRAILER_LF:
		if (c != '\n')
			return -EPROTO;
		p->state = SSE_DONE;
		return 1;
	}
	return -EPROTO;
}

/* The chunked body's next n bytes: framing by the byte, data in runs. */
static int chunked(struct sse_parser *p, const char *b, size_t n)
{
	const char *end = b + n;
	size_t k;
	int err;

	while (b < end) {
		if (p->cstate == CH_DATA) {
			k = (size_t)(end - b);
			if (k > p->left)
				k = (size_t)p->left;
			body(p, b, k);
			b += k;
			p->left -= k;
			if (!p->left)
				p->cstate = CH_DATA_CR;
			continue;
		}
		err = framing(p, *b++);
		if (err)
			return err;
	}
	return 0;
}

static long digits(const char *s, int n);

/* Whether the head's header lines say Transfer-Encoding: chunked. */
static bool head_chunked(const char *h)
{
	static const char te[] = "\r\ntransfer-encoding:";
	const char *eol;

	for (; (h = strstr(h, "\r\n")); h += 2) {
		if (strncasecmp(h, te, sizeof(te) - 1))
			continue;
		h += sizeof(te) - 1;
		eol = strstr(h, "\r\n");
		for (; h + 7 <= eol; h++)
			if (!strncasecmp(h, "chunked", 7))
				return true;
		return false;
	}
	return false;
}

/* Gathers the head; the bytes after it (*used of n taken) are the body. */
static int head(struct sse_parser *p, const char *b, size_t n, size_t *used)
{
	size_t from = p->head_len > 3 ? p->head_len - 3 : 0, k;
	char *e;

	k = sizeof(p->head) - 1 - p->head_len;
	if (k > n)
		k = n;
	memcpy(p->head + p->head_len, b, k);
	p->head_len += k;
	p->head[p->head_len] = '\0';
	e = memmem(p->head + from, p->head_len - from, "\r\n\r\n", 4);
	if (!e) {
		*used = k;
		return p->head_len == sizeof(p->head) - 1 ? -EPROTO : 0;
	}
	/* what of b went past the head is the body's */
	*used = k - (size_t)(p->head + p->head_len - (e + 4));
	/* the header lines are read as strings: a NUL in them is no head */
	if (memchr(p->head, '\0', (size_t)(e - p->head)))
		return -EPROTO;
	e[2] = '\0';
	p->status = (int)digits(p->head + 9, 3);
	if (strncmp(p->head, "HTTP/1.", 7) || p->head[8] != ' ' ||
	    p->status < 100 || p->head[12] != ' ')
		return -EPROTO;
	if (p->status != 200)
		return -EBADMSG;
	p->chunked = head_chunked(p->head);
	p->state = SSE_BODY;
	frame_reset(p);
	return 0;
}

int sse_parser_feed(struct sse_parser *p, const char *buf, size_t n)
{
	size_t used;
	int err = 0;

	if (p->state == SSE_FAILED)
		return -EPROTO;
	if (p->state == SSE_DONE)
		return 1;
	if (p->state == SSE_HEAD) {
		err = head(p, buf, n, &used);
		buf += used;
		n -= used;
	}
	if (!err && p->state == SSE_BODY && n) {
		if (p->chunked)
			err = chunked(p, buf, n);
		else
			body(p, buf, n);
	}
	if (err < 0)
		p->state = SSE_FAILED;
	return err < 0 ? err : p->state == SSE_DONE;
}

/* n digits at s as a number; -1 if one is not a digit. */
static long digits(const char *s, int n)
{
	long v = 0;

	while (n--) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	return v;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Hinnant's). */
static int64_t days(long y, long m, long d)
{
	int64_t era, yoe, doy;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

int sse_time_ns(const char *s, size_t n, int64_t *ns)
{
	long y, mo, d, h, mi, se, frac = 0;
	size_t i = 20;
	int k = 0;

	if (n < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':')
		return -EINVAL;
	y = digits(s, 4);
	mo = digits(s + 5, 2);
	d = digits(s + 8, 2);
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	se = digits(s + 17, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 ||
	    h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60)
		return -EINVAL;
	if (s[19] == '.') {
		for (; i < n && k < 9 && s[i] >= '0' && s[i] <= '9'; i++, k++)
			frac = frac * 10 + (s[i] - '0');
		for (; k < 9; k++)
			frac *= 10;
	} else {
		i = 19;
	}
	if (i >= n || s[i] != 'Z')
		return -EINVAL;
	*ns = ((days(y, mo, d) * 24 + h) * 60 + mi) * 60 + se;
	*ns = *ns * 1000000000 + frac;
	return 0;
}

const char *sse_json_str(const char *s, size_t n, const char *key,
			 size_t *len)
{
	size_t k = strlen(key);
	const char *p = s, *end = s + n, *q;

	while ((p = memmem(p, (size_t)(end - p), key, k))) {
		if (p > s && p[-1] == '"' && p + k + 3 <= end &&
		    !memcmp(p + k, "\":\"", 3)) {
			p += k + 3;
			q = memchr(p, '"', (size_t)(end - p));
			if (!q)
				return NULL;
			*len = (size_t)(q - p);
			return p;
		}
		p += k;
	}
	return NULL;
}
