// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * api_doc.c - the answers made of the discover document (docs/http-api.md):
 * /api/namespaces, /api/namespaces/ID, /api/processes, /api/pidmap,
 * /api/mounts?ns=ID, /api/containers.  Every one is encoded by the agent
 * library's json.c, the encoder of `nsmon discover`.
 *
 * Two sources meet here.  The live model (agent_view_get()) says which
 * namespaces exist as of its seq, the last event folded into it; it holds
 * ids, owners and parents only.  The rest (refs, processes, mounts,
 * containers) comes from a discovery sweep shared by the requests
 * (sweep_cache.c), at most --max-age old.  /api/namespaces lists exactly
 * the live model's namespaces, so that the stream from its seq on
 * (/api/events with Last-Event-ID) applies to it: a create after the seq
 * is for a namespace the list does not have, a destroy for one it has.
 * A namespace of the model that the sweep has not (it came after the
 * sweep, or went before it) is listed from the model alone, "pending":
 * true; one of the sweep that the model has not (its create comes in
 * the stream, or its destroy came already) is left out.  An inode number
 * is taken for the same namespace only with the same ns_id, where both
 * have one (an inode number is reused soon; an ns_id never is).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "pidmap.h"
#include "serve_int.h"

/* the nesting limits (user and PID namespaces: 32 deep), with a margin */
#define MAX_ANCESTORS 64

/* The live model as published, and a sweep. */
struct view {
	struct agent_view *live;
	struct sweep_res *r;
	unsigned types;		/* ?type=; 0: every type */
};

static void view_close(struct view *v)
{
	agent_view_put(v->live);
	sweep_put(v->r);
}

/*
 * The sweep first, the live model after it: the answer's seq is the
 * newest published.  -errno: the sweep's.
 */
static int view_open(struct serve *s, struct view *v, unsigned types)
{
	int err;

	memset(v, 0, sizeof(*v));
	v->types = types;
	err = sweep_get(&s->sweeps, &v->r);
	if (err)
		return err;
	v->live = agent_view_get(s->agent);
	return 0;
}

/* The live model's namespace a, as the document lists it. */
static cJSON *entry(const struct view *v, const struct agent_ns *a)
{
	const struct nsm_ns *ns = doc_swept(v->r->m, a);

	return ns ? nsm_json_namespace(v->r->m, ns) : doc_pending(v->r->m, a);
}

/* doc (freed) as compact JSON and a newline; NULL: out of memory. */
static struct body *render(cJSON *doc)
{
	char *p = doc ? cJSON_PrintUnformatted(doc) : NULL;
	struct body *b = NULL;
	size_t len;

	cJSON_Delete(doc);
	if (p) {
		len = strlen(p);
		b = body_new(len + 1);
	}
	if (b) {
		memcpy(b->s, p, len);
		b->s[len] = '\n';
	}
	free(p);
	return b;
}

static void body_free_cb(void *cls)
{
	body_put(cls);
}

/* below this an answer goes as it is: gzip would save less than its cost */
#define GZIP_MIN 1024

/*
 * 200 with b (taken), the sweep's number in X-Nsmon-Sweep; gzip-encoded
 * when the client takes it (q->gzip) and b is worth it.
 */
static enum MHD_Result send_body(struct serve *s, struct MHD_Connection *c,
				 struct body *b, const struct view *v,
				 const struct query *q)
{
	struct MHD_Response *resp;
	struct body *z = NULL;
	char num[24];

	if (!b)
		return serve_error(s, c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				   "out of memory");
	if (q->gzip && b->len >= GZIP_MIN) {
		s->gz_asked = true;
		/* no memory for it: the identity still goes */
		z = body_gzip(b);
		if (z) {
			body_put(b);
			b = z;
			atomic_fetch_add(&s->gz_answers, 1);
		}
	}
	/* the bytes are shared with the memo and other responses: no copy */
	resp = MHD_create_response_from_buffer_with_free_callback_cls(
		b->len, b->s, body_free_cb, b);
	if (!resp) {
		body_put(b);
		return MHD_NO;
	}
	snprintf(num, sizeof(num), "%llu", (unsigned long long)v->r->n);
	MHD_add_response_header(resp, "X-Nsmon-Sweep", num);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
	if (z)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING,
					"gzip");
	return serve_queue(s, c, MHD_HTTP_OK, resp, "application/json");
}

static enum MHD_Result send_doc(struct serve *s, struct MHD_Connection *c,
				cJSON *doc, const struct view *v,
				const struct query *q)
{
	return send_body(s, c, render(doc), v, q);
}

/* {"seq": N}: the object every answer starts with */
static cJSON *doc_new(const struct view *v)
{
	cJSON *doc = cJSON_CreateObject();

	cJSON_AddNumberToObject(doc, "seq", (double)v->live->seq);
	return doc;
}

/* ------------------------------------------------------------ answers */

/* Ids from ns's parent (user, pid) or owner (the rest) up to the root. */
static void add_ancestors(cJSON *doc, const struct view *v,
			  const struct agent_ns *a)
{
	cJSON *arr = cJSON_AddArrayToObject(doc, "ancestors");
	uint64_t up = a->type == NSM_USER || a->type == NSM_PID ? a->parent :
								   a->owner;
	const struct nsm_ns *ns;
	const struct agent_ns *l;
	int i;

	for (i = 0; arr && up && i < MAX_ANCESTORS; i++) {
		cJSON_AddItemToArray(arr, cJSON_CreateNumber((double)up));
		l = agent_view_find(v->live, up);
		ns = nsm_ns_get(v->r->m, up);
		up = ns ? ns->parent : l ? l->parent : 0;
	}
}

/* A user namespace's: the other namespaces it owns, by id. */
static void add_owned(cJSON *doc, const struct nsm_model *m, uint64_t id)
{
	cJSON *arr = cJSON_AddArrayToObject(doc, "owned");
	size_t i;

	for (i = 0; arr && i < m->nns; i++)
		if (m->ns[i]->owner == id && m->ns[i]->type != NSM_USER)
			cJSON_AddItemToArray(
				arr, cJSON_CreateNumber((double)m->ns[i]->id));
}

static void add_mount_table(cJSON *doc, const char *key,
			    const struct nsm_mounts *mt)
{
	cJSON *arr;
	size_t i;

	if (!mt) {
		cJSON_AddNullToObject(doc, key);
		return;
	}
	arr = cJSON_AddArrayToObject(doc, key);
	for (i = 0; arr && i < mt->n; i++)
		cJSON_AddItemToArray(arr, nsm_json_mount(&mt->v[i]));
}

/* The sweep's details of ns: processes, containers, children. */
static void add_details(cJSON *doc, const struct view *v,
			const struct nsm_ns *ns)
{
	const struct nsm_model *m = v->r->m;
	cJSON *p = cJSON_AddArrayToObject(doc, "processes");
	cJSON *ct = cJSON_AddArrayToObject(doc, "containers");
	cJSON *ch = cJSON_AddArrayToObject(doc, "children");
	const struct nsm_proc *proc;
	const struct nsm_ns *child;
	size_t i;

	for (i = 0; ns && p && i < ns->procs.n; i++) {
		proc = nsm_proc_get(m, ns->procs.v[i]);
		if (proc)
			cJSON_AddItemToArray(p, nsm_json_process(m, proc));
	}
	for (i = 0; ns && ct && i < ns->nctrs; i++)
		cJSON_AddItemToArray(ct, nsm_json_container(ns->ctrs[i]));
	for (i = 0; ns && ch && i < ns->children.n; i++) {
		child = nsm_ns_get(m, ns->children.v[i]);
		if (child)
			cJSON_AddItemToArray(ch, nsm_json_namespace(m, child));
	}
}

static enum MHD_Result one_namespace(struct serve *s, struct MHD_Connection *c,
				     struct view *v, uint64_t want,
				     const struct query *q)
{
	const struct agent_ns *a = agent_view_find(v->live, want);
	const struct nsm_ns *ns;
	cJSON *doc;

	if (!a)
		return serve_error(s, c, MHD_HTTP_NOT_FOUND,
				   "no such namespace");
	if (q->mounts && a->type != NSM_MNT)
		return serve_error(s, c, MHD_HTTP_BAD_REQUEST,
				   "mounts=1 is for a mount namespace");
	ns = doc_swept(v->r->m, a);
	doc = doc_new(v);
	cJSON_AddItemToObject(doc, "namespace", entry(v, a));
	add_details(doc, v, ns);
	add_ancestors(doc, v, a);
	if (a->type == NSM_USER)
		add_owned(doc, v->r->m, a->id);
	if (q->mounts)
		add_mount_table(doc, "mounts", ns ? ns->mounts : NULL);
	return send_doc(s, c, doc, v, q);
}

/* The PID map: of the sweep alone, but rarer than the rest. */
static cJSON *pidmap(const struct view *v)
{
	const struct nsm_model *m = v->r->m;
	cJSON *doc = doc_new(v), *a = cJSON_AddArrayToObject(doc, "pidmap");
	size_t i;

	for (i = 0; a && i < m->nprocs; i++)
		cJSON_AddItemToArray(a, pidmap_json(m, m->procs[i]));
	return doc;
}

static enum MHD_Result mounts(struct serve *s, struct MHD_Connection *c,
			      const struct view *v, const struct query *q)
{
	const struct nsm_ns *ns = nsm_ns_get(v->r->m, q->ns);
	cJSON *doc;

	if (!ns || ns->type != NSM_MNT)
		return serve_error(s, c, MHD_HTTP_NOT_FOUND,
				   "no such mount namespace");
	if (!ns->mounts)
		return serve_error(s, c, MHD_HTTP_NOT_FOUND,
				   "its mount table could not be read");
	doc = cJSON_CreateObject();
	cJSON_AddNumberToObject(doc, "ns", (double)ns->id);
	cJSON_AddNumberToObject(doc, "seq", (double)v->live->seq);
	add_mount_table(doc, "mounts", ns->mounts);
	return send_doc(s, c, doc, v, q);
}

void api_doc_metrics(FILE *f, struct serve *s)
{
	fputs("# HELP nsmon_api_sweeps_total Discovery sweeps run for the "
	      "data endpoints.\n# TYPE nsmon_api_sweeps_total counter\n", f);
	fprintf(f, "nsmon_api_sweeps_total %lu\n",
		(unsigned long)s->sweeps.sweeps);
	fputs("# HELP nsmon_api_sweep_waits_total Requests that waited for "
	      "the sweep in flight instead of running one.\n"
	      "# TYPE nsmon_api_sweep_waits_total counter\n", f);
	fprintf(f, "nsmon_api_sweep_waits_total %lu\n",
		(unsigned long)s->sweeps.waits);
}

/* A whole-list answer, from the sweep's pieces: what memo makes. */
struct build {
	struct view *v;
	int kind;
};

static struct body *build(void *ctx)
{
	const struct build *w = ctx;
	struct view *v = w->v;
	const struct doc_text *t;

	if (w->kind == MEMO_PIDMAP)
		return render(pidmap(v));
	t = sweep_text(v->r);
	if (!t)
		return NULL;
	switch (w->kind) {
	case MEMO_NAMESPACES:
		return doc_namespaces(v->r->m, t, v->live, v->types);
	case MEMO_CONTAINERS:
		return doc_wrap(v->live->seq, &t->ctrs);
	default:
		return doc_wrap(v->live->seq, &t->procs);
	}
}

/*
 * A whole-list answer, made once per sweep, seq and ?type=: clients
 * that poll between two events get the same bytes.
 */
static enum MHD_Result memoized(struct serve *s, struct MHD_Connection *c,
				struct view *v, int kind,
				const struct query *q)
{
	struct build w = { v, kind };

	return send_body(s, c, sweep_memo(v->r, kind, v->live->seq, v->types,
					  build, &w), v, q);
}

void api_doc_prep(void *ctx, struct sweep_res *r)
{
	struct serve *s = ctx;
	struct view v = { .r = r, .live = agent_view_get(s->agent) };
	struct build w = { &v, MEMO_NAMESPACES };
	struct body *b = sweep_memo(r, MEMO_NAMESPACES, v.live->seq, 0, build,
				    &w);

	/* the clients have taken gzip: theirs made ahead too */
	if (b && s->gz_asked)
		body_put(body_gzip(b));
	body_put(b);
	agent_view_put(v.live);
}

/* ------------------------------------------------------------ routing */

#define NS_PREFIX "/api/namespaces/"

int api_doc_args(const char *url)
{
	if (!strcmp(url, "/api/namespaces"))
		return Q_TYPE;
	if (!strncmp(url, NS_PREFIX, strlen(NS_PREFIX)))
		return Q_MOUNTS;
	if (!strcmp(url, "/api/processes") || !strcmp(url, "/api/pidmap") ||
	    !strcmp(url, "/api/containers"))
		return 0;
	if (!strcmp(url, "/api/mounts"))
		return Q_NS;
	return -1;
}

enum MHD_Result api_doc(struct serve *s, struct MHD_Connection *c,
			const char *url, const struct query *q)
{
	bool one = !strncmp(url, NS_PREFIX, strlen(NS_PREFIX));
	enum MHD_Result ret;
	struct view v;
	uint64_t id = 0;
	int err;

	/* before the sweep: a 400 costs none */
	if (one && nsm_parse_u64(url + strlen(NS_PREFIX), &id))
		return serve_error(s, c, MHD_HTTP_BAD_REQUEST, "bad id");
	if (!strcmp(url, "/api/mounts") && !(q->seen & Q_NS))
		return serve_error(s, c, MHD_HTTP_BAD_REQUEST,
				   "/api/mounts needs ns=ID");
	err = view_open(s, &v, q->types);
	if (err)
		return serve_error(s, c, err == -ENOMEM ?
				   MHD_HTTP_INTERNAL_SERVER_ERROR :
				   MHD_HTTP_SERVICE_UNAVAILABLE,
				   err == -ENOMEM ? "out of memory" :
				   "the discovery sweep failed");
	if (one)
		ret = one_namespace(s, c, &v, id, q);
	else if (!strcmp(url, "/api/mounts"))
		ret = mounts(s, c, &v, q);
	else if (!strcmp(url, "/api/namespaces"))
		ret = memoized(s, c, &v, MEMO_NAMESPACES, q);
	else if (!strcmp(url, "/api/containers"))
		ret = memoized(s, c, &v, MEMO_CONTAINERS, q);
	else if (!strcmp(url, "/api/pidmap"))
		ret = memoized(s, c, &v, MEMO_PIDMAP, q);
	else
		ret = memoized(s, c, &v, MEMO_PROCESSES, q);
	view_close(&v);
	return ret;
}
