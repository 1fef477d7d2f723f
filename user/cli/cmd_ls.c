// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_ls.c - `nsmon ls`: every namespace, one row each (lsns(8)), or the
 * discover document with --json.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cols.h"
#include "json.h"

/* clang-format off */
static const int ls_defaults[] = {
	NSCOL_NS, NSCOL_TYPE, NSCOL_NPROCS, NSCOL_PID,
	NSCOL_USER, NSCOL_COMMAND, NSCOL_CONTAINER, NSCOL_REF,
};
/* clang-format on */

struct ls_ctl {
	struct cli_common common;
	struct cols_sel sel;
	struct cols_fmt fmt;
	unsigned types; /* mask of 1 << NSM_*; 0 = all */
	pid_t pid;	/* -p: only the namespaces of this process */
	uint64_t id;	/* NS argument: only this namespace */
	const struct nsm_proc *proc;
};

static void usage(FILE *out)
{
	/* clang-format off */
	fputs("Usage: nsmon ls [OPTIONS] [NS]\n"
	      "\n"
	      "List every namespace, one row each; NS (an inode number) shows\n"
	      "only that one.  A namespace without processes says in REF what\n"
	      "holds it: a bind mount, an fd, a socket, a task, a parent, an owner.\n"
	      "\n"
	      "Options:\n"
	      " -t, --type TYPE[,TYPE] only these types: cgroup ipc mnt net pid\n"
	      "                        time user uts\n"
	      " -p, --task PID         only the namespaces of process PID\n"
	      " -o, --output COLS      columns to print; +COLS adds to the default\n"
	      " -J, --json             the discover document (as `nsmon discover`),\n"
	      "                        its namespaces filtered by -t, -p and NS\n"
	      " -l, --list             one flat list (the default)\n",
	      out);
	/* clang-format on */
	cols_fmt_help(out);
	fputs(" -h, --help             display this help\n", out);
	cli_common_help(out);
	cols_help(out, nscols_infos, NSCOL_NCOLS);
}

static bool ls_wanted(const struct ls_ctl *ctl, const struct nsm_ns *ns)
{
	int s;

	if (ctl->types && !(ctl->types & (1U << ns->type)))
		return false;
	if (ctl->id && ns->id != ctl->id)
		return false;
	if (!ctl->proc)
		return true;
	for (s = 0; s < NSM_NSLOTS; s++)
		if (ctl->proc->ns[s] == ns->id)
			return true;
	return false;
}

/* The discover document with the unwanted namespaces taken out. */
static int ls_json(const struct ls_ctl *ctl, struct nsm_model *m)
{
	cJSON *doc, *arr, *it, *next;
	int err;

	/* the document lists every process with its command line */
	nsm_read_details(m, 0, NSM_DETAIL_ALL);
	doc = nsm_json_document(m);
	if (!doc) {
		fprintf(stderr, "nsmon ls: %s\n", strerror(ENOMEM));
		return 1;
	}
	arr = cJSON_GetObjectItemCaseSensitive(doc, "namespaces");
	for (it = arr ? arr->child : NULL; it; it = next) {
		cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "id");
		const struct nsm_ns *ns = NULL;

		next = it->next;
		if (cJSON_IsNumber(id))
			ns = nsm_ns_get(m, (uint64_t)cJSON_GetNumberValue(id));
		if (ns && ls_wanted(ctl, ns))
			continue;
		cJSON_Delete(cJSON_DetachItemViaPointer(arr, it));
	}
	err = nsm_json_print(doc, stdout, true);
	cJSON_Delete(doc);
	if (err && err != -EPIPE) {
		fprintf(stderr, "nsmon ls: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}

static int ls_table(const struct ls_ctl *ctl, struct nsm_model *m)
{
	struct libscols_table *tb = NULL;
	struct cols_users *users = NULL;
	struct nsm_ns **rows = NULL;
	size_t i, n = 0;
	int ret = 1;

	rows = malloc((m->nns ? m->nns : 1) * sizeof(*rows));
	users = cols_users_new();
	tb = cols_table_new("namespaces", nscols_infos, &ctl->sel, -1,
			    &ctl->fmt);
	if (!rows || !users || !tb)
		goto nomem;
	for (i = 0; i < m->nns; i++)
		if (ls_wanted(ctl, m->ns[i]))
			rows[n++] = m->ns[i];
	nscols_read_details(m, rows, n, &ctl->sel);

	for (i = 0; i < n; i++) {
		struct libscols_line *ln = scols_table_new_line(tb, NULL);

		if (!ln || nscols_fill(ln, &ctl->sel, m, rows[i], users))
			goto nomem;
	}
	ret = cols_print(tb);
	goto out;
nomem:
	fprintf(stderr, "nsmon ls: %s\n", strerror(ENOMEM));
out:
	scols_unref_table(tb);
	cols_users_free(users);
	free(rows);
	return ret;
}

int cmd_ls(int argc, char **argv)
{
	/* clang-format off */
	static const struct option longopts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "task", required_argument, NULL, 'p' },
		{ "output", required_argument, NULL, 'o' },
		{ "list", no_argument, NULL, 'l' },
		COLS_FMT_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	}; /* clang-format on */

	static const char optstr[] = ":t:p:o:Jlnruhv";
	struct ls_ctl ctl = {0};
	struct nsm_model *m = NULL;
	const char *bad;
	unsigned mask;
	char *end;
	size_t i;
	int c, ret;

	cli_common_init(&ctl.common);
	for (i = 0; i < sizeof(ls_defaults) / sizeof(ls_defaults[0]); i++)
		ctl.sel.id[ctl.sel.n++] = ls_defaults[i];

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, optstr, longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			/* -t net -t uts is -t net,uts, as lsns has it */
			if (nsm_parse_types(optarg, &mask))
				return cli_usage_error("ls", "bad type in '%s'",
						       optarg);
			ctl.types |= mask;
			break;
		case 'p':
			errno = 0;
			ctl.pid = (pid_t)strtol(optarg, &end, 10);
			if (errno || *end || ctl.pid <= 0)
				return cli_usage_error("ls", "invalid PID '%s'",
						       optarg);
			break;
		case 'o':
			if (cols_parse(nscols_infos, NSCOL_NCOLS, optarg,
				       &ctl.sel, &bad))
				return cols_parse_error("ls", optarg, bad);
			break;
		case 'l':
			break;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
		case '?':
			return cli_bad_option("ls", c, argv);
		default:
			if (!cols_fmt_opt(&ctl.fmt, c) &&
			    !cli_common_opt(&ctl.common, c, optarg))
				return cli_usage_error("ls",
						       "unhandled option");
			break;
		}
	}
	if (optind < argc) {
		errno = 0;
		ctl.id = strtoull(argv[optind], &end, 10);
		if (errno || *end || !ctl.id)
			return cli_usage_error("ls", "invalid namespace '%s'",
					       argv[optind]);
		if (optind + 1 < argc)
			return cli_usage_error("ls", "unexpected argument '%s'",
					       argv[optind + 1]);
	}

	/* --json is the discover document: every command line in it */
	if (ctl.fmt.json)
		ctl.common.opts.details = true;
	if (cli_discover(&ctl.common, &m))
		return 1;
	ret = 1;
	if (ctl.pid) {
		ctl.proc = nsm_proc_get(m, ctl.pid);
		if (!ctl.proc) {
			fprintf(stderr, "nsmon ls: no process %d\n",
				(int)ctl.pid);
			goto out;
		}
	}
	if (ctl.id && !nsm_ns_get(m, ctl.id)) {
		fprintf(stderr, "nsmon ls: no namespace %s\n", argv[optind]);
		goto out;
	}
	ret = ctl.fmt.json ? ls_json(&ctl, m) : ls_table(&ctl, m);
out:
	nsm_model_free(m);
	return ret;
}
