/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * agent_cli.h - what `nsmon watch` and `nsmon serve` share: the agent's
 * options (range of events, ring, pacing), its sweeps wired to the
 * command line's discovery switches, and the run under SIGINT, SIGTERM
 * and SIGHUP.  The two commands differ only in the sinks they attach.
 */
#ifndef NSMON_AGENT_CLI_H
#define NSMON_AGENT_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "agent.h"
#include "cli.h"

/* getopt codes of the agent's options, after the common ones */
enum { CLI_AGENT_RING = CLI_OPT_END, CLI_AGENT_NO_INITIAL, CLI_AGENT_RESYNC,
       CLI_AGENT_MAX_DELAY, CLI_AGENT_EXIT_DELAY, CLI_AGENT_LOG_FORMAT,
       CLI_AGENT_OPT_END };

#define CLI_AGENT_LONGOPTS                                                 \
	{ "types", required_argument, NULL, 't' },                          \
	{ "ring-size", required_argument, NULL, CLI_AGENT_RING },           \
	{ "no-initial", no_argument, NULL, CLI_AGENT_NO_INITIAL },          \
	{ "resync", required_argument, NULL, CLI_AGENT_RESYNC },            \
	{ "max-delay", required_argument, NULL, CLI_AGENT_MAX_DELAY },      \
	{ "exit-delay", required_argument, NULL, CLI_AGENT_EXIT_DELAY },    \
	{ "log-format", required_argument, NULL, CLI_AGENT_LOG_FORMAT }

/* Help text of the options above, for each command's usage(). */
void cli_agent_help(FILE *out);
/* One of the options above: 0, CLI_NOT_MINE or a usage error (2). */
int cli_agent_opt(struct agent_opts *o, const char *cmd, int opt,
		  const char *arg);
/*
 * After the command line: the agent's sweeps are c's discovery (c must
 * outlive the agent).  0 or a usage error (2).
 */
int cli_agent_setup(struct agent_opts *o, struct cli_common *c,
		    const char *cmd);

/*
 * A front end: attach() subscribes its sinks to the opened agent (and
 * starts what serves them), detach() ends them after the agent stopped
 * (may be NULL).  attach's error ends the run (exit 1).
 */
struct cli_agent_front {
	int (*attach)(void *ctx, struct agent *a);
	void (*detach)(void *ctx, struct agent *a);
	void *ctx;
	/*
	 * Once the feed is attached, before attach(), the agent gives up the
	 * capabilities its sweeps do not need (cli_privs_drop()); need and
	 * keep (bit CAP_X each) are what the front's own work adds.
	 */
	unsigned need;
	uint64_t keep;
};

/*
 * A file that a stop signal before the first event (which ends the
 * process at once) removes: a unix socket the command made.  path must
 * live as long as the process.
 */
void cli_agent_unlink_on_stop(const char *path);

/*
 * systemd's notify protocol (notify.c), if $NOTIFY_SOCKET is set: start
 * after the front's attach() (READY=1 at the start sync, WATCHDOG=1 if
 * $WATCHDOG_USEC), stop (STOPPING=1) when the agent has stopped.
 */
int cli_notify_start(struct agent *a, const char *who);
void cli_notify_stop(void);

/* Runs the agent until SIGINT or SIGTERM; the exit code. */
int cli_agent_run(const struct agent_opts *o,
		  const struct cli_agent_front *f);

#endif
