// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_mounts.c - `nsmon mounts [--ns ID | --pid PID]`: the mount table of
 * one mount namespace as a tree of mounts (findmnt(8)), hidden
 * (over-mounted) mounts marked.
 *
 * The caller's namespace and a process's are read directly (one table);
 * --ns ID runs the whole discovery, as a namespace without processes is
 * found only through what holds it (a bind mount, an fd).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cols.h"
#include "idmap.h"
#include "parse.h"

enum {
	MCOL_TARGET,
	MCOL_SOURCE,
	MCOL_FSTYPE,
	MCOL_OPTIONS,
	MCOL_HIDDEN,
	MCOL_ID,
	MCOL_PARENT,
	MCOL_MAJMIN,
	MCOL_FSROOT,
	MCOL_VFS_OPTIONS,
	MCOL_FS_OPTIONS,
	MCOL_PROPAGATION,
	MCOL_TAGS,
	MCOL_NCOLS,
};

/* clang-format off */
static const struct cols_info mcols_infos[MCOL_NCOLS] = {
	[MCOL_TARGET] = { "TARGET", 0.3, 0, SCOLS_JSON_STRING,
			  "mount point" },
	[MCOL_SOURCE] = { "SOURCE", 0.25, 0, SCOLS_JSON_STRING,
			  "source device, [root] for a bind mount of a subtree" },
	[MCOL_FSTYPE] = { "FSTYPE", 0.1, 0, SCOLS_JSON_STRING,
			  "filesystem type" },
	[MCOL_OPTIONS] = { "OPTIONS", 0.1, SCOLS_FL_TRUNC, SCOLS_JSON_STRING,
			   "all mount options" },
	[MCOL_HIDDEN] = { "HIDDEN", 1, 0, SCOLS_JSON_BOOLEAN,
			  "covered by a later mount: not reachable by path" },
	[MCOL_ID] = { "ID", 2, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
		      "mount id" },
	[MCOL_PARENT] = { "PARENT", 2, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			  "parent mount id" },
	[MCOL_MAJMIN] = { "MAJ:MIN", 6, 0, SCOLS_JSON_STRING,
			  "major:minor device number" },
	[MCOL_FSROOT] = { "FSROOT", 0.25, 0, SCOLS_JSON_STRING,
			  "root of the mount within its filesystem" },
	[MCOL_VFS_OPTIONS] = { "VFS-OPTIONS", 0.2, SCOLS_FL_TRUNC,
			       SCOLS_JSON_STRING, "per-mount options" },
	[MCOL_FS_OPTIONS] = { "FS-OPTIONS", 0.2, SCOLS_FL_TRUNC,
			      SCOLS_JSON_STRING, "filesystem (super block) options" },
	[MCOL_PROPAGATION] = { "PROPAGATION", 0.1, 0, SCOLS_JSON_STRING,
			       "shared, private, slave, unbindable" },
	[MCOL_TAGS] = { "TAGS", 0.1, 0, SCOLS_JSON_STRING,
			"optional fields of mountinfo (shared:N master:N ...)" },
};

static const int mounts_defaults[] = {
	MCOL_TARGET, MCOL_SOURCE, MCOL_FSTYPE, MCOL_OPTIONS, MCOL_HIDDEN,
};
/* clang-format on */

/* --ns has no short form */
enum { OPT_NS = CLI_OPT_END + 1 };

struct mounts_ctl {
	struct cli_common common;
	struct cols_sel sel;
	struct cols_fmt fmt;
	bool list;	/* -l: flat, no tree */
	pid_t pid;	/* --pid */
	uint64_t id;	/* --ns */
	const char *which;	/* --ns or --pid as given: one of them */
};

static void usage(FILE *out)
{
	/* clang-format off */
	fputs("Usage: nsmon mounts [OPTIONS] [--ns ID | --pid PID]\n"
	      "\n"
	      "The mounts of one mount namespace as a tree (findmnt), mounts\n"
	      "hidden under a later mount on the same or a parent directory\n"
	      "marked in HIDDEN.  Default: the caller's mount namespace.\n"
	      "\n"
	      "Options:\n"
	      "     --ns ID            the mount namespace with this inode number,\n"
	      "                        also one that no process is in\n"
	      " -p, --pid PID          the mount namespace of process PID\n"
	      " -o, --output COLS      columns to print; +COLS adds to the default\n"
	      " -J, --json             JSON output\n"
	      " -l, --list             a flat list instead of a tree\n",
	      out);
	/* clang-format on */
	cols_cmd_help(out);
	cols_help(out, mcols_infos, MCOL_NCOLS);
}

/* findmnt's SOURCE: the device, and [root] when not the whole fs */
static int set_source(struct libscols_line *ln, size_t cell,
		      const struct nsm_mountinfo *mi)
{
	if (!strcmp(mi->root, "/"))
		return cols_set(ln, cell, mi->source);
	return cols_setf(ln, cell, "%s[%s]", mi->source, mi->root);
}

/*
 * findmnt's OPTIONS: the per-mount options, then the super block's
 * without their ro/rw (the mount's own says what applies).
 */
static int set_options(struct libscols_line *ln, size_t cell,
		       const struct nsm_mountinfo *mi)
{
	const char *fs = mi->super_options;

	if (!strncmp(fs, "rw", 2) || !strncmp(fs, "ro", 2)) {
		if (fs[2] == ',' || !fs[2])
			fs += fs[2] ? 3 : 2;
	}
	return cols_setf(ln, cell, "%s%s%s", mi->options, *fs ? "," : "", fs);
}

static int mcols_cell(struct libscols_line *ln, size_t cell, int id,
		      const struct nsm_mountinfo *mi)
{
	char buf[64];

	switch (id) {
	case MCOL_TARGET:
		return cols_set(ln, cell, mi->path);
	case MCOL_SOURCE:
		return set_source(ln, cell, mi);
	case MCOL_FSTYPE:
		return cols_set(ln, cell, mi->fstype);
	case MCOL_OPTIONS:
		return set_options(ln, cell, mi);
	case MCOL_HIDDEN:
		/* libsmartcols prints "" as false in JSON */
		return mi->hidden ? cols_set(ln, cell, "yes") : 0;
	case MCOL_ID:
		return cols_setf(ln, cell, "%d", mi->mount_id);
	case MCOL_PARENT:
		return cols_setf(ln, cell, "%d", mi->parent_id);
	case MCOL_MAJMIN:
		return cols_setf(ln, cell, "%u:%u", mi->major, mi->minor);
	case MCOL_FSROOT:
		return cols_set(ln, cell, mi->root);
	case MCOL_VFS_OPTIONS:
		return cols_set(ln, cell, mi->options);
	case MCOL_FS_OPTIONS:
		return cols_set(ln, cell, mi->super_options);
	case MCOL_PROPAGATION:
		return cols_set(ln, cell,
				nsm_mount_propagation(mi, buf, sizeof(buf)));
	case MCOL_TAGS:
		return *mi->tags ? cols_set(ln, cell, mi->tags) : 0;
	}
	return 0;
}

/* The table as a tree by parent id (or a list with -l). */
static int mounts_print(const struct mounts_ctl *ctl,
			const struct nsm_mounts *mt)
{
	struct libscols_table *tb = NULL;
	struct libscols_line **lines = NULL;
	struct nsm_idmap *by_id = NULL;
	/* -r is a list, as in findmnt */
	int tree = ctl->list || ctl->fmt.raw ?
			   -1 :
			   cols_tree_id(&ctl->sel, MCOL_TARGET);
	size_t i, c;
	int ret, err = -ENOMEM;

	tb = cols_table_new("filesystems", mcols_infos, &ctl->sel, tree,
			    &ctl->fmt);
	lines = calloc(mt->n ? mt->n : 1, sizeof(*lines));
	by_id = nsm_idmap_new();
	if (!tb || !lines || !by_id)
		goto out;
	for (i = 0; i < mt->n; i++) {
		lines[i] = scols_table_new_line(tb, NULL);
		if (!lines[i])
			goto out;
		for (c = 0; c < ctl->sel.n; c++)
			if (mcols_cell(lines[i], c, ctl->sel.id[c], &mt->v[i]))
				goto out;
		/* ids are >= 0 in the kernel; idmap keys are non-zero */
		if (mt->v[i].mount_id >= 0 &&
		    nsm_idmap_put(by_id, (uint64_t)mt->v[i].mount_id + 1,
				  lines[i]))
			goto out;
	}
	for (i = 0; tree >= 0 && i < mt->n; i++) {
		const struct nsm_mountinfo *mi = &mt->v[i];
		struct libscols_line *p = NULL;

		if (mi->parent_id >= 0 && mi->parent_id != mi->mount_id)
			p = nsm_idmap_get(by_id, (uint64_t)mi->parent_id + 1);
		/* the root's parent is outside the table; a loop stays flat */
		if (p && cols_add_child(p, lines[i]) == -ENOMEM)
			goto out;
	}
	err = 0;
out:
	ret = cols_output(tb, "mounts", err);
	nsm_idmap_free(by_id);
	free(lines);
	return ret;
}

/*
 * The namespace of a process (or ours, pid 0) without a whole discovery:
 * a model with that one namespace, the process in it, and pass 7.
 */
static int read_one(struct mounts_ctl *ctl, struct nsm_model **out,
		    struct nsm_ns **ns)
{
	struct nsm_model *m = NULL;
	char path[64];
	struct stat st;
	pid_t pid = ctl->pid ? ctl->pid : getpid();
	int err;

	ctl->common.opts.mounts = true;
	err = nsm_model_new(&m, &ctl->common.opts);
	if (err) {
		cli_model_error(ctl->common.opts.proc_root, err);
		return 1;
	}
	snprintf(path, sizeof(path), "%d/ns/mnt", (int)pid);
	if (fstatat(m->proc_fd, path, &st, 0)) {
		err = errno;
		if (err == ENOENT || err == ESRCH)
			fprintf(stderr, "nsmon mounts: no process %d\n",
				(int)pid);
		else
			fprintf(stderr, "nsmon mounts: %s/%s: %s\n",
				m->opts.proc_root, path, strerror(err));
		goto fail;
	}
	/* a fixture tree names namespaces in its links only */
	if (!m->live) {
		uint64_t id;
		enum nsm_type t;
		char link[128];
		ssize_t n = readlinkat(m->proc_fd, path, link, sizeof(link) - 1);

		if (n < 0)
			goto fail;
		link[n] = '\0';
		if (nsm_parse_nslink(link, &t, &id) || t != NSM_MNT)
			goto fail;
		st.st_ino = id;
	}
	if (nsm_ns_add(m, st.st_ino, NSM_MNT, ns) ||
	    nsm_pids_add(&(*ns)->procs, pid) || nsm_scan_mounts(m))
		goto nomem;
	if (m->incomplete)
		cli_say_incomplete(m);
	*out = m;
	return 0;
nomem:
	fprintf(stderr, "nsmon mounts: %s\n", strerror(ENOMEM));
fail:
	nsm_model_free(m);
	return 1;
}

/* One option (cli_getopt). */
static int mounts_opt(void *data, int code, const char *arg)
{
	struct mounts_ctl *ctl = data;

	switch (code) {
	case OPT_NS:
		if (cli_parse_nsid(arg, &ctl->id))
			return cli_bad_value("mounts", "--ns", "namespace id",
					     arg, NULL);
		return cli_exclusive("mounts", &ctl->which, "--ns");
	case 'p':
		if (cli_parse_pid(arg, &ctl->pid))
			return cli_bad_value("mounts", "--pid", "PID", arg,
					     NULL);
		return cli_exclusive("mounts", &ctl->which, "--pid");
	case 'o':
		return cols_select("mounts", mcols_infos, MCOL_NCOLS, arg,
				   &ctl->sel);
	case 'l':
		ctl->list = true;
		return 0;
	}
	return CLI_NOT_MINE;
}

int cmd_mounts(int argc, char **argv)
{
	/* clang-format off */
	static const struct option longopts[] = {
		{ "ns", required_argument, NULL, OPT_NS },
		{ "pid", required_argument, NULL, 'p' },
		{ "list", no_argument, NULL, 'l' },
		COLS_CMD_LONGOPTS,
	}; /* clang-format on */
	struct mounts_ctl ctl = { 0 };
	const struct cli_getopt g = {
		.cmd = "mounts", .optstr = ":p:o:Jlnruhv",
		.longopts = longopts, .usage = usage, .common = &ctl.common,
		.fmt = &ctl.fmt, .opt = mounts_opt, .ctl = &ctl,
	};
	struct nsm_model *m = NULL;
	struct nsm_ns *ns = NULL;
	size_t i;
	int ret;

	cli_common_init(&ctl.common);
	cols_sel_set(&ctl.sel, mounts_defaults, ARRAY_SIZE(mounts_defaults));
	if (cli_getopt(&g, argc, argv, &ret))
		return ret;
	if (!ctl.common.opts.mounts)
		return cli_usage_error("mounts", "--no-mounts leaves nothing "
						 "to show");

	ret = 1;
	if (!ctl.id) {
		if (read_one(&ctl, &m, &ns))
			return 1;
	} else {
		if (cli_discover(&ctl.common, &m))
			return 1;
		ns = nsm_ns_get(m, ctl.id);
		if (!ns || ns->type != NSM_MNT) {
			fprintf(stderr, "nsmon mounts: no mount namespace %llu%s\n",
				(unsigned long long)ctl.id,
				ns ? " (a namespace of another type)" : "");
			goto out;
		}
	}
	if (!ns->mounts) {
		fprintf(stderr, "nsmon mounts: mnt:[%llu]: cannot read its "
				"mounts%s\n",
			(unsigned long long)ns->id,
			m->nwarnings ? ":" : "");
		for (i = 0; i < m->nwarnings; i++) {
			const char *w = m->warnings[i];
			char *s = nsm_encode_dup(NSM_ENC_TEXT, w, strlen(w));

			/* they may quote a path: one line each */
			fprintf(stderr, "  %s\n", s ? s : "?");
			free(s);
		}
		goto out;
	}
	ret = cli_exit_code(m, mounts_print(&ctl, ns->mounts));
out:
	nsm_model_free(m);
	return ret;
}
