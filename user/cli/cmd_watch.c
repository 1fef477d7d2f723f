// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_watch.c - `nsmon watch`: the agent (user/agent/agent.h, run by
 * agent_cli.c) with one sink, the JSON/text line writer on stdout, until
 * SIGINT or SIGTERM; SIGHUP asks for a sweep.  Options and wiring only.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent_cli.h"

enum { OPT_TEXT = CLI_AGENT_OPT_END };

static void usage(FILE *out)
{
	fputs("Usage: nsmon watch [OPTIONS]\n\n"
	      "The agent: one line per namespace event on stdout, from the\n"
	      "kernel (a BPF event feed), until SIGINT or SIGTERM.  At start\n"
	      "every existing namespace is reported as created (via start),\n"
	      "then comes a sync event.  Needs root (BPF, tracepoints).\n\n"
	      "Options:\n"
	      "  -J, --json             one JSON object per line (the default)\n"
	      "      --text             one readable line per event\n",
	      out);
	cli_agent_help(out);
	fputs("  -h, --help             this text\n", out);
	cli_common_help(out);
}

struct watch_ctl {
	struct agent_opts o;
	struct wev_writer out;
	const char *format;	/* --json or --text as given: one of them */
};

/* One option of watch's own (cli_getopt's opt()). */
static int watch_opt(void *ctl, int opt, const char *arg)
{
	struct watch_ctl *w = ctl;

	switch (opt) {
	case 'J':
	case OPT_TEXT:
		w->out.json = opt == 'J';
		return cli_exclusive("watch", &w->format,
				     opt == 'J' ? "--json" : "--text");
	}
	return cli_agent_opt(&w->o, "watch", opt, arg);
}

/* The one sink: the line writer on stdout, whose hangup stops the agent. */
static int attach(void *ctx, struct agent *a)
{
	struct watch_ctl *w = ctx;

	/* one write(2) per read of the ring (a batch of the sink) */
	setvbuf(stdout, NULL, _IOFBF, 64 << 10);
	agent_subscribe(a, wev_write, &w->out);
	agent_watch_fd(a, STDOUT_FILENO);
	return 0;
}

int cmd_watch(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "text", no_argument, NULL, OPT_TEXT },
		CLI_AGENT_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct watch_ctl w = { .out = { .out = stdout, .json = true } };
	struct cli_common c;
	const struct cli_getopt g = {
		.cmd = "watch", .optstr = ":Jt:hv", .longopts = longopts,
		.usage = usage, .common = &c, .opt = watch_opt, .ctl = &w,
	};
	const struct cli_agent_front front = { .attach = attach, .ctx = &w };
	int rc;

	agent_opts_default(&w.o);
	w.o.name = "nsmon watch";
	cli_common_init(&c);
	/* the live model has no mount tables: its sweeps skip them */
	c.opts.mounts = false;
	if (cli_getopt(&g, argc, argv, &rc))
		return rc;
	rc = cli_agent_setup(&w.o, &c, "watch");
	if (rc)
		return rc;
	return cli_agent_run(&w.o, &front);
}
