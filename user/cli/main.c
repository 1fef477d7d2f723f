// SPDX-License-Identifier: GPL-2.0-or-later
/* main.c - `nsmon COMMAND`: a command table, as bpftool has. */
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} cmds[] = {
	{ "ls", cmd_ls, "table of all namespaces (the default)" },
	{ "tree", cmd_tree, "user or PID namespace hierarchy" },
	{ "ps", cmd_ps, "processes with their namespaces" },
	{ "mounts", cmd_mounts, "mounts of a mount namespace, hidden ones marked" },
	{ "caps", cmd_caps, "capabilities of a process in namespaces (nscaps)" },
	{ "exec", cmd_exec, "run a command inside namespaces given by id" },
	{ "discover", cmd_discover, "one-shot discovery as one JSON document" },
	{ "watch", cmd_watch, "namespace events as they happen (the agent)" },
	{ "serve", cmd_serve, "the agent as an HTTP service (REST, SSE, metrics)" },
	{ "caps-needed", cmd_caps_needed, "the capabilities the agent needs, held or not" },
};

static void usage(FILE *out)
{
	size_t i;

	fputs("Usage: nsmon [COMMAND] [OPTIONS]\n\n"
	      "Finds every Linux namespace on this host: held by processes,\n"
	      "threads, open fds, sockets, bind mounts, or only as a parent or\n"
	      "owner of another.\n\nCommands:\n",
	      out);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(out, "  %-12s %s\n", cmds[i].name, cmds[i].help);
	fputs("\n'nsmon COMMAND --help' lists a command's options.\n"
	      "  -h, --help     this text\n"
	      "  -V, --version  print the version\n",
	      out);
}

/* The command's exit code (not yet stdout's). */
static int run(int argc, char **argv, const char *name)
{
	size_t i;

	if (name && (!strcmp(name, "-h") || !strcmp(name, "--help"))) {
		usage(stdout);
		return 0;
	}
	if (name && (!strcmp(name, "-V") || !strcmp(name, "--version"))) {
		printf("nsmon %s\n", NSM_VERSION);
		return 0;
	}
	/* `nsmon` and `nsmon -t net` are `nsmon ls ...` */
	if (!name || name[0] == '-')
		return cmd_ls(argc, argv);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(name, cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	return cli_usage_error(NULL, "unknown command '%s'", name);
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : NULL;
	bool is_cmd = name && name[0] != '-';
	int rc;

	/* libsmartcols draws trees with UTF-8 lines where the locale can */
	setlocale(LC_ALL, "");
	/*
	 * A closed stdout (`| head`) is EPIPE on the write, not a signal:
	 * an error (exit 1) for every command but watch, whose reader going
	 * away is the end of the stream (SPEC "Exit status").
	 */
	signal(SIGPIPE, SIG_IGN);
	opterr = 0;
	rc = run(argc, argv, name);
	return cli_close_stdout(is_cmd ? name : NULL, rc,
				is_cmd && (!strcmp(name, "watch") ||
					   !strcmp(name, "serve")));
}
