/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sse_parse.h - the response parser of tests/helpers/sse_load.c, the SSE
 * load client of scripts/bench-serve.sh: an HTTP/1.1 response head, a
 * chunked body (libmicrohttpd sends a stream of unknown size chunked) or
 * a plain one, and the server-sent-event frames in it.  Fed the bytes as
 * they are read, cut anywhere; it keeps of each line only what a frame's
 * check needs (SSE_KEEP bytes), so a frame costs a memchr per line and
 * no copy unless a line straddles two reads.  tests/unit/test_sse_parse.c
 * and tests/fuzz/fuzz_sse_parse.c test it.
 */
#ifndef SSE_PARSE_H
#define SSE_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* a line's bytes kept: the id, the event's name, the data's seq and time */
#define SSE_KEEP 160
#define SSE_HEAD_MAX 4096

/* One frame (the lines up to an empty one), as far as it was kept. */
struct sse_frame {
	bool has_id;		/* an `id:` line with a number */
	bool bad_id;		/* an `id:` line without one */
	bool comment;		/* a `:` line (`: ping`) */
	uint64_t id;
	char event[16];		/* the `event:` value, "" when none */
	const char *data;	/* the first `data:` value's first bytes */
	size_t data_len;
};

typedef void (*sse_frame_fn)(void *ctx, const struct sse_frame *f);

struct sse_parser {
	int state;		/* head, body, done */
	int status;		/* the HTTP status, once the head is read */
	bool chunked;
	bool keep_data;		/* f.data wanted (true after init) */
	int cstate;		/* where in the chunk framing */
	uint64_t left;		/* bytes of the current chunk still due */
	int digits;		/* of the chunk size line */
	size_t head_len;
	char head[SSE_HEAD_MAX];
	/* the current line, when it straddles reads */
	size_t line_len;	/* bytes kept, <= SSE_KEEP */
	bool line_open;		/* a line is in progress */
	char line[SSE_KEEP];
	/* the current frame */
	struct sse_frame f;
	bool f_any;
	char data[SSE_KEEP];
	sse_frame_fn fn;
	void *ctx;
};

enum { SSE_HEAD, SSE_BODY, SSE_DONE, SSE_FAILED };

void sse_parser_init(struct sse_parser *p, sse_frame_fn fn, void *ctx);

/*
 * Takes the next n bytes of the response.  0: more wanted; 1: the body
 * ended (its last chunk; what follows is ignored); -EPROTO: a malformed
 * head or chunk framing; -EBADMSG: a status other than 200 (p->status).
 * After an error the parser stays failed.
 */
int sse_parser_feed(struct sse_parser *p, const char *buf, size_t n);

/*
 * An RFC 3339 UTC time "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" (fraction of 0 to
 * 9 digits) at s, of at most n bytes, as ns since the epoch; -EINVAL if
 * it is not one.
 */
int sse_time_ns(const char *s, size_t n, int64_t *ns);

/* The value of "key":"..." in a JSON text's first n bytes, or NULL. */
const char *sse_json_str(const char *s, size_t n, const char *key,
			 size_t *len);

#endif
