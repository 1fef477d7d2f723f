// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * events_out.c - the event printers of `nsmon watch` (SPEC "Events"): one
 * JSON object per line (--json) or one readable line (--text).  The
 * agent ends a batch (rc_flush()) after each read of the ring buffer:
 * the lines of one read go out in one write(2), and no line waits in
 * the buffer while nsmon waits for the kernel.  wev_write() is the
 * writer as a sink of the agent.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wev.h"

static const char *kind_name[] = {
	[WEV_CREATE] = "create",
	[WEV_SWITCH] = "switch",
	[WEV_DESTROY] = "destroy",
	[WEV_SYNC] = "sync",
	[WEV_LOST] = "lost",
	[WEV_CONTAINER] = "container",
};

const char *wev_kind_name(enum wev_kind k)
{
	return k < sizeof(kind_name) / sizeof(kind_name[0]) && kind_name[k] ?
		       kind_name[k] : NULL;
}

/*
 * One line is built in a struct line and handed to stdio at once: at
 * 10^5 events a second, fprintf's format parsing was the agent's largest
 * cost after the wakeups.
 */
struct line {
	size_t n;
	bool full;
	char b[2048];	/* a switch of 8 types with an escaped comm: < 1 KiB */
};

static void put_mem(struct line *l, const char *s, size_t n)
{
	if (l->n + n > sizeof(l->b)) {
		l->full = true;
		return;
	}
	memcpy(l->b + l->n, s, n);
	l->n += n;
}

static void put(struct line *l, const char *s)
{
	put_mem(l, s, strlen(s));
}

static void put_u64(struct line *l, uint64_t v)
{
	char d[20];
	int i = sizeof(d);

	do
		d[--i] = '0' + v % 10;
	while (v /= 10);
	put_mem(l, d + i, sizeof(d) - i);
}

/* RFC 3339 in UTC with nanoseconds; the date part is the same all second. */
static void put_time(struct line *l, const struct timespec *t)
{
	static __thread time_t sec = -1;
	static __thread char date[32];
	static __thread size_t dlen;
	char ns[11];
	long v = t->tv_nsec;
	struct tm tm;
	int i;

	if (t->tv_sec != sec) {
		gmtime_r(&t->tv_sec, &tm);
		dlen = strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
		sec = t->tv_sec;
	}
	put_mem(l, date, dlen);
	ns[0] = '.';
	for (i = 9; i >= 1; i--, v /= 10)
		ns[i] = '0' + v % 10;
	ns[10] = 'Z';
	put_mem(l, ns, sizeof(ns));
}

/* What a line keeps free after a string for the fields that follow it. */
#define LINE_TAIL 128

/*
 * comm, container ids and names: untrusted, through the one encoder
 * (SPEC).  A name an engine sent can be longer than a line holds: it is
 * cut to what surely fits, so that the event is still printed.
 */
static void put_json_str(struct line *l, const char *s)
{
	size_t n = strlen(s), room;

	put_mem(l, "\"", 1);
	room = l->n + LINE_TAIL < sizeof(l->b) ?
		       sizeof(l->b) - l->n - LINE_TAIL : 0;
	if (NSM_ENC_SIZE(n) > room)
		n = room ? (room - 1) / NSM_ENC_RATIO : 0;
	if (NSM_ENC_SIZE(n) <= room)
		l->n += nsm_encode(l->b + l->n, NSM_ENC_JSON, s, n);
	put_mem(l, "\"", 1);
}

static void json_task(struct line *l, const struct wev *e)
{
	if (!e->pid)
		return;
	put(l, ",\"pid\":");
	put_u64(l, (uint32_t)e->pid);
	put(l, ",\"tid\":");
	put_u64(l, (uint32_t)e->tid);
	put(l, ",\"comm\":");
	put_json_str(l, e->comm);
}

static void json_id(struct line *l, const char *key, uint64_t id)
{
	put(l, key);
	if (id)
		put_u64(l, id);
	else
		put(l, "null");
}

static void print_json(struct line *l, uint64_t seq, const struct wev *e)
{
	int i;

	put(l, "{\"seq\":");
	put_u64(l, seq);
	put(l, ",\"time\":\"");
	put_time(l, &e->time);
	put(l, "\",\"event\":\"");
	put(l, kind_name[e->kind]);
	put(l, "\"");
	switch (e->kind) {
	case WEV_CREATE:
	case WEV_DESTROY:
		put(l, ",\"ns\":{\"id\":");
		put_u64(l, e->id);
		if (e->ns_id) {
			put(l, ",\"ns_id\":");
			put_u64(l, e->ns_id);
		}
		put(l, ",\"type\":\"");
		put(l, nsm_type_name(e->type));
		put(l, "\"");
		if (e->kind == WEV_CREATE) {
			json_id(l, ",\"owner\":", e->owner);
			if (e->type == NSM_USER || e->type == NSM_PID)
				json_id(l, ",\"parent\":", e->parent);
		}
		put(l, "}");
		json_task(l, e);
		put(l, ",\"via\":\"");
		put(l, e->via);
		put(l, "\"");
		if (e->kind == WEV_CREATE && e->container) {
			put(l, ",\"container\":");
			put_json_str(l, e->container);
		}
		break;
	case WEV_SWITCH:
		json_task(l, e);
		put(l, ",\"via\":\"");
		put(l, e->via);
		put(l, "\",\"changes\":[");
		for (i = 0; i < e->nchanges; i++) {
			put(l, i ? ",{\"type\":\"" : "{\"type\":\"");
			put(l, nsm_type_name(e->changes[i].type));
			put(l, "\",\"from\":");
			put_u64(l, e->changes[i].from);
			put(l, ",\"to\":");
			put_u64(l, e->changes[i].to);
			put(l, "}");
		}
		put(l, "]");
		break;
	case WEV_SYNC:
		put(l, ",\"reason\":\"");
		put(l, e->reason);
		put(l, "\",\"namespaces\":");
		put_u64(l, e->namespaces);
		put(l, ",\"corrected\":{\"created\":");
		put_u64(l, e->created);
		put(l, ",\"destroyed\":");
		put_u64(l, e->destroyed);
		put(l, e->incomplete ? "},\"complete\":false" : "},\"complete\":true");
		break;
	case WEV_LOST:
		put(l, ",\"count\":");
		put_u64(l, e->count);
		put(l, ",\"shed\":");
		put_u64(l, e->shed);
		break;
	case WEV_DYING:		/* the reconciler's: never emitted */
		break;
	case WEV_CONTAINER:
		put(l, ",\"action\":\"");
		put(l, e->action);
		put(l, "\",\"container\":{\"id\":");
		put_json_str(l, e->ctr_id);
		put(l, ",\"name\":");
		put_json_str(l, e->ctr_name);
		put(l, ",\"engine\":\"");
		put(l, e->ctr_engine);
		put(l, "\",\"pid\":");
		json_id(l, "", (uint32_t)e->pid);
		put(l, "}");
		break;
	}
	put(l, "}\n");
}

/* n bytes at most of s as text, one line (\xHH); NULL on ENOMEM. */
static char *text(const char *s, size_t n)
{
	return nsm_encode_dup(NSM_ENC_TEXT, s, strnlen(s, n));
}

static void text_task(FILE *out, const struct wev *e)
{
	char comm[NSM_ENC_SIZE(sizeof(e->comm))];

	if (!e->pid)
		return;
	nsm_encode(comm, NSM_ENC_TEXT, e->comm,
		   strnlen(e->comm, sizeof(e->comm)));
	fprintf(out, " pid %d/%d (%s)", e->pid, e->tid, comm);
}

static void text_container(FILE *out, const struct wev *e)
{
	char *name = text(e->ctr_name, strlen(e->ctr_name)), *id = text(e->ctr_id, 12);

	fprintf(out, " %s %s:%s %s", e->action, e->ctr_engine,
		name ? name : "?", id ? id : "?");
	if (e->pid)
		fprintf(out, " pid %d", e->pid);
	free(name);
	free(id);
}

static void print_text(FILE *out, uint64_t seq, const char *time,
		       const struct wev *e)
{
	int i;

	fprintf(out, "%s %6llu %-7s", time, (unsigned long long)seq,
		kind_name[e->kind]);
	switch (e->kind) {
	case WEV_CREATE:
	case WEV_DESTROY:
		fprintf(out, " %s:[%llu] via %s", nsm_type_name(e->type),
			(unsigned long long)e->id, e->via);
		text_task(out, e);
		if (e->kind == WEV_CREATE && e->container) {
			char *id = text(e->container, 12);

			fprintf(out, " container %s", id ? id : "?");
			free(id);
		}
		break;
	case WEV_SWITCH:
		fprintf(out, " via %s", e->via);
		text_task(out, e);
		for (i = 0; i < e->nchanges; i++)
			fprintf(out, " %s:[%llu]->[%llu]",
				nsm_type_name(e->changes[i].type),
				(unsigned long long)e->changes[i].from,
				(unsigned long long)e->changes[i].to);
		break;
	case WEV_SYNC:
		fprintf(out, " %s: %zu namespaces, corrected +%zu -%zu%s",
			e->reason, e->namespaces, e->created, e->destroyed,
			e->incomplete ? ", incomplete" : "");
		break;
	case WEV_LOST:
		fprintf(out, " %llu records (%llu shed)",
			(unsigned long long)e->count,
			(unsigned long long)e->shed);
		break;
	case WEV_CONTAINER:
		text_container(out, e);
		break;
	case WEV_DYING:
		break;
	}
	fputc('\n', out);
}

int wev_print(FILE *out, bool json, uint64_t seq, const struct wev *e)
{
	struct line l;

	l.n = 0;
	l.full = false;
	if (json) {
		print_json(&l, seq, e);
		/* cannot happen (see struct line): never print half a line */
		if (l.full)
			return -EOVERFLOW;
		fwrite(l.b, 1, l.n, out);
	} else {
		put_time(&l, &e->time);
		l.b[l.n] = 0;
		print_text(out, seq, l.b, e);
	}
	/* SIGPIPE is ignored (main): a gone reader shows up as EPIPE */
	if (ferror(out))
		return errno ? -errno : -EIO;
	return 0;
}

int wev_flush(FILE *out)
{
	if (fflush(out) || ferror(out))
		return errno ? -errno : -EIO;
	return 0;
}

int wev_write(void *ctx, uint64_t seq, const struct wev *e)
{
	const struct wev_writer *w = ctx;

	return e ? wev_print(w->out, w->json, seq, e) : wev_flush(w->out);
}
