// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * feed.c - the kernel's event feed (bpf/events.bpf.c, a regular libbpf
 * skeleton: it attaches syscall tracepoints, which a light skeleton
 * cannot): load, attach, read the ring, decode each record into the
 * events of SPEC "Events", and the maps and .bss knobs user space shares
 * with the programs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "agent.h"
#include "agent_time.h"
#include "events.skel.h"
#include "feed.h"
#include "nsm_abi.h"
#include "reconcile.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

#define TRACEFS "/sys/kernel/tracing"

struct feed {
	struct feed_opts o;
	struct events_bpf *skel;
	struct ring_buffer *rb;
	int known_fd, holders_fd;
	/* nsm_mark's: ours, not the skeleton's, so that a detach keeps it */
	struct bpf_link *mark;
	int64_t boot_to_real;	/* ns: CLOCK_REALTIME - CLOCK_BOOTTIME */
	__u64 hint_seen[NSM_HINT_N];	/* the kernel's counters, last read */
	/*
	 * The ring's first two pages, read-only: the consumer position
	 * (page 0) and the producer's (page 1), as the kernel lays a
	 * BPF_MAP_TYPE_RINGBUF out for mmap.  MAP_FAILED: not mapped.
	 */
	void *ring_pos;
};

void feed_calibrate(struct feed *f)
{
	f->boot_to_real = agent_clock_ns(CLOCK_REALTIME) - agent_clock_ns(CLOCK_BOOTTIME);
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

static int fold_ns(struct feed *f, const struct nsm_ev *r,
		   const struct wev *task, __u32 kind)
{
	int err = 0;
	__u32 i;

	for (i = 0; i < r->nns && i < NSM_EV_MAXNS; i++) {
		const struct nsm_ev_ns *n = &r->ns[i];
		struct wev e = *task;

		if (n->kind != kind || n->type >= NSM_NTYPES)
			continue;
		e.kind = kind == NSM_EV_CREATE	 ? WEV_CREATE
			 : kind == NSM_EV_DESTROY ? WEV_DESTROY
						  : WEV_DYING;
		e.via = via_name(n->via);
		e.type = n->type;
		e.id = n->id;
		e.ns_id = n->ns_id;
		e.owner = n->owner;
		e.parent = n->parent;
		err |= f->o.cbs.event(f->o.cbs.ctx, &e);
	}
	return err;
}

/* A hint (struct nsm_hint): the agent takes the counters. */
static void on_hint(struct feed *f, const void *data, size_t len)
{
	const struct nsm_hint *h = data;

	if (len >= sizeof(*h) && h->bits & (1u << NSM_HK_CLOSE) && h->id)
		f->o.cbs.closed(f->o.cbs.ctx, h->id);
}

/* One kernel event: its creates, then the switch, then its destroys. */
static int on_record(void *ctx, void *data, size_t len)
{
	struct feed *f = ctx;
	const struct nsm_ev *r = data;
	struct wev e = { .kind = WEV_SWITCH };
	int64_t t;
	int i, err;

	f->o.cbs.record(f->o.cbs.ctx, len);
	if (len < sizeof(*r)) {
		on_hint(f, data, len);
		return 0;
	}
	t = (int64_t)r->ts + f->boot_to_real;
	e.time.tv_sec = t / 1000000000;
	e.time.tv_nsec = t % 1000000000;
	e.pid = r->pid;
	e.tid = r->tid;
	memcpy(e.comm, r->comm, sizeof(r->comm));
	e.comm[sizeof(r->comm)] = 0;
	err = fold_ns(f, r, &e, NSM_EV_CREATE);
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
		err |= f->o.cbs.event(f->o.cbs.ctx, &sw);
	}
	e.nchanges = 0;
	err |= fold_ns(f, r, &e, NSM_EV_DESTROY);
	err |= fold_ns(f, r, &e, NSM_EV_DYING);
	/* a gone reader ends the ring buffer's loop, and ours */
	return err ? -EPIPE : 0;
}

void feed_known(struct feed *f, uint64_t id, uint64_t ns_id, bool alive)
{
	__u64 key = id, val = ns_id;
	__u64 cur;

	if (alive) {
		/* a value the feed set meanwhile is at least as fresh */
		bpf_map_update_elem(f->known_fd, &key, &val, BPF_NOEXIST);
		return;
	}
	/* the inode number may be a new namespace's by now: leave that */
	if (!bpf_map_lookup_elem(f->known_fd, &key, &cur) && cur && val &&
	    cur != val)
		return;
	bpf_map_delete_elem(f->known_fd, &key);
}

uint64_t feed_nlost(const struct feed *f)
{
	return __atomic_load_n(&f->skel->bss->nlost, __ATOMIC_ACQUIRE);
}

uint64_t feed_lost_total(const struct feed *f, uint64_t dflt)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	__u32 key = 0;
	uint64_t sum = 0;
	__u64 *v;

	if (ncpu <= 0)
		return dflt;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return dflt;
	if (!bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.lost), &key, v))
		for (i = 0; i < ncpu; i++)
			sum += v[i];
	free(v);
	return sum;
}

uint64_t feed_nshed(const struct feed *f)
{
	return __atomic_load_n(&f->skel->bss->nshed, __ATOMIC_ACQUIRE);
}

/*
 * Sequentially consistent: a program that loaded the knob before it
 * went off counts its record (nshed) and one after writes it, so a
 * read of the ring and then of nshed misses neither.
 */
void feed_set_shedding(struct feed *f, bool on)
{
	__atomic_store_n(&f->skel->bss->shedding, on, __ATOMIC_SEQ_CST);
}

/*
 * Marks every task that is not in the initial namespaces (events.bpf.c,
 * nsm_mark): one read of the iterator.  0 or -errno.
 */
int feed_mark_tasks(struct feed *f)
{
	char buf[64];
	ssize_t n;
	int fd, err = 0;

	fd = bpf_iter_create(bpf_link__fd(f->mark));
	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	if (n < 0)
		err = -errno;
	close(fd);
	return err;
}

/* A process as a holder, through a pidfd: the kernel's key of a task. */
static void mark_holder(struct feed *f, pid_t pid)
{
	__u8 one = 1;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	/* gone: nothing of it to mark */
	if (pidfd < 0)
		return;
	bpf_map_update_elem(f->holders_fd, &pidfd, &one, BPF_ANY);
	close(pidfd);
}

/*
 * The processes whose exit may free a namespace by closing its fd or
 * socket (exit_files() comes after the exit tracepoint): their exit is
 * a hint.  From the sweeps; nsm_setns_exit marks those that came back
 * by setns.  exact (a resync):
 * every task's namespaces are marked again too.
 */
void feed_set_holders(struct feed *f, const struct nsm_model *m, bool exact)
{
	int err;
	size_t i, j;

	if (exact && (err = feed_mark_tasks(f)))
		fprintf(stderr, "%s: cannot mark the tasks in namespaces: %s\n",
			f->o.name, strerror(-err));
	for (i = 0; i < m->nns; i++) {
		const struct nsm_ns *ns = m->ns[i];

		for (j = 0; j < ns->nrefs; j++)
			if (ns->refs[j].via == NSM_VIA_FD ||
			    ns->refs[j].via == NSM_VIA_SOCKET)
				mark_holder(f, ns->refs[j].pid);
	}
}

/*
 * Before each read: a record that must wake us forces the wakeup while
 * lazy records wait in the ring (events.bpf.c).  Cleared before the
 * read, sequentially consistent: one committed after the read counts.
 */
void feed_clear_lazy(struct feed *f)
{
	if (__atomic_load_n(&f->skel->bss->lazy_unread, __ATOMIC_RELAXED))
		__atomic_store_n(&f->skel->bss->lazy_unread, 0,
				 __ATOMIC_SEQ_CST);
}

void feed_set_batching(struct feed *f, bool on)
{
	__atomic_store_n(&f->skel->bss->batching, on, __ATOMIC_SEQ_CST);
}

void feed_set_lazy_wakes(struct feed *f, bool on)
{
	/* sequentially consistent: the read that follows must see what a
	 * program committed before it could see lazy_wakes set */
	__atomic_store_n(&f->skel->bss->lazy_wakes, on, __ATOMIC_SEQ_CST);
}

/*
 * While checks are pending the counters stay non-zero, so that the
 * kernel does not wake us for every umount or exit of a burst: a counter
 * that moved is a new hint (seen at the latest at the next poll); once
 * the checks are done, the counters are reset and the next hint wakes
 * us again.
 */
unsigned feed_take_hints(struct feed *f, bool idle, bool hold)
{
	static const unsigned bit[NSM_HINT_N] = {
		[NSM_HK_UMOUNT] = RC_HINT_UMOUNT,
		[NSM_HK_CLOSE] = RC_HINT_CLOSE,
		[NSM_HK_EXIT] = RC_HINT_EXIT,
		[NSM_HK_EXIT_NS] = RC_HINT_EXIT_NS,
	};
	__u64 *c = (__u64 *)f->skel->bss->hints;
	unsigned got = 0;
	__u64 v;
	int k;

	for (k = 0; k < NSM_HINT_N; k++) {
		v = idle ? __atomic_exchange_n(&c[k], 0, __ATOMIC_ACQ_REL)
			 : __atomic_load_n(&c[k], __ATOMIC_ACQUIRE);
		if (v != f->hint_seen[k])
			got |= bit[k];
		f->hint_seen[k] = v;
	}
	if (idle)
		memset(f->hint_seen, 0, sizeof(f->hint_seen));
	if (!got || !hold || !idle)
		return got;
	/* non-zero while checks are pending: no wakeup per hint */
	for (k = 0; k < NSM_HINT_N; k++) {
		v = 0;
		__atomic_compare_exchange_n(&c[k], &v, 1, false,
					    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
		f->hint_seen[k] = v ? v : 1;
	}
	return got;
}

int feed_consume(struct feed *f)
{
	return ring_buffer__consume(f->rb);
}

int feed_fd(const struct feed *f)
{
	return ring_buffer__epoll_fd(f->rb);
}

/* Classic tracepoints need tracefs for their ids; mount it if missing. */
static void ensure_tracefs(const char *name)
{
	struct stat st;

	if (!stat(TRACEFS "/events", &st))
		return;
	if (mount("tracefs", TRACEFS, "tracefs", 0, NULL) && errno != EBUSY)
		fprintf(stderr, "%s: cannot mount tracefs on %s: %s\n", name,
			TRACEFS, strerror(errno));
}

/*
 * The skeleton attaches every program by its section name; one it could
 * not attach (or would skip, a section it cannot auto-attach) is the
 * first without a link: named, as a failure.
 */
static int attach(struct feed *f)
{
	const struct bpf_object_skeleton *s = f->skel->skeleton;
	int err, i;

	ensure_tracefs(f->o.name);
	bpf_program__set_autoattach(f->skel->progs.nsm_mark, false);
	err = events_bpf__attach(f->skel);
	if (!err) {
		f->mark = bpf_program__attach_iter(f->skel->progs.nsm_mark, NULL);
		if (!f->mark) {
			err = -errno;
			fprintf(stderr, "%s: cannot attach the task iterator "
					"nsm_mark: %s\n", f->o.name, strerror(-err));
			return err;
		}
	}
	for (i = 0; i < s->prog_cnt; i++) {
		const struct bpf_program *p = *s->progs[i].prog;

		if (*s->progs[i].link || p == f->skel->progs.nsm_mark)
			continue;
		err = err ? err : -EOPNOTSUPP;
		fprintf(stderr, "%s: cannot attach %s (%s): %s\n", f->o.name,
			bpf_program__section_name(p), bpf_program__name(p),
			strerror(-err));
		return err;
	}
	return err;
}

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"

/*
 * libbpf (1.1) says -ESRCH, "failed to find valid kernel BTF", for a
 * vmlinux BTF it could not read, whatever stopped it: parsing it again
 * tells why (ENOMEM under an address-space limit: it is 5+ MB).  0 if
 * it parses: then the cause was elsewhere.
 */
static int btf_error(void)
{
	struct btf *btf = btf__parse(VMLINUX_BTF, NULL);

	if (!btf)
		return errno ? -errno : -ENOMEM;
	btf__free(btf);
	return 0;
}

/*
 * The feed cannot load without the capabilities of BPF (nsm_privs[]):
 * one line per missing one, before the load's expensive part fails.
 */
static int say_missing_caps(const char *name)
{
	uint64_t missing = nsm_privs_missing(NSM_NEED_BPF,
					     nsm_effective_caps());
	size_t i;

	for (i = 0; i < nsm_nprivs; i++)
		if (missing >> nsm_privs[i].cap & 1)
			fprintf(stderr, "%s: without %s: %s\n", name,
				nsm_privs[i].name, nsm_privs[i].lost);
	return missing ? -EPERM : 0;
}

/* Says what is missing when the feed cannot load. */
static int load(struct feed *f)
{
	int err, berr;

	err = say_missing_caps(f->o.name);
	if (err)
		return err;
	if (access(VMLINUX_BTF, R_OK)) {
		fprintf(stderr, "%s: kernel BTF (/sys/kernel/btf/vmlinux) "
				"is missing: the event feed needs a kernel built "
				"with CONFIG_DEBUG_INFO_BTF\n", f->o.name);
		return -ENOENT;
	}
	f->skel = events_bpf__open();
	if (!f->skel) {
		err = -errno;
		fprintf(stderr, "%s: cannot open the BPF event feed: %s\n",
			f->o.name, strerror(-err));
		return err;
	}
	f->skel->rodata->self_tgid = getpid();
	bpf_map__set_max_entries(f->skel->maps.events, f->o.ring_size);
	err = events_bpf__load(f->skel);
	if (err == -ESRCH && (berr = btf_error()))
		fprintf(stderr, "%s: cannot read the kernel BTF (%s) to load "
				"the BPF event feed: %s\n", f->o.name,
			VMLINUX_BTF, strerror(-(err = berr)));
	else if (err == -EPERM || err == -EACCES)
		fprintf(stderr, "%s: the kernel refused the BPF programs "
				"(%s) though we hold their capabilities (a "
				"security module?)\n", f->o.name,
			strerror(-err));
	else if (err)
		fprintf(stderr, "%s: cannot load the BPF event feed (tp_btf, "
				"tracepoint programs, ring buffer): %s%s\n",
			f->o.name, strerror(-err),
			f->o.verbose ? "" : " (-v shows the verifier log)");
	return err;
}

/*
 * A mapping of its own, read-only (the kernel refuses a writable one
 * beyond the consumer page), so that any thread may read the positions
 * while libbpf's reader advances them.  Without it the ring reads 0.
 */
static void map_ring_pos(struct feed *f)
{
	f->ring_pos = mmap(NULL, 2 * getpagesize(), PROT_READ, MAP_SHARED,
			   bpf_map__fd(f->skel->maps.events), 0);
}

void feed_hint_totals(const struct feed *f, uint64_t *out)
{
	const __u64 *c = (const __u64 *)f->skel->bss->hints_total;
	int k;

	for (k = 0; k < NSM_HINT_N; k++)
		out[k] = __atomic_load_n(&c[k], __ATOMIC_RELAXED);
}

uint64_t feed_ring_used(const struct feed *f)
{
	const char *p = f->ring_pos;
	uint64_t cons, prod;

	if (p == MAP_FAILED)
		return 0;
	cons = __atomic_load_n((const uint64_t *)p, __ATOMIC_ACQUIRE);
	prod = __atomic_load_n((const uint64_t *)(p + getpagesize()),
			       __ATOMIC_ACQUIRE);
	/* read one after the other: the consumer may have passed */
	return prod > cons ? prod - cons : 0;
}

int feed_prog_stats(const struct feed *f, struct agent_prog_stats *out,
		    int max)
{
	const struct bpf_object_skeleton *s = f->skel->skeleton;
	struct bpf_prog_info info;
	__u32 len;
	int i, n = 0;

	for (i = 0; i < s->prog_cnt && n < max; i++) {
		const struct bpf_program *p = *s->progs[i].prog;

		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len))
			return -errno;
		out[n].name = bpf_program__name(p);
		out[n].run_time_ns = info.run_time_ns;
		out[n].run_cnt = info.run_cnt;
		n++;
	}
	return n;
}

int feed_open(struct feed **out, const struct feed_opts *o)
{
	struct feed *f = calloc(1, sizeof(*f));
	int err;

	if (!f)
		return -ENOMEM;
	f->o = *o;
	f->ring_pos = MAP_FAILED;
	libbpf_set_print(o->verbose ? libbpf_print : libbpf_quiet);
	err = load(f);
	if (!err)
		err = attach(f);
	/* before the start sweep: a task ending after it is followed */
	if (!err && (err = feed_mark_tasks(f)))
		fprintf(stderr, "%s: cannot mark the tasks in namespaces: %s\n",
			o->name, strerror(-err));
	if (err)
		goto fail;
	f->known_fd = bpf_map__fd(f->skel->maps.known);
	f->holders_fd = bpf_map__fd(f->skel->maps.tf_holder);
	f->rb = ring_buffer__new(bpf_map__fd(f->skel->maps.events), on_record,
				 f, NULL);
	if (!f->rb) {
		err = -errno;
		fprintf(stderr, "%s: ring buffer: %s\n", o->name,
			strerror(-err));
		goto fail;
	}
	map_ring_pos(f);
	feed_calibrate(f);
	*out = f;
	return 0;
fail:
	feed_close(f);
	return err;
}

void feed_detach(struct feed *f)
{
	events_bpf__detach(f->skel);
}

void feed_close(struct feed *f)
{
	if (!f)
		return;
	if (f->ring_pos != MAP_FAILED)
		munmap(f->ring_pos, 2 * getpagesize());
	ring_buffer__free(f->rb);
	bpf_link__destroy(f->mark);
	events_bpf__destroy(f->skel);
	free(f);
}
