// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_agent_liveness.c - when the agent reports a destroy the feed
 * cannot see (user/agent/liveness.c over the real reconciler): a fake
 * clock, a fake nsfs check whose namespaces die when the test says, and
 * the agent's wait emulated (it sleeps until the next check is due, at
 * most POLL_MS).  A namespace that dies 0.2 s, 2 s, 8 s or 12 s after
 * the hint is reported at the first check after its death: the 250 ms
 * step, the 2 s and 8 s steps (every second up to the lazy-RCU horizon),
 * the safety net; with the via of how it was held.  After an exit the
 * early steps sweep too (liveness_ops.gone), at most GONE_DUTY times
 * their cost.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "liveness.h"
#include "reconcile.h"

#define POLL_MS 250	/* the agent's longest wait (agent.c) */
#define T0 (100 * 1000 * MS_NS)	/* the clock's start: 100 s of uptime */

static int64_t now_ns;

static int64_t fake_clock(void)
{
	return now_ns;
}

/* The namespaces of a test and when each dies (clock ns; 0: never). */
struct fake {
	uint64_t id[4];
	int64_t dies_at[4];
	int checks[4];		/* alive() calls on each */
	int n;
	int consumed;
	/* the destroy reported: when, and its via */
	int64_t gone_at;
	char via[16];
	int destroys;
	int gones;		/* gone sweeps run */
	int gone_cost_ms;	/* what each takes of the fake clock */
};

static int fake_alive(void *ctx, enum nsm_type type, uint64_t id,
		      uint64_t ns_id)
{
	struct fake *f = ctx;
	int i;

	for (i = 0; i < f->n; i++) {
		if (f->id[i] != id)
			continue;
		f->checks[i]++;
		return !f->dies_at[i] || now_ns < f->dies_at[i];
	}
	return 1;
}

static int fake_consume(void *ctx)
{
	struct fake *f = ctx;

	f->consumed++;
	return 0;
}

static int sink(void *ctx, uint64_t seq, const struct wev *e)
{
	struct fake *f = ctx;

	if (!e || e->kind != WEV_DESTROY)
		return 0;
	f->destroys++;
	f->gone_at = now_ns;
	snprintf(f->via, sizeof(f->via), "%s", e->via);
	return 0;
}

static int fake_gone(void *ctx)
{
	struct fake *f = ctx;

	f->gones++;
	now_ns += f->gone_cost_ms * MS_NS;
	return 0;
}

static const struct liveness_ops ops = {
	.alive = fake_alive,
	.consume = fake_consume,
	.gone = fake_gone,
};

struct bench {
	struct fake f;
	struct rc *rc;
	struct liveness lv;
};

static void bench_open(struct bench *b)
{
	struct rc_opts o = {
		.emit = sink,
		.types = (1U << NSM_NTYPES) - 1,
		.initial = true,
	};

	memset(b, 0, sizeof(*b));
	now_ns = T0;
	o.emit_ctx = &b->f;
	assert_int_equal(rc_new(&b->rc, &o), 0);
	liveness_init(&b->lv, &ops, &b->f, fake_clock, b->rc, true);
	liveness_start(&b->lv);
}

static void bench_close(struct bench *b)
{
	rc_free(b->rc);
}

/* A namespace the feed reported made (the model knows no holder). */
static void feed_create(struct bench *b, enum nsm_type type, uint64_t id,
			int64_t dies_after_ms)
{
	struct wev e = {
		.kind = WEV_CREATE,
		.via = "unshare",
		.type = type,
		.id = id,
		.ns_id = id + 1,
	};

	b->f.id[b->f.n] = id;
	b->f.dies_at[b->f.n++] = dies_after_ms ? now_ns + dies_after_ms * MS_NS
					       : 0;
	rc_event(b->rc, &e);
}

/* A namespace a sweep found, held by processes or a bind mount. */
static void swept(struct bench *b, enum nsm_type type, uint64_t id,
		  bool procs, int64_t dies_after_ms)
{
	struct nsm_opts o;
	struct nsm_model *m;
	struct nsm_ns *ns;

	nsm_opts_default(&o);
	o.bpf = false;
	assert_int_equal(nsm_model_new(&m, &o), 0);
	assert_int_equal(nsm_ns_add(m, id, type, &ns), 0);
	ns->ns_id = id + 1;
	if (procs)
		assert_int_equal(nsm_pids_add(&ns->procs, 42), 0);
	else
		assert_int_equal(nsm_ns_add_ref(ns, NSM_VIA_BINDMOUNT, 0, -1,
						"/run/netns/x", 1), 0);
	rc_sync(b->rc, m, "start");
	nsm_model_free(m);
	b->f.id[b->f.n] = id;
	b->f.dies_at[b->f.n++] = now_ns + dies_after_ms * MS_NS;
}

/*
 * The agent's loop for ms of fake time: sleep until the next check is
 * due (rounded up to the next ms, at most POLL_MS), then run the check.
 */
static void run_for(struct bench *b, int64_t ms)
{
	int64_t end = now_ns + ms * MS_NS;

	while (now_ns < end) {
		int64_t due = liveness_due_ms(&b->lv);

		now_ns += (due < 0 ? 0 : due < POLL_MS ? due + 1 : POLL_MS) *
			  MS_NS;
		liveness_run(&b->lv);
	}
}

/* When the destroy came, in ms after t (-1: none). */
static int64_t gone_ms(const struct bench *b, int64_t t)
{
	return b->f.destroys ? (b->f.gone_at - t) / MS_NS : -1;
}

/* An exit hint at t; the user namespace dies dies_ms later. */
static int64_t user_dies(struct bench *b, int64_t dies_ms, int64_t *t)
{
	feed_create(b, NSM_USER, 5000, 0);
	*t = now_ns;
	b->f.dies_at[0] = *t + dies_ms * MS_NS;
	liveness_hint(&b->lv, RC_HINT_EXIT);
	run_for(b, 20000);
	assert_int_equal(b->f.destroys, 1);
	assert_string_equal(b->f.via, "exit");
	return gone_ms(b, *t);
}

/* 0.2 s: not at the 5 to 150 ms steps, at the 250 ms one. */
static void test_dies_after_200ms(void **state)
{
	struct bench b;
	int64_t t, ms;

	bench_open(&b);
	ms = user_dies(&b, 200, &t);
	assert_in_range(ms, 250, 251);
	/* the feed was read before the check */
	assert_true(b.f.consumed > 0);
	bench_close(&b);
}

/* 2 s: the 1 s step saw it alive, the 2 s step sees it gone. */
static void test_dies_after_2s(void **state)
{
	struct bench b;
	int64_t t;

	bench_open(&b);
	assert_in_range(user_dies(&b, 2000, &t), 2000, 2001);
	bench_close(&b);
}

/*
 * 8 s: the kernel's lazy RCU may take that long to free a user
 * namespace's last credentials; the steps go on every second until 11 s.
 */
static void test_dies_after_8s(void **state)
{
	struct bench b;
	int64_t t;

	bench_open(&b);
	assert_in_range(user_dies(&b, 8000, &t), 8000, 8001);
	bench_close(&b);
}

/* the time between two parts of the safety net */
#define PART_MS (LIVENESS_MS / LIVENESS_PARTS)

/*
 * 12 s: after the steps (the last at 11 s), only the safety net: its
 * part comes within LIVENESS_MS.
 */
static void test_dies_after_12s(void **state)
{
	struct bench b;
	int64_t t;

	bench_open(&b);
	assert_in_range(user_dies(&b, 12000, &t), 12000,
			12000 + LIVENESS_MS + PART_MS);
	/* the round of checks is over: idle, the hints forgotten */
	assert_true(liveness_idle(&b.lv));
	bench_close(&b);
}

/*
 * Without a hint, a bind-mounted net namespace that goes (a umount the
 * feed missed) is found by the safety net alone, via umount.
 */
static void test_safety_net(void **state)
{
	struct bench b;
	int64_t t;

	bench_open(&b);
	t = now_ns;
	swept(&b, NSM_NET, 6000, false, 100);
	/* one round of the parts, and the loop's overshoot (POLL_MS) */
	run_for(&b, LIVENESS_MS + POLL_MS);
	assert_int_equal(b.f.destroys, 1);
	assert_in_range(gone_ms(&b, t), 100, LIVENESS_MS + PART_MS);
	/* looked at once: by its part of the safety net, at a poll */
	assert_int_equal(b.f.checks[0], 1);
	assert_string_equal(b.f.via, "umount");
	bench_close(&b);
}

/*
 * A net namespace a process held at the last sweep is not checked at
 * the early steps (its process's exit would have been reported by the
 * feed), only at CHECK_ALL_AT_MS, when every namespace is.
 */
static void test_held_by_procs_from_check_all(void **state)
{
	struct bench b;
	int64_t t;

	bench_open(&b);
	swept(&b, NSM_NET, 7000, true, 100);
	t = now_ns;
	liveness_hint(&b.lv, RC_HINT_EXIT);
	/* ten early steps, but at most its part of the safety net looked */
	run_for(&b, 500);
	assert_in_range(b.f.checks[0], 0, 1);
	run_for(&b, 1000);
	assert_int_equal(b.f.destroys, 1);
	assert_in_range(gone_ms(&b, t), 100, CHECK_ALL_AT_MS + 1);
	assert_string_equal(b.f.via, "exit");
	bench_close(&b);
}

/* A close hint that named the namespace: via close, whatever held it. */
static void test_closed_fd(void **state)
{
	struct bench b;
	int64_t t;

	bench_open(&b);
	feed_create(&b, NSM_UTS, 8000, 5);
	t = now_ns;
	liveness_closed(&b.lv, 8000);
	liveness_hint(&b.lv, RC_HINT_CLOSE);
	run_for(&b, 100);
	assert_int_equal(b.f.destroys, 1);
	assert_in_range(gone_ms(&b, t), 5, 6);
	assert_string_equal(b.f.via, "close");
	bench_close(&b);
}

/*
 * After an exit the steps up to GONE_UNTIL_MS sweep (5, 15, 30, 45, 60,
 * 80, 100, 150, 250, 500, 1000 ms); not after a close alone.  A sweep that costs 40 ms is not run again within GONE_DUTY
 * times that.
 */
static void test_gone_sweeps(void **state)
{
	struct bench b;

	bench_open(&b);
	liveness_hint(&b.lv, RC_HINT_CLOSE);
	run_for(&b, 12000);
	assert_int_equal(b.f.gones, 0);
	liveness_hint(&b.lv, RC_HINT_EXIT);
	run_for(&b, 12000);
	assert_int_equal(b.f.gones, 11);

	b.f.gones = 0;
	b.f.gone_cost_ms = 40;
	liveness_hint(&b.lv, RC_HINT_EXIT);
	run_for(&b, 12000);
	/* 5 (until 45, then none before 205), 250, 500, 1000 */
	assert_int_equal(b.f.gones, 4);
	bench_close(&b);
}

/* Without nsfs handles (before 6.18) nothing is ever checked. */
static void test_no_handles(void **state)
{
	struct bench b;

	bench_open(&b);
	b.lv.handles = false;
	feed_create(&b, NSM_USER, 9000, 1);
	liveness_hint(&b.lv, RC_HINT_EXIT);
	now_ns += 20000 * MS_NS;
	assert_int_equal(liveness_run(&b.lv), 0);
	assert_int_equal(b.f.destroys, 0);
	bench_close(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dies_after_200ms),
		cmocka_unit_test(test_dies_after_2s),
		cmocka_unit_test(test_dies_after_8s),
		cmocka_unit_test(test_dies_after_12s),
		cmocka_unit_test(test_gone_sweeps),
		cmocka_unit_test(test_safety_net),
		cmocka_unit_test(test_held_by_procs_from_check_all),
		cmocka_unit_test(test_closed_fd),
		cmocka_unit_test(test_no_handles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
