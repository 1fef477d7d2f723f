/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * json.h - the discover document (SPEC: "The discover document"), the one
 * encoder of discover, ls --json and serve's answers.
 */
#ifndef NSMON_JSON_H
#define NSMON_JSON_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>

#include "nsm.h"

cJSON *nsm_json_document(const struct nsm_model *m);

/* Which namespaces a document lists, with their mount tables. */
struct nsm_json_sel {
	bool (*keep)(void *ctx, const struct nsm_ns *ns);
	void *ctx;
};

/*
 * The document's members into doc, after what doc holds already; only
 * the namespaces sel keeps (sel NULL: every one, as nsm_json_document()).
 */
void nsm_json_fill(cJSON *doc, const struct nsm_model *m,
		   const struct nsm_json_sel *sel);
cJSON *nsm_json_namespace(const struct nsm_model *m, const struct nsm_ns *ns);
cJSON *nsm_json_process(const struct nsm_model *m, const struct nsm_proc *p);
/* One entry of the document's "containers". */
cJSON *nsm_json_container(const struct nsm_container *c);
/* One mount of a mount table (SPEC: "mounts"). */
cJSON *nsm_json_mount(const struct nsm_mountinfo *mi);
cJSON *nsm_json_mount_table(const struct nsm_mounts *mt);
/*
 * The parts of nsm_json_fill()'s document, in its order: head (schema,
 * version, time, host, options), "namespaces", processes, "mounts",
 * containers, status (complete, warnings).
 */
void nsm_json_head(cJSON *doc, const struct nsm_model *m);
void nsm_json_processes(cJSON *doc, const struct nsm_model *m);
void nsm_json_containers(cJSON *doc, const struct nsm_model *m);
void nsm_json_status(cJSON *doc, const struct nsm_model *m);
/* Prints a document and a newline; returns -errno on a write error. */
int nsm_json_print(cJSON *doc, FILE *out, bool pretty);

#endif
