// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_tree.c - `nsmon tree`: the user-namespace hierarchy with the
 * namespaces each user namespace owns (lsuns), or the PID-namespace
 * hierarchy with the processes in each (lspidns).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cols.h"
#include "idmap.h"

/* --user draws the namespace columns (cols.h); --pid has its own. */
/* clang-format off */
static const int user_defaults[] = {
	NSCOL_NS, NSCOL_TYPE, NSCOL_NPROCS, NSCOL_PID,
	NSCOL_USER, NSCOL_COMMAND, NSCOL_OWNER_UID,
};
/* clang-format on */

/*
 * A --pid row is a PID namespace or a process: the tree column holds a
 * namespace id or a pid, TYPE tells which.
 */
enum {
	PTCOL_ID,
	PTCOL_TYPE,
	PTCOL_NSPID,
	PTCOL_NSPIDS,
	PTCOL_PPID,
	PTCOL_NPROCS,
	PTCOL_USER,
	PTCOL_UID,
	PTCOL_COMMAND,
	PTCOL_LEVEL,
	PTCOL_NSID,
	PTCOL_OWNER,
	PTCOL_NCOLS,
};

/* clang-format off */
static const struct cols_info pt_infos[PTCOL_NCOLS] = {
	[PTCOL_ID] = { "ID", 10, 0, SCOLS_JSON_NUMBER,
		       "PID namespace id, or pid (as /proc shows it)" },
	[PTCOL_TYPE] = { "TYPE", 7, 0, SCOLS_JSON_STRING,
			 "\"pid\" (a namespace) or \"process\"" },
	[PTCOL_NSPID] = { "NSPID", 5, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			  "pid inside the process's own PID namespace" },
	[PTCOL_NSPIDS] = { "NSPIDS", 0, 0, SCOLS_JSON_STRING,
			   "pid in every PID namespace, outermost first" },
	[PTCOL_PPID] = { "PPID", 5, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			 "parent pid" },
	[PTCOL_NPROCS] = { "NPROCS", 5, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			   "number of processes in the namespace" },
	[PTCOL_USER] = { "USER", 0, 0, SCOLS_JSON_STRING,
			 "user of the process; of a namespace, its owner's" },
	[PTCOL_UID] = { "UID", 0, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			"uid of USER" },
	[PTCOL_COMMAND] = { "COMMAND", 0, SCOLS_FL_TRUNC, SCOLS_JSON_STRING,
			    "command line" },
	[PTCOL_LEVEL] = { "LEVEL", 2, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			  "nesting level of the PID namespace (0 = initial)" },
	[PTCOL_NSID] = { "NSID", 10, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			 "kernel namespace id (NS_GET_ID, 6.18+)" },
	[PTCOL_OWNER] = { "OWNER", 10, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			  "owning user namespace" },
};
/* clang-format on */

/* clang-format off */
static const int pid_defaults[] = {
	PTCOL_ID, PTCOL_TYPE, PTCOL_NSPID, PTCOL_USER, PTCOL_COMMAND,
};
/* clang-format on */

struct tree_ctl {
	struct cli_common common;
	struct cols_sel sel;
	struct cols_fmt fmt;
	bool pid;	    /* --pid, else --user */
	const char *view;   /* --user or --pid as given: one of them */
	const char *output; /* -o, parsed once the view is known */
};

static void usage(FILE *out)
{
	/* clang-format off */
	fputs("Usage: nsmon tree [--user | --pid] [OPTIONS]\n"
	      "\n"
	      "Show the user-namespace hierarchy with the namespaces each user\n"
	      "namespace owns (the default), or the PID-namespace hierarchy\n"
	      "with the process tree inside each PID namespace.\n"
	      "\n"
	      "Options:\n"
	      " -U, --user             user namespaces and what they own\n"
	      " -P, --pid              PID namespaces and their processes\n"
	      " -o, --output COLS      columns to print; +COLS adds to the default\n"
	      " -J, --json             JSON output (children nested)\n",
	      out);
	/* clang-format on */
	cols_cmd_help(out);
	fputs("\nWith --user:", out);
	cols_help(out, nscols_infos, NSCOL_NCOLS);
	fputs("\nWith --pid:", out);
	cols_help(out, pt_infos, PTCOL_NCOLS);
}

/*
 * --user: a row per namespace; a non-user namespace hangs below the user
 * namespace that owns it, a user namespace below its parent.  What has no
 * known owner or parent (--no-owners, --no-hierarchy) stays at the top.
 */
static int tree_user(const struct tree_ctl *ctl, struct nsm_model *m,
		     struct libscols_table *tb, struct nsm_idmap *lines)
{
	struct cols_users *users = cols_users_new();
	struct libscols_line *ln, *up;
	size_t i;
	int pass, err = -ENOMEM;

	if (!users)
		return -ENOMEM;
	nscols_read_details(m, m->ns, m->nns, &ctl->sel);
	for (i = 0; i < m->nns; i++) {
		ln = scols_table_new_line(tb, NULL);
		if (!ln || nscols_fill(ln, &ctl->sel, m, m->ns[i], users) ||
		    nsm_idmap_put(lines, m->ns[i]->id, ln))
			goto out;
	}
	/* what a user namespace owns first, then its child user namespaces */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < m->nns; i++) {
			const struct nsm_ns *ns = m->ns[i];
			uint64_t up_id;

			if ((ns->type == NSM_USER) != (pass == 1))
				continue;
			up_id = ns->type == NSM_USER ? ns->parent : ns->owner;
			up = up_id ? nsm_idmap_get(lines, up_id) : NULL;
			ln = nsm_idmap_get(lines, ns->id);
			if (up && cols_add_child(up, ln) == -ENOMEM)
				goto out;
		}
	}
	err = 0;
out:
	cols_users_free(users);
	return err;
}

static int pt_level(const struct nsm_proc *p)
{
	return p->nnspid ? (int)p->nnspid - 1 : 0;
}

static int pt_user(struct libscols_line *ln, size_t cell, int id, uid_t uid,
		   struct cols_users *users)
{
	if (id == PTCOL_UID)
		return cols_set_u64(ln, cell, uid);
	return cols_set_user(ln, cell, users, uid);
}

static int pt_fill_ns(struct libscols_line *ln, const struct cols_sel *sel,
		      const struct nsm_model *m, const struct nsm_ns *ns,
		      struct cols_users *users)
{
	const struct nsm_proc *p = nscols_proc(m, ns);
	const struct nsm_ns *owner = NULL;
	size_t i;
	int err = 0;

	if (ns->owner)
		owner = nsm_ns_get(m, ns->owner);

	for (i = 0; i < sel->n && !err; i++) {
		int id = sel->id[i];

		switch (id) {
		case PTCOL_ID:
			err = cols_set_u64(ln, i, ns->id);
			break;
		case PTCOL_TYPE:
			err = cols_set(ln, i, nsm_type_name(ns->type));
			break;
		case PTCOL_NPROCS:
			err = cols_set_u64(ln, i, ns->procs.n);
			break;
		case PTCOL_USER:
		case PTCOL_UID:
			if (!owner || !owner->has_owner_uid)
				break;
			err = pt_user(ln, i, id, owner->owner_uid, users);
			break;
		case PTCOL_LEVEL:
			if (p)
				err = cols_set_u64(ln, i, pt_level(p));
			break;
		case PTCOL_NSID:
			if (ns->ns_id)
				err = cols_set_u64(ln, i, ns->ns_id);
			break;
		case PTCOL_OWNER:
			if (ns->owner)
				err = cols_set_u64(ln, i, ns->owner);
			break;
		}
	}
	return err;
}

static int pt_fill_proc(struct libscols_line *ln, const struct cols_sel *sel,
			const struct nsm_proc *p, struct cols_users *users)
{
	size_t i;
	int err = 0;

	for (i = 0; i < sel->n && !err; i++) {
		int id = sel->id[i];

		switch (id) {
		case PTCOL_ID:
			err = cols_set_u64(ln, i, p->pid);
			break;
		case PTCOL_TYPE:
			err = cols_set(ln, i, "process");
			break;
		case PTCOL_NSPID:
			/* NSpid: the last is the pid in the innermost ns */
			if (p->nnspid)
				err = cols_set_u64(ln, i,
						   p->nspid[p->nnspid - 1]);
			else
				err = cols_set_u64(ln, i, p->pid);
			break;
		case PTCOL_NSPIDS:
			err = cols_refer(ln, i, cols_nspid(p));
			break;
		case PTCOL_COMMAND:
			err = cols_refer(ln, i, cols_command(p));
			break;
		case PTCOL_PPID:
			err = cols_set_u64(ln, i, p->ppid);
			break;
		case PTCOL_USER:
		case PTCOL_UID:
			err = pt_user(ln, i, id, p->uid, users);
			break;
		case PTCOL_LEVEL:
			err = cols_set_u64(ln, i, pt_level(p));
			break;
		}
	}
	return err;
}

/* The parent process, when it is in the same PID namespace. */
static const struct nsm_proc *pt_parent(const struct nsm_model *m,
					const struct nsm_proc *p)
{
	const struct nsm_proc *pp = cols_parent(m, p);

	if (pp && p->ns[NSM_PID] && pp->ns[NSM_PID] != p->ns[NSM_PID])
		return NULL;
	return pp;
}

/*
 * --pid: a row per PID namespace, below it the processes whose pid ns it
 * is, as a process tree; child PID namespaces follow the processes.
 */
static int tree_pid(const struct tree_ctl *ctl, struct nsm_model *m,
		    struct libscols_table *tb, struct nsm_idmap *nslines)
{
	struct cols_users *users = cols_users_new();
	struct nsm_idmap *plines = nsm_idmap_new();
	struct libscols_line *ln, *up;
	size_t i;
	int err = -ENOMEM;

	if (!users || !plines)
		goto out;
	if (cols_has(&ctl->sel, PTCOL_COMMAND))
		nsm_read_details(m, 0, NSM_DETAIL_CMDLINE);
	for (i = 0; i < m->nns; i++) {
		if (m->ns[i]->type != NSM_PID)
			continue;
		ln = scols_table_new_line(tb, NULL);
		if (!ln || pt_fill_ns(ln, &ctl->sel, m, m->ns[i], users) ||
		    nsm_idmap_put(nslines, m->ns[i]->id, ln))
			goto out;
	}
	for (i = 0; i < m->nprocs; i++) {
		ln = scols_table_new_line(tb, NULL);
		if (!ln || pt_fill_proc(ln, &ctl->sel, m->procs[i], users) ||
		    nsm_idmap_put(plines, (uint64_t)m->procs[i]->pid, ln))
			goto out;
	}
	for (i = 0; i < m->nprocs; i++) {
		const struct nsm_proc *p = m->procs[i];
		const struct nsm_proc *pp = pt_parent(m, p);

		if (pp)
			up = nsm_idmap_get(plines, (uint64_t)pp->pid);
		else if (p->ns[NSM_PID])
			up = nsm_idmap_get(nslines, p->ns[NSM_PID]);
		else
			up = NULL;
		ln = nsm_idmap_get(plines, (uint64_t)p->pid);
		if (up && cols_add_child(up, ln) == -ENOMEM)
			goto out;
	}
	for (i = 0; i < m->nns; i++) {
		const struct nsm_ns *ns = m->ns[i];

		if (ns->type != NSM_PID || !ns->parent)
			continue;
		up = nsm_idmap_get(nslines, ns->parent);
		ln = nsm_idmap_get(nslines, ns->id);
		if (up && cols_add_child(up, ln) == -ENOMEM)
			goto out;
	}
	err = 0;
out:
	nsm_idmap_free(plines);
	cols_users_free(users);
	return err;
}

/* One option (cli_getopt). */
static int tree_opt(void *data, int code, const char *arg)
{
	struct tree_ctl *ctl = data;

	switch (code) {
	case 'U':
		ctl->pid = false;
		return cli_exclusive("tree", &ctl->view, "--user");
	case 'P':
		ctl->pid = true;
		return cli_exclusive("tree", &ctl->view, "--pid");
	case 'o':
		ctl->output = arg;
		return 0;
	}
	return CLI_NOT_MINE;
}

int cmd_tree(int argc, char **argv)
{
	/* clang-format off */
	static const struct option longopts[] = {
		{ "user", no_argument, NULL, 'U' },
		{ "pid", no_argument, NULL, 'P' },
		COLS_CMD_LONGOPTS,
	}; /* clang-format on */
	struct tree_ctl ctl = { 0 };
	const struct cli_getopt g = {
		.cmd = "tree", .optstr = ":UPo:Jnruhv", .longopts = longopts,
		.usage = usage, .common = &ctl.common, .fmt = &ctl.fmt,
		.opt = tree_opt, .ctl = &ctl,
	};
	struct libscols_table *tb = NULL;
	struct nsm_idmap *lines = NULL;
	struct nsm_model *m = NULL;
	const struct cols_info *infos = nscols_infos;
	size_t ninfos = NSCOL_NCOLS;
	int ret, err;

	cli_common_init(&ctl.common);
	if (cli_getopt(&g, argc, argv, &ret))
		return ret;
	if (ctl.pid) {
		infos = pt_infos;
		ninfos = PTCOL_NCOLS;
		cols_sel_set(&ctl.sel, pid_defaults, ARRAY_SIZE(pid_defaults));
	} else {
		cols_sel_set(&ctl.sel, user_defaults,
			     ARRAY_SIZE(user_defaults));
	}
	/* -o names columns of the view chosen: parsed once it is known */
	ret = ctl.output ? cols_select("tree", infos, ninfos, ctl.output,
				       &ctl.sel) : 0;
	if (ret)
		return ret;

	if (cli_discover(&ctl.common, &m))
		return 1;
	lines = nsm_idmap_new();
	/* PTCOL_ID and NSCOL_NS are both 0: the id column is the tree */
	tb = cols_table_new(ctl.pid ? "pidnamespaces" : "namespaces", infos,
			    &ctl.sel, cols_tree_id(&ctl.sel, 0), &ctl.fmt);
	if (!lines || !tb)
		err = -ENOMEM;
	else if (ctl.pid)
		err = tree_pid(&ctl, m, tb, lines);
	else
		err = tree_user(&ctl, m, tb, lines);
	ret = cli_exit_code(m, cols_output(tb, "tree", err));
	nsm_idmap_free(lines);
	nsm_model_free(m);
	return ret;
}
