// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * api.c - /metrics (Prometheus text format 0.0.4), from a snapshot of the
 * live model (agent_snapshot(): a copy made under the model's lock) and
 * the service's counters.  Every string in it is ours (type names, our
 * messages): nothing a client sent is echoed.  The JSON answers are
 * api_doc.c's.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "serve_int.h"

/* A body built with stdio: the stream, its buffer and length. */
struct body {
	FILE *f;
	char *p;
	size_t len;
};

static int body_open(struct body *b)
{
	b->p = NULL;
	b->f = open_memstream(&b->p, &b->len);
	return b->f ? 0 : -ENOMEM;
}

static enum MHD_Result body_send(struct serve *s, struct MHD_Connection *c,
				 struct body *b, const char *ctype)
{
	if (fclose(b->f)) {
		free(b->p);
		return MHD_NO;
	}
	return serve_reply(s, c, MHD_HTTP_OK, ctype, b->p, b->len);
}

/* ------------------------------------------------------------ metrics */

static void metric_head(FILE *f, const char *name, const char *type,
			const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void model_metrics(FILE *f, const struct agent_snap *snap)
{
	size_t count[NSM_NTYPES] = { 0 }, i;
	int t;

	for (i = 0; i < snap->n; i++)
		count[snap->ns[i].type]++;
	metric_head(f, "nsmon_namespaces", "gauge",
		    "Namespaces alive in the live model, by type.");
	for (t = 0; t < NSM_NTYPES; t++)
		fprintf(f, "nsmon_namespaces{type=\"%s\"} %zu\n",
			nsm_type_name(t), count[t]);
}

static void event_metrics(FILE *f, struct serve *s)
{
	const char *name;
	int k;

	metric_head(f, "nsmon_events_total", "counter",
		    "Events published, by kind.");
	for (k = 0; k < WEV_DYING; k++) {
		name = wev_kind_name(k);
		if (name)
			fprintf(f, "nsmon_events_total{event=\"%s\"} %lu\n",
				name, (unsigned long)s->events[k]);
	}
	metric_head(f, "nsmon_events_lost_total", "counter",
		    "Kernel records lost (the count of the lost events).");
	fprintf(f, "nsmon_events_lost_total %lu\n", (unsigned long)s->lost);
	metric_head(f, "nsmon_sse_clients", "gauge",
		    "Connected /api/events clients.");
	fprintf(f, "nsmon_sse_clients %ld\n", (long)s->sse_clients);
	metric_head(f, "nsmon_sse_dropped_clients_total", "counter",
		    "SSE clients dropped for falling a whole backlog behind.");
	fprintf(f, "nsmon_sse_dropped_clients_total %lu\n",
		(unsigned long)s->sse_dropped);
}

static void http_metrics(FILE *f, struct serve *s)
{
	size_t code;

	metric_head(f, "nsmon_http_requests_total", "counter",
		    "HTTP answers, by status code.");
	for (code = 100; code < ARRAY_LEN(s->codes); code++)
		if (s->codes[code])
			fprintf(f, "nsmon_http_requests_total{code=\"%zu\"} %lu\n",
				code, (unsigned long)s->codes[code]);
	metric_head(f, "nsmon_build_info", "gauge",
		    "The version of nsmon, as a label.");
	fprintf(f, "nsmon_build_info{version=\"%s\"} 1\n", NSM_VERSION);
}

/* Open fds: the entries of /proc/self/fd, less the one reading it. */
static long open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	long n = -1;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Start time in seconds since the epoch: /proc/self/stat's starttime. */
static double start_time(void)
{
	unsigned long long btime = 0;
	struct nsm_stat st;
	char buf[1024];
	FILE *f;
	size_t n;

	f = fopen("/proc/self/stat", "re");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (nsm_parse_stat(buf, &st))
		return 0;
	f = fopen("/proc/stat", "re");
	if (!f)
		return 0;
	while (fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "btime %llu", &btime) == 1)
			break;
	fclose(f);
	return btime + (double)st.starttime / sysconf(_SC_CLK_TCK);
}

static void process_metrics(FILE *f)
{
	struct rusage ru;
	unsigned long long pages = 0, rss = 0;
	FILE *m;

	getrusage(RUSAGE_SELF, &ru);
	metric_head(f, "process_cpu_seconds_total", "counter",
		    "Total user and system CPU time spent in seconds.");
	fprintf(f, "process_cpu_seconds_total %.6f\n",
		ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
			(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	m = fopen("/proc/self/statm", "re");
	if (m) {
		if (fscanf(m, "%llu %llu", &pages, &rss) != 2)
			rss = 0;
		fclose(m);
	}
	metric_head(f, "process_resident_memory_bytes", "gauge",
		    "Resident memory size in bytes.");
	fprintf(f, "process_resident_memory_bytes %llu\n",
		rss * (unsigned long long)sysconf(_SC_PAGESIZE));
	metric_head(f, "process_open_fds", "gauge",
		    "Number of open file descriptors.");
	fprintf(f, "process_open_fds %ld\n", open_fds());
	metric_head(f, "process_start_time_seconds", "gauge",
		    "Start time of the process since unix epoch in seconds.");
	fprintf(f, "process_start_time_seconds %.2f\n", start_time());
}

enum MHD_Result api_metrics(struct serve *s, struct MHD_Connection *c)
{
	struct agent_snap snap;
	struct body b;

	if (agent_snapshot(s->agent, &snap))
		return MHD_NO;
	if (body_open(&b)) {
		agent_snap_free(&snap);
		return MHD_NO;
	}
	model_metrics(b.f, &snap);
	agent_snap_free(&snap);
	event_metrics(b.f, s);
	api_doc_metrics(b.f, s);
	http_metrics(b.f, s);
	process_metrics(b.f);
	return body_send(s, c, &b, "text/plain; version=0.0.4; charset=utf-8");
}
