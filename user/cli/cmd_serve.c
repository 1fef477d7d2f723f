// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_serve.c - `nsmon serve`: the agent (agent_cli.c, as watch runs it)
 * with the HTTP service (user/serve/) as its sink, and the JSON lines of
 * `watch --json` on stdout too with --events-stdout.  Options and wiring
 * only.
 */
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/capability.h>

#include "agent_cli.h"
#include "dl_mhd.h"
#include "parse.h"
#include "serve.h"

enum { OPT_LISTEN = CLI_AGENT_OPT_END, OPT_TOKEN_FILE, OPT_NO_AUTH,
       OPT_EVENTS_STDOUT, OPT_BACKLOG, OPT_MAX_AGE, OPT_BPF_STATS,
       OPT_TLS_CERT, OPT_TLS_KEY, OPT_MAX_CONNS, OPT_MAX_CONNS_PER_IP,
       OPT_THREADS };

#define DEFAULT_LISTEN "127.0.0.1:5010"

static void usage(FILE *out)
{
	fputs("Usage: nsmon serve [OPTIONS]\n\n"
	      "The agent of `nsmon watch` as an HTTP service: the live model's\n"
	      "namespaces as the discover document (/api/namespaces, and\n"
	      "/api/namespaces/ID, /api/processes, /api/pidmap, /api/mounts,\n"
	      "/api/containers), its events as server-sent events (/api/events),\n"
	      "Prometheus metrics (/metrics), /healthz and /readyz, until SIGINT\n"
	      "or SIGTERM.  Needs root (BPF).\n\n"
	      "Options:\n"
	      "      --listen ADDR      HOST:PORT, [V6]:PORT or unix:PATH (mode\n"
	      "                         0660); repeatable; default " DEFAULT_LISTEN "\n"
	      "      --token-file FILE  requests need 'Authorization: Bearer TOKEN',\n"
	      "                         TOKEN the file's first line\n"
	      "      --no-auth          allow a non-loopback address without a token\n"
	      "      --tls-cert FILE    HTTPS: the certificate chain (PEM), with\n"
	      "      --tls-key FILE     its private key (PEM)\n"
	      "      --events-stdout    also the JSON lines of watch --json on stdout\n"
	      "      --backlog N        events kept for clients that resume (default\n"
	      "                         65536)\n"
	      "      --max-age SECONDS  reuse the API's discovery sweep this long\n"
	      "                         (default 1; 0: a fresh one per request)\n"
	      "      --max-conns N      connections at once per address (default 256)\n"
	      "      --max-conns-per-ip N  from one client address (default 64;\n"
	      "                         0: no such limit)\n"
	      "      --threads N        HTTP threads (default: one per CPU, at most\n"
	      "                         8)\n"
	      "      --bpf-stats        the kernel counts the BPF programs' run\n"
	      "                         time (nsmon_bpf_prog_* in /metrics)\n",
	      out);
	cli_agent_help(out);
	fputs("  -h, --help             this text\n", out);
	cli_common_help(out);
}

struct serve_ctl {
	struct agent_opts o;
	struct serve_opts so;
	bool no_auth;
	bool events_stdout;
	struct wev_writer out;
	struct serve *s;
	struct cli_common api;	/* the data endpoints' discovery */
};

static int serve_opt(void *ctl, int opt, const char *arg)
{
	struct serve_ctl *sc = ctl;
	struct serve_opts *so = &sc->so;

	switch (opt) {
	case OPT_LISTEN:
		if (so->nlisten == SERVE_MAX_LISTEN)
			return cli_usage_error("serve", "at most %d --listen",
					       SERVE_MAX_LISTEN);
		if (listen_parse(arg, &so->listen[so->nlisten]))
			return cli_bad_value("serve", "--listen", "address",
					     arg, "HOST:PORT, [V6]:PORT, unix:PATH");
		so->nlisten++;
		return 0;
	case OPT_TOKEN_FILE:
		so->token_file = arg;
		return 0;
	case OPT_NO_AUTH:
		sc->no_auth = true;
		return 0;
	case OPT_EVENTS_STDOUT:
		sc->events_stdout = true;
		return 0;
	case OPT_TLS_CERT:
		so->tls_cert = arg;
		return 0;
	case OPT_TLS_KEY:
		so->tls_key = arg;
		return 0;
	case OPT_MAX_CONNS:
		if (cli_parse_uint(arg, 1 << 16, &so->max_conns) || !so->max_conns)
			return cli_bad_value("serve", "--max-conns", "count", arg,
					     "1 to 65536");
		return 0;
	case OPT_MAX_CONNS_PER_IP:
		if (cli_parse_uint(arg, 1 << 16, &so->max_conns_per_ip))
			return cli_bad_value("serve", "--max-conns-per-ip",
					     "count", arg, "0 to 65536");
		return 0;
	case OPT_THREADS:
		if (cli_parse_uint(arg, 64, &so->threads) || !so->threads)
			return cli_bad_value("serve", "--threads", "count", arg,
					     "1 to 64");
		return 0;
	case OPT_BPF_STATS:
		sc->o.bpf_stats = true;
		return 0;
	case OPT_BACKLOG:
		if (cli_parse_uint(arg, 1 << 24, &so->backlog) || !so->backlog)
			return cli_bad_value("serve", "--backlog", "count", arg,
					     "1 to 16777216");
		return 0;
	case OPT_MAX_AGE:
		if (cli_parse_uint(arg, 3600, &so->max_age_ms))
			return cli_bad_value("serve", "--max-age", "age", arg,
					     "0 to 3600 s");
		so->max_age_ms *= 1000;
		return 0;
	}
	return cli_agent_opt(&sc->o, "serve", opt, arg);
}

/* Anyone who can reach a non-loopback address could read the host's view. */
static int check_auth(const struct serve_ctl *sc)
{
	int i;

	if (sc->so.token_file && sc->no_auth)
		return cli_usage_error("serve", "options --token-file and "
						"--no-auth are mutually exclusive");
	if (!sc->so.tls_cert != !sc->so.tls_key)
		return cli_usage_error("serve", "options --tls-cert and "
						"--tls-key go together");
	if (sc->so.token_file || sc->no_auth)
		return 0;
	for (i = 0; i < sc->so.nlisten; i++)
		if (!sc->so.listen[i].loopback)
			return cli_usage_error("serve", "a non-loopback --listen "
					       "needs --token-file or --no-auth");
	return 0;
}

/*
 * libmicrohttpd is loaded at its first use (user/serve/dl_mhd.c): without
 * it, one line before anything starts rather than a service that cannot.
 */
static int check_mhd(void)
{
	const char *why;

	if (!nsm_dl_mhd(&why))
		return 0;
	fprintf(stderr, "nsmon serve: %s\n", why);
	return 1;
}

/*
 * The data endpoints' sweep: discover's (details, and the mount tables
 * unless --no-mounts), quiet, as it runs per request; what it could not
 * read is in its document's warnings.
 */
static int api_sweep(void *ctx, struct nsm_model **out)
{
	const struct cli_common *c = ctx;
	struct nsm_opts o = c->opts;

	o.bpf = !c->force_proc;
	return cli_sweep_quiet(&o, out);
}

static int attach(void *ctx, struct agent *a)
{
	struct serve_ctl *sc = ctx;

	if (sc->events_stdout) {
		/* as watch: one write(2) per batch; a gone reader stops us */
		setvbuf(stdout, NULL, _IOFBF, 64 << 10);
		agent_subscribe(a, wev_write, &sc->out);
		agent_watch_fd(a, STDOUT_FILENO);
	}
	return serve_start(sc->s, a);
}

static void detach(void *ctx, struct agent *a)
{
	struct serve_ctl *sc = ctx;

	serve_stop(sc->s);
}

int cmd_serve(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
		{ "no-auth", no_argument, NULL, OPT_NO_AUTH },
		{ "events-stdout", no_argument, NULL, OPT_EVENTS_STDOUT },
		{ "backlog", required_argument, NULL, OPT_BACKLOG },
		{ "max-age", required_argument, NULL, OPT_MAX_AGE },
		{ "bpf-stats", no_argument, NULL, OPT_BPF_STATS },
		{ "tls-cert", required_argument, NULL, OPT_TLS_CERT },
		{ "tls-key", required_argument, NULL, OPT_TLS_KEY },
		{ "max-conns", required_argument, NULL, OPT_MAX_CONNS },
		{ "max-conns-per-ip", required_argument, NULL, OPT_MAX_CONNS_PER_IP },
		{ "threads", required_argument, NULL, OPT_THREADS },
		CLI_AGENT_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct serve_ctl sc = {
		.so = { .name = "nsmon serve", .backlog = SERVE_BACKLOG,
			.max_age_ms = 1000, .sweep = api_sweep,
			.max_conns = SERVE_MAX_CONNS,
			.max_conns_per_ip = SERVE_MAX_CONNS_PER_IP },
		.out = { .out = stdout, .json = true },
	};
	struct cli_common c;
	const struct cli_getopt g = {
		.cmd = "serve", .optstr = ":t:hv", .longopts = longopts,
		.usage = usage, .common = &c, .opt = serve_opt, .ctl = &sc,
	};
	/* attach() binds the listeners: a port below 1024 takes a cap */
	struct cli_agent_front front = {
		.attach = attach, .detach = detach, .ctx = &sc,
		.keep = 1ULL << CAP_NET_BIND_SERVICE,
	};
	int rc, i;

	agent_opts_default(&sc.o);
	sc.o.name = "nsmon serve";
	cli_common_init(&c);
	if (cli_getopt(&g, argc, argv, &rc))
		return rc;
	sc.api = c;
	sc.api.opts.details = true;
	sc.so.sweep_ctx = &sc.api;
	front.need = cli_agent_needs(&sc.api);
	/* the live model has no mount tables: its sweeps skip them */
	c.opts.mounts = false;
	if (!sc.so.nlisten && listen_parse(DEFAULT_LISTEN, &sc.so.listen[0]))
		return 1;
	sc.so.nlisten += !sc.so.nlisten;
	rc = check_auth(&sc);
	if (!rc)
		rc = check_mhd();
	if (!rc)
		rc = cli_agent_setup(&sc.o, &c, "serve");
	if (rc)
		return rc;
	/*
	 * Two heaps, not glibc's eight per CPU: the HTTP threads and the
	 * workers each made their own, and a sweep's freed megabytes stayed
	 * resident in whichever arena it ran in (10,000 namespaces: 54 MiB
	 * after 200 clients and 100,000 events, against 40 with two).  Before
	 * the first thread.  And blocks of 256 KiB or more (an answer, the
	 * iterator's buffer, a sweep's arrays) mapped on their own, returned
	 * when freed: glibc's threshold otherwise rises to the largest block
	 * freed, and the next megabytes come from the heap, to stay there
	 * (peak 67 MiB against 79 at 10,000 namespaces, 200 clients).
	 */
	mallopt(M_ARENA_MAX, 2);
	mallopt(M_MMAP_THRESHOLD, 256 << 10);
	if (serve_new(&sc.s, &sc.so))
		return 1;
	for (i = 0; i < sc.so.nlisten; i++)
		if (sc.so.listen[i].path)
			cli_agent_unlink_on_stop(sc.so.listen[i].path);
	rc = cli_agent_run(&sc.o, &front);
	serve_free(sc.s);
	return rc;
}
