// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * api.c - the JSON answers: /api/namespaces from a snapshot of the live
 * model (agent_snapshot(): a copy made under the model's lock, so the
 * document and its seq agree) and /api/namespaces/ID (/metrics is
 * metrics.c's).  Every string in them is ours (type names, our
 * messages): nothing a client sent is echoed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve_int.h"

static void put_ns(FILE *f, const struct agent_ns *ns)
{
	/* the discover document's names; absent where it leaves them out */
	fprintf(f, "{\"id\":%llu", (unsigned long long)ns->id);
	if (ns->ns_id)
		fprintf(f, ",\"ns_id\":%llu", (unsigned long long)ns->ns_id);
	fprintf(f, ",\"type\":\"%s\"", nsm_type_name(ns->type));
	if (ns->owner)
		fprintf(f, ",\"owner\":%llu", (unsigned long long)ns->owner);
	if (ns->parent)
		fprintf(f, ",\"parent\":%llu", (unsigned long long)ns->parent);
	fputc('}', f);
}

/* A body built with stdio: the stream, its buffer and length. */
struct body {
	FILE *f;
	char *p;
	size_t len;
};

static int body_open(struct body *b)
{
	b->p = NULL;
	b->f = open_memstream(&b->p, &b->len);
	return b->f ? 0 : -ENOMEM;
}

static enum MHD_Result body_send(struct serve *s, struct MHD_Connection *c,
				 struct body *b, const char *ctype)
{
	if (fclose(b->f)) {
		free(b->p);
		return MHD_NO;
	}
	return serve_reply(s, c, MHD_HTTP_OK, ctype, b->p, b->len);
}

enum MHD_Result api_namespaces(struct serve *s, struct MHD_Connection *c,
			       const struct query *q)
{
	struct agent_snap snap;
	struct body b;
	const char *sep = "";
	size_t i;

	if (agent_snapshot(s->agent, &snap))
		return MHD_NO;
	if (body_open(&b)) {
		agent_snap_free(&snap);
		return MHD_NO;
	}
	fprintf(b.f, "{\"seq\":%llu,\"namespaces\":[",
		(unsigned long long)snap.seq);
	for (i = 0; i < snap.n; i++) {
		if (q->types && !(q->types & (1U << snap.ns[i].type)))
			continue;
		fputs(sep, b.f);
		put_ns(b.f, &snap.ns[i]);
		sep = ",\n";
	}
	fputs("]}\n", b.f);
	agent_snap_free(&snap);
	return body_send(s, c, &b, "application/json");
}

enum MHD_Result api_namespace(struct serve *s, struct MHD_Connection *c,
			      const char *id)
{
	struct agent_snap snap;
	const struct agent_ns *ns = NULL;
	struct body b;
	uint64_t want;
	size_t i;

	if (nsm_parse_u64(id, &want))
		return serve_error(s, c, MHD_HTTP_BAD_REQUEST, "bad id");
	if (agent_snapshot(s->agent, &snap))
		return MHD_NO;
	for (i = 0; i < snap.n && !ns; i++)
		if (snap.ns[i].id == want)
			ns = &snap.ns[i];
	if (!ns) {
		agent_snap_free(&snap);
		return serve_error(s, c, MHD_HTTP_NOT_FOUND, "no such namespace");
	}
	if (body_open(&b)) {
		agent_snap_free(&snap);
		return MHD_NO;
	}
	fprintf(b.f, "{\"seq\":%llu,\"namespace\":",
		(unsigned long long)snap.seq);
	put_ns(b.f, ns);
	fputs("}\n", b.f);
	agent_snap_free(&snap);
	return body_send(s, c, &b, "application/json");
}
