/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * http_stream.h - an incremental reader of one HTTP/1.1 response whose
 * body is a stream of lines (Docker's and podman's GET /events: chunked,
 * one JSON object per line), fed whatever read(2) returned.  Bounded: a
 * header or a line longer than its buffer is garbage, as is anything
 * that is not HTTP; garbage ends the stream for good.
 */
#ifndef NSMON_HTTP_STREAM_H
#define NSMON_HTTP_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HS_HEADER_MAX 1024
#define HS_LINE_MAX (64 << 10)

enum hs_state {
	HS_STATUS,	/* the status line */
	HS_HEADERS,
	HS_SIZE,	/* a chunk size line */
	HS_DATA,	/* in a chunk */
	HS_DATA_END,	/* the CRLF after a chunk */
	HS_BODY,	/* not chunked: the body runs to the end */
	HS_TRAILER,	/* after the last chunk */
	HS_DONE,	/* the response ended */
	HS_BAD,
};

struct hs {
	enum hs_state state;
	bool chunked;
	bool sized;		/* a Content-Length: the body is left bytes */
	bool cr;		/* a CR ended the last header byte */
	int status;		/* the HTTP status, 0 until read */
	uint64_t left;		/* bytes left in this chunk (or sized body) */
	const char *why;	/* HS_BAD: what was wrong */
	size_t hn;
	char head[HS_HEADER_MAX];	/* the header (or size) line so far */
	size_t n;
	char line[HS_LINE_MAX];	/* the body line so far */
};

/* Called for each non-empty body line, without its line end. */
typedef void (*hs_line_fn)(void *ctx, const char *line, size_t len);

void hs_init(struct hs *s);
/*
 * Feeds n bytes of the response.  Returns 0 (more to come), 1 (the
 * response ended: the last chunk came), or -EPROTO (garbage: s->why says
 * what; a status other than 200 is garbage too, s->status says which).
 */
int hs_feed(struct hs *s, const char *buf, size_t n, hs_line_fn fn,
	    void *ctx);
/* The connection closed: 0 if the response had ended, else -EPIPE. */
int hs_eof(struct hs *s, hs_line_fn fn, void *ctx);

#endif
