// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_reconcile.c - the live model of `nsmon watch` (user/agent/reconcile.c)
 * keeps SPEC's invariant whatever the feed and the sweeps tell it: one
 * create per namespace while it lives, destroys only of what was created,
 * an inode number reused under a new ns_id is a destroy and a create; and
 * its table survives heavy insertion and deletion.
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

#include "reconcile.h"

struct sink {
	char *buf;
	size_t len;
	FILE *out;
	struct wev_writer w;	/* the line writer of `watch`, as a sink */
	struct rc *rc;
	int known_alive, known_dead;
	uint64_t alive_ns_id;	/* what the liveness check finds, 0: none */
	int nalive;		/* how often it was asked */
};

static void on_known(void *ctx, uint64_t id, uint64_t ns_id, bool alive)
{
	struct sink *s = ctx;

	if (alive)
		s->known_alive++;
	else
		s->known_dead++;
}

/* Nothing can be told (as without nsfs handles) until a test says. */
static int on_alive(void *ctx, enum nsm_type type, uint64_t id,
		    uint64_t ns_id)
{
	struct sink *s = ctx;

	s->nalive++;
	if (!s->alive_ns_id)
		return -1;
	return ns_id == s->alive_ns_id;
}

static void sink_open(struct sink *s, bool initial)
{
	struct rc_opts o = {
		.emit = wev_write,
		.types = (1U << NSM_NTYPES) - 1,
		.initial = initial,
		.known = on_known,
		.alive = on_alive,
		.ctx = s,
	};

	memset(s, 0, sizeof(*s));
	s->out = open_memstream(&s->buf, &s->len);
	assert_non_null(s->out);
	s->w.out = s->out;
	s->w.json = true;
	o.emit_ctx = &s->w;
	assert_int_equal(rc_new(&s->rc, &o), 0);
}

static void sink_close(struct sink *s)
{
	rc_free(s->rc);
	fclose(s->out);
	free(s->buf);
}

static size_t lines(struct sink *s)
{
	size_t n = 0;
	char *p;

	fflush(s->out);
	for (p = s->buf; p && (p = strchr(p, '\n')); p++)
		n++;
	return n;
}

/* The number of lines that contain every one of the given strings. */
static size_t count(struct sink *s, const char *a, const char *b)
{
	size_t n = 0;
	char *line, *end;

	fflush(s->out);
	for (line = s->buf; line && *line; line = end + 1) {
		end = strchr(line, '\n');
		if (!end)
			break;
		*end = 0;
		if (strstr(line, a) && (!b || strstr(line, b)))
			n++;
		*end = '\n';
	}
	return n;
}

static void feed(struct sink *s, enum wev_kind kind, enum nsm_type type,
		 uint64_t id, uint64_t ns_id)
{
	struct wev e = {
		.kind = kind,
		.via = kind == WEV_CREATE ? "unshare" : "exit",
		.type = type,
		.id = id,
		.ns_id = ns_id,
		.pid = 42,
		.tid = 42,
		.comm = "x\"y",
	};

	rc_event(s->rc, &e);
}

/*
 * An entry without ns_id (a sweep that saw the namespace gone before
 * NS_GET_ID): a create of the same inode number and type is the same
 * namespace and lends it its ns_id; of another type, a new namespace
 * under a reused inode number.
 */
static void test_no_ns_id(void **state)
{
	struct sink s;

	sink_open(&s, true);
	feed(&s, WEV_CREATE, NSM_IPC, 300, 0);
	feed(&s, WEV_CREATE, NSM_IPC, 300, 9);	/* same: adopts ns_id 9 */
	assert_int_equal(lines(&s), 1);
	feed(&s, WEV_CREATE, NSM_IPC, 300, 10);	/* reused: 9 went */
	assert_int_equal(count(&s, "\"event\":\"destroy\"", "\"ns_id\":9,"), 1);
	feed(&s, WEV_CREATE, NSM_NET, 400, 0);
	feed(&s, WEV_CREATE, NSM_UTS, 400, 0);	/* another type: reused */
	assert_int_equal(count(&s, "\"event\":\"destroy\"", "\"id\":400,"), 1);
	assert_int_equal(count(&s, "\"event\":\"create\"", "\"type\":\"uts\""), 1);
	assert_int_equal(lines(&s), 6);
	assert_int_equal(rc_count(s.rc), 2);
	sink_close(&s);
}

static void test_create_once_destroy_once(void **state)
{
	struct sink s;

	sink_open(&s, true);
	feed(&s, WEV_CREATE, NSM_NET, 100, 7);
	feed(&s, WEV_CREATE, NSM_NET, 100, 7);	/* a second CPU's report */
	feed(&s, WEV_DESTROY, NSM_NET, 200, 0);	/* never created */
	feed(&s, WEV_DESTROY, NSM_NET, 100, 7);
	feed(&s, WEV_DESTROY, NSM_NET, 100, 7);
	assert_int_equal(lines(&s), 2);
	assert_int_equal(count(&s, "\"seq\":1,", "\"event\":\"create\""), 1);
	assert_int_equal(count(&s, "\"seq\":2,", "\"event\":\"destroy\""), 1);
	/* comm is escaped */
	assert_int_equal(count(&s, "\"comm\":\"x\\\"y\"", NULL), 2);
	assert_int_equal(rc_count(s.rc), 0);
	sink_close(&s);
}

static void test_reused_inode(void **state)
{
	struct sink s;

	sink_open(&s, true);
	feed(&s, WEV_CREATE, NSM_NET, 100, 7);
	/* the same inode number, another namespace: 7 went away unseen */
	feed(&s, WEV_CREATE, NSM_UTS, 100, 9);
	assert_int_equal(lines(&s), 3);
	assert_int_equal(count(&s, "\"event\":\"destroy\"", "\"via\":\"sweep\""), 1);
	assert_int_equal(count(&s, "\"ns_id\":9,\"type\":\"uts\"", NULL), 1);
	/* the kernel's map drops the old one and keeps the new one */
	assert_int_equal(s.known_dead, 1);
	assert_int_equal(s.known_alive, 1);
	assert_int_equal(rc_count(s.rc), 1);
	sink_close(&s);
}

/* Many ids in and out of the table, in an order that mixes the chains. */
static void test_table_churn(void **state)
{
	enum { N = 20000 };
	struct sink s;
	uint64_t i, id;
	size_t want;

	sink_open(&s, true);
	for (i = 0; i < N; i++)
		feed(&s, WEV_CREATE, NSM_UTS, 4026531840 + i * 3, i + 1);
	assert_int_equal(rc_count(s.rc), N);
	for (i = 0; i < N; i++) {
		id = (i * 7919) % N;	/* 7919 is prime: a permutation */
		if (id % 2)
			feed(&s, WEV_DESTROY, NSM_UTS, 4026531840 + id * 3, 0);
	}
	assert_int_equal(rc_count(s.rc), N / 2);
	want = lines(&s);
	/* what is left is all still there, what went is all gone */
	for (i = 0; i < N; i++)
		feed(&s, WEV_CREATE, NSM_UTS, 4026531840 + i * 3, i + 1);
	assert_int_equal(lines(&s), want + N / 2);
	assert_int_equal(rc_count(s.rc), N);
	sink_close(&s);
}

static void add_ns(struct nsm_model *m, uint64_t id, enum nsm_type t)
{
	struct nsm_ns *ns;

	assert_int_equal(nsm_ns_add(m, id, t, &ns), 0);
	ns->ns_id = id - 1000;
}

static void test_sync(void **state)
{
	struct nsm_opts o;
	struct nsm_model *m;
	struct sink s;

	nsm_opts_default(&o);
	o.bpf = false;	/* the /proc sweep: test_bpf_sweep covers the other */
	sink_open(&s, true);
	assert_int_equal(nsm_model_new(&m, &o), 0);
	add_ns(m, 5000, NSM_NET);
	add_ns(m, 5001, NSM_UTS);
	add_ns(m, 5002, NSM_USER);
	rc_sync(s.rc, m, "start");
	assert_int_equal(count(&s, "\"via\":\"start\"", NULL), 3);
	assert_int_equal(count(&s, "\"reason\":\"start\"",
			       "\"namespaces\":3,\"corrected\":{\"created\":0,\"destroyed\":0},\"complete\":true"),
			 1);
	assert_int_equal(s.known_alive, 3);
	nsm_model_free(m);

	/* 5001 is gone, 5003 came, and the feed said neither */
	assert_int_equal(nsm_model_new(&m, &o), 0);
	m->incomplete = true;	/* and the sweep says it missed some */
	add_ns(m, 5000, NSM_NET);
	add_ns(m, 5002, NSM_USER);
	add_ns(m, 5003, NSM_IPC);
	rc_sync(s.rc, m, "lost");
	assert_int_equal(count(&s, "\"event\":\"destroy\"", "\"id\":5001,"), 1);
	assert_int_equal(count(&s, "\"via\":\"sweep\"", "\"id\":5003,"), 1);
	assert_int_equal(count(&s, "\"reason\":\"lost\"",
			       "\"namespaces\":3,\"corrected\":{\"created\":1,\"destroyed\":1},\"complete\":false"),
			 1);
	assert_int_equal(s.known_alive, 4);
	assert_int_equal(s.known_dead, 1);
	assert_int_equal(lines(&s), 7);
	nsm_model_free(m);
	sink_close(&s);
}

/*
 * After a loss the resync's sweep is folded in before the records the
 * ring still held: a late create of a namespace whose inode number the
 * sweep found under another ns_id.  If that one lives, the late create
 * is of a namespace already gone: nothing changes.  If not, the inode
 * number was reused after the sweep: a destroy and a create.
 */
static void test_late_create_after_sync(void **state)
{
	struct nsm_opts o;
	struct nsm_model *m;
	struct sink s;
	size_t n;

	nsm_opts_default(&o);
	o.bpf = false;
	sink_open(&s, true);
	assert_int_equal(nsm_model_new(&m, &o), 0);
	add_ns(m, 5000, NSM_CGROUP);	/* ns_id 4000 */
	rc_sync(s.rc, m, "lost");
	nsm_model_free(m);
	n = lines(&s);

	s.alive_ns_id = 4000;
	feed(&s, WEV_CREATE, NSM_CGROUP, 5000, 7);
	feed(&s, WEV_CREATE, NSM_NET, 5000, 8);
	assert_int_equal(lines(&s), n);
	assert_int_equal(s.nalive, 2);
	assert_int_equal(rc_count(s.rc), 1);
	/* its destroy, late too, is not of the one alive */
	feed(&s, WEV_DESTROY, NSM_CGROUP, 5000, 7);
	assert_int_equal(lines(&s), n);

	s.alive_ns_id = 1;	/* 4000 is gone */
	feed(&s, WEV_CREATE, NSM_CGROUP, 5000, 9);
	assert_int_equal(count(&s, "\"event\":\"destroy\"", "\"ns_id\":4000,"), 1);
	assert_int_equal(count(&s, "\"event\":\"create\"", "\"ns_id\":9,"), 1);
	assert_int_equal(rc_count(s.rc), 1);
	sink_close(&s);
}

/*
 * A sweep that found a namespace but not its ns_id (it went before
 * NS_GET_ID, or its holder did): the model's entry under that inode
 * number is the same namespace while it lives, and a new one once it
 * is gone (else a live namespace would be checked under a dead one's
 * ns_id, and reported gone).
 */
static void test_sync_without_ns_id(void **state)
{
	struct nsm_opts o;
	struct nsm_model *m;
	struct nsm_ns *ns;
	struct sink s;
	size_t n;

	nsm_opts_default(&o);
	o.bpf = false;
	sink_open(&s, true);
	feed(&s, WEV_CREATE, NSM_CGROUP, 5000, 7);
	n = lines(&s);
	for (int gone = 0; gone < 2; gone++) {
		s.alive_ns_id = gone ? 1 : 7;
		assert_int_equal(nsm_model_new(&m, &o), 0);
		assert_int_equal(nsm_ns_add(m, 5000, NSM_CGROUP, &ns), 0);
		rc_sync(s.rc, m, "lost");
		nsm_model_free(m);
		n++;	/* the sync */
		if (gone)
			n += 2;	/* a destroy of 7, a create of the new one */
		assert_int_equal(lines(&s), n);
		assert_int_equal(rc_count(s.rc), 1);
	}
	assert_int_equal(count(&s, "\"event\":\"destroy\"", "\"ns_id\":7,"), 1);
	assert_int_equal(count(&s, "\"event\":\"create\"", "\"via\":\"sweep\""), 1);
	sink_close(&s);
}

static void test_no_initial(void **state)
{
	struct nsm_opts o;
	struct nsm_model *m;
	struct sink s;

	nsm_opts_default(&o);
	o.bpf = false;	/* the /proc sweep: test_bpf_sweep covers the other */
	sink_open(&s, false);
	assert_int_equal(nsm_model_new(&m, &o), 0);
	add_ns(m, 5000, NSM_NET);
	rc_sync(s.rc, m, "start");
	/* only the sync; the model still knows 5000 */
	assert_int_equal(lines(&s), 1);
	feed(&s, WEV_DESTROY, NSM_NET, 5000, 0);
	assert_int_equal(count(&s, "\"seq\":2,", "\"event\":\"destroy\""), 1);
	nsm_model_free(m);
	sink_close(&s);
}

static void count_ns(void *ctx, const struct rc_ns *ns)
{
	uint64_t *sum = ctx;

	*sum += ns->id;
}

/*
 * What a snapshot copies (agent_snapshot()): the namespaces alive, and
 * the seq of the last event, the one a subscriber resumes after.
 */
static void test_each_seq(void **state)
{
	struct sink s;
	uint64_t sum = 0;

	sink_open(&s, true);
	assert_int_equal(rc_seq(s.rc), 0);
	feed(&s, WEV_CREATE, NSM_NET, 100, 1);
	feed(&s, WEV_CREATE, NSM_UTS, 200, 2);
	feed(&s, WEV_CREATE, NSM_IPC, 400, 3);
	feed(&s, WEV_DESTROY, NSM_UTS, 200, 2);
	rc_each(s.rc, count_ns, &sum);
	assert_int_equal(sum, 500);
	assert_int_equal(rc_seq(s.rc), 4);
	assert_int_equal(lines(&s), 4);
	sink_close(&s);
}

static void feed_ns(struct sink *s, enum nsm_type type, uint64_t id,
		    uint64_t owner, uint64_t parent)
{
	struct wev e = {
		.kind = WEV_CREATE,
		.via = "unshare",
		.type = type,
		.id = id,
		.ns_id = id + 1,
		.owner = owner,
		.parent = parent,
	};

	rc_event(s->rc, &e);
}

/* Where the destroy of id is in the stream; -1: there is none. */
static long destroy_at(struct sink *s, uint64_t id)
{
	char want[64];
	char *p;

	fflush(s->out);
	snprintf(want, sizeof(want), "\"event\":\"destroy\",\"ns\":{\"id\":%llu,",
		 (unsigned long long)id);
	p = strstr(s->buf, want);
	return p ? p - s->buf : -1;
}

/*
 * After an exit, a sweep that no longer finds a user or PID namespace:
 * it is gone, whatever the kernel still keeps (lazy frees), unless a
 * namespace that stays holds it (its owner or parent).  What holds goes
 * first: owned namespaces, PID, then user namespaces deepest first.
 * Another type is gone only when the kernel says so.  One that came
 * after the sweep began is not judged.
 */
static void test_gone(void **state)
{
	uint64_t ep;
	struct nsm_opts o;
	struct nsm_model *m;
	struct sink s;

	nsm_opts_default(&o);
	o.bpf = false;
	sink_open(&s, false);
	feed_ns(&s, NSM_USER, 100, 1, 1);
	feed_ns(&s, NSM_USER, 101, 100, 100);
	feed_ns(&s, NSM_USER, 102, 101, 101);
	feed_ns(&s, NSM_PID, 200, 102, 9);
	feed_ns(&s, NSM_NET, 300, 102, 0);
	feed_ns(&s, NSM_UTS, 301, 100, 0);
	feed_ns(&s, NSM_IPC, 302, 1, 0);
	assert_int_equal(rc_count(s.rc), 7);
	ep = rc_epoch(s.rc);
	/* made while the sweep ran: it could not see it */
	feed_ns(&s, NSM_USER, 103, 1, 1);

	/* the sweep finds the uts namespace (so its owner stays) */
	assert_int_equal(nsm_model_new(&m, &o), 0);
	add_ns(m, 301, NSM_UTS);
	m->ns[0]->ns_id = 302;
	s.alive_ns_id = 303;	/* ipc 302 (ns_id 303) lives on */
	assert_int_equal(rc_gone(s.rc, m, ep, on_alive, &s), 4);
	nsm_model_free(m);

	assert_true(destroy_at(&s, 300) >= 0);
	assert_true(destroy_at(&s, 300) < destroy_at(&s, 200));
	assert_true(destroy_at(&s, 200) < destroy_at(&s, 102));
	assert_true(destroy_at(&s, 102) < destroy_at(&s, 101));
	assert_int_equal(destroy_at(&s, 100), -1);
	assert_int_equal(destroy_at(&s, 302), -1);
	assert_int_equal(destroy_at(&s, 103), -1);
	assert_int_equal(count(&s, "\"type\":\"user\"},\"via\":\"exit\"", NULL), 2);
	assert_int_equal(count(&s, "\"type\":\"pid\"},\"via\":\"exit\"", NULL), 1);
	assert_int_equal(rc_count(s.rc), 4);
	sink_close(&s);
}

static int all_gone(void *ctx, enum nsm_type type, uint64_t id,
		    uint64_t ns_id)
{
	return 0;
}

/*
 * The feed's note that a namespace's last task exited while a reader
 * held it for a moment: found gone soon after, it is destroyed via exit
 * with that task; found gone much later, via what held it.
 */
static void test_dying(void **state)
{
	struct wev d = { .kind = WEV_DYING, .id = 400, .ns_id = 401,
			 .pid = 77, .tid = 78, .comm = "last" };
	struct sink s;

	sink_open(&s, false);
	feed_ns(&s, NSM_NET, 400, 1, 0);
	feed_ns(&s, NSM_UTS, 500, 1, 0);
	clock_gettime(CLOCK_REALTIME, &d.time);
	rc_event(s.rc, &d);
	d.id = 500;
	d.ns_id = 501;
	d.time.tv_sec -= 10;
	rc_event(s.rc, &d);
	assert_int_equal(lines(&s), 2);
	assert_int_equal(rc_liveness(s.rc, true, RC_HINT_EXIT, all_gone, NULL,
				     NULL), 2);
	assert_int_equal(count(&s, "\"id\":400,", "\"pid\":77,\"tid\":78,\"comm\":\"last\",\"via\":\"exit\""), 1);
	assert_int_equal(count(&s, "\"id\":500,", "\"via\":\"close\""), 1);
	sink_close(&s);
}

/* alive() that counts its calls per id (ids 1000 + i) and finds all. */
static int seen[300];

static int count_alive(void *ctx, enum nsm_type type, uint64_t id,
		       uint64_t ns_id)
{
	if (id >= 1000 && id < 1000 + 300)
		seen[id - 1000]++;
	return 1;
}

/*
 * The safety net's parts, in turn, look at every namespace of the model
 * once, whatever the table's size.
 */
static void test_liveness_parts(void **state)
{
	unsigned p, parts = 20;
	struct sink s;
	int i;

	sink_open(&s, false);
	for (i = 0; i < 300; i++)
		feed_ns(&s, NSM_NET, 1000 + i, 1, 0);
	memset(seen, 0, sizeof(seen));
	for (p = 0; p < parts; p++)
		assert_int_equal(rc_liveness_part(s.rc, p, parts, 0,
						  count_alive, NULL, NULL), 0);
	for (i = 0; i < 300; i++)
		assert_int_equal(seen[i], 1);
	sink_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_liveness_parts),
		cmocka_unit_test(test_create_once_destroy_once),
		cmocka_unit_test(test_no_ns_id),
		cmocka_unit_test(test_reused_inode),
		cmocka_unit_test(test_table_churn),
		cmocka_unit_test(test_sync),
		cmocka_unit_test(test_late_create_after_sync),
		cmocka_unit_test(test_sync_without_ns_id),
		cmocka_unit_test(test_no_initial),
		cmocka_unit_test(test_each_seq),
		cmocka_unit_test(test_gone),
		cmocka_unit_test(test_dying),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
