// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_serve_sweep.c - the data endpoints' parts of `nsmon serve` that
 * need no server: the shared sweep (user/serve/sweep_cache.c: one in
 * flight, the requests that come meanwhile wait for its result, a result
 * reused for max_age, an error handed to its waiters) and the PID map
 * (user/serve/pidmap.c), over the fixture procfs tree
 * (tests/fixtures/mkfixtures.sh).
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

#include "nsm.h"
#include "pidmap.h"
#include "sweep_cache.h"

#define I_PID 4026531836ULL
#define NESTED_PID 4026532020ULL
#define NTHREADS 8

static char root[4096];

/* The sweep: the fixture tree discovered; ctx counts the runs. */
struct fake {
	struct sweep_cache *c;
	unsigned long wait_for;	/* hold until this many wait; 0: none */
	int err;		/* to return instead */
	atomic_int runs;
};

static int fixture_sweep(void *ctx, struct nsm_model **out)
{
	struct fake *f = ctx;
	struct nsm_opts o;
	int i;

	atomic_fetch_add(&f->runs, 1);
	/* until every other thread waits for this sweep (10 s at most) */
	for (i = 0; i < 10000 && f->wait_for &&
		    atomic_load(&f->c->waits) < f->wait_for; i++)
		usleep(1000);
	if (f->err)
		return f->err;
	nsm_opts_default(&o);
	o.proc_root = root;
	if (nsm_model_new(out, &o))
		return -EIO;
	return nsm_discover(*out);
}

struct getter {
	struct sweep_cache *c;
	struct sweep_res *r;
	int err;
};

static void *get_one(void *arg)
{
	struct getter *g = arg;

	g->err = sweep_get(g->c, &g->r);
	return NULL;
}

/* NTHREADS at once: one sweep, every one gets its result. */
static void shared(void **state)
{
	struct sweep_cache c;
	struct fake f = { .c = &c, .wait_for = NTHREADS - 1 };
	struct getter g[NTHREADS];
	pthread_t t[NTHREADS];
	struct sweep_res *r;
	int i;

	assert_int_equal(sweep_cache_init(&c, fixture_sweep, &f, 60000), 0);
	for (i = 0; i < NTHREADS; i++) {
		g[i] = (struct getter){ .c = &c };
		assert_int_equal(pthread_create(&t[i], NULL, get_one, &g[i]), 0);
	}
	for (i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(atomic_load(&f.runs), 1);
	assert_int_equal(c.sweeps, 1);
	assert_int_equal(c.waits, NTHREADS - 1);
	for (i = 0; i < NTHREADS; i++) {
		assert_int_equal(g[i].err, 0);
		assert_ptr_equal(g[i].r, g[0].r);
		assert_int_equal(g[i].r->n, 1);
		assert_non_null(nsm_proc_get(g[i].r->m, 800));
	}
	/* fresh for 60 s: the same result, no sweep */
	assert_int_equal(sweep_get(&c, &r), 0);
	assert_ptr_equal(r, g[0].r);
	assert_int_equal(c.sweeps, 1);
	sweep_put(r);
	for (i = 0; i < NTHREADS; i++)
		sweep_put(g[i].r);
	sweep_cache_destroy(&c);
}

/* max_age 0: a sweep per request; an old result lives while held. */
static void max_age_zero(void **state)
{
	struct sweep_cache c;
	struct fake f = { .c = &c };
	struct sweep_res *a, *b;

	assert_int_equal(sweep_cache_init(&c, fixture_sweep, &f, 0), 0);
	assert_int_equal(sweep_get(&c, &a), 0);
	assert_int_equal(sweep_get(&c, &b), 0);
	assert_int_equal(a->n, 1);
	assert_int_equal(b->n, 2);
	assert_ptr_not_equal(a->m, b->m);
	/* a was replaced in the cache but is still ours */
	assert_non_null(nsm_proc_get(a->m, 800));
	sweep_put(a);
	sweep_put(b);
	assert_int_equal(c.sweeps, 2);
	assert_int_equal(c.waits, 0);
	sweep_cache_destroy(&c);
}

/* A failed sweep: its error, nothing cached; the next request retries. */
static void failure(void **state)
{
	struct sweep_cache c;
	struct fake f = { .c = &c, .err = -EIO };
	struct sweep_res *r = NULL;

	assert_int_equal(sweep_cache_init(&c, fixture_sweep, &f, 60000), 0);
	assert_int_equal(sweep_get(&c, &r), -EIO);
	assert_null(r);
	f.err = 0;
	assert_int_equal(sweep_get(&c, &r), 0);
	assert_int_equal(r->n, 2);
	sweep_put(r);
	sweep_cache_destroy(&c);
}

static uint64_t finished(struct sweep_cache *c)
{
	uint64_t n;

	pthread_mutex_lock(&c->lock);
	n = c->finished;
	pthread_mutex_unlock(&c->lock);
	return n;
}

/*
 * The refresher: one request, and the next result comes without another
 * before the first expires; with no request for REFRESH_IDLE_MS, none.
 */
static void refresh_ahead(void **state)
{
	struct sweep_cache c;
	struct fake f = { .c = &c };
	struct sweep_res *r;
	unsigned long n;
	int i;

	assert_int_equal(sweep_cache_init(&c, fixture_sweep, &f, 300), 0);
	assert_int_equal(sweep_get(&c, &r), 0);
	assert_int_equal(r->n, 1);
	sweep_put(r);
	for (i = 0; i < 10000 && finished(&c) < 2; i++)
		usleep(1000);
	/* made by the refresher: its document too */
	pthread_mutex_lock(&c.lock);
	assert_true(c.finished >= 2);
	assert_true(c.cur->n >= 2);
	assert_non_null(c.cur->text);
	pthread_mutex_unlock(&c.lock);
	assert_int_equal(atomic_load(&c.waits), 0);
	/* nobody asks: it stops within the idle time and a sweep */
	usleep((REFRESH_IDLE_MS + 1000) * 1000);
	n = atomic_load(&c.sweeps);
	usleep(1000 * 1000);
	assert_int_equal(atomic_load(&c.sweeps), n);
	sweep_cache_destroy(&c);
}

/* The memo's maker: slow enough for every thread to ask meanwhile. */
static atomic_int makes;

static struct body *slow_make(void *ctx)
{
	struct body *b = body_new(3);

	atomic_fetch_add(&makes, 1);
	usleep(200 * 1000);
	memcpy(b->s, "doc", 4);
	return b;
}

struct asker {
	struct sweep_res *r;
	uint64_t seq;
	struct body *b;
};

static void *ask(void *arg)
{
	struct asker *a = arg;

	a->b = sweep_memo(a->r, MEMO_NAMESPACES, a->seq, 0, slow_make, NULL);
	return NULL;
}

/* NTHREADS ask for one answer at once: made once, the same bytes. */
static void memo_once(void **state)
{
	struct sweep_cache c;
	struct fake f = { .c = &c };
	struct asker a[NTHREADS];
	pthread_t t[NTHREADS];
	struct sweep_res *r;
	struct body *b;
	int i;

	assert_int_equal(sweep_cache_init(&c, fixture_sweep, &f, 60000), 0);
	assert_int_equal(sweep_get(&c, &r), 0);
	for (i = 0; i < NTHREADS; i++) {
		a[i] = (struct asker){ .r = r, .seq = 7 };
		assert_int_equal(pthread_create(&t[i], NULL, ask, &a[i]), 0);
	}
	for (i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(atomic_load(&makes), 1);
	for (i = 0; i < NTHREADS; i++) {
		assert_ptr_equal(a[i].b, a[0].b);
		body_put(a[i].b);
	}
	/* another seq: made again */
	b = sweep_memo(r, MEMO_NAMESPACES, 8, 0, slow_make, NULL);
	assert_int_equal(atomic_load(&makes), 2);
	assert_string_equal(b->s, "doc");
	body_put(b);
	sweep_put(r);
	sweep_cache_destroy(&c);
}

/* 800 is pid 1 of a nested PID namespace (NSpid 800 1, outermost first). */
static void pidmap(void **state)
{
	struct nsm_model *m;
	struct nsm_opts o;
	struct pidmap_ent v[4];
	struct nsm_proc *p;
	struct nsm_ns *ns;
	cJSON *j;
	char *s;

	nsm_opts_default(&o);
	o.proc_root = root;
	assert_int_equal(nsm_model_new(&m, &o), 0);
	assert_int_equal(nsm_discover(m), 0);
	p = nsm_proc_get(m, 800);
	assert_non_null(p);
	/* a fixture has no hierarchy: the outer level's namespace unknown */
	assert_int_equal(pidmap_of(m, p, v, 4), 2);
	assert_true(v[0].pidns == NESTED_PID && v[0].pid == 1);
	assert_true(v[1].pidns == 0 && v[1].pid == 800);
	/* with the parent link NS_GET_PARENT would give */
	ns = nsm_ns_get(m, NESTED_PID);
	assert_non_null(ns);
	ns->parent = I_PID;
	assert_int_equal(pidmap_of(m, p, v, 4), 2);
	assert_true(v[1].pidns == I_PID && v[1].pid == 800);
	/* bounded by max */
	assert_int_equal(pidmap_of(m, p, v, 1), 1);
	j = pidmap_json(m, p);
	s = cJSON_PrintUnformatted(j);
	assert_string_equal(s, "{\"pid\":800,\"nspids\":["
			       "{\"pidns\":4026532020,\"pid\":1},"
			       "{\"pidns\":4026531836,\"pid\":800}]}");
	free(s);
	cJSON_Delete(j);
	/* a host process: one level, its own namespace */
	p = nsm_proc_get(m, 1);
	assert_int_equal(pidmap_of(m, p, v, 4), 1);
	assert_true(v[0].pidns == I_PID && v[0].pid == 1);
	nsm_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shared),
		cmocka_unit_test(max_age_zero),
		cmocka_unit_test(refresh_ahead),
		cmocka_unit_test(memo_once),
		cmocka_unit_test(failure),
		cmocka_unit_test(pidmap),
	};
	const char *d = getenv("NSM_FIXTURES");

	snprintf(root, sizeof(root), "%s/proc-basic",
		 d && *d ? d : "build/fixtures");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
