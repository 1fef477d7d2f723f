// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * events_out.c - the event printers of `nsmon watch` (SPEC "Events"): one
 * JSON object per line (--json) or one readable line (--text), flushed
 * per line so that a reader sees an event as soon as it happened.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "reconcile.h"

static const char *kind_name[] = {
	[WEV_CREATE] = "create",
	[WEV_SWITCH] = "switch",
	[WEV_DESTROY] = "destroy",
	[WEV_SYNC] = "sync",
	[WEV_LOST] = "lost",
};

/* RFC 3339 in UTC with nanoseconds. */
static void fmt_time(char *buf, size_t len, const struct timespec *t)
{
	struct tm tm;
	size_t n;

	gmtime_r(&t->tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%09ldZ", t->tv_nsec);
}

/* comm is the task's to choose: any byte but NUL. */
static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void json_task(FILE *out, const struct wev *e)
{
	if (!e->pid)
		return;
	fprintf(out, ",\"pid\":%d,\"tid\":%d,\"comm\":", e->pid, e->tid);
	json_str(out, e->comm);
}

static void json_id(FILE *out, const char *key, uint64_t id)
{
	if (id)
		fprintf(out, ",\"%s\":%llu", key, (unsigned long long)id);
	else
		fprintf(out, ",\"%s\":null", key);
}

static void print_json(FILE *out, uint64_t seq, const char *time,
		       const struct wev *e)
{
	int i;

	fprintf(out, "{\"seq\":%llu,\"time\":\"%s\",\"event\":\"%s\"",
		(unsigned long long)seq, time, kind_name[e->kind]);
	switch (e->kind) {
	case WEV_CREATE:
	case WEV_DESTROY:
		fprintf(out, ",\"ns\":{\"id\":%llu", (unsigned long long)e->id);
		if (e->ns_id)
			fprintf(out, ",\"ns_id\":%llu",
				(unsigned long long)e->ns_id);
		fprintf(out, ",\"type\":\"%s\"", nsm_type_name(e->type));
		if (e->kind == WEV_CREATE) {
			json_id(out, "owner", e->owner);
			if (e->type == NSM_USER || e->type == NSM_PID)
				json_id(out, "parent", e->parent);
		}
		fputc('}', out);
		json_task(out, e);
		fprintf(out, ",\"via\":\"%s\"", e->via);
		break;
	case WEV_SWITCH:
		json_task(out, e);
		fprintf(out, ",\"via\":\"%s\",\"changes\":[", e->via);
		for (i = 0; i < e->nchanges; i++)
			fprintf(out,
				"%s{\"type\":\"%s\",\"from\":%llu,\"to\":%llu}",
				i ? "," : "", nsm_type_name(e->changes[i].type),
				(unsigned long long)e->changes[i].from,
				(unsigned long long)e->changes[i].to);
		fputc(']', out);
		break;
	case WEV_SYNC:
		fprintf(out,
			",\"reason\":\"%s\",\"namespaces\":%zu,"
			"\"corrected\":{\"created\":%zu,\"destroyed\":%zu}",
			e->reason, e->namespaces, e->created, e->destroyed);
		break;
	case WEV_LOST:
		fprintf(out, ",\"count\":%llu", (unsigned long long)e->count);
		break;
	}
	fputs("}\n", out);
}

static void text_task(FILE *out, const struct wev *e)
{
	if (e->pid)
		fprintf(out, " pid %d/%d (%s)", e->pid, e->tid, e->comm);
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
		fprintf(out, " %s: %zu namespaces, corrected +%zu -%zu",
			e->reason, e->namespaces, e->created, e->destroyed);
		break;
	case WEV_LOST:
		fprintf(out, " %llu records", (unsigned long long)e->count);
		break;
	}
	fputc('\n', out);
}

int wev_print(FILE *out, bool json, uint64_t seq, const struct wev *e)
{
	char time[48];

	fmt_time(time, sizeof(time), &e->time);
	if (json)
		print_json(out, seq, time, e);
	else
		print_text(out, seq, time, e);
	/* SIGPIPE is ignored (main): a gone reader shows up here as EPIPE */
	if (fflush(out) || ferror(out))
		return errno ? -errno : -EIO;
	return 0;
}
