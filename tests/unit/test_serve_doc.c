// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_serve_doc.c - /api/namespaces assembled from a sweep's pieces
 * (user/serve/doc_text.c) is the document json.c encodes at once, with
 * the view's namespaces: the same JSON for a view of every namespace, a
 * ?type= filter, a namespace the sweep has not ("pending") and one the
 * view has not (left out, with its mount table); and the published view
 * of the agent (user/agent/publish.c): a reader waits only for a stale
 * view, and a publish happens only for a reader.  Over the fixture
 * procfs tree (tests/fixtures/mkfixtures.sh).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "doc_text.h"
#include "json.h"
#include "publish.h"

#define PENDING_ID 4026599999ULL

static char root[4096];

static struct nsm_model *fixture(void)
{
	struct nsm_model *m;
	struct nsm_opts o;

	nsm_opts_default(&o);
	o.proc_root = root;
	o.details = true;
	assert_int_equal(nsm_model_new(&m, &o), 0);
	assert_int_equal(nsm_discover(m), 0);
	return m;
}

/* A view of m's namespaces but skip (0: none), and one more if extra. */
static struct agent_view *view_of(const struct nsm_model *m, uint64_t skip,
				  bool extra)
{
	struct agent_view *v = agent_view_new(m->nns + 1, 42);
	size_t i;

	assert_non_null(v);
	v->n = 0;
	for (i = 0; i < m->nns; i++)
		if (m->ns[i]->id != skip)
			v->ns[v->n++] = (struct agent_ns){
				.id = m->ns[i]->id, .ns_id = m->ns[i]->ns_id,
				.owner = m->ns[i]->owner,
				.parent = m->ns[i]->parent,
				.type = m->ns[i]->type,
			};
	if (extra)
		v->ns[v->n++] = (struct agent_ns){ .id = PENDING_ID,
						   .type = NSM_NET };
	agent_view_seal(v);
	return v;
}

struct sel_ctx {
	const struct agent_view *v;
	unsigned types;
};

static bool keep(void *ctx, const struct nsm_ns *ns)
{
	const struct sel_ctx *k = ctx;

	return (!k->types || (k->types & (1U << ns->type))) &&
	       agent_view_find(k->v, ns->id);
}

/* What json.c makes of the same: the reference. */
static cJSON *reference(const struct nsm_model *m,
			const struct agent_view *v, unsigned types)
{
	struct sel_ctx k = { v, types };
	const struct nsm_json_sel sel = { keep, &k };
	cJSON *doc = cJSON_CreateObject(), *a;
	size_t i;

	cJSON_AddNumberToObject(doc, "seq", (double)v->seq);
	nsm_json_fill(doc, m, &sel);
	a = cJSON_GetObjectItemCaseSensitive(doc, "namespaces");
	for (i = 0; i < v->n; i++)
		if (!nsm_ns_get(m, v->ns[i].id) &&
		    (!types || (types & (1U << v->ns[i].type))))
			cJSON_AddItemToArray(a, doc_pending(m, &v->ns[i]));
	return doc;
}

/* The same bytes: json.c's text and a newline. */
static void same(const struct nsm_model *m, const struct doc_text *t,
		 const struct agent_view *v, unsigned types)
{
	struct body *b = doc_namespaces(m, t, v, types);
	cJSON *want = reference(m, v, types);
	char *w = cJSON_PrintUnformatted(want);
	size_t i;

	assert_non_null(b);
	assert_non_null(w);
	assert_int_equal(strlen(b->s), b->len);
	for (i = 0; b->s[i] && b->s[i] == w[i]; i++)
		;
	if (i != strlen(w) || strcmp(b->s + i, "\n"))
		fail_msg("assembled and encoded differ at byte %zu:\n%.300s\n%.300s",
			 i, b->s + (i > 100 ? i - 100 : 0),
			 w + (i > 100 ? i - 100 : 0));
	free(w);
	cJSON_Delete(want);
	body_put(b);
}

static uint64_t first_of(const struct nsm_model *m, enum nsm_type type)
{
	size_t i;

	for (i = 0; i < m->nns; i++)
		if (m->ns[i]->type == type && m->ns[i]->mounts)
			return m->ns[i]->id;
	for (i = 0; i < m->nns; i++)
		if (m->ns[i]->type == type)
			return m->ns[i]->id;
	return 0;
}

static void assembled_is_encoded(void **state)
{
	struct nsm_model *m = fixture();
	struct doc_text *t;
	struct agent_view *v;
	uint64_t mnt = first_of(m, NSM_MNT);

	assert_int_equal(doc_text_new(m, &t), 0);
	v = view_of(m, 0, false);
	same(m, t, v, 0);
	same(m, t, v, 1U << NSM_NET | 1U << NSM_USER);
	same(m, t, v, 1U << NSM_MNT);
	agent_view_put(v);
	/* a mount namespace gone from the view: its table goes with it */
	assert_true(mnt != 0);
	v = view_of(m, mnt, true);
	same(m, t, v, 0);
	same(m, t, v, 1U << NSM_NET);
	agent_view_put(v);
	doc_text_free(t);
	nsm_model_free(m);
}

/* ------------------------------------------------------------ publish */

static int64_t clock_ns;
static atomic_int wakes;

static int64_t fake_now(void)
{
	return clock_ns;
}

/* The agent's eventfd write: counted; the "agent" is the test. */
static void fake_wake(void *ctx)
{
	atomic_fetch_add(&wakes, 1);
}

struct reader {
	struct pub *p;
	struct agent_view *v;
};

static void *read_one(void *arg)
{
	struct reader *r = arg;

	r->v = pub_get(r->p);
	return NULL;
}

static void publish_on_demand(void **state)
{
	struct reader r;
	struct pub p;
	pthread_t t;
	int i;

	clock_ns = 1000000000LL;
	assert_int_equal(pub_init(&p, fake_now, fake_wake, NULL), 0);
	/* nobody took the first view: the agent copies nothing */
	assert_false(pub_due(&p, 5, false));
	assert_true(pub_due(&p, 5, true));
	pub_swap(&p, agent_view_new(0, 5));
	/* a reader on time: no wait, no wake */
	r = (struct reader){ .p = &p, .v = pub_get(&p) };
	assert_int_equal(r.v->seq, 5);
	agent_view_put(r.v);
	assert_int_equal(atomic_load(&wakes), 0);
	/* taken and behind, but younger than the age: no copy, no wait */
	assert_false(pub_due(&p, 9, false));
	r.v = pub_get(&p);
	assert_int_equal(r.v->seq, 5);
	agent_view_put(r.v);
	assert_int_equal(atomic_load(&wakes), 0);
	/* older: a reader wakes the agent and waits for its copy */
	clock_ns += PUB_MAX_AGE_NS;
	r.v = NULL;
	assert_int_equal(pthread_create(&t, NULL, read_one, &r), 0);
	for (i = 0; i < 10000 && !atomic_load(&wakes); i++)
		usleep(1000);
	assert_int_equal(atomic_load(&wakes), 1);
	assert_true(pub_due(&p, 9, false));
	pub_swap(&p, agent_view_new(0, 9));
	pthread_join(t, NULL);
	assert_int_equal(r.v->seq, 9);
	agent_view_put(r.v);
	/* closed: a stale view is taken as it is, no wake */
	(void)pub_due(&p, 12, false);
	clock_ns += PUB_MAX_AGE_NS;
	pub_close(&p);
	r.v = pub_get(&p);
	assert_int_equal(r.v->seq, 9);
	assert_int_equal(atomic_load(&wakes), 1);
	agent_view_put(r.v);
	pub_destroy(&p);
}

/* The gzip encoding inflates to the body's bytes, and is made once. */
static void gzip_once(void **state)
{
	struct body *b = body_new(200000), *z, *z2;
	char *back = malloc(b->len + 1);
	z_stream s = { 0 };
	size_t i;

	assert_non_null(back);
	for (i = 0; i < b->len; i++)	/* JSON-like, and not all one byte */
		b->s[i] = "{\"id\":4026531840,\"type\":\"net\"},"[i % 31] +
			  (i % 1021 == 0);
	z = body_gzip(b);
	assert_non_null(z);
	assert_true(z->len > 18 && z->len < b->len / 4);
	/* the gzip magic: a client's decoder needs its header */
	assert_int_equal((unsigned char)z->s[0], 0x1f);
	assert_int_equal((unsigned char)z->s[1], 0x8b);
	z2 = body_gzip(b);
	assert_ptr_equal(z, z2);
	assert_int_equal(inflateInit2(&s, 15 + 16), Z_OK);
	s.next_in = (Bytef *)z->s;
	s.avail_in = z->len;
	s.next_out = (Bytef *)back;
	s.avail_out = b->len + 1;
	assert_int_equal(inflate(&s, Z_FINISH), Z_STREAM_END);
	assert_int_equal(s.total_out, b->len);
	assert_memory_equal(back, b->s, b->len);
	inflateEnd(&s);
	free(back);
	/* the encoding lives as long as its last reader, not its body */
	body_put(z2);
	body_put(b);
	assert_int_equal((unsigned char)z->s[0], 0x1f);
	body_put(z);
}

static int setup(void **state)
{
	const char *d = getenv("NSM_FIXTURES");

	snprintf(root, sizeof(root), "%s/proc-basic",
		 d && *d ? d : "build/fixtures");
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(assembled_is_encoded),
		cmocka_unit_test(publish_on_demand),
		cmocka_unit_test(gzip_once),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
