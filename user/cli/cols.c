// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cols.c - libsmartcols helpers shared by `ls`, `tree` and `ps`, and the
 * namespace columns of `ls` and `tree --user`.
 */
#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "cols.h"
#include "idmap.h"

/*
 * -EINVAL with *bad set to the unknown name (static buffer), "" for an
 * empty list, or NULL for a list too long.
 */
static int cols_parse(const struct cols_info *infos, size_t ninfos,
		      const char *list, struct cols_sel *sel, const char **bad)
{
	static char name[64];
	const char *p = list;

	*bad = NULL;
	if (*p == '+')
		p++;
	else
		sel->n = 0;
	while (*p) {
		size_t len = strcspn(p, ",");
		size_t i;

		for (i = 0; i < ninfos; i++)
			if (strlen(infos[i].name) == len &&
			    !strncasecmp(infos[i].name, p, len))
				break;
		if (i == ninfos) {
			snprintf(name, sizeof(name), "%.*s", (int)len, p);
			*bad = name;
			return -EINVAL;
		}
		if (sel->n == COLS_MAX)
			return -EINVAL;
		sel->id[sel->n++] = (int)i;
		p += len;
		if (*p == ',')
			p++;
	}
	if (!sel->n) {
		*bad = "";
		return -EINVAL;
	}
	return 0;
}

int cols_select(const char *cmd, const struct cols_info *infos, size_t ninfos,
		const char *list, struct cols_sel *sel)
{
	const char *bad;

	if (!cols_parse(infos, ninfos, list, sel, &bad))
		return 0;
	if (!bad)
		return cli_usage_error(cmd, "too many columns in '%s'", list);
	if (!*bad)
		return cli_usage_error(cmd, "no columns in '%s'", list);
	return cli_usage_error(cmd, "unknown column: %s", bad);
}

int cols_fmt_opt(struct cols_fmt *fmt, const char *cmd, int code)
{
	switch (code) {
	case 'J':
		fmt->json = true;
		return cli_exclusive(cmd, &fmt->format, "--json");
	case 'n':
		fmt->noheadings = true;
		return 0;
	case 'r':
		fmt->raw = true;
		return cli_exclusive(cmd, &fmt->format, "--raw");
	case 'u':
		fmt->notruncate = true;
		return 0;
	}
	return CLI_NOT_MINE;
}

bool cols_has(const struct cols_sel *sel, int id)
{
	size_t i;

	for (i = 0; i < sel->n; i++)
		if (sel->id[i] == id)
			return true;
	return false;
}

void cols_sel_set(struct cols_sel *sel, const int *ids, size_t n)
{
	for (sel->n = 0; sel->n < n && sel->n < COLS_MAX; sel->n++)
		sel->id[sel->n] = ids[sel->n];
}

void cols_help(FILE *out, const struct cols_info *infos, size_t ninfos)
{
	size_t i;

	fputs("\nAvailable output columns (-o):\n", out);
	for (i = 0; i < ninfos; i++)
		fprintf(out, " %12s  %s\n", infos[i].name, infos[i].help);
}

void cols_cmd_help(FILE *out)
{
	fputs(" -n, --noheadings       don't print headings\n"
	      " -r, --raw              use the raw output format\n"
	      " -u, --notruncate       don't truncate text in columns\n"
	      " -h, --help             display this help\n",
	      out);
	cli_common_help(out);
}

struct libscols_table *cols_table_new(const char *name,
				      const struct cols_info *infos,
				      const struct cols_sel *sel, int tree_id,
				      const struct cols_fmt *fmt)
{
	struct libscols_table *tb;
	size_t i;

	tb = scols_new_table();
	if (!tb)
		return NULL;
	if (scols_table_set_name(tb, name))
		goto fail;
	scols_table_enable_json(tb, fmt->json);
	scols_table_enable_raw(tb, fmt->raw);
	scols_table_enable_noheadings(tb, fmt->noheadings);

	for (i = 0; i < sel->n; i++) {
		const struct cols_info *ci = &infos[sel->id[i]];
		struct libscols_column *cl;
		int flags = ci->flags;

		/*
		 * Text is untrusted and unbounded (a command line, a path):
		 * on a terminal it is cut to fit, as lsns does; kept whole
		 * (and in the tree, as findmnt keeps it), a cell far wider
		 * than the others of its column overflows its row instead of
		 * widening every row.
		 */
		if (ci->json == SCOLS_JSON_STRING)
			flags |= fmt->notruncate || sel->id[i] == tree_id ?
					 SCOLS_FL_NOEXTREMES :
					 SCOLS_FL_TRUNC;
		if (fmt->notruncate)
			flags &= ~SCOLS_FL_TRUNC;
		/* a right-aligned tree reads badly */
		if (sel->id[i] == tree_id)
			flags = (flags & ~SCOLS_FL_RIGHT) | SCOLS_FL_TREE;
		cl = scols_table_new_column(tb, ci->name, ci->whint, flags);
		if (!cl)
			goto fail;
		if (fmt->json)
			scols_column_set_json_type(cl, ci->json);
	}
	return tb;
fail:
	scols_unref_table(tb);
	return NULL;
}

int cols_add_child(struct libscols_line *parent, struct libscols_line *child)
{
	struct libscols_line *ln;

	for (ln = parent; ln; ln = scols_line_get_parent(ln))
		if (ln == child)
			return -ELOOP;
	return scols_line_add_child(parent, child) ? -ENOMEM : 0;
}

int cols_tree_id(const struct cols_sel *sel, int want)
{
	return cols_has(sel, want) ? want : sel->id[0];
}

/* How wide a table's columns are, in bytes of their cells. */
struct cols_width {
	size_t wide[COLS_MAX];	/* the widest cell of each column */
	size_t usual[COLS_MAX];	/* the widest of at most COLS_PIPE_WIDTH */
};

/*
 * Not on a terminal, libsmartcols pads each column to its widest cell:
 * one process with a 1 MB command line made every row 1 MB wide.  When
 * the padded columns are wider than this, the table is laid out as for
 * a terminal as wide as its usual cells, without cutting anything: a far
 * wider cell overflows its own row (SCOLS_FL_NOEXTREMES) and the next
 * columns of that row go on a line of their own.
 */
#define COLS_PIPE_WIDTH 1024
/* room for tree lines and separators, which cells do not count */
#define COLS_PIPE_SLACK 64

static void cols_measure(struct cols_width *w, size_t i, size_t len)
{
	if (i >= COLS_MAX)
		return;
	if (len > w->wide[i])
		w->wide[i] = len;
	if (len <= COLS_PIPE_WIDTH && len > w->usual[i])
		w->usual[i] = len;
}

/*
 * Every cell through the one encoder (untrusted bytes: SPEC "Untrusted
 * input, encoding"), measured into w.  0 or -ENOMEM.
 */
static int cols_encode(struct libscols_table *tb, enum nsm_enc how,
		       struct cols_width *w)
{
	struct libscols_iter *itr = scols_new_iter(SCOLS_ITER_FORWARD);
	struct libscols_line *ln;
	int err = 0;
	size_t i;

	if (!itr)
		return -ENOMEM;
	memset(w, 0, sizeof(*w));
	while (!err && !scols_table_next_line(tb, itr, &ln)) {
		for (i = 0; !err && i < scols_line_get_ncells(ln); i++) {
			struct libscols_cell *ce = scols_line_get_cell(ln, i);
			const char *d = scols_cell_get_data(ce);
			char *e;

			if (!d)
				continue;
			e = nsm_encode_dup(how, d, strlen(d));
			if (!e || scols_cell_refer_data(ce, e)) {
				free(e);
				err = -ENOMEM;
				break;
			}
			cols_measure(w, i, strlen(e));
		}
	}
	scols_free_iter(itr);
	return err;
}

static void cols_bound_width(struct libscols_table *tb,
			     const struct cols_width *w)
{
	size_t i, ncols = scols_table_get_ncols(tb), wide = 0, usual = 0;
	struct libscols_iter *itr;
	struct libscols_column *cl;

	/* the last column is not padded */
	for (i = 0; i + 1 < ncols && i < COLS_MAX; i++) {
		wide += w->wide[i] + 1;
		usual += w->usual[i] + 1;
	}
	if (wide <= COLS_PIPE_WIDTH || isatty(STDOUT_FILENO))
		return;
	itr = scols_new_iter(SCOLS_ITER_FORWARD);
	if (!itr)
		return;
	while (!scols_table_next_column(tb, itr, &cl))
		scols_column_set_flags(cl, (scols_column_get_flags(cl) &
					    ~SCOLS_FL_TRUNC) |
						   SCOLS_FL_NOEXTREMES);
	scols_free_iter(itr);
	usual += (ncols && ncols <= COLS_MAX ? w->usual[ncols - 1] : 0) +
		 COLS_PIPE_SLACK;
	scols_table_set_termforce(tb, SCOLS_TERMFORCE_ALWAYS);
	scols_table_set_termwidth(tb, usual < COLS_PIPE_WIDTH ?
					      usual : COLS_PIPE_WIDTH);
}

/*
 * JSON: valid UTF-8 for libsmartcols' writer, which escapes the rest.
 * Raw: libsmartcols' own escapes (\xHH for blanks, backslashes, control
 * and invalid bytes).  A table: our text encoding, libsmartcols' off.
 */
static int cols_prepare(struct libscols_table *tb)
{
	struct cols_width w;
	int err;

	if (scols_table_is_raw(tb))
		return 0;
	if (scols_table_is_json(tb))
		return cols_encode(tb, NSM_ENC_UTF8, &w);
	scols_table_enable_noencoding(tb, 1);
	err = cols_encode(tb, NSM_ENC_TEXT, &w);
	if (!err)
		cols_bound_width(tb, &w);
	return err;
}

int cols_print(struct libscols_table *tb)
{
	int err = cols_prepare(tb);

	if (!err)
		err = scols_print_table(tb);

	errno = 0;
	if (!err && (fflush(stdout) || ferror(stdout)))
		err = errno ? -errno : -EIO;
	/* EPIPE too (`| head`): main() says so once and exits 1 */
	if (err) {
		cli_stdout_error(err);
		return 1;
	}
	return 0;
}

int cols_output(struct libscols_table *tb, const char *cmd, int err)
{
	int rc = 1;

	if (!err)
		rc = cols_print(tb);
	else
		fprintf(stderr, "nsmon %s: %s\n", cmd, strerror(-err));
	scols_unref_table(tb);
	return rc;
}

int cols_set(struct libscols_line *ln, size_t n, const char *s)
{
	return scols_line_set_data(ln, n, s) ? -ENOMEM : 0;
}

int cols_setf(struct libscols_line *ln, size_t n, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return cols_refer(ln, n, r < 0 ? NULL : s);
}

int cols_set_u64(struct libscols_line *ln, size_t n, uint64_t v)
{
	return cols_setf(ln, n, "%" PRIu64, v);
}

int cols_refer(struct libscols_line *ln, size_t n, char *s)
{
	if (!s)
		return -ENOMEM;
	/* the line owns s from here on */
	if (scols_line_refer_data(ln, n, s)) {
		free(s);
		return -ENOMEM;
	}
	return 0;
}

struct cols_users {
	struct nsm_idmap *map; /* uid + 1 -> name */
	char **names;	       /* what map points to, to free */
	size_t n, cap;
};

struct cols_users *cols_users_new(void)
{
	struct cols_users *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->map = nsm_idmap_new();
	if (!u->map) {
		free(u);
		return NULL;
	}
	return u;
}

void cols_users_free(struct cols_users *u)
{
	size_t i;

	if (!u)
		return;
	for (i = 0; i < u->n; i++)
		free(u->names[i]);
	free(u->names);
	nsm_idmap_free(u->map);
	free(u);
}

const char *cols_user_name(struct cols_users *u, uid_t uid)
{
	uint64_t key = (uint64_t)uid + 1; /* idmap keys are non-zero */
	struct passwd pw, *res = NULL;
	char buf[1024], *name;

	name = nsm_idmap_get(u->map, key);
	if (name)
		return name;
	if (u->n == u->cap) {
		size_t cap = u->cap ? u->cap * 2 : 16;
		char **v = realloc(u->names, cap * sizeof(*v));

		if (!v)
			return NULL;
		u->names = v;
		u->cap = cap;
	}
	/* a uid without a passwd entry (a container's) shows as its number */
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) || !res)
		res = NULL;
	if (res)
		name = strdup(res->pw_name);
	else if (asprintf(&name, "%u", (unsigned)uid) < 0)
		name = NULL;
	if (!name)
		return NULL;
	if (nsm_idmap_put(u->map, key, name)) {
		free(name);
		return NULL;
	}
	u->names[u->n++] = name;
	return name;
}

int cols_set_user(struct libscols_line *ln, size_t n, struct cols_users *u,
		  uid_t uid)
{
	const char *name = cols_user_name(u, uid);

	return name ? cols_set(ln, n, name) : -ENOMEM;
}

const struct nsm_proc *cols_parent(const struct nsm_model *m,
				   const struct nsm_proc *p)
{
	const struct nsm_proc *pp;

	if (p->ppid <= 0 || p->ppid == p->pid)
		return NULL;
	pp = nsm_proc_get(m, p->ppid);
	if (!pp || pp->starttime > p->starttime)
		return NULL;
	return pp;
}

char *cols_command(const struct nsm_proc *p)
{
	size_t i, len = p->cmdline ? p->cmdline_len : 0;
	char *s;

	/* kernel threads and zombies have an empty cmdline */
	while (len && !p->cmdline[len - 1])
		len--;
	if (!len)
		return strdup(p->comm);
	s = malloc(len + 1);
	if (!s)
		return NULL;
	for (i = 0; i < len; i++)
		s[i] = p->cmdline[i] ? p->cmdline[i] : ' ';
	s[len] = '\0';
	return s;
}

char *cols_nspid(const struct nsm_proc *p)
{
	size_t i, len = 0, cap = p->nnspid * 12 + 1;
	char *s;

	if (!p->nnspid) {
		if (asprintf(&s, "%d", (int)p->pid) < 0)
			return NULL;
		return s;
	}
	s = malloc(cap);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (i = 0; i < p->nnspid; i++)
		len += snprintf(s + len, cap - len, "%s%d", i ? "/" : "",
				(int)p->nspid[i]);
	return s;
}

/* clang-format off */
const struct cols_info nscols_infos[NSCOL_NCOLS] = {
	[NSCOL_NS] = { "NS", 10, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
		       "namespace identifier (inode number)" },
	[NSCOL_TYPE] = { "TYPE", 5, 0, SCOLS_JSON_STRING,
			 "kind of namespace" },
	[NSCOL_PATH] = { "PATH", 0, 0, SCOLS_JSON_STRING,
			 "path to the namespace (/proc/PID/ns/TYPE or bind mount)" },
	[NSCOL_NPROCS] = { "NPROCS", 5, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			   "number of processes in the namespace" },
	[NSCOL_PID] = { "PID", 5, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			"oldest topmost process in the namespace" },
	[NSCOL_PPID] = { "PPID", 5, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			 "parent of PID" },
	[NSCOL_USER] = { "USER", 0, 0, SCOLS_JSON_STRING,
			 "user name of PID" },
	[NSCOL_UID] = { "UID", 0, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			"user id of PID" },
	[NSCOL_COMMAND] = { "COMMAND", 0, SCOLS_FL_TRUNC, SCOLS_JSON_STRING,
			    "command line of PID" },
	[NSCOL_CONTAINER] = { "CONTAINER", 0, 0, SCOLS_JSON_STRING,
			      "container of PID" },
	[NSCOL_REF] = { "REF", 0, 0, SCOLS_JSON_STRING,
			"what holds a namespace without processes" },
	[NSCOL_NSID] = { "NSID", 10, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			 "kernel namespace id (NS_GET_ID, 6.18+)" },
	[NSCOL_OWNER] = { "OWNER", 10, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			  "owning user namespace" },
	[NSCOL_OWNER_UID] = { "OWNER_UID", 0, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			      "uid that created a user namespace" },
	[NSCOL_PARENT] = { "PARENT", 10, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			   "parent of a user or pid namespace" },
	[NSCOL_NTASKS] = { "NTASKS", 5, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			   "number of loose threads in the namespace" },
	[NSCOL_TASKS] = { "TASKS", 0, SCOLS_FL_TRUNC, SCOLS_JSON_STRING,
			  "loose threads (TIDs) in the namespace" },
	[NSCOL_INITIAL] = { "INITIAL", 1, 0, SCOLS_JSON_BOOLEAN,
			    "whether the initial namespace of its type" },
	[NSCOL_NSFS] = { "NSFS", 0, 0, SCOLS_JSON_STRING,
			 "first nsfs bind mount of the namespace" },
};
/* clang-format on */

struct nsm_proc *nscols_proc(const struct nsm_model *m, const struct nsm_ns *ns)
{
	struct nsm_proc *p = NULL;
	pid_t low = 0;
	size_t i;

	if (ns->ealdorman)
		p = nsm_proc_get(m, ns->ealdorman);
	if (p)
		return p;
	for (i = 0; i < ns->procs.n; i++)
		if (!low || ns->procs.v[i] < low)
			low = ns->procs.v[i];
	return low ? nsm_proc_get(m, low) : NULL;
}

void nscols_read_details(struct nsm_model *m, struct nsm_ns *const *ns,
			 size_t n, const struct cols_sel *sel)
{
	size_t i;

	if (!cols_has(sel, NSCOL_COMMAND))
		return;
	for (i = 0; i < n; i++) {
		struct nsm_proc *p = nscols_proc(m, ns[i]);

		/* a process that vanished keeps its comm */
		if (p)
			nsm_read_details(m, p->pid, NSM_DETAIL_CMDLINE);
	}
}

/* How telling a ref is for REF: bind mounts name the namespace. */
/* clang-format off */
static const enum nsm_via ref_order[] = {
	NSM_VIA_BINDMOUNT, NSM_VIA_FD, NSM_VIA_SOCKET, NSM_VIA_TASK,
	NSM_VIA_CHILDREN, NSM_VIA_HIERARCHY, NSM_VIA_OWNER,
};
/* clang-format on */

#define REF_MAX 3

static int ref_text(const struct nsm_ref *r, char *buf, size_t len)
{
	switch (r->via) {
	case NSM_VIA_BINDMOUNT:
		return snprintf(buf, len, "%s", r->path ? r->path : "?");
	case NSM_VIA_FD:
		return snprintf(buf, len, "fd %d:%d", (int)r->pid, r->fd);
	case NSM_VIA_SOCKET:
		return snprintf(buf, len, "socket %d:%d", (int)r->pid, r->fd);
	case NSM_VIA_TASK:
		return snprintf(buf, len, "task %d:%d", (int)r->pid, r->tid);
	case NSM_VIA_CHILDREN:
		return snprintf(buf, len, "children %d", (int)r->pid);
	case NSM_VIA_HIERARCHY:
		return snprintf(buf, len, "parent");
	case NSM_VIA_OWNER:
		return snprintf(buf, len, "owner");
	default:
		return snprintf(buf, len, "%s", nsm_via_name(r->via));
	}
}

/* The same path bind-mounted in several mount namespaces reads as one. */
static bool ref_shown_before(const struct nsm_ns *ns, size_t i)
{
	const struct nsm_ref *r = &ns->refs[i];
	size_t j;

	if (r->via != NSM_VIA_BINDMOUNT || !r->path)
		return false;
	for (j = 0; j < i; j++)
		if (ns->refs[j].via == NSM_VIA_BINDMOUNT && ns->refs[j].path &&
		    !strcmp(ns->refs[j].path, r->path))
			return true;
	return false;
}

/*
 * REF: empty while processes hold the namespace, else up to REF_MAX refs,
 * most telling first, and "..." when there are more.  ref_order names
 * every via but process.
 */
static int set_ref(struct libscols_line *ln, size_t cell,
		   const struct nsm_ns *ns)
{
	char *s = NULL, item[4096];
	size_t len = 0, shown = 0, more = 0, i, k;

	if (ns->procs.n)
		return 0;
	s = malloc(REF_MAX * sizeof(item) + 8);
	if (!s)
		return -ENOMEM;
	s[0] = '\0';
	for (k = 0; k < sizeof(ref_order) / sizeof(ref_order[0]); k++) {
		for (i = 0; i < ns->nrefs; i++) {
			if (ns->refs[i].via != ref_order[k] ||
			    ref_shown_before(ns, i))
				continue;
			if (shown == REF_MAX) {
				more++;
				continue;
			}
			ref_text(&ns->refs[i], item, sizeof(item));
			len += sprintf(s + len, "%s%s", shown ? "," : "", item);
			shown++;
		}
	}
	if (more)
		strcpy(s + len, ",...");
	if (!shown || scols_line_refer_data(ln, cell, s)) {
		free(s);
		return shown ? -ENOMEM : 0;
	}
	return 0;
}

static const char *first_bindmount(const struct nsm_ns *ns)
{
	size_t i;

	for (i = 0; i < ns->nrefs; i++)
		if (ns->refs[i].via == NSM_VIA_BINDMOUNT && ns->refs[i].path)
			return ns->refs[i].path;
	return NULL;
}

static int set_tids(struct libscols_line *ln, size_t cell,
		    const struct nsm_pids *tids)
{
	size_t i, len = 0, cap = tids->n * 12 + 1;
	char *s;

	if (!tids->n)
		return 0;
	s = malloc(cap);
	if (!s)
		return -ENOMEM;
	s[0] = '\0';
	for (i = 0; i < tids->n; i++)
		len += snprintf(s + len, cap - len, "%s%d", i ? "," : "",
				(int)tids->v[i]);
	return cols_refer(ln, cell, s);
}

static int nscols_cell(struct libscols_line *ln, size_t cell, int id,
		       const struct nsm_model *m, const struct nsm_ns *ns,
		       const struct nsm_proc *p, struct cols_users *users)
{
	const char *s;

	switch (id) {
	case NSCOL_NS:
		return cols_set_u64(ln, cell, ns->id);
	case NSCOL_TYPE:
		return cols_set(ln, cell, nsm_type_name(ns->type));
	case NSCOL_PATH:
		s = m->opts.proc_root ? m->opts.proc_root : "/proc";
		if (p)
			return cols_setf(ln, cell, "%s/%d/ns/%s", s,
					 (int)p->pid, nsm_type_name(ns->type));
		s = first_bindmount(ns);
		return s ? cols_set(ln, cell, s) : 0;
	case NSCOL_NPROCS:
		return cols_set_u64(ln, cell, ns->procs.n);
	case NSCOL_PID:
		return p ? cols_set_u64(ln, cell, p->pid) : 0;
	case NSCOL_PPID:
		return p ? cols_set_u64(ln, cell, p->ppid) : 0;
	case NSCOL_USER:
		return p ? cols_set_user(ln, cell, users, p->uid) : 0;
	case NSCOL_UID:
		return p ? cols_set_u64(ln, cell, p->uid) : 0;
	case NSCOL_COMMAND:
		return p ? cols_refer(ln, cell, cols_command(p)) : 0;
	case NSCOL_CONTAINER:
		/* "engine:name" of the container of PID */
		if (!p || !p->container)
			return 0;
		return cols_refer(ln, cell, nsm_container_ref(p->container));
	case NSCOL_REF:
		return set_ref(ln, cell, ns);
	case NSCOL_NSID:
		return ns->ns_id ? cols_set_u64(ln, cell, ns->ns_id) : 0;
	case NSCOL_OWNER:
		return ns->owner ? cols_set_u64(ln, cell, ns->owner) : 0;
	case NSCOL_OWNER_UID:
		if (ns->type == NSM_USER && ns->has_owner_uid)
			return cols_set_u64(ln, cell, ns->owner_uid);
		return 0;
	case NSCOL_PARENT:
		return ns->parent ? cols_set_u64(ln, cell, ns->parent) : 0;
	case NSCOL_NTASKS:
		return cols_set_u64(ln, cell, ns->tasks.n);
	case NSCOL_TASKS:
		return set_tids(ln, cell, &ns->tasks);
	case NSCOL_INITIAL:
		/* libsmartcols prints "" as false in JSON */
		return ns->initial ? cols_set(ln, cell, "yes") : 0;
	case NSCOL_NSFS:
		s = first_bindmount(ns);
		return s ? cols_set(ln, cell, s) : 0;
	}
	return 0;
}

int nscols_fill(struct libscols_line *ln, const struct cols_sel *sel,
		const struct nsm_model *m, const struct nsm_ns *ns,
		struct cols_users *users)
{
	const struct nsm_proc *p = nscols_proc(m, ns);
	size_t i;
	int err;

	for (i = 0; i < sel->n; i++) {
		err = nscols_cell(ln, i, sel->id[i], m, ns, p, users);
		if (err)
			return err;
	}
	return 0;
}
