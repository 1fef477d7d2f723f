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

/*
 * The agent the signals go to; a SIGHUP that came before it is kept in
 * early_hup.  volatile: watch() must store watched before it looks at
 * early_hup, or one that came in between would be lost.
 */
static struct agent *volatile watched;
static volatile sig_atomic_t early_hup;
/* no event has reached the sink yet (write_event()) */
static volatile sig_atomic_t silent = 1;

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

/*
 * SIGINT and SIGTERM: until the first event, there is nothing to finish,
 * so we leave at once, with the status of a stop (0).  Whatever the
 * start-up made is an fd (the feed's and the sweep's programs, maps and
 * links; nothing is pinned), which the kernel closes at exit, and a link
 * detaches with its last fd.  Waiting instead for the step under way
 * could take seconds: the load of the programs (the kernel's BTF, the
 * verifier) and the start sweep (an engine is given 3 s to answer)
 * cannot be interrupted, and a flag looked at after them was the window
 * in which a stop came late.  From the first event on, agent_stop():
 * the agent detaches, drains the ring and ends the stream.
 */
static void on_signal(int sig)
{
	if (sig == SIGHUP) {
		early_hup = 1;
		if (watched)
			agent_resync_request(watched);
		return;
	}
	if (silent)
		_exit(0);
	if (watched)
		agent_stop(watched);
}

/* The sink: the line writer, and from its first event on, not silent. */
static int write_event(void *ctx, uint64_t seq, const struct wev *e)
{
	silent = 0;
	return wev_write(ctx, seq, e);
}

/* The agent's sweeps: the command line's discovery switches. */
static int sweep(void *ctx, struct nsm_model **out)
{
	return cli_discover(ctx, out);
}

/*
 * The agent's sweeps after exits: the same range without the engines
 * (a round trip to each) and quiet, as they run often.
 */
static int check_sweep(void *ctx, struct nsm_model **out)
{
	const struct cli_common *c = ctx;
	struct nsm_opts o = c->opts;
	struct nsm_model *m = NULL;
	int err;

	o.containers = false;
	o.details = false;
	o.bpf = !c->force_proc;
	err = nsm_model_new(&m, &o);
	if (!err)
		err = nsm_discover(m);
	if (err) {
		nsm_model_free(m);
		return err;
	}
	*out = m;
	return 0;
}

/* Only a range that sees every holder tells a namespace gone. */
static bool sees_holders(const struct nsm_opts *o)
{
	return o->tasks && o->fds && o->sockets && o->bindmounts &&
	       o->hierarchy && o->owners;
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

	/*
	 * Before this, a stop signal's default action ends us; nothing is
	 * loaded yet.  One that comes while the signal is ignored (a shell
	 * starts a background job with SIGINT ignored) is lost: the kernel
	 * drops it when it is sent.
	 *
	 * No SA_RESTART: the wait for the ring returns EINTR.
	 */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* one write(2) per read of the ring (a batch of the sink) */
	setvbuf(stdout, NULL, _IOFBF, 64 << 10);
	if (agent_open(&a, o)) {
		silent = 0;	/* a signal now: the failure's status */
		return 1;
	}
	agent_subscribe(a, write_event, out);
	agent_watch_fd(a, STDOUT_FILENO);
	watched = a;
	if (early_hup)
		agent_resync_request(a);
	err = agent_run(a);
	watched = NULL;
	silent = 0;
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
	if (sees_holders(&c.opts))
		w.o.check_sweep = check_sweep;
	w.o.sweep_ctx = &c;
	return watch(&w.o, &w.out);
}
