// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_watch.c - `nsmon watch`: the agent (user/agent/agent.h) with one
 * sink, the JSON/text line writer on stdout, until SIGINT or SIGTERM;
 * SIGHUP asks for a sweep.  Options and wiring only.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "cli.h"
#include "parse.h"

enum { OPT_TEXT = CLI_OPT_END, OPT_RING, OPT_NO_INITIAL, OPT_RESYNC,
       OPT_MAX_DELAY, OPT_EXIT_DELAY };

/* the agent the signals go to; what came before it was there */
static struct agent *watched;
static volatile sig_atomic_t early_stop, early_hup;

static void usage(FILE *out)
{
	fputs("Usage: nsmon watch [OPTIONS]\n\n"
	      "The agent: one line per namespace event on stdout, from the\n"
	      "kernel (a BPF event feed), until SIGINT or SIGTERM.  At start\n"
	      "every existing namespace is reported as created (via start),\n"
	      "then comes a sync event.  Needs root (BPF, tracepoints).\n\n"
	      "Options:\n"
	      "  -J, --json             one JSON object per line (the default)\n"
	      "      --text             one readable line per event\n"
	      "  -t, --types TYPES      only these namespace types, e.g. net,uts\n"
	      "      --ring-size BYTES  kernel ring buffer size (K, M suffixes;\n"
	      "                         rounded up to a power of two, default 1M)\n"
	      "      --no-initial       leave out the creates of the start sweep\n"
	      "      --resync SECONDS   sweep and reconcile this often (SIGHUP: now)\n"
	      "      --max-delay USEC   in a burst of events, read the kernel's ring\n"
	      "                         at most this late instead of being woken per\n"
	      "                         record (default 250; 0: woken per record)\n"
	      "      --exit-delay MSEC  a task's exit does not wake nsmon: what it\n"
	      "                         destroyed is printed with the next event or\n"
	      "                         at most this late (default 100; 0: at once)\n"
	      "  -h, --help             this text\n",
	      out);
	cli_common_help(out);
}

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		early_hup = 1;
	else
		early_stop = 1;
	if (watched && sig == SIGHUP)
		agent_resync_request(watched);
	else if (watched)
		agent_stop(watched);
}

/* The agent's sweeps: the command line's discovery switches. */
static int sweep(void *ctx, struct nsm_model **out)
{
	return cli_discover(ctx, out);
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
	struct agent_opts *o = &w->o;

	switch (opt) {
	case 'J':
	case OPT_TEXT:
		w->out.json = opt == 'J';
		return cli_exclusive("watch", &w->format,
				     opt == 'J' ? "--json" : "--text");
	case OPT_NO_INITIAL:
		o->initial = false;
		return 0;
	case 't':
		if (nsm_parse_types(arg, &o->types) || !o->types)
			return cli_bad_value("watch", "--types",
					     "namespace types", arg, NULL);
		return 0;
	case OPT_RING:
		if (cli_parse_ring_size(arg, &o->ring_size))
			return cli_bad_value("watch", "--ring-size", "size",
					     arg, "at most 1G; K, M suffixes");
		return 0;
	case OPT_RESYNC:
		if (cli_parse_uint(arg, 86400, &o->resync_s))
			return cli_bad_value("watch", "--resync", "interval",
					     arg, "0 to 86400 s");
		return 0;
	case OPT_MAX_DELAY:
		if (cli_parse_uint(arg, 100000, &o->max_delay_us))
			return cli_bad_value("watch", "--max-delay", "delay",
					     arg, "0 to 100000 us");
		return 0;
	case OPT_EXIT_DELAY:
		if (cli_parse_uint(arg, 60000, &o->exit_delay_ms))
			return cli_bad_value("watch", "--exit-delay", "delay",
					     arg, "0 to 60000 ms");
		return 0;
	}
	return CLI_NOT_MINE;
}

/* Runs the agent with stdout as its sink; the exit code. */
static int watch(struct agent_opts *o, struct wev_writer *out)
{
	struct agent *a;
	struct sigaction sa = { .sa_handler = on_signal };
	int err;

	/* no SA_RESTART: the wait for the ring returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* one write(2) per read of the ring (a batch of the sink) */
	setvbuf(stdout, NULL, _IOFBF, 64 << 10);
	if (agent_open(&a, o))
		return 1;
	agent_subscribe(a, wev_write, out);
	agent_watch_fd(a, STDOUT_FILENO);
	watched = a;
	if (early_stop)
		agent_stop(a);
	if (early_hup)
		agent_resync_request(a);
	err = agent_run(a);
	watched = NULL;
	/* main() says it, once, when it closes stdout */
	if (err && agent_sink_error(a))
		cli_stdout_error(err);
	agent_close(a);
	return err && err != -EPIPE ? 1 : 0;
}

int cmd_watch(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "text", no_argument, NULL, OPT_TEXT },
		{ "types", required_argument, NULL, 't' },
		{ "ring-size", required_argument, NULL, OPT_RING },
		{ "no-initial", no_argument, NULL, OPT_NO_INITIAL },
		{ "resync", required_argument, NULL, OPT_RESYNC },
		{ "max-delay", required_argument, NULL, OPT_MAX_DELAY },
		{ "exit-delay", required_argument, NULL, OPT_EXIT_DELAY },
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
	int rc;

	agent_opts_default(&w.o);
	w.o.name = "nsmon watch";
	cli_common_init(&c);
	/* the live model has no mount tables: its sweeps skip them */
	c.opts.mounts = false;
	if (cli_getopt(&g, argc, argv, &rc))
		return rc;
	if (strcmp(c.opts.proc_root, "/proc"))
		return cli_usage_error("watch", "--proc-root: the agent "
						"watches this kernel only");
	w.o.containers = c.opts.containers;
	w.o.verbose = c.verbose;
	w.o.sweep = sweep;
	w.o.sweep_ctx = &c;
	return watch(&w.o, &w.out);
}
