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
#include "parse.h"

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
	const char *id_arg; /* as it was written */
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
	cols_cmd_help(out);
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
	if (err == -ENOMEM)
		fprintf(stderr, "nsmon ls: %s\n", strerror(-err));
	else if (err)
		cli_stdout_error(err);
	return err ? 1 : 0;
}

static int ls_table(const struct ls_ctl *ctl, struct nsm_model *m)
{
	struct libscols_table *tb;
	struct cols_users *users;
	struct nsm_ns **rows;
	size_t i, n = 0;
	int ret, err = -ENOMEM;

	rows = malloc((m->nns ? m->nns : 1) * sizeof(*rows));
	users = cols_users_new();
	tb = cols_table_new("namespaces", nscols_infos, &ctl->sel, -1,
			    &ctl->fmt);
	if (!rows || !users || !tb)
		goto out;
	for (i = 0; i < m->nns; i++)
		if (ls_wanted(ctl, m->ns[i]))
			rows[n++] = m->ns[i];
	nscols_read_details(m, rows, n, &ctl->sel);

	for (i = 0; i < n; i++) {
		struct libscols_line *ln = scols_table_new_line(tb, NULL);

		if (!ln || nscols_fill(ln, &ctl->sel, m, rows[i], users))
			goto out;
	}
	err = 0;
out:
	ret = cols_output(tb, "ls", err);
	cols_users_free(users);
	free(rows);
	return ret;
}

/* One option or the NS operand (cli_getopt). */
static int ls_opt(void *data, int code, const char *arg)
{
	struct ls_ctl *ctl = data;
	unsigned mask;

	switch (code) {
	case 't':
		/* -t net -t uts is -t net,uts, as lsns has it */
		if (nsm_parse_types(arg, &mask))
			return cli_bad_value("ls", "--type", "namespace types",
					     arg, NULL);
		ctl->types |= mask;
		return 0;
	case 'p':
		if (cli_parse_pid(arg, &ctl->pid))
			return cli_bad_value("ls", "--task", "PID", arg, NULL);
		return 0;
	case 'o':
		return cols_select("ls", nscols_infos, NSCOL_NCOLS, arg,
				   &ctl->sel);
	case 'l':
		return 0;
	case CLI_OPERAND:
		if (cli_parse_nsid(arg, &ctl->id))
			return cli_bad_value("ls", NULL, "namespace id", arg,
					     NULL);
		ctl->id_arg = arg;
		return 0;
	}
	return CLI_NOT_MINE;
}

int cmd_ls(int argc, char **argv)
{
	/* clang-format off */
	static const struct option longopts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "task", required_argument, NULL, 'p' },
		{ "list", no_argument, NULL, 'l' },
		COLS_CMD_LONGOPTS,
	}; /* clang-format on */
	struct ls_ctl ctl = { 0 };
	const struct cli_getopt g = {
		.cmd = "ls", .optstr = ":t:p:o:Jlnruhv", .longopts = longopts,
		.usage = usage, .common = &ctl.common, .fmt = &ctl.fmt,
		.opt = ls_opt, .ctl = &ctl, .nargs = 1,
	};
	struct nsm_model *m = NULL;
	int ret;

	cli_common_init(&ctl.common);
	cols_sel_set(&ctl.sel, ls_defaults, ARRAY_SIZE(ls_defaults));
	if (cli_getopt(&g, argc, argv, &ret))
		return ret;

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
		fprintf(stderr, "nsmon ls: no namespace %s\n", ctl.id_arg);
		goto out;
	}
	ret = ctl.fmt.json ? ls_json(&ctl, m) : ls_table(&ctl, m);
	ret = cli_exit_code(m, ret);
out:
	nsm_model_free(m);
	return ret;
}
