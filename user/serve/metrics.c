// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * metrics.c - /metrics, the Prometheus text format 0.0.4: the live
 * model's namespaces, the events published (counted by the sink:
 * metrics_event()), the kernel's ring and the BPF programs' own run-time
 * stats (agent_prog_stats()), the HTTP side, and the standard process_*
 * metrics.  Every label value is ours (type, kind and program names,
 * status codes): nothing a client sent is echoed.  Every series that can
 * exist is listed from the start, at 0, so that rate() sees its first
 * increase.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "serve_int.h"

static const char *const sync_reason[SYNC_NREASONS] = {
	[SYNC_START] = "start", [SYNC_LOST] = "lost",
	[SYNC_INTERVAL] = "interval", [SYNC_SIGNAL] = "signal",
	[SYNC_OTHER] = "other",
};

static int sync_index(const char *reason)
{
	int i;

	for (i = 0; reason && i < SYNC_OTHER; i++)
		if (!strcmp(reason, sync_reason[i]))
			return i;
	return SYNC_OTHER;
}

/* A switch counts once under each type it changed. */
void metrics_event(struct metrics *m, const struct wev *e)
{
	int i;

	switch (e->kind) {
	case WEV_CREATE:
	case WEV_DESTROY:
		m->events[e->kind][1 + e->type]++;
		return;
	case WEV_SWITCH:
		for (i = 0; i < e->nchanges; i++)
			m->events[e->kind][1 + e->changes[i].type]++;
		return;
	case WEV_SYNC:
		m->syncs[sync_index(e->reason)]++;
		m->created += e->created;
		m->destroyed += e->destroyed;
		break;
	case WEV_LOST:
		m->lost += e->count;
		break;
	default:
		break;
	}
	if (e->kind < WEV_DYING)
		m->events[e->kind][0]++;
}

static void metric_head(FILE *f, const char *name, const char *type,
			const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void model_metrics(FILE *f, const struct agent_view *v)
{
	int t;

	metric_head(f, "nsmon_namespaces", "gauge",
		    "Namespaces alive in the live model, by type.");
	for (t = 0; t < NSM_NTYPES; t++)
		fprintf(f, "nsmon_namespaces{type=\"%s\"} %zu\n",
			nsm_type_name(t), v->count[t]);
}

/* create, switch, destroy per type; sync, lost, container with type "" */
static void event_counts(FILE *f, const struct metrics *m)
{
	const char *name;
	int k, t;

	metric_head(f, "nsmon_events_total", "counter",
		    "Events published, by kind and namespace type (a switch "
		    "once per type it changed; \"\" for events about no type).");
	for (k = 0; k < WEV_DYING; k++) {
		name = wev_kind_name(k);
		if (!name)
			continue;
		if (k == WEV_CREATE || k == WEV_SWITCH || k == WEV_DESTROY) {
			for (t = 0; t < NSM_NTYPES; t++)
				fprintf(f, "nsmon_events_total{event=\"%s\","
					   "type=\"%s\"} %lu\n", name,
					nsm_type_name(t),
					(unsigned long)m->events[k][1 + t]);
			continue;
		}
		fprintf(f, "nsmon_events_total{event=\"%s\",type=\"\"} %lu\n",
			name, (unsigned long)m->events[k][0]);
	}
}

static void sync_metrics(FILE *f, const struct metrics *m)
{
	int i;

	metric_head(f, "nsmon_events_lost_total", "counter",
		    "Kernel records lost (the count of the lost events).");
	fprintf(f, "nsmon_events_lost_total %lu\n", (unsigned long)m->lost);
	metric_head(f, "nsmon_syncs_total", "counter",
		    "Sweeps reconciled into the model, by reason.");
	for (i = 0; i < SYNC_NREASONS; i++)
		fprintf(f, "nsmon_syncs_total{reason=\"%s\"} %lu\n",
			sync_reason[i], (unsigned long)m->syncs[i]);
	metric_head(f, "nsmon_sync_corrections_total", "counter",
		    "Namespaces a sweep corrected (the feed missed their "
		    "create or destroy), by kind.");
	fprintf(f, "nsmon_sync_corrections_total{kind=\"created\"} %lu\n",
		(unsigned long)m->created);
	fprintf(f, "nsmon_sync_corrections_total{kind=\"destroyed\"} %lu\n",
		(unsigned long)m->destroyed);
}

/* What keeping the model exact costs: the kernel's hints, the checks. */
static void exact_metrics(FILE *f, struct serve *s)
{
	struct agent_counts ac;
	int k;

	agent_counts(s->agent, &ac);
	metric_head(f, "nsmon_hints_total", "counter",
		    "The kernel's hints that a namespace may have ended, by "
		    "kind: a umount, a close of its last fd, an exit.");
	for (k = 0; k < AGENT_NHINTS; k++)
		fprintf(f, "nsmon_hints_total{kind=\"%s\"} %llu\n",
			agent_hint_name(k), (unsigned long long)ac.hints[k]);
	metric_head(f, "nsmon_liveness_checks_total", "counter",
		    "Namespaces looked up by nsfs file handle to see whether "
		    "they still exist.");
	fprintf(f, "nsmon_liveness_checks_total %llu\n",
		(unsigned long long)ac.checks);
}

/* The kernel's side: its ring and the programs' own run-time stats. */
static void bpf_metrics(FILE *f, struct serve *s)
{
	struct agent_prog_stats ps[AGENT_MAX_PROGS];
	int n = agent_prog_stats(s->agent, ps, AGENT_MAX_PROGS), i;

	metric_head(f, "nsmon_ringbuf_used_bytes", "gauge",
		    "Bytes in the kernel's ring buffer not read yet.");
	fprintf(f, "nsmon_ringbuf_used_bytes %llu\n",
		(unsigned long long)agent_ring_used(s->agent));
	metric_head(f, "nsmon_bpf_prog_run_seconds_total", "counter",
		    "Run time of each BPF program, as the kernel counts it "
		    "while run-time stats are on (--bpf-stats).");
	for (i = 0; i < n; i++)
		fprintf(f, "nsmon_bpf_prog_run_seconds_total{prog=\"%s\"} "
			   "%.9f\n", ps[i].name, ps[i].run_time_ns / 1e9);
	metric_head(f, "nsmon_bpf_prog_runs_total", "counter",
		    "Runs of each BPF program, as the kernel counts them "
		    "while run-time stats are on (--bpf-stats).");
	for (i = 0; i < n; i++)
		fprintf(f, "nsmon_bpf_prog_runs_total{prog=\"%s\"} %llu\n",
			ps[i].name, (unsigned long long)ps[i].run_cnt);
}

static void client_metrics(FILE *f, struct serve *s)
{
	size_t code, plain, packed;
	unsigned long inflates;

	metric_head(f, "nsmon_sse_clients", "gauge",
		    "Connected /api/events clients.");
	fprintf(f, "nsmon_sse_clients %ld\n", (long)s->sse_clients);
	metric_head(f, "nsmon_sse_dropped_clients_total", "counter",
		    "SSE clients dropped for falling a whole backlog behind.");
	fprintf(f, "nsmon_sse_dropped_clients_total %lu\n",
		(unsigned long)s->sse_dropped);
	backlog_stats(&s->backlog, &plain, &packed, &inflates);
	metric_head(f, "nsmon_sse_backlog_bytes", "gauge",
		    "Bytes the event backlog holds, as they are and packed.");
	fprintf(f, "nsmon_sse_backlog_bytes{form=\"plain\"} %zu\n", plain);
	fprintf(f, "nsmon_sse_backlog_bytes{form=\"packed\"} %zu\n", packed);
	metric_head(f, "nsmon_sse_backlog_inflations_total", "counter",
		    "Packed backlog blocks inflated for a client that resumed "
		    "from further back.");
	fprintf(f, "nsmon_sse_backlog_inflations_total %lu\n", inflates);
	metric_head(f, "nsmon_http_gzip_responses_total", "counter",
		    "Data answers sent gzip-encoded (Accept-Encoding).");
	fprintf(f, "nsmon_http_gzip_responses_total %lu\n",
		(unsigned long)s->gz_answers);
	metric_head(f, "nsmon_http_requests_total", "counter",
		    "HTTP answers, by status code.");
	for (code = 100; code < ARRAY_LEN(s->codes); code++)
		if (s->codes[code])
			fprintf(f, "nsmon_http_requests_total{code=\"%zu\"} %lu\n",
				code, (unsigned long)s->codes[code]);
	metric_head(f, "nsmon_http_slow_headers_total", "counter",
		    "Connections cut for sending a request's headers too "
		    "slowly.");
	fprintf(f, "nsmon_http_slow_headers_total %llu\n",
		(unsigned long long)guard_cut(s->guard));
	metric_head(f, "nsmon_build_info", "gauge",
		    "The version of nsmon, as a label.");
	fprintf(f, "nsmon_build_info{version=\"%s\"} 1\n", NSM_VERSION);
}

/*
 * Open fds.  Since Linux 6.2 the size stat() gives /proc/PID/fd is the
 * count: one call.  A readdir of the directory, the fallback, makes a
 * dentry for every fd under the dcache's lock; at thousands of scrapes
 * a second it was a quarter of the server's CPU.
 */
static long open_fds(void)
{
	struct dirent *de;
	struct stat st;
	long n = -1;
	DIR *d;

	if (!stat("/proc/self/fd", &st) && st.st_size > 0)
		return st.st_size;
	d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/*
 * Start time in seconds since the epoch: /proc/self/stat's starttime.
 * Read once: /proc/stat, for btime, walks every interrupt's counts.
 */
static double start_time_once;
static pthread_once_t start_time_done = PTHREAD_ONCE_INIT;

static double read_start_time(void)
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

static void set_start_time(void)
{
	start_time_once = read_start_time();
}

static double start_time(void)
{
	pthread_once(&start_time_done, set_start_time);
	return start_time_once;
}

/* An open statm read again from its start: no open and close a scrape. */
static unsigned long long resident_bytes(int fd)
{
	unsigned long long pages, rss;
	char buf[128];
	ssize_t n;

	if (fd < 0)
		return 0;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu", &pages, &rss) != 2)
		return 0;
	return rss * (unsigned long long)sysconf(_SC_PAGESIZE);
}

static void process_metrics(FILE *f, struct serve *s)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	metric_head(f, "process_cpu_seconds_total", "counter",
		    "Total user and system CPU time spent in seconds.");
	fprintf(f, "process_cpu_seconds_total %.6f\n",
		ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
			(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	metric_head(f, "process_resident_memory_bytes", "gauge",
		    "Resident memory size in bytes.");
	fprintf(f, "process_resident_memory_bytes %llu\n",
		resident_bytes(s->statm_fd));
	metric_head(f, "process_open_fds", "gauge",
		    "Number of open file descriptors.");
	fprintf(f, "process_open_fds %ld\n", open_fds());
	metric_head(f, "process_start_time_seconds", "gauge",
		    "Start time of the process since unix epoch in seconds.");
	fprintf(f, "process_start_time_seconds %.2f\n", start_time());
}

enum MHD_Result api_metrics(struct serve *s, struct MHD_Connection *c)
{
	struct agent_view *v;
	char *body = NULL;
	size_t len;
	FILE *f;

	f = open_memstream(&body, &len);
	if (!f)
		return MHD_NO;
	v = agent_view_get(s->agent);
	model_metrics(f, v);
	agent_view_put(v);
	event_counts(f, &s->m);
	sync_metrics(f, &s->m);
	exact_metrics(f, s);
	bpf_metrics(f, s);
	client_metrics(f, s);
	api_doc_metrics(f, s);
	process_metrics(f, s);
	if (fclose(f)) {
		free(body);
		return MHD_NO;
	}
	return serve_reply(s, c, MHD_HTTP_OK,
			   "text/plain; version=0.0.4; charset=utf-8", body, len);
}
