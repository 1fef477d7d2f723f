// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * agent_cli.c - the agent's part of `nsmon watch` and `nsmon serve`: its
 * options, its sweeps (the command line's discovery switches) and its
 * run under the stop signals.  Each command adds its own sinks
 * (struct cli_agent_front).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent_cli.h"
#include "parse.h"

/*
 * The agent the signals go to; a SIGHUP that came before it is kept in
 * early_hup.  volatile: cli_agent_run() must store running before it
 * looks at early_hup, or one that came in between would be lost.
 */
static struct agent *volatile running;
static volatile sig_atomic_t early_hup;
/* no event has reached the sinks yet (unsilence()) */
static volatile sig_atomic_t silent = 1;
/* files a stop before the first event removes (serve's unix sockets) */
static const char *volatile early_unlink[16];
static volatile sig_atomic_t n_early_unlink;
/* what the agent's sweeps need (cli_agent_setup()): the drop keeps it */
static unsigned sweeps_need;

void cli_agent_unlink_on_stop(const char *path)
{
	if (n_early_unlink < (sig_atomic_t)ARRAY_SIZE(early_unlink)) {
		early_unlink[n_early_unlink] = path;
		n_early_unlink++;
	}
}

void cli_agent_help(FILE *out)
{
	fputs("  -t, --types TYPES      only these namespace types, e.g. net,uts\n"
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
	      "      --log-format FMT   plain (the default), or journal: each line\n"
	      "                         on stderr starts with its priority, <3> ...\n"
	      "                         <7>, for journald\n",
	      out);
}

int cli_agent_opt(struct agent_opts *o, const char *cmd, int opt,
		  const char *arg)
{
	switch (opt) {
	case CLI_AGENT_NO_INITIAL:
		o->initial = false;
		return 0;
	case 't':
		if (nsm_parse_types(arg, &o->types) || !o->types)
			return cli_bad_value(cmd, "--types", "namespace types",
					     arg, NULL);
		return 0;
	case CLI_AGENT_RING:
		if (cli_parse_ring_size(arg, &o->ring_size))
			return cli_bad_value(cmd, "--ring-size", "size", arg,
					     "at most 1G; K, M suffixes");
		return 0;
	case CLI_AGENT_RESYNC:
		if (cli_parse_uint(arg, 86400, &o->resync_s))
			return cli_bad_value(cmd, "--resync", "interval", arg,
					     "0 to 86400 s");
		return 0;
	case CLI_AGENT_MAX_DELAY:
		if (cli_parse_uint(arg, 100000, &o->max_delay_us))
			return cli_bad_value(cmd, "--max-delay", "delay", arg,
					     "0 to 100000 us");
		return 0;
	case CLI_AGENT_LOG_FORMAT:
		return cli_log_format(cmd, arg);
	case CLI_AGENT_EXIT_DELAY:
		if (cli_parse_uint(arg, 60000, &o->exit_delay_ms))
			return cli_bad_value(cmd, "--exit-delay", "delay", arg,
					     "0 to 60000 ms");
		return 0;
	}
	return CLI_NOT_MINE;
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

	o.containers = false;
	o.details = false;
	o.bpf = !c->force_proc;
	return cli_sweep_quiet(&o, out);
}

/* Only a range that sees every holder tells a namespace gone. */
static bool sees_holders(const struct nsm_opts *o)
{
	return o->tasks && o->fds && o->sockets && o->bindmounts &&
	       o->hierarchy && o->owners;
}

int cli_agent_setup(struct agent_opts *o, struct cli_common *c,
		    const char *cmd)
{
	if (strcmp(c->opts.proc_root, "/proc"))
		return cli_usage_error(cmd, "--proc-root: the agent "
					    "watches this kernel only");
	o->containers = c->opts.containers;
	o->verbose = c->verbose;
	o->sweep = sweep;
	if (sees_holders(&c->opts))
		o->check_sweep = check_sweep;
	o->sweep_ctx = c;
	sweeps_need = cli_agent_needs(c);
	return 0;
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
		if (running)
			agent_resync_request(running);
		return;
	}
	if (silent) {
		/* unlink(2) is async-signal-safe */
		for (int i = 0; i < n_early_unlink; i++)
			unlink(early_unlink[i]);
		_exit(0);
	}
	if (running)
		agent_stop(running);
}

/* The first sink: from the first event on, a stop is agent_stop(). */
static int unsilence(void *ctx, uint64_t seq, const struct wev *e)
{
	silent = 0;
	return 0;
}

int cli_agent_run(const struct agent_opts *o,
		  const struct cli_agent_front *f)
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
	if (agent_open(&a, o)) {
		silent = 0;	/* a signal now: the failure's status */
		return 1;
	}
	agent_subscribe(a, unsilence, NULL);
	/*
	 * The feed is loaded and attached: what made it (CAP_BPF and
	 * CAP_PERFMON, or CAP_SYS_ADMIN) is needed again only by BPF
	 * sweeps, and every other capability by nothing.  Here, because
	 * capabilities are per thread and attach() starts the front's
	 * threads; the start sweep needs nothing the later ones do not.
	 */
	err = cli_privs_drop(sweeps_need | f->need, f->keep, o->name);
	if (!err)
		err = f->attach(f->ctx, a);
	if (err) {
		silent = 0;
		agent_close(a);
		return 1;
	}
	err = cli_notify_start(a, o->name);
	if (err) {
		silent = 0;
		if (f->detach)
			f->detach(f->ctx, a);
		cli_notify_stop();
		agent_close(a);
		return 1;
	}
	running = a;
	if (early_hup)
		agent_resync_request(a);
	err = agent_run(a);
	running = NULL;
	silent = 0;
	cli_notify_stop();
	if (f->detach)
		f->detach(f->ctx, a);
	/* main() says it, once, when it closes stdout */
	if (err && agent_sink_error(a))
		cli_stdout_error(err);
	agent_close(a);
	return err && err != -EPIPE ? 1 : 0;
}
