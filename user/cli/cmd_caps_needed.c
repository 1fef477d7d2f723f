// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_caps_needed.c - `nsmon caps-needed`: which capabilities the agent
 * (watch, serve) needs with the given switches, which of them this
 * process holds, what each enables and what each missing one costs; for
 * operators writing a unit or a pod spec.  The knowledge is nsm_privs[].
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out)
{
	fputs("Usage: nsmon caps-needed [OPTIONS]\n\n"
	      "The capabilities nsmon's agent (watch, serve) needs instead of\n"
	      "root with these discovery switches (discover and ls: the same,\n"
	      "without the BPF ones under --proc), whether this process holds\n"
	      "each, what it enables and what is missed without it.  Exit\n"
	      "status 0: all held; 1: some missing.\n\n"
	      "Options:\n"
	      "  -J, --json             one JSON document instead of text\n"
	      "  -h, --help             this text\n",
	      out);
	cli_common_help(out);
}

static int caps_opt(void *ctl, int code, const char *arg)
{
	if (code != 'J')
		return CLI_NOT_MINE;
	*(bool *)ctl = true;
	return 0;
}

/* The capability that gives p here: its own, its alt, or none (NULL). */
static const char *held_by(const struct nsm_priv *p, uint64_t caps)
{
	if (caps >> p->cap & 1)
		return p->name;
	if (p->alt < 0 || !(caps >> p->alt & 1))
		return NULL;
	return p->alt_name;
}

/* Needed only where the host has what it is for (nsm_privs_missing()). */
static bool optional(const struct nsm_priv *p)
{
	return !nsm_privs_missing(p->need, 0);
}

static void print_text(unsigned need, uint64_t caps)
{
	size_t i;

	for (i = 0; i < nsm_nprivs; i++) {
		const struct nsm_priv *p = &nsm_privs[i];
		const char *by = held_by(p, caps);

		if (!(p->need & need))
			continue;
		if (!by && optional(p))
			printf("%-20s not held (optional): %s\n", p->name,
			       p->enables);
		else if (!by)
			printf("%-20s missing: %s\n%20s (it would %s)\n",
			       p->name, p->lost, "", p->enables);
		else if (strcmp(by, p->name))
			printf("%-20s held as %s: %s\n", p->name, by,
			       p->enables);
		else
			printf("%-20s held: %s\n", p->name, p->enables);
	}
}

static cJSON *json_doc(unsigned need, uint64_t caps)
{
	cJSON *doc = cJSON_CreateObject(), *arr, *o;
	size_t i;
	bool all = true;

	arr = cJSON_AddArrayToObject(doc, "capabilities");
	for (i = 0; arr && i < nsm_nprivs; i++) {
		const struct nsm_priv *p = &nsm_privs[i];
		const char *by = held_by(p, caps);

		if (!(p->need & need))
			continue;
		all &= by || optional(p);
		o = cJSON_CreateObject();
		if (!o || !cJSON_AddItemToArray(arr, o))
			goto fail;
		if (!cJSON_AddStringToObject(o, "name", p->name) ||
		    !cJSON_AddBoolToObject(o, "held", by != NULL) ||
		    !cJSON_AddBoolToObject(o, "optional", optional(p)) ||
		    !(by ? cJSON_AddStringToObject(o, "held_as", by) :
			   cJSON_AddNullToObject(o, "held_as")) ||
		    !cJSON_AddStringToObject(o, "enables", p->enables) ||
		    !cJSON_AddStringToObject(o, "without", p->lost))
			goto fail;
	}
	if (!arr || !cJSON_AddBoolToObject(doc, "all_held", all))
		goto fail;
	return doc;
fail:
	cJSON_Delete(doc);
	return NULL;
}

static int print_json(unsigned need, uint64_t caps)
{
	cJSON *doc = json_doc(need, caps);
	char *s = doc ? cJSON_Print(doc) : NULL;

	cJSON_Delete(doc);
	if (!s) {
		fprintf(stderr, "nsmon caps-needed: %s\n", strerror(ENOMEM));
		return -ENOMEM;
	}
	puts(s);
	cJSON_free(s);
	return 0;
}

int cmd_caps_needed(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct cli_common c;
	bool json = false;
	const struct cli_getopt g = {
		.cmd = "caps-needed", .optstr = ":Jhv", .longopts = longopts,
		.usage = usage, .common = &c, .opt = caps_opt, .ctl = &json,
	};
	uint64_t caps = nsm_effective_caps();
	unsigned need;
	int rc;

	cli_common_init(&c);
	if (cli_getopt(&g, argc, argv, &rc))
		return rc;
	/* the feed always needs BPF; the /proc sweep only under --proc */
	need = nsm_priv_needs(&c.opts, true, c.force_proc);
	if (json ? print_json(need, caps) : (print_text(need, caps), 0))
		return 1;
	return nsm_privs_missing(need, caps) ? 1 : 0;
}
