/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cols.h - what the libsmartcols views (ls, tree, ps) share: a column table
 * per view that drives -o, --help and JSON types, table set-up, and the
 * namespace columns that both `ls` and `tree --user` print.
 */
#ifndef NSMON_COLS_H
#define NSMON_COLS_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include <libsmartcols/libsmartcols.h>

#include "nsm.h"

#define COLS_MAX 64

/* One output column of a view, as util-linux tools describe theirs. */
struct cols_info {
	const char *name;
	double whint; /* width hint: < 1 a fraction, else chars */
	int flags;    /* SCOLS_FL_* */
	int json;     /* SCOLS_JSON_* */
	const char *help;
};

/* The columns a view prints: indexes into its infos[]. */
struct cols_sel {
	int id[COLS_MAX];
	size_t n;
};

/* What -J, -n, -r and -u ask of a table. */
struct cols_fmt {
	const char *format;	/* --json or --raw as given: one of them */
	bool json;
	bool raw;
	bool noheadings;
	bool notruncate;
};

/* The output format options every table command takes (-J -n -r -u). */
#define COLS_FMT_LONGOPTS                                                \
	{ "json", no_argument, NULL, 'J' },                               \
	{ "noheadings", no_argument, NULL, 'n' },                         \
	{ "no-headings", no_argument, NULL, 'n' },                        \
	{ "raw", no_argument, NULL, 'r' },                                \
	{ "notruncate", no_argument, NULL, 'u' }

/*
 * What the long options of every table command end with: -o, the format
 * switches, -h, the common switches (cli.h) and the terminator.  Their
 * optstring part: "o:Jnruhv".
 */
#define COLS_CMD_LONGOPTS                                                \
	{ "output", required_argument, NULL, 'o' },                       \
	COLS_FMT_LONGOPTS,                                                \
	{ "help", no_argument, NULL, 'h' },                               \
	CLI_COMMON_LONGOPTS,                                              \
	{ NULL, 0, NULL, 0 }

/*
 * Handles one getopt code of COLS_FMT_LONGOPTS: 0, CLI_NOT_MINE, or a
 * usage error reported (2: --json with --raw).
 */
int cols_fmt_opt(struct cols_fmt *fmt, const char *cmd, int code);

/*
 * Fills sel from a command's -o list ("NS,TYPE", case-insensitive);
 * "+LIST" appends to what sel already holds (the defaults).  Returns 0,
 * or a usage error reported (exit code 2).
 */
int cols_select(const char *cmd, const struct cols_info *infos, size_t ninfos,
		const char *list, struct cols_sel *sel);
bool cols_has(const struct cols_sel *sel, int id);
/* Selects these columns (a view's defaults). */
void cols_sel_set(struct cols_sel *sel, const int *ids, size_t n);
/* "Available output columns:" and one line per column. */
void cols_help(FILE *out, const struct cols_info *infos, size_t ninfos);
/*
 * The help lines of COLS_CMD_LONGOPTS after -o and -J (which each command
 * words its own way): -n -r -u, -h, then the common switches.
 */
void cols_cmd_help(FILE *out);

/*
 * A table with the selected columns; tree_id (an infos[] index, or -1) is
 * drawn as the tree when it is selected.  NULL on ENOMEM.
 */
struct libscols_table *cols_table_new(const char *name,
				      const struct cols_info *infos,
				      const struct cols_sel *sel, int tree_id,
				      const struct cols_fmt *fmt);
/*
 * Makes child a child of parent unless that would close a loop (a model
 * read while processes came and went may hold one).  0, or -ELOOP.
 */
int cols_add_child(struct libscols_line *parent, struct libscols_line *child);
/* The column drawn as the tree: want if selected, else the first one. */
int cols_tree_id(const struct cols_sel *sel, int want);
/* Prints and reports a failure on stderr; returns an exit code. */
int cols_print(struct libscols_table *tb);
/*
 * A command's last step with its table: prints it, or, when filling it
 * failed (err < 0), says so ("nsmon CMD: ..."); frees it (NULL is fine).
 * Returns the exit code.
 */
int cols_output(struct libscols_table *tb, const char *cmd, int err);

/* Cell setters; n is the cell (position in sel).  0 or -ENOMEM. */
int cols_set(struct libscols_line *ln, size_t n, const char *s);
int cols_setf(struct libscols_line *ln, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int cols_set_u64(struct libscols_line *ln, size_t n, uint64_t v);
/* Hands a string we allocated (NULL: out of memory) to a cell. */
int cols_refer(struct libscols_line *ln, size_t n, char *s);

/* User names by uid, each looked up once. */
struct cols_users;
struct cols_users *cols_users_new(void);
void cols_users_free(struct cols_users *u);
/* The name, or the number as text when there is none; NULL on ENOMEM. */
const char *cols_user_name(struct cols_users *u, uid_t uid);
/* A cell with that name.  0 or -ENOMEM. */
int cols_set_user(struct libscols_line *ln, size_t n, struct cols_users *u,
		  uid_t uid);

/* argv joined by spaces, else comm (kernel threads); malloc'ed. */
char *cols_command(const struct nsm_proc *p);
/* The NSpid chain, outermost first: "4118/1". malloc'ed. */
char *cols_nspid(const struct nsm_proc *p);
/*
 * The parent process of p in the model, or NULL.  A parent that started
 * after its child is a pid reused while the sweep ran, not the parent.
 */
const struct nsm_proc *cols_parent(const struct nsm_model *m,
				   const struct nsm_proc *p);

/*
 * The namespace columns: `ls` prints them, `tree --user` draws NS as the
 * tree.  A row is a namespace; PID, USER and COMMAND describe its
 * ealdorman (else its lowest pid).
 */
enum {
	NSCOL_NS,
	NSCOL_TYPE,
	NSCOL_PATH,
	NSCOL_NPROCS,
	NSCOL_PID,
	NSCOL_PPID,
	NSCOL_USER,
	NSCOL_UID,
	NSCOL_COMMAND,
	NSCOL_CONTAINER,
	NSCOL_REF,
	NSCOL_NSID,
	NSCOL_OWNER,
	NSCOL_OWNER_UID,
	NSCOL_PARENT,
	NSCOL_NTASKS,
	NSCOL_TASKS,
	NSCOL_INITIAL,
	NSCOL_NSFS,
	NSCOL_NCOLS,
};

extern const struct cols_info nscols_infos[NSCOL_NCOLS];

/* The process a namespace row shows, or NULL. */
struct nsm_proc *nscols_proc(const struct nsm_model *m,
			     const struct nsm_ns *ns);
/*
 * Reads cmdlines (nsm_read_details) of the processes the rows of these
 * namespaces will show, and only those: `ls` must stay fast on big hosts.
 */
void nscols_read_details(struct nsm_model *m, struct nsm_ns *const *ns,
			 size_t n, const struct cols_sel *sel);
/* Fills a row of the namespace columns.  0 or -ENOMEM. */
int nscols_fill(struct libscols_line *ln, const struct cols_sel *sel,
		const struct nsm_model *m, const struct nsm_ns *ns,
		struct cols_users *users);

#endif
