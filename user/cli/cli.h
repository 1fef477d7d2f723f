/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cli.h - what every nsmon command shares: discovery switches, the sweep. */
#ifndef NSMON_CLI_H
#define NSMON_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "nsm.h"

#define EXIT_USAGE 2

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

struct cli_common {
	struct nsm_opts opts;
	bool force_proc;	/* --proc */
	int verbose;		/* -v, repeatable: libbpf messages */
	const char *engines[16];	/* --engine KIND=PATH */
};

/* Long options of the discovery range; their codes start at CLI_OPT_BASE. */
enum {
	CLI_OPT_BASE = 0x1000,
	CLI_NO_TASKS = CLI_OPT_BASE,
	CLI_NO_FDS,
	CLI_NO_SOCKETS,
	CLI_NO_BINDMOUNTS,
	CLI_NO_HIERARCHY,
	CLI_NO_OWNERS,
	CLI_NO_MOUNTS,
	CLI_NO_CONTAINERS,
	CLI_PROC,
	CLI_PROC_ROOT,
	CLI_ENGINE,
	CLI_MOUNT_READER,
	CLI_OPT_END,
};

#define CLI_COMMON_LONGOPTS                                              \
	{ "no-tasks", no_argument, NULL, CLI_NO_TASKS },                  \
	{ "no-fds", no_argument, NULL, CLI_NO_FDS },                      \
	{ "no-sockets", no_argument, NULL, CLI_NO_SOCKETS },              \
	{ "no-bindmounts", no_argument, NULL, CLI_NO_BINDMOUNTS },        \
	{ "no-hierarchy", no_argument, NULL, CLI_NO_HIERARCHY },          \
	{ "no-owners", no_argument, NULL, CLI_NO_OWNERS },                \
	{ "no-mounts", no_argument, NULL, CLI_NO_MOUNTS },                \
	{ "no-containers", no_argument, NULL, CLI_NO_CONTAINERS },        \
	{ "proc", no_argument, NULL, CLI_PROC },                          \
	{ "proc-root", required_argument, NULL, CLI_PROC_ROOT },          \
	{ "engine", required_argument, NULL, CLI_ENGINE },                \
	{ "mount-reader", required_argument, NULL, CLI_MOUNT_READER },    \
	{ "verbose", no_argument, NULL, 'v' }

/* Help text for the switches above, for each command's usage(). */
void cli_common_help(FILE *out);
void cli_common_init(struct cli_common *c);
/*
 * Handles one getopt code of the common set: 0, CLI_NOT_MINE, or a usage
 * error reported (2: a value it does not take).
 */
int cli_common_opt(struct cli_common *c, const char *cmd, int code,
		   const char *arg);
/*
 * Builds the model: the BPF iterator sweep where it can load (unless
 * --proc or --proc-root), else the /proc sweep with a one-line note on
 * stderr saying why; then the remaining passes.  Returns 0 or -errno
 * (message already printed).
 */
int cli_discover(const struct cli_common *c, struct nsm_model **out);
/* A sweep with o that says nothing (the agent's, per event or request). */
int cli_sweep_quiet(const struct nsm_opts *o, struct nsm_model **out);

/* The message for nsm_model_new()'s error on proc_root. */
void cli_model_error(const char *proc_root, int err);
/*
 * Capabilities (privs.c; the table is nsm_privs[]): one line on stderr
 * "nsmon: without CAP_X: what is missed" for each of missing (bit CAP_X)
 * not said before by this process.
 */
void cli_privs_say(uint64_t missing);
/* w is a model's warning of a missing capability (said by the above). */
bool cli_privs_warning(const char *w);
/* What the agent (watch, serve) with c's switches needs: NSM_NEED_*. */
unsigned cli_agent_needs(const struct cli_common *c);
/*
 * Gives up every capability that need does not use and extra (bit CAP_X
 * each) does not name: effective, permitted, inheritable, ambient, and
 * the bounding set where CAP_SETPCAP allows; then sets no_new_privs.
 * Capabilities are per thread: call it before any thread starts.  0 or
 * -errno (said on stderr, after "WHO: ").
 */
int cli_privs_drop(unsigned need, uint64_t extra, const char *who);
/*
 * --log-format ARG (logfmt.c): "journal" prefixes every later line on
 * stderr with its syslog priority "<N>"; "plain" leaves it.  0, or a
 * usage error (2).
 */
int cli_log_format(const char *cmd, const char *arg);
/* On stderr, why the answer of m is incomplete (its reasons). */
void cli_say_incomplete(const struct nsm_model *m);
/*
 * The exit code of a command that printed rc (SPEC "Exit status"): 1 for
 * an answer that is incomplete (m->incomplete; m may be NULL), else rc.
 */
int cli_exit_code(const struct nsm_model *m, int rc);
/*
 * A write to stdout failed (errno err); main() reports it once, when it
 * closes stdout, and exits 1.
 */
void cli_stdout_error(int err);
/*
 * At exit (util-linux's close_stdout): flushes and closes stdout; a write
 * that failed, now or before, is a message and exit code 1 (EPIPE too,
 * unless epipe_ok: watch's reader that went away ends it quietly).
 * Returns the exit code.
 */
int cli_close_stdout(const char *cmd, int rc, bool epipe_ok);

/* Usage error: one line and a hint, exit code 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * The one wording of a value an option does not take, for every command:
 * "invalid WHAT 'ARG' for OPT" (without " for OPT" for an operand: opt
 * NULL), then range if not NULL ("0 to 86400"), in parentheses; exit 2.
 */
int cli_bad_value(const char *cmd, const char *opt, const char *what,
		  const char *arg, const char *range);
/*
 * Options that each choose one of several modes (tree --user | --pid,
 * watch --json | --text, a table's --json | --raw): *seen holds the first
 * given; the same again is fine, another one is a usage error ("options A
 * and B are mutually exclusive"), the one rule for every command.  0 or 2.
 */
int cli_exclusive(const char *cmd, const char **seen, const char *opt);

/*
 * For getopt's '?' and ':' (optstrings start with ':'): names the bad
 * option or the missing argument; returns 2.
 */
int cli_bad_option(const char *cmd, int code, char **argv);

struct cols_fmt;

/* getopt's code for an operand (as with an optstring "-..."). */
#define CLI_OPERAND 1
/* What a command's opt() returns for a code it does not know. */
#define CLI_NOT_MINE (-1)

/*
 * A command's command line, for cli_getopt().  opt() handles the command's
 * own options, then each of its operands (code CLI_OPERAND, at most
 * nargs); it returns 0, an exit code (a usage error: 2), or CLI_NOT_MINE.
 */
struct cli_getopt {
	const char *cmd;		/* "ls": in messages */
	const char *optstr;		/* starts with ':' (errors are ours) */
	const struct option *longopts;
	void (*usage)(FILE *out);	/* -h, --help: on stdout, exit 0 */
	struct cli_common *common;	/* CLI_COMMON_LONGOPTS */
	struct cols_fmt *fmt;		/* COLS_FMT_LONGOPTS, or NULL */
	int (*opt)(void *ctl, int code, const char *arg);
	void *ctl;
	int nargs;			/* operands the command takes */
};

/*
 * The getopt loop every command has: -h, the common switches, the table
 * format switches, a bad option, a missing argument, a value the common
 * set refused (its reason, then the hint), and operands beyond nargs
 * ("unexpected argument").  Returns true when the command is to end now,
 * with exit code *rc (help printed, or a usage error reported).
 */
bool cli_getopt(const struct cli_getopt *g, int argc, char **argv, int *rc);

/* The commands (user/cmd_*.c); argv[0] is the command name. */
int cmd_ls(int argc, char **argv);
int cmd_tree(int argc, char **argv);
int cmd_ps(int argc, char **argv);
int cmd_discover(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_mounts(int argc, char **argv);
int cmd_caps(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_caps_needed(int argc, char **argv);

#endif
