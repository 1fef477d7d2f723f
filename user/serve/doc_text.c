// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * doc_text.c - the discover document in pieces (doc_text.h).  The pieces
 * come from json.c's encoders, the same as `nsmon discover`'s; what is
 * here is only their order, which nsm_json_fill() keeps too
 * (test_serve_doc compares the two documents).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "doc_text.h"
#include "json.h"

/* item (freed) printed compactly; bare: without its outer braces */
static int frag_of(cJSON *item, bool bare, struct frag *f)
{
	char *p = item ? cJSON_PrintUnformatted(item) : NULL;

	cJSON_Delete(item);
	if (!p)
		return -ENOMEM;
	f->len = strlen(p);
	f->s = p;
	if (bare && f->len >= 2) {
		f->len -= 2;
		memmove(p, p + 1, f->len);
		p[f->len] = '\0';
	}
	return 0;
}

/* The members add() puts into an object, without the braces. */
static int members(void (*add)(cJSON *, const struct nsm_model *),
		   const struct nsm_model *m, struct frag *f)
{
	cJSON *o = cJSON_CreateObject();

	if (o)
		add(o, m);
	return frag_of(o, true, f);
}

void doc_text_free(struct doc_text *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->n; i++) {
		free(t->ns[i].s);
		free(t->mnt[i].s);
	}
	free(t->ns);
	free(t->mnt);
	free(t->head.s);
	free(t->procs.s);
	free(t->ctrs.s);
	free(t->status.s);
	free(t);
}

int doc_text_new(const struct nsm_model *m, struct doc_text **out)
{
	struct doc_text *t = calloc(1, sizeof(*t));
	const struct nsm_ns *ns;
	int err = -ENOMEM;
	size_t i;

	if (!t)
		return -ENOMEM;
	t->ns = calloc(m->nns + 1, sizeof(*t->ns));
	t->mnt = calloc(m->nns + 1, sizeof(*t->mnt));
	if (!t->ns || !t->mnt)
		goto fail;
	t->n = m->nns;
	for (i = 0; i < m->nns; i++) {
		ns = m->ns[i];
		err = frag_of(nsm_json_namespace(m, ns), false, &t->ns[i]);
		if (!err && ns->type == NSM_MNT && ns->mounts)
			err = frag_of(nsm_json_mount_table(ns->mounts), false,
				      &t->mnt[i]);
		if (err)
			goto fail;
	}
	err = members(nsm_json_head, m, &t->head);
	if (!err)
		err = members(nsm_json_processes, m, &t->procs);
	if (!err)
		err = members(nsm_json_containers, m, &t->ctrs);
	if (!err)
		err = members(nsm_json_status, m, &t->status);
	if (err)
		goto fail;
	*out = t;
	return 0;
fail:
	doc_text_free(t);
	return err;
}

/* ------------------------------------------------------------- bodies */

struct body *body_get(struct body *b)
{
	atomic_fetch_add(&b->refs, 1);
	return b;
}

struct body *body_new(size_t len)
{
	struct body *b = malloc(sizeof(*b) + len + 1);

	if (!b)
		return NULL;
	atomic_init(&b->refs, 1);
	atomic_init(&b->gz, NULL);
	b->len = len;
	b->s[len] = '\0';
	return b;
}

void body_put(struct body *b)
{
	if (b && atomic_fetch_sub(&b->refs, 1) == 1) {
		body_put(atomic_load(&b->gz));
		free(b);
	}
}

/*
 * Level 1: a whole-list answer is made again at every event, and zlib's
 * fastest level already takes JSON's repeated keys (about 7:1 here); the
 * levels above it cost several times the CPU for a few percent less.
 */
#define GZIP_LEVEL 1

static struct body *gzip_of(const char *s, size_t len)
{
	z_stream z = { 0 };
	struct body *out, *small;
	size_t cap;

	/* windowBits 15 + 16: a gzip header and trailer, not zlib's */
	if (deflateInit2(&z, GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	cap = deflateBound(&z, len);
	out = body_new(cap);
	if (!out) {
		deflateEnd(&z);
		return NULL;
	}
	z.next_in = (Bytef *)s;
	z.avail_in = len;
	z.next_out = (Bytef *)out->s;
	z.avail_out = cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		body_put(out);
		return NULL;
	}
	out->len = z.total_out;
	deflateEnd(&z);
	/* the bound is the input's size: give the rest back */
	small = realloc(out, sizeof(*out) + out->len + 1);
	return small ? small : out;
}

struct body *body_gzip(struct body *b)
{
	static pthread_mutex_t making = PTHREAD_MUTEX_INITIALIZER;
	struct body *z = atomic_load(&b->gz);

	if (!z) {
		pthread_mutex_lock(&making);
		z = atomic_load(&b->gz);
		if (!z) {
			z = gzip_of(b->s, b->len);
			atomic_store(&b->gz, z);
		}
		pthread_mutex_unlock(&making);
	}
	return z ? body_get(z) : NULL;
}

/* A body being written: it grows by doubling. */
struct out {
	struct body *b;
	size_t cap;
	bool failed;
};

static void put(struct out *o, const char *s, size_t len)
{
	struct body *grown;
	size_t cap;

	if (o->failed)
		return;
	if (!o->b || o->b->len + len + 1 > o->cap) {
		cap = o->cap ? o->cap : 4096;
		while (cap < (o->b ? o->b->len : 0) + len + 1)
			cap *= 2;
		grown = realloc(o->b, sizeof(*grown) + cap);
		if (!grown) {
			o->failed = true;
			return;
		}
		if (!o->b)
			grown->len = 0;
		o->b = grown;
		o->cap = cap;
	}
	memcpy(o->b->s + o->b->len, s, len);
	o->b->len += len;
	o->b->s[o->b->len] = '\0';
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void put_frag(struct out *o, const struct frag *f)
{
	put(o, f->s, f->len);
}

static void put_seq(struct out *o, uint64_t seq)
{
	char num[40];

	snprintf(num, sizeof(num), "{\"seq\":%llu,", (unsigned long long)seq);
	puts_(o, num);
}

static struct body *done(struct out *o)
{
	struct body *fit;

	puts_(o, "}\n");
	if (o->failed) {
		free(o->b);
		return NULL;
	}
	/* kept while any client reads it: not the doubling's slack too */
	fit = realloc(o->b, sizeof(*fit) + o->b->len + 1);
	if (fit)
		o->b = fit;
	atomic_init(&o->b->refs, 1);
	atomic_init(&o->b->gz, NULL);
	return o->b;
}

struct body *doc_wrap(uint64_t seq, const struct frag *f)
{
	struct out o = { 0 };

	put_seq(&o, seq);
	put_frag(&o, f);
	return done(&o);
}

/* ---------------------------------------------------------- namespaces */

const struct nsm_ns *doc_swept(const struct nsm_model *m,
			       const struct agent_ns *a)
{
	const struct nsm_ns *ns = nsm_ns_get(m, a->id);

	if (!ns || ns->type != a->type ||
	    (ns->ns_id && a->ns_id && ns->ns_id != a->ns_id))
		return NULL;
	return ns;
}

cJSON *doc_pending(const struct nsm_model *m, const struct agent_ns *a)
{
	const struct nsm_ns ns = {
		.id = a->id, .ns_id = a->ns_id, .type = a->type,
		.owner = a->owner, .parent = a->parent, .fd = -1,
		.initial = nsm_id_is_initial(a->type, a->id),
	};
	cJSON *o = nsm_json_namespace(m, &ns);

	cJSON_AddTrueToObject(o, "pending");
	return o;
}

static bool wanted(unsigned types, enum nsm_type type)
{
	return !types || (types & (1U << type));
}

/*
 * listed[i] (per m->ns[i]): the view has that namespace; seen[j] (per
 * v->ns[j]): the sweep lists it.
 */
static void match(const struct nsm_model *m, const struct agent_view *v,
		  unsigned types, bool *listed, bool *seen)
{
	const struct agent_ns *a;
	size_t i;

	for (i = 0; i < m->nns; i++) {
		if (!wanted(types, m->ns[i]->type))
			continue;
		a = agent_view_find(v, m->ns[i]->id);
		if (a && doc_swept(m, a) == m->ns[i]) {
			listed[i] = true;
			seen[a - v->ns] = true;
		}
	}
}

static void put_namespaces(struct out *o, const struct nsm_model *m,
			   const struct doc_text *t,
			   const struct agent_view *v, unsigned types,
			   const bool *listed, const bool *seen)
{
	struct frag f;
	bool first = true;
	size_t i;

	puts_(o, ",\"namespaces\":[");
	for (i = 0; i < m->nns; i++) {
		if (!listed[i])
			continue;
		if (!first)
			puts_(o, ",");
		put_frag(o, &t->ns[i]);
		first = false;
	}
	for (i = 0; i < v->n; i++) {
		if (seen[i] || !wanted(types, v->ns[i].type))
			continue;
		if (frag_of(doc_pending(m, &v->ns[i]), false, &f)) {
			o->failed = true;
			return;
		}
		if (!first)
			puts_(o, ",");
		put_frag(o, &f);
		free(f.s);
		first = false;
	}
	puts_(o, "]");
}

static void put_mounts(struct out *o, const struct nsm_model *m,
		       const struct doc_text *t, const bool *listed)
{
	char key[40];
	bool first = true;
	size_t i;

	puts_(o, ",\"mounts\":{");
	for (i = 0; i < m->nns; i++) {
		if (!listed[i] || !t->mnt[i].s)
			continue;
		snprintf(key, sizeof(key), "%s\"%llu\":", first ? "" : ",",
			 (unsigned long long)m->ns[i]->id);
		puts_(o, key);
		put_frag(o, &t->mnt[i]);
		first = false;
	}
	puts_(o, "}");
}

struct body *doc_namespaces(const struct nsm_model *m,
			    const struct doc_text *t,
			    const struct agent_view *v, unsigned types)
{
	bool *listed = calloc(m->nns + 1, sizeof(*listed));
	bool *seen = calloc(v->n + 1, sizeof(*seen));
	struct out o = { .failed = !listed || !seen };

	if (!o.failed) {
		match(m, v, types, listed, seen);
		put_seq(&o, v->seq);
		put_frag(&o, &t->head);
		put_namespaces(&o, m, t, v, types, listed, seen);
		puts_(&o, ",");
		put_frag(&o, &t->procs);
		put_mounts(&o, m, t, listed);
		puts_(&o, ",");
		put_frag(&o, &t->ctrs);
		puts_(&o, ",");
		put_frag(&o, &t->status);
	}
	free(listed);
	free(seen);
	return done(&o);
}
