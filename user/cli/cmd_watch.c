// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_watch.c - `nsmon watch`: the agent.  Loads the event feed
 * (bpf/events.bpf.c), attaches it, sweeps, and from then on folds every
 * kernel record into the live model (reconcile.c), which prints the
 * events (events_out.c) until SIGINT or SIGTERM.
 *
 * The feed is attached before the initial sweep, so nothing that happens
 * during the sweep is missed: a create the sweep also found is dropped
 * by the model, a namespace destroyed before the sweep reached it is in
 * neither (the kernel reports destroys only of namespaces it knows).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "engine_events.h"
#include "nsm_abi.h"
#include "parse.h"
#include "events.skel.h"
#include "reconcile.h"


#define TRACEFS "/sys/kernel/tracing"
#define POLL_MS 250

/*
 * Bursts: when records come faster than four per --max-delay (over the
 * last BURST_WAKEUPS wakeups), the reader stops taking wakeups
 * (`batching` in events.bpf.c) and reads the ring every --max-delay
 * instead, until a read finds at most one record.  The
 * delay shrinks while a read finds the ring more than a quarter full, so
 * that a small ring does not overflow between two reads.
 */
#define MAX_DELAY_US 250
/*
 * A sweep takes tens of ms, in which a busy host can fill the ring
 * again: the loss-resync after a loss-resync waits this long, so that
 * a burst cannot keep the agent sweeping (each loss is reported at once
 * and is followed by a sync, only later).
 */
#define LOST_RESYNC_GAP_MS 1000
#define MIN_DELAY_US 20
#define BURST_WAKEUPS 8
/*
 * A task's exit wakes nobody (SUB_LAZY in events.bpf.c): after a read
 * that found records, the reader sleeps at most this long, then
 * re-arms the exit's wakeups and sleeps without a deadline.
 */
#define EXIT_DELAY_MS 100

/*
 * Liveness checks (the destroys the feed cannot see).  After a hint
 * (nsm_abi.h) at t: checks at t + each step, restarted by the next hint;
 * a user namespace goes through RCU after its last task (~50 ms here),
 * a lazily unmounted or closed one at the return to user space.
 */
static const int check_steps_ms[] = { 10, 60, 250, 1000, 3000 };
/*
 * From this step on a check covers every namespace: one that a process
 * held when the model last learnt of it may be held only by an fd or a
 * mount since, and the owners of a namespace freed by a worker (a net
 * namespace's cleanup_net) go later still.
 */
#define CHECK_ALL_FROM_MS 1000
/* the safety net: every namespace, this often */
#define LIVENESS_MS 5000

/* 6.18+: nsfs file handles, opened relative to this "mount fd" */
#ifndef FD_NSFS_ROOT
#define FD_NSFS_ROOT -10003
#endif
#define FILEID_NSFS 0xf1
#define NS_GET_ID_ _IOR(0xb7, 13, __u64)

static volatile sig_atomic_t stop, hup;

struct watch {
	struct cli_common c;
	struct events_bpf *skel;
	struct ring_buffer *rb;
	struct rc *rc;
	struct ee *ee;		/* container engines; NULL: --no-containers */
	int known_fd;
	uint64_t lost_seen;
	int64_t lost_sync_due;	/* CLOCK_MONOTONIC ns; 0: none pending */
	int64_t lost_sync_at;	/* the last loss-resync */
	/* bursts */
	unsigned max_delay_us;	/* --max-delay: 0 = a wakeup per record */
	unsigned delay_us;	/* current, MIN_DELAY_US .. max_delay_us */
	bool batching;
	bool settle;		/* left batching: wait at most delay_us once */
	size_t got;		/* ring bytes read since the last wait */
	size_t recs;		/* records read since the last wait */
	int64_t wakeups[8];	/* of the last BURST_WAKEUPS woken reads */
	unsigned nwakeups;
	/* lazy records (an exit's) */
	unsigned exit_delay_ms;	/* --exit-delay: 0 = they wake us too */
	bool deep;		/* they wake us: no deadline for them */
	int64_t light_due;	/* CLOCK_MONOTONIC ns: when to be deep */
	int64_t boot_to_real;	/* ns: CLOCK_REALTIME - CLOCK_BOOTTIME */
	unsigned ring_size;
	unsigned resync_s;	/* --resync: 0 = only on loss and SIGHUP */
	/* liveness checks */
	bool handles;		/* the kernel opens nsfs file handles */
	int holders_fd;
	unsigned hints;		/* RC_HINT_* since the first pending step */
	int step;		/* next of check_steps_ms, -1: none pending */
	int64_t hint_at;	/* CLOCK_MONOTONIC ns of the last hint */
	int64_t next_full;	/* CLOCK_MONOTONIC ns of the next safety check */
	/* namespaces whose nsfs fd was closed, since the hints were taken */
	uint64_t closed[64];
	unsigned nclosed;
	__u64 hint_seen[NSM_HINT_N];	/* the kernel's counters, last read */
};

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
		hup = 1;
	else
		stop = 1;
}

static int64_t clock_ns(clockid_t id)
{
	struct timespec t;

	clock_gettime(id, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void calibrate(struct watch *w)
{
	w->boot_to_real = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	return vfprintf(stderr, fmt, ap);
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	return 0;
}

static const char *via_name(__u32 via)
{
	switch (via) {
	case NSM_EV_VIA_CLONE:
		return "clone";
	case NSM_EV_VIA_UNSHARE:
		return "unshare";
	case NSM_EV_VIA_SETNS:
		return "setns";
	case NSM_EV_VIA_EXIT:
		return "exit";
	case NSM_EV_VIA_SWITCH:
		return "switch";
	}
	return "?";
}

static void fold_ns(struct watch *w, const struct nsm_ev *r,
		    const struct wev *task, __u32 kind)
{
	__u32 i;

	for (i = 0; i < r->nns && i < NSM_EV_MAXNS; i++) {
		const struct nsm_ev_ns *n = &r->ns[i];
		struct wev e = *task;

		if (n->kind != kind || n->type >= NSM_NTYPES)
			continue;
		e.kind = kind == NSM_EV_CREATE ? WEV_CREATE : WEV_DESTROY;
		e.via = via_name(n->via);
		e.type = n->type;
		e.id = n->id;
		e.ns_id = n->ns_id;
		e.owner = n->owner;
		e.parent = n->parent;
		rc_event(w->rc, &e);
	}
}

/* One kernel event: its creates, then the switch, then its destroys. */
static int on_record(void *ctx, void *data, size_t len)
{
	struct watch *w = ctx;
	const struct nsm_ev *r = data;
	struct wev e = { .kind = WEV_SWITCH };
	int64_t t;
	int i;

	/* the ring's 8-byte header, records padded to 8 bytes */
	w->got += 8 + ((len + 7) & ~(size_t)7);
	w->recs++;
	/* a hint (struct nsm_hint): run() takes the counters */
	if (len < sizeof(*r)) {
		const struct nsm_hint *h = data;

		if (len >= sizeof(*h) && h->bits & (1u << NSM_HK_CLOSE) &&
		    h->id)
			w->closed[w->nclosed++ % 64] = h->id;
		return 0;
	}
	t = (int64_t)r->ts + w->boot_to_real;
	e.time.tv_sec = t / 1000000000;
	e.time.tv_nsec = t % 1000000000;
	e.pid = r->pid;
	e.tid = r->tid;
	memcpy(e.comm, r->comm, sizeof(r->comm));
	e.comm[sizeof(r->comm)] = 0;
	fold_ns(w, r, &e, NSM_EV_CREATE);
	for (i = 0; i < NSM_NTYPES; i++) {
		if (r->from[i] == r->to[i])
			continue;
		e.changes[e.nchanges].type = i;
		e.changes[e.nchanges].from = r->from[i];
		e.changes[e.nchanges].to = r->to[i];
		e.nchanges++;
	}
	if (e.nchanges) {
		struct wev sw = e;

		sw.via = via_name(r->via);
		rc_event(w->rc, &sw);
	}
	e.nchanges = 0;
	fold_ns(w, r, &e, NSM_EV_DESTROY);
	/* a gone reader ends the ring buffer's loop, and ours */
	return rc_error(w->rc) ? -EPIPE : 0;
}

/* The kernel's known map follows the model (reconcile.c's callback). */
static void on_known(void *ctx, uint64_t id, uint64_t ns_id, bool alive)
{
	struct watch *w = ctx;
	__u64 key = id, val = ns_id;

	__u64 cur;

	if (alive) {
		/* a value the feed set meanwhile is at least as fresh */
		bpf_map_update_elem(w->known_fd, &key, &val, BPF_NOEXIST);
		return;
	}
	/* the inode number may be a new namespace's by now: leave that */
	if (!bpf_map_lookup_elem(w->known_fd, &key, &cur) && cur && val &&
	    cur != val)
		return;
	bpf_map_delete_elem(w->known_fd, &key);
}

static uint64_t lost_total(struct watch *w)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	__u32 key = 0;
	uint64_t sum = 0;
	__u64 *v;

	if (ncpu <= 0)
		return w->lost_seen;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return w->lost_seen;
	if (!bpf_map_lookup_elem(bpf_map__fd(w->skel->maps.lost), &key, v))
		for (i = 0; i < ncpu; i++)
			sum += v[i];
	free(v);
	return sum;
}

/*
 * The processes whose exit may free a namespace by closing its fd or
 * socket (exit_files() comes after the exit tracepoint): their exit is
 * a hint.  From the sweep, and nsm_setns_exit adds those that came back
 * by setns since; another fd opened since waits for the safety net.
 */
static void set_holders(struct watch *w, const struct nsm_model *m)
{
	__u32 key, n = 0;
	__u8 one = 1;
	size_t i, j;

	while (!bpf_map_get_next_key(w->holders_fd, NULL, &key))
		if (bpf_map_delete_elem(w->holders_fd, &key))
			break;
	for (i = 0; i < m->nns; i++) {
		const struct nsm_ns *ns = m->ns[i];

		for (j = 0; j < ns->nrefs; j++) {
			if (ns->refs[j].via != NSM_VIA_FD &&
			    ns->refs[j].via != NSM_VIA_SOCKET)
				continue;
			/* a pid holding several refs is one key: nholders
			 * counts keys, as the programs' exits take them off */
			key = ns->refs[j].pid;
			if (!bpf_map_update_elem(w->holders_fd, &key, &one,
						 BPF_NOEXIST))
				n++;
		}
	}
	__atomic_store_n(&w->skel->bss->nholders, n, __ATOMIC_RELAXED);
}

/* A sweep into the model: at start, and after the feed lost records. */
static int resync(struct watch *w, const char *reason)
{
	struct nsm_model *m;

	if (cli_discover(&w->c, &m))
		return -1;
	calibrate(w);
	set_holders(w, m);
	/* rediscovery: the engines this sweep found, those down retried */
	if (w->ee)
		ee_sync(w->ee, m);
	rc_sync(w->rc, m, reason);
	nsm_model_free(m);
	return 0;
}

/* The resync that follows a loss: when due, or now (at exit). */
static void lost_resync(struct watch *w, bool now)
{
	int64_t t;

	if (!w->lost_sync_due)
		return;
	t = clock_ns(CLOCK_MONOTONIC);
	if (!now && t < w->lost_sync_due)
		return;
	ring_buffer__consume(w->rb);
	resync(w, "lost");
	w->lost_sync_due = 0;
	w->lost_sync_at = clock_ns(CLOCK_MONOTONIC);
}

static void check_lost(struct watch *w)
{
	int64_t due;

	uint64_t n;

	/* the .bss mirror of the per-CPU counter: no syscall per read */
	if (__atomic_load_n(&w->skel->bss->nlost, __ATOMIC_ACQUIRE) ==
	    w->lost_seen)
		return;
	n = lost_total(w);
	if (n == w->lost_seen)
		return;
	/* the records that made it come first: they happened before */
	ring_buffer__consume(w->rb);
	n = lost_total(w);
	rc_lost(w->rc, n - w->lost_seen);
	w->lost_seen = n;
	if (w->lost_sync_due)
		return;
	due = w->lost_sync_at + LOST_RESYNC_GAP_MS * 1000000LL;
	w->lost_sync_due = due > 1 ? due : 1;
	lost_resync(w, false);
}

/* Classic tracepoints need tracefs for their ids; mount it if missing. */
static void ensure_tracefs(void)
{
	struct stat st;

	if (!stat(TRACEFS "/events", &st))
		return;
	if (mount("tracefs", TRACEFS, "tracefs", 0, NULL) && errno != EBUSY)
		fprintf(stderr, "nsmon watch: cannot mount tracefs on %s: %s\n",
			TRACEFS, strerror(errno));
}

static int attach_all(struct watch *w)
{
	struct bpf_program *p;
	struct bpf_link *l;

	ensure_tracefs();
	bpf_object__for_each_program(p, w->skel->obj) {
		l = bpf_program__attach(p);
		if (!l) {
			int err = -errno;

			fprintf(stderr,
				"nsmon watch: cannot attach %s (%s): %s\n",
				bpf_program__section_name(p),
				bpf_program__name(p), strerror(-err));
			return err;
		}
		/* the skeleton's destroy detaches what it finds here */
		if (p == w->skel->progs.nsm_fork)
			w->skel->links.nsm_fork = l;
		else if (p == w->skel->progs.nsm_exit)
			w->skel->links.nsm_exit = l;
		else if (p == w->skel->progs.nsm_unshare_enter)
			w->skel->links.nsm_unshare_enter = l;
		else if (p == w->skel->progs.nsm_unshare_exit)
			w->skel->links.nsm_unshare_exit = l;
		else if (p == w->skel->progs.nsm_setns_enter)
			w->skel->links.nsm_setns_enter = l;
		else if (p == w->skel->progs.nsm_setns_exit)
			w->skel->links.nsm_setns_exit = l;
		else if (p == w->skel->progs.nsm_umount)
			w->skel->links.nsm_umount = l;
		else
			w->skel->links.nsm_close = l;
	}
	return 0;
}

/* Says what is missing when the feed cannot load. */
static int load_feed(struct watch *w)
{
	int err;

	libbpf_set_print(w->c.verbose ? libbpf_print : libbpf_quiet);
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		fprintf(stderr, "nsmon watch: kernel BTF (/sys/kernel/btf/vmlinux) "
				"is missing: the event feed needs a kernel built "
				"with CONFIG_DEBUG_INFO_BTF\n");
		return -ENOENT;
	}
	w->skel = events_bpf__open();
	if (!w->skel) {
		err = -errno;
		fprintf(stderr, "nsmon watch: cannot open the BPF event feed: %s\n",
			strerror(-err));
		return err;
	}
	w->skel->rodata->self_tgid = getpid();
	bpf_map__set_max_entries(w->skel->maps.events, w->ring_size);
	err = events_bpf__load(w->skel);
	if (err) {
		if (err == -EPERM || err == -EACCES)
			fprintf(stderr,
				"nsmon watch: not allowed to load BPF programs "
				"(%s): run as root (CAP_BPF, CAP_PERFMON and "
				"CAP_SYS_ADMIN)\n",
				strerror(-err));
		else
			fprintf(stderr,
				"nsmon watch: cannot load the BPF event feed "
				"(tp_btf, tracepoint programs, ring buffer): %s%s\n",
				strerror(-err),
				w->c.verbose ? "" : " (-v shows the verifier log)");
		return err;
	}
	err = attach_all(w);
	if (err)
		return err;
	w->known_fd = bpf_map__fd(w->skel->maps.known);
	w->holders_fd = bpf_map__fd(w->skel->maps.holders);
	w->rb = ring_buffer__new(bpf_map__fd(w->skel->maps.events), on_record,
				 w, NULL);
	if (!w->rb) {
		err = -errno;
		fprintf(stderr, "nsmon watch: ring buffer: %s\n", strerror(-err));
		return err;
	}
	return 0;
}

/*
 * Whether a namespace still exists, without holding it: open its nsfs
 * file handle (ns_id, type, inode number: 6.18's struct
 * nsfs_file_handle, built here, no fd needed) and close it at once.  A
 * namespace that is gone gives ESTALE.
 */
static int ns_alive(void *ctx, enum nsm_type type, uint64_t id, uint64_t ns_id)
{
	struct {
		struct file_handle fh;
		struct __attribute__((packed)) {
			uint64_t ns_id;
			uint32_t type, inum;
		} h;
	} f = {
		.fh = { .handle_bytes = sizeof(f.h), .handle_type = FILEID_NSFS },
		.h = { ns_id, (uint32_t)nsm_type_clone_flag(type), (uint32_t)id },
	};
	int fd;

	(void)ctx;
	fd = open_by_handle_at(FD_NSFS_ROOT, &f.fh, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	return errno == ESTALE ? 0 : -errno;
}

static bool ns_closed(void *ctx, uint64_t id)
{
	struct watch *w = ctx;
	unsigned i, n = w->nclosed < 64 ? w->nclosed : 64;

	for (i = 0; i < n; i++)
		if (w->closed[i] == id)
			return true;
	return false;
}

/* Whether this kernel opens nsfs handles: our own net namespace. */
static bool probe_handles(void)
{
	struct stat st;
	__u64 id = 0;
	int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = !fstat(fd, &st) && !ioctl(fd, NS_GET_ID_, &id) && id &&
	     ns_alive(NULL, NSM_NET, st.st_ino, id) == 1;
	close(fd);
	return ok;
}

/*
 * Takes the hints the kernel counted since the last time.  While checks
 * are pending the counters stay non-zero, so that the kernel does not
 * wake us for every umount or exit of a burst: a counter that moved is
 * a new hint (seen here at the latest after POLL_MS); once the checks
 * are done, the counters are reset and the next hint wakes us again.
 */
static void take_hints(struct watch *w)
{
	static const unsigned bit[NSM_HINT_N] = {
		[NSM_HK_UMOUNT] = RC_HINT_UMOUNT,
		[NSM_HK_CLOSE] = RC_HINT_CLOSE,
		[NSM_HK_EXIT] = RC_HINT_EXIT,
	};
	__u64 *c = (__u64 *)w->skel->bss->hints;
	bool idle = w->step < 0;
	unsigned got = 0;
	__u64 v;
	int k;

	for (k = 0; k < NSM_HINT_N; k++) {
		v = idle ? __atomic_exchange_n(&c[k], 0, __ATOMIC_ACQ_REL)
			 : __atomic_load_n(&c[k], __ATOMIC_ACQUIRE);
		if (v != w->hint_seen[k])
			got |= bit[k];
		w->hint_seen[k] = v;
	}
	if (idle)
		memset(w->hint_seen, 0, sizeof(w->hint_seen));
	if (!got || !w->handles)
		return;
	if (idle)
		/* non-zero while checks are pending: no wakeup per hint */
		for (k = 0; k < NSM_HINT_N; k++) {
			v = 0;
			__atomic_compare_exchange_n(&c[k], &v, 1, false,
						    __ATOMIC_ACQ_REL,
						    __ATOMIC_ACQUIRE);
			w->hint_seen[k] = v ? v : 1;
		}
	w->hints |= got;
	rc_hints(w->rc, w->hints);
	w->hint_at = clock_ns(CLOCK_MONOTONIC);
	w->step = 0;
}

/* ms until the next liveness check is due (<= 0: now). */
static int64_t check_due_ms(const struct watch *w, int64_t now)
{
	int64_t at = w->next_full;

	if (w->step >= 0) {
		int64_t s = w->hint_at +
			    check_steps_ms[w->step] * (int64_t)1000000;
		if (s < at)
			at = s;
	}
	return (at - now) / 1000000;
}

static void liveness(struct watch *w)
{
	int64_t now = clock_ns(CLOCK_MONOTONIC);
	bool full;

	if (!w->handles || check_due_ms(w, now) > 0)
		return;
	full = now >= w->next_full ||
	       (w->step >= 0 && check_steps_ms[w->step] >= CHECK_ALL_FROM_MS);
	/* what the feed reported comes first (an exit's destroys) */
	ring_buffer__consume(w->rb);
	rc_liveness(w->rc, full, w->hints, ns_alive, ns_closed, w);
	if (full)
		w->next_full = now + LIVENESS_MS * (int64_t)1000000;
	if (w->step >= 0) {
		while (w->step < (int)(sizeof(check_steps_ms) /
				       sizeof(check_steps_ms[0])) &&
		       w->hint_at + check_steps_ms[w->step] * (int64_t)1000000 <=
			       now)
			w->step++;
		if (w->step == sizeof(check_steps_ms) / sizeof(check_steps_ms[0])) {
			w->step = -1;
			w->hints = 0;
			rc_hints(w->rc, 0);
			w->nclosed = 0;
		}
	}
}

/*
 * Waits for records, a signal or POLL_MS, and watches stdout too: a
 * pipe whose reader is gone (`| head`) reports POLLERR, so we leave
 * then, not at the next event, which may be hours away.  In a burst it
 * only sleeps delay_us: the records do not wake us then, and the ring
 * fd would be ready at once.
 */
static int wait_feed(struct watch *w)
{
	struct pollfd pfd[2 + EE_MAX_POLLFDS] = {
		{ .fd = STDOUT_FILENO, .events = 0 },
	};
	int ne = w->ee ? ee_pollfds(w->ee, pfd + 1, EE_MAX_POLLFDS) : 0;
	int64_t due = w->handles ? check_due_ms(w, clock_ns(CLOCK_MONOTONIC))
				 : POLL_MS;
	int64_t us = due < 0 ? 0 : due < POLL_MS ? (due + 1) * 1000
						 : POLL_MS * 1000;
	struct timespec ts;

	if ((w->batching || w->settle) && us > w->delay_us)
		us = w->delay_us;
	if (!w->deep) {
		int64_t left = (w->light_due - clock_ns(CLOCK_MONOTONIC)) / 1000;

		if (left < us)
			us = left < 0 ? 0 : left;
	}
	if (w->lost_sync_due) {
		int64_t left = (w->lost_sync_due - clock_ns(CLOCK_MONOTONIC)) / 1000;

		if (left < us)
			us = left < 0 ? 0 : left;
	}
	w->settle = false;
	ts.tv_sec = us / 1000000;
	ts.tv_nsec = us % 1000000 * 1000;
	/* the engines' streams always; the ring only when it wakes us */
	pfd[1 + ne].fd = ring_buffer__epoll_fd(w->rb);
	pfd[1 + ne].events = POLLIN;
	if (ppoll(pfd, 1 + ne + !w->batching, &ts, NULL) < 0)
		return errno == EINTR ? 0 : -errno;
	if (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL))
		return -EPIPE;
	/*
	 * Before the ring: an engine's create event names a container
	 * before runc makes its namespaces (ee_container_of()).
	 */
	if (ne)
		ee_read(w->ee, pfd + 1, ne);
	return 0;
}

/*
 * Before each read: a record that must wake us forces the wakeup while
 * lazy records wait in the ring (events.bpf.c).  Cleared before the
 * read, sequentially consistent: one committed after the read counts.
 */
static void clear_lazy(struct watch *w)
{
	if (__atomic_load_n(&w->skel->bss->lazy_unread, __ATOMIC_RELAXED))
		__atomic_store_n(&w->skel->bss->lazy_unread, 0,
				 __ATOMIC_SEQ_CST);
}

static void set_batching(struct watch *w, bool on)
{
	w->batching = on;
	__atomic_store_n(&w->skel->bss->batching, on, __ATOMIC_SEQ_CST);
}

static void set_deep(struct watch *w, bool on)
{
	w->deep = on;
	/* sequentially consistent: the read that follows must see what a
	 * program committed before it could see lazy_wakes set */
	__atomic_store_n(&w->skel->bss->lazy_wakes, on, __ATOMIC_SEQ_CST);
}

/*
 * After a read of the ring: records came, so an exit may follow soon
 * (a short-lived task that made a namespace): its records need not wake
 * us for --exit-delay.  After that long without records, they do again:
 * an idle agent sleeps without a deadline for them.
 */
static void pace_lazy(struct watch *w)
{
	int64_t now;

	if (!w->exit_delay_ms)
		return;
	now = clock_ns(CLOCK_MONOTONIC);
	if (w->recs) {
		w->light_due = now + w->exit_delay_ms * 1000000LL;
		if (w->deep)
			set_deep(w, false);
		return;
	}
	if (w->deep || now < w->light_due)
		return;
	set_deep(w, true);
	/* what came before the store above: it did not wake us */
	clear_lazy(w);
	ring_buffer__consume(w->rb);
	if (w->recs) {
		set_deep(w, false);
		w->light_due = now + w->exit_delay_ms * 1000000LL;
	}
}

/*
 * After a read of the ring: into a burst, out of it, or how fast.  A
 * timed sleep costs the agent about twice a wakeup by the kernel here
 * (~30 vs ~16 us, a VM), but a wakeup by the kernel is paid by the
 * task that made the record (~20 us in its BPF program): batching pays
 * off only while records come faster than one per delay.
 */
static void pace(struct watch *w)
{
	size_t got = w->got, recs = w->recs;
	int64_t now;

	w->got = 0;
	w->recs = 0;
	/* an empty read in a burst ends it (below) */
	if (!w->max_delay_us || (!recs && !w->batching))
		return;
	now = clock_ns(CLOCK_MONOTONIC);
	if (!w->batching) {
		/*
		 * A burst: BURST_WAKEUPS wakeups within a quarter of the delay
		 * each on average, so that a timed read gets 4 records or more.
		 * Sparser records (an unshare and its exit, 0.1 ms apart, every
		 * 0.6 ms) cost less woken one by one.
		 */
		int64_t *old = &w->wakeups[w->nwakeups++ % BURST_WAKEUPS];

		if (w->nwakeups > BURST_WAKEUPS &&
		    now - *old < BURST_WAKEUPS * w->max_delay_us * 1000LL / 4) {
			w->delay_us = w->max_delay_us;
			set_batching(w, true);
		}
		*old = now;
		return;
	}
	if (got > w->ring_size / 4 && w->delay_us > MIN_DELAY_US)
		w->delay_us /= 2;
	else if (got < w->ring_size / 16 && w->delay_us < w->max_delay_us)
		w->delay_us = w->delay_us * 2 > w->max_delay_us ? w->max_delay_us
								: w->delay_us * 2;
	if (recs > 1)
		return;
	w->nwakeups = 0;
	/*
	 * The burst is over.  A program that saw batching set just before
	 * this may submit after the read below without waking us: the next
	 * wait is short.
	 */
	set_batching(w, false);
	ring_buffer__consume(w->rb);
	w->got = 0;
	w->recs = 0;
	w->settle = true;
}

static void on_container(void *ctx, const struct ee_event *c)
{
	struct watch *w = ctx;
	struct wev e = {
		.action = c->action,
		.ctr_id = c->id,
		.ctr_name = c->name,
		.ctr_engine = nsm_engine_name(c->engine),
		.pid = c->pid,
	};

	rc_container(w->rc, &e);
}

static const char *container_of(void *ctx, pid_t pid, enum nsm_type type,
				uint64_t id)
{
	struct watch *w = ctx;

	return w->ee ? ee_container_of(w->ee, pid, type, id) : NULL;
}

/* the kernel's struct sched_attr (linux/sched/types.h; no glibc wrapper) */
struct nsm_sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
};

/*
 * EEVDF (6.12+) takes a normal task's sched_runtime as the slice it asks
 * for: a task that asks for a short one gets an earlier deadline when it
 * wakes, and so the CPU sooner from a task that asked for more.  The
 * agent wakes for ~20 us of work per read: 100 us is plenty, and a
 * create line waits less behind, say, a netns cleanup worker (p99 of the
 * latency benchmark).  Older kernels ignore the field; a policy or nice
 * value the user chose is kept.
 */
static void short_slice(void)
{
	struct nsm_sched_attr a = {
		.size = sizeof(a),
		.sched_policy = SCHED_OTHER,
		.sched_runtime = 100 * 1000,
	};

	/*
	 * A timed read in a burst (see MAX_DELAY_US) is due every
	 * --max-delay, not up to the default 50 us of slack later.
	 */
	(void)prctl(PR_SET_TIMERSLACK, 10 * 1000UL);
	if (sched_getscheduler(0) != SCHED_OTHER)
		return;
	errno = 0;
	a.sched_nice = getpriority(PRIO_PROCESS, 0);
	if (errno)
		return;
	(void)syscall(SYS_sched_setattr, 0, &a, 0);
}

static int run(struct watch *w)
{
	int64_t next = 0;
	int err = 0;

	calibrate(w);
	short_slice();
	w->step = -1;
	w->delay_us = w->max_delay_us;
	/* idle: every record wakes us */
	set_deep(w, true);
	w->handles = probe_handles();
	if (resync(w, "start"))
		return 1;
	w->next_full = clock_ns(CLOCK_MONOTONIC) + LIVENESS_MS * (int64_t)1000000;
	if (w->resync_s)
		next = clock_ns(CLOCK_MONOTONIC) + w->resync_s * 1000000000LL;
	while (!stop && !rc_error(w->rc)) {
		/*
		 * Destroys the feed cannot see (user and PID namespaces, the
		 * last fd closed, a bind mount unmounted) are found by the
		 * liveness checks (liveness()), and in the end by a sweep.
		 */
		if (hup || (next && clock_ns(CLOCK_MONOTONIC) >= next)) {
			ring_buffer__consume(w->rb);
			/* a loss waits for its sync: it comes first */
			lost_resync(w, true);
			resync(w, hup ? "signal" : "interval");
			hup = 0;
			if (next)
				next = clock_ns(CLOCK_MONOTONIC) +
				       w->resync_s * 1000000000LL;
		}
		if (w->ee)
			ee_tick(w->ee);
		err = wait_feed(w);
		if (err == -EPIPE)
			break;
		clear_lazy(w);
		err = ring_buffer__consume(w->rb);
		if (err < 0 && err != -EPIPE) {
			fprintf(stderr, "nsmon watch: ring buffer: %s\n",
				strerror(-err));
			return 1;
		}
		check_lost(w);
		lost_resync(w, false);
		take_hints(w);
		liveness(w);
		pace_lazy(w);
		pace(w);
		rc_flush(w->rc);
	}
	/* detach first, then drain: nothing is left behind in the ring */
	events_bpf__detach(w->skel);
	if (err == -EPIPE)
		return 0;
	if (!rc_error(w->rc)) {
		ring_buffer__consume(w->rb);
		/* SPEC: a lost event is always followed by a sync */
		check_lost(w);
		lost_resync(w, true);
	}
	rc_flush(w->rc);
	err = rc_error(w->rc);
	if (err && err != -EPIPE) {
		fprintf(stderr, "nsmon watch: stdout: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}

int cmd_watch(int argc, char **argv)
{
	enum { OPT_TEXT = CLI_OPT_END, OPT_RING, OPT_NO_INITIAL, OPT_RESYNC,
	       OPT_MAX_DELAY, OPT_EXIT_DELAY };
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
	struct wev_writer out = { .out = stdout, .json = true };
	struct rc_opts ro = {
		.emit = wev_write,
		.emit_ctx = &out,
		.types = (1U << NSM_NTYPES) - 1,
		.initial = true,
		.known = on_known,
		.container_of = container_of,
	};
	struct watch w = { .known_fd = -1, .holders_fd = -1,
			   .ring_size = 1 << 20,
			   .max_delay_us = MAX_DELAY_US,
			   .exit_delay_ms = EXIT_DELAY_MS };
	struct sigaction sa = { .sa_handler = on_signal };
	int opt, err, rc = 1;

	cli_common_init(&w.c);
	/* the live model has no mount tables: its sweeps skip them */
	w.c.opts.mounts = false;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":Jt:hv", longopts, NULL)) != -1) {
		if (cli_common_opt(&w.c, opt, optarg))
			continue;
		switch (opt) {
		case 'J':
			out.json = true;
			break;
		case OPT_TEXT:
			out.json = false;
			break;
		case 't':
			if (nsm_parse_types(optarg, &ro.types) || !ro.types)
				return cli_usage_error("watch",
						       "bad namespace types '%s'",
						       optarg);
			break;
		case OPT_RING:
			if (cli_parse_ring_size(optarg, &w.ring_size))
				return cli_usage_error("watch",
						       "bad ring size '%s'",
						       optarg);
			break;
		case OPT_NO_INITIAL:
			ro.initial = false;
			break;
		case OPT_RESYNC:
			if (cli_parse_uint(optarg, 86400, &w.resync_s))
				return cli_usage_error("watch",
						       "bad resync interval '%s'",
						       optarg);
			break;
		case OPT_MAX_DELAY:
			if (cli_parse_uint(optarg, 100000, &w.max_delay_us))
				return cli_usage_error("watch",
						       "bad delay '%s' (0 to "
						       "100000 us)",
						       optarg);
			break;
		case OPT_EXIT_DELAY:
			if (cli_parse_uint(optarg, 60000, &w.exit_delay_ms))
				return cli_usage_error("watch",
						       "bad exit delay '%s' (0 "
						       "to 60000 ms)",
						       optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_bad_option("watch", opt, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error("watch", "unexpected argument '%s'",
				       argv[optind]);
	if (strcmp(w.c.opts.proc_root, "/proc"))
		return cli_usage_error("watch", "--proc-root: the agent "
						"watches this kernel only");

	/* no SA_RESTART: the ring buffer's epoll_wait returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	ro.ctx = &w;
	/* one write(2) per read of the ring (rc_flush()) */
	setvbuf(stdout, NULL, _IOFBF, 64 << 10);
	if (load_feed(&w))
		goto out;
	err = rc_new(&w.rc, &ro);
	if (err) {
		fprintf(stderr, "nsmon watch: %s\n", strerror(-err));
		goto out;
	}
	if (w.c.opts.containers) {
		w.ee = ee_new(on_container, &w, stderr);
		if (!w.ee) {
			fprintf(stderr, "nsmon watch: %s\n", strerror(ENOMEM));
			goto out;
		}
	}
	rc = run(&w);
out:
	ring_buffer__free(w.rb);
	events_bpf__destroy(w.skel);
	ee_free(w.ee);
	rc_free(w.rc);
	return rc;
}
