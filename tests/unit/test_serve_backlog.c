// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_serve_backlog.c - the event ring of `nsmon serve`
 * (user/serve/backlog.c): a reader resumes after any seq still kept,
 * gets a resync when events after its point were pushed out or its point
 * is past the newest event (another run's id), is told it
 * fell behind (-ESTALE) when the ring passes it, filters by kind and
 * type, reads into a bounded buffer (a frame may end in the next read),
 * and wait/close wake it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "backlog.h"
#include "nsm.h"
#include "wev.h"

/* Pushes seq with a frame "<seq>;" of kind and type mask. */
static void push(struct backlog *b, uint64_t seq, unsigned kind,
		 unsigned types)
{
	char *f;
	int n = asprintf(&f, "%llu;", (unsigned long long)seq);

	assert_true(n > 0);
	assert_int_equal(backlog_push(b, seq, kind, types, f, n), 0);
	free(f);
}

/* Everything after *after that passes f, as "1;2;3;"; *rc: bytes. */
static char *drain(struct backlog *b, uint64_t *after,
		   const struct backlog_filter *f, int *rc)
{
	struct backlog_pos pos = { .after = *after };
	char *out = calloc(1, 1 << 20);
	ssize_t n;

	assert_non_null(out);
	*rc = 0;
	while ((n = backlog_read(b, &pos, f, out + *rc, (1 << 20) - 1 - *rc)) > 0)
		*rc += n;
	if (n < 0)
		*rc = n;
	*after = pos.after;
	return out;
}

static void resume_and_resync(void **state)
{
	struct backlog_filter all = { 0 };
	struct backlog b;
	uint64_t after, id;
	char *s;
	int rc, i;

	assert_int_equal(backlog_init(&b, 4), 0);
	for (i = 1; i <= 3; i++)
		push(&b, i, WEV_CREATE, 1U << NSM_NET);
	/* live: only what comes next */
	assert_false(backlog_start(&b, NULL, &after));
	assert_int_equal(after, 3);
	/* resume after 1: 2 and 3, nothing at or before 1 */
	id = 1;
	assert_false(backlog_start(&b, &id, &after));
	s = drain(&b, &after, &all, &rc);
	assert_string_equal(s, "2;3;");
	assert_int_equal(rc, 4);
	free(s);
	assert_int_equal(after, 3);
	/* 4..6: 1 and 2 pushed out (capacity 4) */
	for (i = 4; i <= 6; i++)
		push(&b, i, WEV_DESTROY, 1U << NSM_NET);
	s = drain(&b, &after, &all, &rc);
	assert_string_equal(s, "4;5;6;");
	free(s);
	/* from 2 on still kept: no resync */
	id = 2;
	assert_false(backlog_start(&b, &id, &after));
	s = drain(&b, &after, &all, &rc);
	assert_string_equal(s, "3;4;5;6;");
	free(s);
	/* 2 was pushed out: a resume after 1 resyncs, from the oldest kept */
	id = 1;
	assert_true(backlog_start(&b, &id, &after));
	assert_int_equal(after, 2);
	s = drain(&b, &after, &all, &rc);
	assert_string_equal(s, "3;4;5;6;");
	free(s);
	/* an id past the newest: another run's; resync, from now */
	id = 99;
	assert_true(backlog_start(&b, &id, &after));
	assert_int_equal(after, 6);
	/* a reader at 2 that the ring passes has fallen behind */
	after = 2;
	push(&b, 7, WEV_SYNC, 0);
	s = drain(&b, &after, &all, &rc);
	assert_int_equal(rc, -ESTALE);
	free(s);
	backlog_destroy(&b);
}

static void filters(void **state)
{
	struct backlog_filter net = { .types = 1U << NSM_NET };
	struct backlog_filter destroys = { .kinds = 1U << WEV_DESTROY };
	struct backlog b;
	uint64_t after = 0;
	char *s;
	int rc;

	assert_int_equal(backlog_init(&b, 16), 0);
	push(&b, 1, WEV_CREATE, 1U << NSM_NET);
	push(&b, 2, WEV_CREATE, 1U << NSM_UTS);
	push(&b, 3, WEV_SWITCH, (1U << NSM_UTS) | (1U << NSM_NET));
	push(&b, 4, WEV_SYNC, 0);
	push(&b, 5, WEV_DESTROY, 1U << NSM_UTS);
	/* a type filter: events about no one type (sync) pass */
	s = drain(&b, &after, &net, &rc);
	assert_string_equal(s, "1;3;4;");
	free(s);
	/* filtered events still move the reader on */
	assert_int_equal(after, 5);
	after = 0;
	s = drain(&b, &after, &destroys, &rc);
	assert_string_equal(s, "5;");
	free(s);
	backlog_destroy(&b);
}

static void chunks(void **state)
{
	struct backlog_filter net = { .types = 1U << NSM_NET };
	struct backlog_pos pos = { 0 };
	char out[8] = { 0 };
	struct backlog b;

	assert_int_equal(backlog_init(&b, 16), 0);
	push(&b, 1, WEV_CREATE, 1U << NSM_NET);
	push(&b, 2, WEV_CREATE, 1U << NSM_UTS);
	push(&b, 10, WEV_CREATE, 1U << NSM_NET);
	push(&b, 11, WEV_CREATE, 1U << NSM_NET);
	/* "1;" whole and "1" of "10;": the reader is inside frame 10 */
	assert_int_equal(backlog_read(&b, &pos, &net, out, 3), 3);
	assert_memory_equal(out, "1;1", 3);
	assert_int_equal(pos.after, 2);
	assert_int_equal(pos.off, 1);
	/* the rest of "10;", then "11;" */
	assert_int_equal(backlog_read(&b, &pos, &net, out, 2), 2);
	assert_memory_equal(out, "0;", 2);
	assert_int_equal(pos.after, 10);
	assert_int_equal(pos.off, 0);
	assert_int_equal(backlog_read(&b, &pos, &net, out, sizeof(out)), 3);
	assert_memory_equal(out, "11;", 3);
	assert_int_equal(backlog_read(&b, &pos, &net, out, sizeof(out)), 0);
	backlog_destroy(&b);
}

/*
 * The frames' blocks: as many as the frames kept need, however many were
 * pushed through; the frames kept intact.
 */
static void blocks(void **state)
{
	struct backlog b;
	struct backlog_block *k;
	struct backlog_filter all = { 0 };
	char frame[1000], *out;
	int len;
	uint64_t seq, after = 0;
	size_t nblocks;

	assert_int_equal(backlog_init(&b, 300), 0);
	for (seq = 1; seq <= 100000; seq++) {
		memset(frame, 'a' + seq % 26, sizeof(frame));
		assert_int_equal(backlog_push(&b, seq, WEV_CREATE, 0, frame,
					      sizeof(frame)), 0);
	}
	for (nblocks = 0, k = b.oldest; k; k = k->next)
		nblocks++;
	/* 300 frames of 1000 bytes: two blocks, and one partly gone */
	assert_true(nblocks <= 300 * sizeof(frame) / BACKLOG_BLOCK + 2);
	assert_true(backlog_start(&b, &(uint64_t){ 99700 }, &after) == false);
	out = drain(&b, &after, &all, &len);
	assert_int_equal(len, 300 * sizeof(frame));
	assert_int_equal(out[0], 'a' + 99701 % 26);
	assert_int_equal(out[len - 1], 'a' + 100000 % 26);
	free(out);
	backlog_destroy(&b);
}

/* A frame of ~300 bytes for seq: JSON-like, different per seq. */
static int frame_of(uint64_t seq, char *buf, size_t size)
{
	return snprintf(buf, size,
			"id: %llu\nevent: switch\ndata: {\"seq\":%llu,\"event\":"
			"\"switch\",\"type\":\"uts\",\"id\":%llu,\"pid\":%llu,"
			"\"comm\":\"nsloop\",\"from\":4026531838,\"to\":%llu,"
			"\"via\":\"unshare\",\"time\":\"2026-12-05T08:%02llu:%02llu."
			"%09lluZ\"}\n\n",
			(unsigned long long)seq, (unsigned long long)seq,
			4026532000ULL + seq % 7919, 1000ULL + seq % 31991,
			4026532000ULL + seq % 7919,
			(unsigned long long)(seq / 60 % 60),
			(unsigned long long)(seq % 60),
			(unsigned long long)(seq * 7919 % 1000000000));
}

/* Everything after `after`, as one client would get it, checked frame by frame. */
static void check_all(struct backlog *b, uint64_t after, uint64_t last)
{
	struct backlog_filter all = { 0 };
	struct backlog_pos pos = { .after = after };
	size_t at = 0, size = (last - after) * 400, len = 0;
	char want[512], *out = malloc(size);
	uint64_t seq;
	ssize_t got;
	int n;

	assert_non_null(out);
	/* 4 KiB at a time, as a stream's buffer takes them */
	while ((got = backlog_read(b, &pos, &all, out + len,
				   size - len < 4096 ? size - len : 4096)) > 0)
		len += got;
	assert_int_equal(got, 0);
	for (seq = after + 1; seq <= last; seq++) {
		n = frame_of(seq, want, sizeof(want));
		assert_true(at + n <= (size_t)len);
		if (memcmp(out + at, want, n))
			fail_msg("frame %llu differs", (unsigned long long)seq);
		at += n;
	}
	assert_int_equal(at, len);
	assert_int_equal(pos.after, last);
	free(out);
}

/*
 * Blocks every joined reader is past are packed, and read back the same
 * by a client that resumes from before them; a reader holds its blocks
 * unpacked; packed blocks are pushed out and freed like the others.
 */
static void packing(void **state)
{
	struct backlog_filter all = { 0 };
	struct backlog_pos r = { 0 }, gone = { 0 };
	struct backlog b;
	size_t plain, packed, packs = 0;
	unsigned long inflates;
	char frame[512], buf[4096];
	uint64_t seq, after;
	int n;

	assert_int_equal(backlog_init(&b, 20000), 0);
	assert_false(backlog_start(&b, NULL, &r.after));
	backlog_join(&b, &r);
	gone.after = r.after;
	backlog_join(&b, &gone);
	backlog_leave(&b, &gone);
	for (seq = 1; seq <= 10000; seq++) {
		n = frame_of(seq, frame, sizeof(frame));
		assert_int_equal(backlog_push(&b, seq, WEV_SWITCH,
					      1U << NSM_UTS, frame, n), 0);
	}
	/* the reader at 0 holds every block: none packed */
	assert_false(backlog_pack(&b));
	/* past ~half of it: the blocks wholly behind it are packed */
	while (r.after < 5000)
		assert_true(backlog_read(&b, &r, &all, buf, sizeof(buf)) > 0);
	while (backlog_pack(&b))
		packs++;
	backlog_stats(&b, &plain, &packed, &inflates);
	assert_true(packs >= 1);
	assert_true(packed > 0 && packed < packs * BACKLOG_BLOCK / 3);
	assert_int_equal(inflates, 0);
	/* the newest block, and those the reader has not passed: plain */
	assert_non_null(b.newest->data);
	/* a client from the start reads it all back, byte for byte */
	check_all(&b, 0, 10000);
	check_all(&b, 1234, 10000);
	backlog_stats(&b, &plain, &packed, &inflates);
	assert_true(inflates >= packs);
	/* the reader gone: everything but the newest block packs */
	backlog_leave(&b, &r);
	while (backlog_pack(&b))
		packs++;
	backlog_stats(&b, &plain, &packed, &inflates);
	assert_true(plain <= BACKLOG_BLOCK);
	check_all(&b, 0, 10000);
	/* pushed through twice over: packed blocks go as plain ones do */
	for (seq = 10001; seq <= 50000; seq++) {
		n = frame_of(seq, frame, sizeof(frame));
		assert_int_equal(backlog_push(&b, seq, WEV_SWITCH,
					      1U << NSM_UTS, frame, n), 0);
		if (seq % 1000 == 0)
			while (backlog_pack(&b))
				;
	}
	after = 30000;
	assert_false(backlog_start(&b, &after, &after));
	check_all(&b, after, 50000);
	after = 29999;
	assert_true(backlog_start(&b, &after, &after));
	backlog_stats(&b, &plain, &packed, &inflates);
	/* 20,000 frames of ~300 bytes: ~6 MB plain, a fraction of it packed */
	assert_true(plain + packed < 20000 * 300 / 3);
	backlog_destroy(&b);
}

static void wait_close(void **state)
{
	struct backlog b;

	assert_int_equal(backlog_init(&b, 4), 0);
	assert_int_equal(backlog_wait(&b, 0, 10, NULL), -ETIMEDOUT);
	push(&b, 1, WEV_CREATE, 1U << NSM_NET);
	assert_int_equal(backlog_wait(&b, 0, 10000, NULL), 0);
	assert_false(backlog_closed(&b));
	backlog_close(&b);
	assert_true(backlog_closed(&b));
	assert_int_equal(backlog_wait(&b, 1, 10000, NULL), 0);
	backlog_destroy(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(resume_and_resync),
		cmocka_unit_test(filters),
		cmocka_unit_test(chunks),
		cmocka_unit_test(blocks),
		cmocka_unit_test(packing),
		cmocka_unit_test(wait_close),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
