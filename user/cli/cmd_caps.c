// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_caps.c - `nsmon caps PID [--ns ID | --all]`: the capabilities process
 * PID has in a namespace by the kernel's user namespace rules (lxkns's
 * nscaps): one row per target, a table or a JSON document (docs/caps.md).
 *
 * The rules run in the library (discovery/nscaps.c) over the model's user
 * namespace hierarchy; this file only chooses the targets and prints.
 * --ns and --all sweep the host (a namespace may be held by anything);
 * the default targets, PID's own namespaces, are read from it alone.
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
#include "json.h"
#include "nscaps.h"
#include "parse.h"

enum {
	CCOL_NS,
	CCOL_TYPE,
	CCOL_USERNS,
	CCOL_RELATION,
	CCOL_LEVEL,
	CCOL_OWNED,
	CCOL_CAPS,
	CCOL_SYS_ADMIN,
	CCOL_SET,
	CCOL_NCOLS,
};

/* clang-format off */
static const struct cols_info ccols_infos[CCOL_NCOLS] = {
	[CCOL_NS] = { "NS", 10, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
		      "target namespace (inode number)" },
	[CCOL_TYPE] = { "TYPE", 5, 0, SCOLS_JSON_STRING,
			"its type" },
	[CCOL_USERNS] = { "USERNS", 10, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			  "the user namespace governing it (itself, or its owner)" },
	[CCOL_RELATION] = { "RELATION", 8, 0, SCOLS_JSON_STRING,
			    "member, ancestor, owner, none or unknown" },
	[CCOL_LEVEL] = { "LEVEL", 2, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			 "levels up from USERNS to the process's user ns, or to OWNED" },
	[CCOL_OWNED] = { "OWNED", 10, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			 "owner: the user namespace whose owner uid is the euid" },
	[CCOL_CAPS] = { "CAPS", 9, 0, SCOLS_JSON_STRING,
			"full (every capability), effective (part), none" },
	[CCOL_SYS_ADMIN] = { "SYS_ADMIN", 3, 0, SCOLS_JSON_BOOLEAN,
			     "whether the set holds cap_sys_admin" },
	/* not cut on a terminal: a set cut short would say less than it is */
	[CCOL_SET] = { "SET", 0.3, 0, SCOLS_JSON_ARRAY_STRING,
		       "the capabilities, by libcap's names" },
};

static const int caps_defaults[] = {
	CCOL_NS, CCOL_TYPE, CCOL_USERNS, CCOL_RELATION, CCOL_LEVEL,
	CCOL_CAPS, CCOL_SYS_ADMIN, CCOL_SET,
};

static const int caps_all_defaults[] = {
	CCOL_NS, CCOL_TYPE, CCOL_USERNS, CCOL_RELATION, CCOL_CAPS,
	CCOL_SYS_ADMIN,
};
/* clang-format on */

/* --ns and --all have no short form */
enum { OPT_NS = CLI_OPT_END + 1, OPT_ALL };

struct caps_ctl {
	struct cli_common common;
	struct cols_sel sel;
	struct cols_fmt fmt;
	const char *cols;	/* -o: applied after the mode's defaults */
	pid_t pid;		/* the PID operand */
	uint64_t id;		/* --ns */
	const char *id_arg;
	bool all;		/* --all */
	const char *which;	/* --ns or --all as given: one of them */
};

/* One row: a target and the answer. */
struct caps_row {
	const struct nsm_ns *ns;
	struct nsm_caps caps;
};

static void usage(FILE *out)
{
	/* clang-format off */
	fputs("Usage: nsmon caps [OPTIONS] PID [--ns ID | --all]\n"
	      "\n"
	      "The capabilities process PID has in a namespace, by the kernel's\n"
	      "user namespace rules: its effective set in its own user namespace\n"
	      "and below it, every capability in a user namespace its euid made in\n"
	      "its own one (and below), none elsewhere.  Default: the namespaces\n"
	      "PID is in.\n"
	      "\n"
	      "Options:\n"
	      "     --ns ID            the namespace with this inode number or ns_id\n"
	      "     --all              every namespace on the host, one row each\n"
	      " -o, --output COLS      columns to print; +COLS adds to the default\n"
	      " -J, --json             JSON output (docs/caps.md)\n",
	      out);
	/* clang-format on */
	cols_cmd_help(out);
	cols_help(out, ccols_infos, CCOL_NCOLS);
}

/* full, effective (a part), none: what the set amounts to */
static const char *caps_amount(uint64_t set, uint64_t full)
{
	if (!set)
		return "none";
	return (set & full) == full ? "full" : "effective";
}

static bool has_sys_admin(uint64_t set)
{
	return set & (1ULL << NSM_CAP_SYS_ADMIN);
}

static int ccols_cell(struct libscols_line *ln, size_t cell, int id,
		      const struct caps_row *r, uint64_t full)
{
	const struct nsm_caps *c = &r->caps;

	switch (id) {
	case CCOL_NS:
		return cols_set_u64(ln, cell, r->ns->id);
	case CCOL_TYPE:
		return cols_set(ln, cell, nsm_type_name(r->ns->type));
	case CCOL_USERNS:
		return c->userns ? cols_set_u64(ln, cell, c->userns) : 0;
	case CCOL_RELATION:
		return cols_set(ln, cell, nsm_caps_rel_name(c->rel));
	case CCOL_LEVEL:
		return c->level >= 0 ? cols_setf(ln, cell, "%d", c->level) : 0;
	case CCOL_OWNED:
		return c->owned ? cols_set_u64(ln, cell, c->owned) : 0;
	case CCOL_CAPS:
		return cols_set(ln, cell, caps_amount(c->set, full));
	case CCOL_SYS_ADMIN:
		/* libsmartcols prints "" as false in JSON */
		return cols_set(ln, cell, has_sys_admin(c->set) ? "yes" : "no");
	case CCOL_SET:
		return cols_refer(ln, cell, nsm_caps_names(c->set));
	}
	return 0;
}

static int caps_table(const struct caps_ctl *ctl, const struct caps_row *rows,
		      size_t n, uint64_t full)
{
	struct libscols_table *tb;
	size_t i, c;
	int err = -ENOMEM;

	tb = cols_table_new("caps", ccols_infos, &ctl->sel, -1, &ctl->fmt);
	if (!tb)
		goto out;
	for (i = 0; i < n; i++) {
		struct libscols_line *ln = scols_table_new_line(tb, NULL);

		if (!ln)
			goto out;
		for (c = 0; c < ctl->sel.n; c++)
			if (ccols_cell(ln, c, ctl->sel.id[c], &rows[i], full))
				goto out;
	}
	err = 0;
out:
	return cols_output(tb, "caps", err);
}

/* ["cap_chown", ...], as `capsh --decode` names them */
static cJSON *json_set(uint64_t set)
{
	cJSON *a = cJSON_CreateArray();
	unsigned n;
	char num[8];

	for (n = 0; a && n < 64; n++) {
		const char *name = nsm_cap_name(n);

		if (!(set & (1ULL << n)))
			continue;
		if (!name) {
			snprintf(num, sizeof(num), "%u", n);
			name = num;
		}
		if (!cJSON_AddItemToArray(a, cJSON_CreateString(name))) {
			cJSON_Delete(a);
			return NULL;
		}
	}
	return a;
}

/*
 * The rows' sets as JSON text, each made once: a run has at most three
 * (none, the effective set, every capability), and 3,000 rows of 40
 * cJSON strings each took longer than the sweep.
 */
struct set_cache {
	uint64_t set[3];
	char *text[3];
	size_t n;
};

static cJSON *json_set_cached(struct set_cache *sc, uint64_t set)
{
	cJSON *a;
	size_t i;

	for (i = 0; i < sc->n; i++)
		if (sc->set[i] == set)
			return cJSON_CreateRaw(sc->text[i]);
	a = json_set(set);
	if (!a)
		return NULL;
	if (sc->n < 3) {
		sc->text[sc->n] = cJSON_PrintUnformatted(a);
		if (sc->text[sc->n]) {
			sc->set[sc->n] = set;
			cJSON_Delete(a);
			return cJSON_CreateRaw(sc->text[sc->n++]);
		}
	}
	return a;
}

static void set_cache_free(struct set_cache *sc)
{
	while (sc->n)
		cJSON_free(sc->text[--sc->n]);
}

/* A number, or null for 0 (unknown) */
static cJSON *json_id(uint64_t id)
{
	return id ? cJSON_CreateNumber((double)id) : cJSON_CreateNull();
}

static cJSON *json_row(const struct caps_row *r, uint64_t full,
			struct set_cache *sc)
{
	const struct nsm_caps *c = &r->caps;
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	if (!cJSON_AddItemToObject(o, "id", json_id(r->ns->id)) ||
	    !cJSON_AddStringToObject(o, "type", nsm_type_name(r->ns->type)) ||
	    !cJSON_AddItemToObject(o, "userns", json_id(c->userns)) ||
	    !cJSON_AddStringToObject(o, "relation", nsm_caps_rel_name(c->rel)) ||
	    !cJSON_AddItemToObject(o, "level",
				   c->level >= 0 ?
					   cJSON_CreateNumber(c->level) :
					   cJSON_CreateNull()) ||
	    !cJSON_AddItemToObject(o, "owned", json_id(c->owned)) ||
	    !cJSON_AddStringToObject(o, "caps", caps_amount(c->set, full)) ||
	    !cJSON_AddBoolToObject(o, "sys_admin", has_sys_admin(c->set)) ||
	    !cJSON_AddItemToObject(o, "set", json_set_cached(sc, c->set))) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *json_doc(const struct caps_ctl *ctl, const struct nsm_creds *cr,
		       const struct caps_row *rows, size_t n, uint64_t full)
{
	cJSON *doc = cJSON_CreateObject(), *arr;
	struct set_cache sc = { .n = 0 };
	size_t i;

	if (!doc || !cJSON_AddNumberToObject(doc, "pid", ctl->pid) ||
	    !cJSON_AddNumberToObject(doc, "euid", cr->euid) ||
	    !cJSON_AddItemToObject(doc, "userns", json_id(cr->userns)) ||
	    !cJSON_AddItemToObject(doc, "effective", json_set(cr->cap_eff)) ||
	    !(arr = cJSON_AddArrayToObject(doc, "namespaces")))
		goto fail;
	for (i = 0; i < n; i++)
		if (!cJSON_AddItemToArray(arr, json_row(&rows[i], full, &sc)))
			goto fail;
	set_cache_free(&sc);
	return doc;
fail:
	set_cache_free(&sc);
	cJSON_Delete(doc);
	return NULL;
}

static int caps_json(const struct caps_ctl *ctl, const struct nsm_creds *cr,
		     const struct caps_row *rows, size_t n, uint64_t full)
{
	cJSON *doc = json_doc(ctl, cr, rows, n, full);
	int err;

	if (!doc) {
		fprintf(stderr, "nsmon caps: %s\n", strerror(ENOMEM));
		return 1;
	}
	err = nsm_json_print(doc, stdout, true);
	cJSON_Delete(doc);
	if (err == -ENOMEM)
		fprintf(stderr, "nsmon caps: %s\n", strerror(-err));
	else if (err)
		cli_stdout_error(err);
	return err ? 1 : 0;
}

/* --ns ID: the inode number, else the kernel's ns_id */
static const struct nsm_ns *find_ns(const struct nsm_model *m, uint64_t id)
{
	const struct nsm_ns *ns = nsm_ns_get(m, id);
	size_t i;

	for (i = 0; !ns && i < m->nns; i++)
		if (m->ns[i]->ns_id == id)
			ns = m->ns[i];
	return ns;
}

static bool row_add(struct caps_row *rows, size_t *n, const struct nsm_ns *ns)
{
	size_t i;

	if (!ns)
		return false;
	for (i = 0; i < *n; i++)
		if (rows[i].ns == ns)
			return false;
	rows[(*n)++].ns = ns;
	return true;
}

/*
 * The targets: --ns, --all, else the namespaces PID is in (its user
 * namespace first, then by type).  Rows has room for m->nns (+ 1).
 */
static int caps_targets(const struct caps_ctl *ctl,
			const struct nsm_model *m, const struct nsm_creds *cr,
			struct caps_row *rows, size_t *n)
{
	const struct nsm_proc *p = nsm_proc_get(m, ctl->pid);
	int s;

	*n = 0;
	if (ctl->id) {
		if (!row_add(rows, n, find_ns(m, ctl->id))) {
			fprintf(stderr, "nsmon caps: no namespace %s\n",
				ctl->id_arg);
			return 1;
		}
		return 0;
	}
	if (ctl->all) {
		for (*n = 0; *n < m->nns; (*n)++)
			rows[*n].ns = m->ns[*n];
		return 0;
	}
	row_add(rows, n, nsm_ns_get(m, cr->userns));
	for (s = 0; p && s < NSM_NSLOTS; s++)
		row_add(rows, n, nsm_ns_get(m, p->ns[s]));
	return 0;
}

/* The credentials of PID, or a one-line message and exit code 1. */
static int caps_creds(const struct caps_ctl *ctl, const struct nsm_model *m,
		      struct nsm_creds *cr)
{
	int err = nsm_read_creds(m, ctl->pid, cr);

	if (!err)
		return 0;
	if (err == -ENOENT || err == -ESRCH)
		fprintf(stderr, "nsmon caps: no process %d\n", (int)ctl->pid);
	else
		fprintf(stderr, "nsmon caps: process %d: cannot read its "
				"credentials: %s\n", (int)ctl->pid,
			strerror(-err));
	return 1;
}

static int caps_run(struct caps_ctl *ctl, struct nsm_model *m)
{
	struct caps_row *rows;
	struct nsm_creds cr;
	uint64_t full;
	size_t i, n;
	int ret;

	if (caps_creds(ctl, m, &cr))
		return 1;
	rows = calloc(m->nns + NSM_NSLOTS + 1, sizeof(*rows));
	if (!rows) {
		fprintf(stderr, "nsmon caps: %s\n", strerror(ENOMEM));
		return 1;
	}
	ret = caps_targets(ctl, m, &cr, rows, &n);
	if (ret)
		goto out;
	full = nsm_caps_full(m);
	for (i = 0; i < n; i++)
		nsm_caps_in(m, &cr, full, rows[i].ns, &rows[i].caps);
	ret = ctl->fmt.json ? caps_json(ctl, &cr, rows, n, full) :
			      caps_table(ctl, rows, n, full);
out:
	free(rows);
	return ret;
}

/* The namespace of PID in slot s (its ns/ link), 0 if unreadable. */
static uint64_t own_link(const struct nsm_model *m, pid_t pid, int s)
{
	char path[64], link[128];
	enum nsm_type t;
	uint64_t id;
	ssize_t n;

	snprintf(path, sizeof(path), "%d/ns/%s", (int)pid, nsm_slot_name(s));
	n = readlinkat(m->proc_fd, path, link, sizeof(link) - 1);
	if (n < 0)
		return 0;
	link[n] = '\0';
	if (nsm_parse_nslink(link, &t, &id) || t != nsm_slot_type(s))
		return 0;
	return id;
}

/*
 * Owner, parent and owner uid of the namespace in slot s, and of the
 * user namespaces above it (hierarchy.c follows them), through its nsfs
 * file; one that cannot be opened stays unresolved: its rows say
 * "unknown".  0 or -ENOMEM.
 */
static int own_resolve(struct nsm_model *m, pid_t pid, int s, uint64_t id)
{
	struct nsm_ns *ns = id ? nsm_ns_get(m, id) : NULL;
	char path[64];
	struct stat st;
	int fd, err;

	if (!m->live || !ns || ns->resolved)
		return 0;
	snprintf(path, sizeof(path), "%d/ns/%s", (int)pid, nsm_slot_name(s));
	fd = openat(m->proc_fd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	/* the pid may have been reused since the link was read */
	err = fstat(fd, &st) || st.st_ino != id ? 0 :
						  nsm_resolve_fd(m, ns, fd);
	close(fd);
	return err;
}

/*
 * The default targets, the namespaces PID is in, need no sweep: a model
 * with that process, its namespaces and the user namespaces above them
 * (as `mounts` reads one namespace).  0, or 1 with the message printed.
 */
static int caps_read_own(const struct caps_ctl *ctl, struct nsm_model **out)
{
	struct nsm_model *m = NULL;
	struct nsm_proc *p;
	int s, err;

	err = nsm_model_new(&m, &ctl->common.opts);
	if (err) {
		cli_model_error(ctl->common.opts.proc_root, err);
		return 1;
	}
	err = nsm_proc_add(m, ctl->pid, &p);
	for (s = 0; !err && s < NSM_NSLOTS; s++)
		p->ns[s] = own_link(m, ctl->pid, s);
	if (!err)
		err = nsm_proc_attach(m, p);
	for (s = 0; !err && s < NSM_NSLOTS; s++)
		err = own_resolve(m, ctl->pid, s, p->ns[s]);
	if (!err)
		err = nsm_finish(m);
	if (err) {
		fprintf(stderr, "nsmon caps: %s\n", strerror(-err));
		nsm_model_free(m);
		return 1;
	}
	*out = m;
	return 0;
}

/* One option or the PID operand (cli_getopt). */
static int caps_opt(void *data, int code, const char *arg)
{
	struct caps_ctl *ctl = data;

	switch (code) {
	case OPT_NS:
		if (cli_parse_nsid(arg, &ctl->id))
			return cli_bad_value("caps", "--ns", "namespace id",
					     arg, NULL);
		ctl->id_arg = arg;
		return cli_exclusive("caps", &ctl->which, "--ns");
	case OPT_ALL:
		ctl->all = true;
		return cli_exclusive("caps", &ctl->which, "--all");
	case 'o':
		ctl->cols = arg;
		return 0;
	case CLI_OPERAND:
		if (cli_parse_pid(arg, &ctl->pid))
			return cli_bad_value("caps", NULL, "PID", arg, NULL);
		return 0;
	}
	return CLI_NOT_MINE;
}

/* The sweep caps needs: the user hierarchy, neither mounts nor engines. */
static int caps_range(struct caps_ctl *ctl)
{
	if (!ctl->common.opts.hierarchy || !ctl->common.opts.owners)
		return cli_usage_error("caps", "the rules need the user "
				       "namespace hierarchy (--no-hierarchy, "
				       "--no-owners)");
	ctl->common.opts.mounts = false;
	ctl->common.opts.containers = false;
	return 0;
}

int cmd_caps(int argc, char **argv)
{
	/* clang-format off */
	static const struct option longopts[] = {
		{ "ns", required_argument, NULL, OPT_NS },
		{ "all", no_argument, NULL, OPT_ALL },
		COLS_CMD_LONGOPTS,
	}; /* clang-format on */
	struct caps_ctl ctl = { 0 };
	const struct cli_getopt g = {
		.cmd = "caps", .optstr = ":o:Jnruhv", .longopts = longopts,
		.usage = usage, .common = &ctl.common, .fmt = &ctl.fmt,
		.opt = caps_opt, .ctl = &ctl, .nargs = 1,
	};
	struct nsm_model *m = NULL;
	int ret;

	cli_common_init(&ctl.common);
	if (cli_getopt(&g, argc, argv, &ret))
		return ret;
	if (!ctl.pid)
		return cli_usage_error("caps", "a PID is required");
	if (ctl.all)
		cols_sel_set(&ctl.sel, caps_all_defaults,
			     ARRAY_SIZE(caps_all_defaults));
	else
		cols_sel_set(&ctl.sel, caps_defaults,
			     ARRAY_SIZE(caps_defaults));
	ret = ctl.cols ? cols_select("caps", ccols_infos, CCOL_NCOLS,
				     ctl.cols, &ctl.sel) :
			 0;
	if (!ret)
		ret = caps_range(&ctl);
	if (ret)
		return ret;
	if (ctl.id || ctl.all ? cli_discover(&ctl.common, &m) :
				caps_read_own(&ctl, &m))
		return 1;
	ret = cli_exit_code(m, caps_run(&ctl, m));
	nsm_model_free(m);
	return ret;
}
