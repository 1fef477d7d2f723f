/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * doc_text.h - the discover document of one sweep, rendered once in
 * pieces, and the answers assembled from them.  A sweep serves every
 * request for up to --max-age, while the live model (the view) changes
 * with every event: what depends on the sweep alone is encoded once,
 * when the sweep is made, and an answer for a view is a concatenation of
 * pieces, not an encoding of 3,000 namespaces per request.
 */
#ifndef NSMON_DOC_TEXT_H
#define NSMON_DOC_TEXT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "agent.h"
#include "nsm.h"

struct frag {
	char *s;
	size_t len;
};

/* Immutable once made. */
struct doc_text {
	size_t n;		/* m->nns */
	struct frag head;	/* "schema": ... "options": {...} */
	struct frag *ns;	/* per m->ns[i]: its object */
	struct frag *mnt;	/* per m->ns[i]: its mount table; s NULL: none */
	struct frag procs;	/* "processes": [...] */
	struct frag ctrs;	/* "containers": [...] */
	struct frag status;	/* "complete": ..., "warnings": [...] */
};

/* 0 and *out, or -ENOMEM. */
int doc_text_new(const struct nsm_model *m, struct doc_text **out);
void doc_text_free(struct doc_text *t);

/* An answer's bytes, shared by the responses that send them. */
struct body {
	atomic_uint refs;
	size_t len;
	/* the same bytes gzip-encoded, made at the first client's asking */
	_Atomic(struct body *) gz;
	char s[];
};

/* A body of len bytes (and a NUL after them), one reference; NULL: no memory. */
struct body *body_new(size_t len);
struct body *body_get(struct body *b);
void body_put(struct body *b);
/*
 * b's gzip encoding (a reference: body_put() it), made once per body:
 * sixteen clients of a new document wait for one compression rather than
 * run sixteen.  NULL: out of memory.
 */
struct body *body_gzip(struct body *b);

/*
 * How a namespace of the view is listed: from the sweep (its entry in
 * m, the same namespace: same type, and same ns_id where both have one),
 * or, if the sweep has none, from the view alone with "pending": true.
 * NULL: the sweep has none.
 */
const struct nsm_ns *doc_swept(const struct nsm_model *m,
			       const struct agent_ns *a);

/* The entry of a namespace the sweep has not: what the view knows. */
cJSON *doc_pending(const struct nsm_model *m, const struct agent_ns *a);

/*
 * The /api/namespaces document: {"seq": v's, the sweep's head, the
 * view's namespaces of types (a mask; 0: every type), the processes, the
 * mount tables of the listed mount namespaces, containers, status} and a
 * newline.  NULL: out of memory.
 */
struct body *doc_namespaces(const struct nsm_model *m,
			    const struct doc_text *t,
			    const struct agent_view *v, unsigned types);
/* {"seq": seq, frag} and a newline; NULL: out of memory. */
struct body *doc_wrap(uint64_t seq, const struct frag *f);

#endif
