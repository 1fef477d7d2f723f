// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_ps.c - `nsmon ps`: processes with their namespaces and their pids
 * across PID namespaces, as a list or as the process tree (pidtree).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cols.h"
#include "idmap.h"
#include "parse.h"

/*
 * The namespace columns are named as ps(1) -o names them (pidns, netns):
 * PID and USER are the process's own.  PSCOL_NS + slot is the column of
 * p->ns[slot].
 */
enum {
	PSCOL_PID,
	PSCOL_PPID,
	PSCOL_USER,
	PSCOL_UID,
	PSCOL_NSPID,
	PSCOL_COMM,
	PSCOL_COMMAND,
	PSCOL_CGROUP,
	PSCOL_NS,
	PSCOL_NCOLS = PSCOL_NS + NSM_NSLOTS,
};

/* clang-format off */
#define NSCOL(name, help)                                               \
	{ name, 10, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, help }

static const struct cols_info ps_infos[PSCOL_NCOLS] = {
	[PSCOL_PID] = { "PID", 5, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			"process id (as /proc shows it)" },
	[PSCOL_PPID] = { "PPID", 5, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			 "parent process id" },
	[PSCOL_USER] = { "USER", 0, 0, SCOLS_JSON_STRING, "user name" },
	[PSCOL_UID] = { "UID", 0, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			"real user id" },
	[PSCOL_NSPID] = { "NSPID", 5, SCOLS_FL_RIGHT, SCOLS_JSON_STRING,
			  "pid in each PID namespace, outermost first (4118/1)" },
	[PSCOL_COMM] = { "COMM", 0, 0, SCOLS_JSON_STRING,
			 "command name (comm)" },
	[PSCOL_COMMAND] = { "COMMAND", 0, SCOLS_FL_TRUNC, SCOLS_JSON_STRING,
			    "command line" },
	[PSCOL_CGROUP] = { "CGROUP", 0, SCOLS_FL_TRUNC, SCOLS_JSON_STRING,
			   "cgroup (v2) path" },
	[PSCOL_NS + NSM_CGROUP] = NSCOL("CGROUPNS", "cgroup namespace"),
	[PSCOL_NS + NSM_IPC] = NSCOL("IPCNS", "ipc namespace"),
	[PSCOL_NS + NSM_MNT] = NSCOL("MNTNS", "mount namespace"),
	[PSCOL_NS + NSM_NET] = NSCOL("NETNS", "network namespace"),
	[PSCOL_NS + NSM_PID] = NSCOL("PIDNS", "pid namespace"),
	[PSCOL_NS + NSM_TIME] = NSCOL("TIMENS", "time namespace"),
	[PSCOL_NS + NSM_USER] = NSCOL("USERNS", "user namespace"),
	[PSCOL_NS + NSM_UTS] = NSCOL("UTSNS", "uts namespace"),
	[PSCOL_NS + NSM_SLOT_PID_FC] =
		NSCOL("PIDNS_FC", "pid namespace for children"),
	[PSCOL_NS + NSM_SLOT_TIME_FC] =
		NSCOL("TIMENS_FC", "time namespace for children"),
};
/* clang-format on */

/* clang-format off */
static const int ps_defaults[] = {
	PSCOL_PID, PSCOL_PPID, PSCOL_USER, PSCOL_NSPID,
	PSCOL_NS + NSM_CGROUP, PSCOL_NS + NSM_IPC, PSCOL_NS + NSM_MNT,
	PSCOL_NS + NSM_NET, PSCOL_NS + NSM_PID, PSCOL_NS + NSM_TIME,
	PSCOL_NS + NSM_USER, PSCOL_NS + NSM_UTS, PSCOL_COMMAND,
};
/* clang-format on */

struct ps_ctl {
	struct cli_common common;
	struct cols_sel sel;
	struct cols_fmt fmt;
	bool tree;
	uint64_t ns; /* --ns: only processes in this namespace */
};

static void usage(FILE *out)
{
	/* clang-format off */
	fputs("Usage: nsmon ps [OPTIONS]\n"
	      "\n"
	      "List processes with their namespaces and their pids in every\n"
	      "PID namespace they are in.\n"
	      "\n"
	      "Options:\n"
	      " -T, --tree             show the process tree (on COMMAND)\n"
	      " -N, --ns ID            only processes in namespace ID\n"
	      " -o, --output COLS      columns to print; +COLS adds to the default\n"
	      " -J, --json             JSON output (children nested with --tree)\n",
	      out);
	/* clang-format on */
	cols_cmd_help(out);
	cols_help(out, ps_infos, PSCOL_NCOLS);
}

static bool ps_wanted(const struct ps_ctl *ctl, const struct nsm_proc *p)
{
	int s;

	if (!ctl->ns)
		return true;
	for (s = 0; s < NSM_NSLOTS; s++)
		if (p->ns[s] == ctl->ns)
			return true;
	return false;
}

static int ps_fill(struct libscols_line *ln, const struct cols_sel *sel,
		   const struct nsm_proc *p, struct cols_users *users)
{
	size_t i;
	int err = 0;

	for (i = 0; i < sel->n && !err; i++) {
		int id = sel->id[i];

		switch (id) {
		case PSCOL_PID:
			err = cols_set_u64(ln, i, p->pid);
			break;
		case PSCOL_PPID:
			err = cols_set_u64(ln, i, p->ppid);
			break;
		case PSCOL_USER:
			err = cols_set_user(ln, i, users, p->uid);
			break;
		case PSCOL_UID:
			err = cols_set_u64(ln, i, p->uid);
			break;
		case PSCOL_COMM:
			err = cols_set(ln, i, p->comm);
			break;
		case PSCOL_CGROUP:
			if (p->cgroup)
				err = cols_set(ln, i, p->cgroup);
			break;
		case PSCOL_NSPID:
			err = cols_refer(ln, i, cols_nspid(p));
			break;
		case PSCOL_COMMAND:
			err = cols_refer(ln, i, cols_command(p));
			break;
		default:
			/* 0 = unknown (a zombie's links are gone) */
			if (id >= PSCOL_NS && p->ns[id - PSCOL_NS])
				err = cols_set_u64(ln, i, p->ns[id - PSCOL_NS]);
			break;
		}
	}
	return err;
}

static int ps_table(const struct ps_ctl *ctl, struct nsm_model *m)
{
	struct cols_users *users = cols_users_new();
	struct nsm_idmap *lines = nsm_idmap_new();
	struct libscols_table *tb;
	struct libscols_line *ln, *up;
	size_t i;
	int ret, err = -ENOMEM, tree_id = -1;

	if (ctl->tree)
		tree_id = cols_tree_id(&ctl->sel, PSCOL_COMMAND);
	tb = cols_table_new("processes", ps_infos, &ctl->sel, tree_id,
			    &ctl->fmt);
	if (!users || !lines || !tb)
		goto out;
	if (cols_has(&ctl->sel, PSCOL_COMMAND) ||
	    cols_has(&ctl->sel, PSCOL_CGROUP)) {
		if (!ctl->ns) {
			nsm_read_details(m, 0, NSM_DETAIL_ALL);
		} else {
			for (i = 0; i < m->nprocs; i++)
				if (ps_wanted(ctl, m->procs[i]))
					nsm_read_details(m, m->procs[i]->pid,
							 NSM_DETAIL_ALL);
		}
	}
	for (i = 0; i < m->nprocs; i++) {
		const struct nsm_proc *p = m->procs[i];

		if (!ps_wanted(ctl, p))
			continue;
		ln = scols_table_new_line(tb, NULL);
		if (!ln || ps_fill(ln, &ctl->sel, p, users) ||
		    nsm_idmap_put(lines, (uint64_t)p->pid, ln))
			goto out;
	}
	/* children in pid order, as m->procs holds them */
	for (i = 0; ctl->tree && i < m->nprocs; i++) {
		const struct nsm_proc *pp = cols_parent(m, m->procs[i]);

		ln = nsm_idmap_get(lines, (uint64_t)m->procs[i]->pid);
		up = pp ? nsm_idmap_get(lines, (uint64_t)pp->pid) : NULL;
		if (ln && up && cols_add_child(up, ln) == -ENOMEM)
			goto out;
	}
	err = 0;
out:
	ret = cols_output(tb, "ps", err);
	nsm_idmap_free(lines);
	cols_users_free(users);
	return ret;
}

/* One option (cli_getopt). */
static int ps_opt(void *data, int code, const char *arg)
{
	struct ps_ctl *ctl = data;

	switch (code) {
	case 'T':
		ctl->tree = true;
		return 0;
	case 'N':
		if (cli_parse_nsid(arg, &ctl->ns))
			return cli_bad_value("ps", "--ns", "namespace id", arg,
					     NULL);
		return 0;
	case 'o':
		return cols_select("ps", ps_infos, PSCOL_NCOLS, arg,
				   &ctl->sel);
	}
	return CLI_NOT_MINE;
}

int cmd_ps(int argc, char **argv)
{
	/* clang-format off */
	static const struct option longopts[] = {
		{ "tree", no_argument, NULL, 'T' },
		{ "ns", required_argument, NULL, 'N' },
		COLS_CMD_LONGOPTS,
	}; /* clang-format on */
	struct ps_ctl ctl = { 0 };
	const struct cli_getopt g = {
		.cmd = "ps", .optstr = ":TN:o:Jnruhv", .longopts = longopts,
		.usage = usage, .common = &ctl.common, .fmt = &ctl.fmt,
		.opt = ps_opt, .ctl = &ctl,
	};
	struct nsm_model *m = NULL;
	int ret;

	cli_common_init(&ctl.common);
	cols_sel_set(&ctl.sel, ps_defaults, ARRAY_SIZE(ps_defaults));
	if (cli_getopt(&g, argc, argv, &ret))
		return ret;

	if (cli_discover(&ctl.common, &m))
		return 1;
	ret = 1;
	if (ctl.ns && !nsm_ns_get(m, ctl.ns))
		fprintf(stderr, "nsmon ps: no namespace %llu\n",
			(unsigned long long)ctl.ns);
	else
		ret = cli_exit_code(m, ps_table(&ctl, m));
	nsm_model_free(m);
	return ret;
}
