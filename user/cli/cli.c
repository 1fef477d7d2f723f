// SPDX-License-Identifier: GPL-2.0-or-later
/* cli.c - the discovery switches every command shares, and the sweep. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cols.h"

void cli_common_init(struct cli_common *c)
{
	memset(c, 0, sizeof(*c));
	nsm_opts_default(&c->opts);
}

void cli_common_help(FILE *out)
{
	fputs("\nDiscovery range (all on by default):\n"
	      "      --no-tasks         skip threads (/proc/PID/task/TID/ns)\n"
	      "      --no-fds           skip open namespace fds\n"
	      "      --no-sockets       skip the net namespaces of sockets\n"
	      "      --no-bindmounts    skip nsfs bind mounts\n"
	      "      --no-hierarchy     skip user/PID parents and children\n"
	      "      --no-owners        skip owning user namespaces\n"
	      "      --no-mounts        skip mount tables\n"
	      "      --mount-reader HOW how to read a mount table: auto (a\n"
	      "                         process's mountinfo, else listmount;\n"
	      "                         the default), listmount, mountinfo\n"
	      "      --no-containers    skip container engines\n"
	      "      --proc             sweep /proc instead of the BPF iterators\n"
	      "      --proc-root DIR    read another procfs (implies --proc)\n"
	      "      --engine KIND=PATH also ask this container engine: docker=SOCKET,\n"
	      "                         podman=SOCKET, containerd=STATE_DIR,\n"
	      "                         crio=RUNROOT (repeatable; engines at their\n"
	      "                         default paths and by process are found anyway)\n"
	      "  -v, --verbose          say more (libbpf messages)\n",
	      out);
}

/* --engine: 0, or a usage error (2) */
static int cli_engine_opt(struct cli_common *c, const char *cmd,
			  const char *arg)
{
	struct nsm_engine e;

	if (nsm_engine_parse(arg, &e) ||
	    c->opts.nengines == ARRAY_SIZE(c->engines))
		return cli_bad_value(cmd, "--engine", "engine", arg,
				     "want KIND=PATH, KIND one of docker podman "
				     "containerd crio; at most 16");
	c->engines[c->opts.nengines++] = arg;
	c->opts.engines = c->engines;
	return 0;
}

/* --mount-reader: 0, or a usage error (2) for an unknown way */
static int cli_mount_reader_opt(struct cli_common *c, const char *cmd,
				const char *arg)
{
	static const char *const names[] = {
		[NSM_MOUNTS_AUTO] = "auto",
		[NSM_MOUNTS_BY_ID] = "listmount",
		[NSM_MOUNTS_MOUNTINFO] = "mountinfo",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(arg, names[i])) {
			c->opts.mount_reader = (enum nsm_mount_reader)i;
			return 0;
		}
	}
	return cli_bad_value(cmd, "--mount-reader", "way", arg,
			     "want auto, listmount or mountinfo");
}

int cli_common_opt(struct cli_common *c, const char *cmd, int code,
		   const char *arg)
{
	switch (code) {
	case CLI_NO_TASKS:
		c->opts.tasks = false;
		break;
	case CLI_NO_FDS:
		c->opts.fds = false;
		break;
	case CLI_NO_SOCKETS:
		c->opts.sockets = false;
		break;
	case CLI_NO_BINDMOUNTS:
		c->opts.bindmounts = false;
		break;
	case CLI_NO_HIERARCHY:
		c->opts.hierarchy = false;
		break;
	case CLI_NO_OWNERS:
		c->opts.owners = false;
		break;
	case CLI_NO_MOUNTS:
		c->opts.mounts = false;
		break;
	case CLI_NO_CONTAINERS:
		c->opts.containers = false;
		break;
	case CLI_PROC:
		c->force_proc = true;
		break;
	case CLI_PROC_ROOT:
		c->opts.proc_root = arg;
		c->force_proc = true;
		break;
	case CLI_ENGINE:
		return cli_engine_opt(c, cmd, arg);
	case CLI_MOUNT_READER:
		return cli_mount_reader_opt(c, cmd, arg);
	case 'v':
		c->verbose++;
		break;
	default:
		return CLI_NOT_MINE;
	}
	return 0;
}

/* The hint line of a usage error; returns 2. */
static int cli_usage_hint(const char *cmd)
{
	fprintf(stderr, "Try 'nsmon%s%s --help' for more information.\n",
		cmd ? " " : "", cmd ? cmd : "");
	return EXIT_USAGE;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "nsmon%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return cli_usage_hint(cmd);
}

int cli_bad_value(const char *cmd, const char *opt, const char *what,
		  const char *arg, const char *range)
{
	return cli_usage_error(cmd, "invalid %s '%s'%s%s%s%s%s", what, arg,
			       opt ? " for " : "", opt ? opt : "",
			       range ? " (" : "", range ? range : "",
			       range ? ")" : "");
}

int cli_exclusive(const char *cmd, const char **seen, const char *opt)
{
	if (!*seen || !strcmp(*seen, opt)) {
		*seen = opt;
		return 0;
	}
	return cli_usage_error(cmd, "options %s and %s are mutually exclusive",
			       *seen, opt);
}

int cli_bad_option(const char *cmd, int code, char **argv)
{
	/* opterr is 0 (main): one line of ours instead of getopt's */
	if (code == ':')
		return cli_usage_error(cmd, "option '%s' requires an argument",
				       argv[optind - 1]);
	if (optopt)
		return cli_usage_error(cmd, "invalid option -- '%c'", optopt);
	return cli_usage_error(cmd, "unrecognized option '%s'",
			       argv[optind - 1]);
}

/* One option: true when the command is to end now, with exit code *rc. */
static bool cli_getopt_one(const struct cli_getopt *g, int code, char **argv,
			   int *rc)
{
	switch (code) {
	case 'h':
		g->usage(stdout);
		*rc = 0;
		return true;
	case ':':
	case '?':
		*rc = cli_bad_option(g->cmd, code, argv);
		return true;
	}
	if (g->fmt) {
		*rc = cols_fmt_opt(g->fmt, g->cmd, code);
		if (*rc != CLI_NOT_MINE)
			return *rc != 0;
	}
	*rc = cli_common_opt(g->common, g->cmd, code, optarg);
	if (*rc != CLI_NOT_MINE)
		return *rc != 0;
	*rc = g->opt(g->ctl, code, optarg);
	if (*rc == CLI_NOT_MINE)
		*rc = cli_usage_error(g->cmd, "unhandled option");
	return *rc != 0;
}

bool cli_getopt(const struct cli_getopt *g, int argc, char **argv, int *rc)
{
	int c, i;

	/* optind 0: glibc's getopt starts afresh */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, g->optstr, g->longopts,
				NULL)) != -1)
		if (cli_getopt_one(g, c, argv, rc))
			return true;
	for (i = 0; i < g->nargs && optind + i < argc; i++) {
		*rc = g->opt(g->ctl, CLI_OPERAND, argv[optind + i]);
		if (*rc)
			return true;
	}
	if (optind + g->nargs < argc) {
		*rc = cli_usage_error(g->cmd, "unexpected argument '%s'",
				      argv[optind + g->nargs]);
		return true;
	}
	*rc = 0;
	return false;
}

int cli_sweep_quiet(const struct nsm_opts *o, struct nsm_model **out)
{
	struct nsm_model *m = NULL;
	int err = nsm_model_new(&m, o);

	if (!err)
		err = nsm_discover(m);
	if (err) {
		nsm_model_free(m);
		return err;
	}
	*out = m;
	return 0;
}

int cli_discover(const struct cli_common *c, struct nsm_model **out)
{
	struct nsm_opts o = c->opts;
	struct nsm_model *m = NULL;
	int err;

	o.bpf = !c->force_proc;
	o.verbose = c->verbose;
	err = nsm_model_new(&m, &o);
	if (err) {
		cli_model_error(c->opts.proc_root, err);
		return err;
	}
	err = nsm_discover(m);
	/* without BPF's capabilities, the lines naming them say it */
	if (m->bpf_fallback && strcmp(m->bpf_fallback, NSM_BPF_CAPS_WHY))
		fprintf(stderr, "nsmon: %s; using the /proc sweep (--proc)\n",
			m->bpf_fallback);
	cli_privs_say(m->caps_missing);
	if (err) {
		fprintf(stderr, "nsmon: discovery failed: %s\n", strerror(-err));
		nsm_model_free(m);
		return err;
	}
	if (m->incomplete)
		cli_say_incomplete(m);
	*out = m;
	return 0;
}

void cli_model_error(const char *proc_root, int err)
{
	if (err == -EMEDIUMTYPE)
		fprintf(stderr, "nsmon: %s: not a procfs, and no process "
			"directories in it (--proc-root)\n", proc_root);
	else
		fprintf(stderr, "nsmon: %s: %s\n", proc_root, strerror(-err));
}

void cli_say_incomplete(const struct nsm_model *m)
{
	size_t i;

	/* the reasons: the warnings that said so (the rest stay quiet) */
	for (i = 0; i < m->nwarnings; i++)
		if (strstr(m->warnings[i], NSM_INCOMPLETE) &&
		    !cli_privs_warning(m->warnings[i]))
			fprintf(stderr, "nsmon: %s\n", m->warnings[i]);
}

int cli_exit_code(const struct nsm_model *m, int rc)
{
	return !rc && m && m->incomplete ? 1 : rc;
}

/* The first error of a write to stdout (positive errno), 0: none. */
static int stdout_err;

void cli_stdout_error(int err)
{
	if (!stdout_err)
		stdout_err = err < 0 ? -err : err;
}

int cli_close_stdout(const char *cmd, int rc, bool epipe_ok)
{
	int err = stdout_err;

	/* closestream.h's close_stdout: flush, check, close, once at exit */
	errno = 0;
	if ((fflush(stdout) || ferror(stdout)) && !err)
		err = errno ? errno : EIO;
	errno = 0;
	if (fclose(stdout) && !err)
		err = errno ? errno : EIO;
	if (!err || (err == EPIPE && epipe_ok))
		return rc;
	fprintf(stderr, "nsmon%s%s: write error on stdout: %s\n",
		cmd ? " " : "", cmd ? cmd : "", strerror(err));
	return rc == EXIT_USAGE ? rc : 1;
}
