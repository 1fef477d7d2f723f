// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sweep_bpf.c - passes 1-4 (processes, loose threads, nsfs fds, sockets),
 * the command lines of the processes and the NS_GET_* answers for every
 * namespace they reach, from one read of the iter/task and iter/task_file
 * programs in bpf/sweep.bpf.c instead of some ten /proc reads per
 * process.
 *
 * The skeleton is loaded for one sweep and destroyed after it, unless
 * the process sweeps again and again (nsm_bpf_keep(): the agent).  All
 * records are read into one buffer before the model is touched, so a
 * failure to load, attach or read leaves the model as it was and the
 * caller can fall back to the /proc sweep.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "idmap.h"
#include "nsm.h"
#include "nsm_abi.h"
#include "sweep.skel.h"
#include "pass.h"

/* records are read in place from an aligned buffer */
_Static_assert(sizeof(struct nsm_bpf_proc) % 8 == 0 &&
		       sizeof(struct nsm_bpf_thread) % 8 == 0 &&
		       sizeof(struct nsm_bpf_fd) % 8 == 0 &&
		       sizeof(struct nsm_bpf_nsinfo) % 8 == 0 &&
		       sizeof(struct nsm_bpf_cmdline) % 8 == 0,
	       "sweep records must keep 8-byte alignment");

#define READ_CHUNK (256 << 10)
/* /proc/PID/stat field 22 counts USER_HZ ticks: nsec_to_clock_t() */
#define NSEC_PER_TICK 10000000ULL
/* nsm_parse_stat() keeps 15 characters of comm; so do we */
#define COMM_MAX 15

struct recbuf {
	char *v;
	size_t n, cap;
};

static double ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1e3 + (t.tv_nsec - t0->tv_nsec) / 1e6;
}

/*
 * Reads an iterator to its end.  One read() returns at most the seq_file
 * buffer (8 pages), and never stops inside an object's output, but the
 * buffer is parsed only once it holds everything, so nothing here depends
 * on where the reads stop.
 */
static int read_iter(int link_fd, struct recbuf *b)
{
	int fd, err = 0;
	ssize_t n;

	fd = bpf_iter_create(link_fd);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (b->cap - b->n < READ_CHUNK) {
			size_t ncap = b->cap ? b->cap * 2 : 4 * READ_CHUNK;
			char *nv;

			while (ncap - b->n < READ_CHUNK)
				ncap *= 2;
			nv = realloc(b->v, ncap);
			if (!nv) {
				err = -ENOMEM;
				break;
			}
			b->v = nv;
			b->cap = ncap;
		}
		n = read(fd, b->v + b->n, READ_CHUNK);
		if (n < 0) {
			/* EAGAIN: a million objects without output; go on */
			if (errno == EINTR || errno == EAGAIN)
				continue;
			err = -errno;
			break;
		}
		if (!n)
			break;
		b->n += n;
	}
	close(fd);
	return err;
}

/*
 * The size of the record at r, of which avail bytes are in the buffer; 0
 * if it is not a whole record.
 */
static size_t rec_size(const char *r, size_t avail)
{
	const struct nsm_bpf_cmdline *c = (const void *)r;
	size_t sz = 0;
	__u32 kind;

	if (avail < sizeof(kind))
		return 0;
	memcpy(&kind, r, sizeof(kind));
	switch (kind) {
	case NSM_REC_PROC:
		sz = sizeof(struct nsm_bpf_proc);
		break;
	case NSM_REC_THREAD:
		sz = sizeof(struct nsm_bpf_thread);
		break;
	case NSM_REC_FD:
	case NSM_REC_SOCKET:
		sz = sizeof(struct nsm_bpf_fd);
		break;
	case NSM_REC_NSINFO:
		sz = sizeof(struct nsm_bpf_nsinfo);
		break;
	case NSM_REC_CMDLINE:
		if (avail < sizeof(*c) || c->len > NSM_BPF_CMDLINE_MAX)
			return 0;
		sz = sizeof(*c) + ((c->len + 7) & ~7U);
		break;
	}
	return sz <= avail ? sz : 0;
}

/* Checks the framing once, so that the passes below can trust it. */
static int check_stream(const struct recbuf *b)
{
	size_t off = 0, sz;

	while (off < b->n) {
		sz = rec_size(b->v + off, b->n - off);
		if (!sz)
			return -EPROTO;
		off += sz;
	}
	return 0;
}

/*
 * The next record of the given kind (0: any) at or after *off, in stream
 * order; NULL at the end.  The stream passed check_stream().
 */
static const void *next_rec(const struct recbuf *b, size_t *off, __u32 kind)
{
	while (*off < b->n) {
		const void *r = b->v + *off;
		__u32 k = *(const __u32 *)r;

		*off += rec_size(r, b->n - *off);
		if (!kind || k == kind)
			return r;
	}
	return NULL;
}

/*
 * The name /proc/PID/stat shows (proc_task_name()): task->comm, except the
 * full name of a kernel thread and, for a workqueue worker, its id and
 * the work it last ran, '+' while it runs (wq_worker_comm()).
 */
static void proc_comm(char *dst, const struct nsm_bpf_proc *r)
{
	char name[3 * NSM_BPF_NAME];
	const char *base = r->comm;

	if ((r->flags & NSM_BPF_KTHREAD) && r->full[0])
		base = r->full;
	if ((r->flags & NSM_BPF_WQ_WORKER) && r->desc[0])
		snprintf(name, sizeof(name), "%.*s%c%.*s", NSM_BPF_NAME, base,
			 r->flags & NSM_BPF_WQ_BUSY ? '+' : '-', NSM_BPF_NAME,
			 r->desc);
	else
		snprintf(name, sizeof(name), "%.*s", NSM_BPF_NAME, base);
	name[COMM_MAX] = '\0';
	memcpy(dst, name, strlen(name) + 1);
}

static int add_proc(struct nsm_model *m, const struct nsm_bpf_proc *r)
{
	struct nsm_proc *p;
	size_t i, n;
	int err;

	if (!r->pid)
		return 0;	/* not visible from our PID namespace */
	err = nsm_proc_add(m, r->pid, &p);
	if (err)
		return err;
	p->ppid = r->ppid;
	p->uid = r->uid;
	p->starttime = r->start_ns / NSEC_PER_TICK;
	p->nthreads = r->nthreads;
	proc_comm(p->comm, r);
	for (i = 0; i < NSM_NSLOTS; i++)
		p->ns[i] = r->ns[i];
	n = r->nnspid < NSM_BPF_MAXLEVELS ? r->nnspid : NSM_BPF_MAXLEVELS;
	free(p->nspid);
	p->nspid = NULL;
	p->nnspid = 0;
	if (n) {
		p->nspid = malloc(n * sizeof(*p->nspid));
		if (!p->nspid)
			return -ENOMEM;
		for (i = 0; i < n; i++)
			p->nspid[i] = r->nspid[i];
		p->nnspid = n;
	}
	return nsm_proc_attach(m, p);
}

/*
 * A command line as nsm_read_details() keeps it (discovery/procs.c):
 * without the trailing NULs, NULL when empty.  One the iterator left
 * unread stays for nsm_read_details() to read from /proc.
 */
static int add_cmdline(struct nsm_model *m, const struct nsm_bpf_cmdline *r)
{
	struct nsm_proc *p = r->pid ? nsm_proc_get(m, r->pid) : NULL;
	const char *v = (const char *)(r + 1);
	size_t len = r->len;

	if (!p || (r->flags & NSM_BPF_CMD_UNREAD) ||
	    (p->details & NSM_DETAIL_CMDLINE))
		return 0;
	while (len && v[len - 1] == '\0')
		len--;
	if (len) {
		p->cmdline = malloc(len + 1);
		if (!p->cmdline)
			return -ENOMEM;
		memcpy(p->cmdline, v, len);
		p->cmdline[len] = '\0';
		p->cmdline_len = len;
	}
	p->details |= NSM_DETAIL_CMDLINE;
	return 0;
}

/* What nsm_scan_tasks() makes of a thread: see discovery/tasks.c. */
static int add_thread(struct nsm_model *m, const struct nsm_bpf_thread *r)
{
	struct nsm_proc *p = nsm_proc_get(m, r->tgid);
	struct nsm_ns *ns;
	int slot, err;

	if (!p || !r->tid || p->nthreads == 1)
		return 0;
	/* a leader that showed no namespace at all tells nothing to compare */
	for (slot = 0; slot < NSM_NSLOTS && !p->ns[slot]; slot++)
		;
	if (slot == NSM_NSLOTS)
		return 0;
	for (slot = 0; slot < NSM_NSLOTS; slot++) {
		if (!r->ns[slot] || r->ns[slot] == p->ns[slot])
			continue;
		err = nsm_ns_add(m, r->ns[slot], nsm_slot_type(slot), &ns);
		if (err == -EEXIST)
			continue;
		if (err)
			return err;
		if (slot >= NSM_NTYPES) {
			if (r->ns[slot] != r->ns[nsm_slot_type(slot)])
				err = nsm_ns_add_tref(ns, NSM_VIA_CHILDREN,
						      p->pid, r->tid, 0);
		} else {
			err = nsm_pids_add(&ns->tasks, r->tid);
			if (!err)
				err = nsm_ns_add_tref(ns, NSM_VIA_TASK, p->pid,
						      r->tid, 0);
		}
		if (err)
			return err;
	}
	return 0;
}

static int add_fd(struct nsm_model *m, const struct nsm_bpf_fd *r)
{
	enum nsm_type t = NSM_NET;
	enum nsm_via via = NSM_VIA_SOCKET;
	struct nsm_ns *ns;
	int err;

	if (!r->pid || !r->id || !nsm_proc_get(m, r->pid))
		return 0;
	if (r->kind == NSM_REC_FD) {
		if (r->type >= NSM_NTYPES)
			return 0;
		t = r->type;
		via = NSM_VIA_FD;
	}
	err = nsm_ns_add(m, r->id, t, &ns);
	if (err)
		return err == -EEXIST ? 0 : err;
	/* a thread's own fd table, as discovery/fds.c reports it */
	if (r->tid && r->tid != r->pid)
		return nsm_ns_add_tref(ns, via, r->pid, r->tid, r->fd);
	return nsm_ns_add_ref(ns, via, r->pid, r->fd, NULL, 0);
}

/*
 * Links a namespace to its parent or owner as nsm_resolve_fd() would, the
 * linked one getting an entry of its own (resolved when the caller's walk
 * reaches it).
 */
static int link_ns(struct nsm_model *m, uint64_t id, enum nsm_type type,
		   uint64_t *field)
{
	int err;

	if (!id)
		return 0;
	*field = id;
	err = nsm_ns_add(m, id, type, NULL);
	return err == -EEXIST ? 0 : err;
}

/*
 * The NS_GET_* answers, applied as nsm_scan_hierarchy() applies the
 * ioctls' (discovery/hierarchy.c), for every namespace in the model and,
 * transitively, the parents and owners that it adds.  A namespace only an
 * fd or a socket holds has no answer here (bpf/sweep.bpf.c, sweep_file)
 * and stays unresolved for nsm_scan_hierarchy().
 */
static int apply_nsinfo(struct nsm_model *m, const struct recbuf *b)
{
	const struct nsm_bpf_nsinfo *r;
	struct nsm_idmap *info;
	size_t off, i;
	int err = 0;

	info = nsm_idmap_new();
	if (!info)
		return -ENOMEM;
	for (off = 0; (r = next_rec(b, &off, NSM_REC_NSINFO));) {
		if (r->id && (err = nsm_idmap_put(info, r->id, (void *)r)))
			goto out;
	}
	/* m->nns grows while parents and owners are added */
	for (i = 0; i < m->nns; i++) {
		struct nsm_ns *ns = m->ns[i];

		r = nsm_idmap_get(info, ns->id);
		if (!r || r->type != (__u32)ns->type || ns->resolved)
			continue;
		ns->resolved = true;
		ns->ns_id = r->ns_id;
		if (r->flags & NSM_BPF_HAS_OWNER_UID) {
			ns->owner_uid = r->owner_uid;
			ns->has_owner_uid = true;
		}
		if ((ns->type == NSM_USER &&
		     (m->opts.hierarchy || m->opts.owners)) ||
		    (ns->type == NSM_PID && m->opts.hierarchy))
			err = link_ns(m, r->parent, ns->type, &ns->parent);
		if (!err && ns->type != NSM_USER && m->opts.owners)
			err = link_ns(m, r->owner, NSM_USER, &ns->owner);
		if (err)
			goto out;
	}
out:
	nsm_idmap_free(info);
	return err;
}

static int apply(struct nsm_model *m, const struct recbuf *b)
{
	const void *r;
	size_t off;
	int err;

	for (off = 0; (r = next_rec(b, &off, NSM_REC_PROC));) {
		if ((err = add_proc(m, r)))
			return err;
	}
	for (off = 0; (r = next_rec(b, &off, NSM_REC_CMDLINE));) {
		if ((err = add_cmdline(m, r)))
			return err;
	}
	if (m->opts.tasks) {
		for (off = 0; (r = next_rec(b, &off, NSM_REC_THREAD));) {
			if ((err = add_thread(m, r)))
				return err;
		}
	}
	for (off = 0; (r = next_rec(b, &off, 0));) {
		__u32 kind = *(const __u32 *)r;

		if ((kind == NSM_REC_FD && m->opts.fds) ||
		    (kind == NSM_REC_SOCKET && m->opts.sockets)) {
			if ((err = add_fd(m, r)))
				return err;
		}
	}
	err = apply_nsinfo(m, b);
	if (!err && m->opts.details)
		err = nsm_read_details(m, 0, NSM_DETAIL_ALL);
	return err;
}

/*
 * Whether bpf() will let us load tracing programs (nsm_privs[]: CAP_BPF
 * and CAP_PERFMON, 5.8+, or CAP_SYS_ADMIN, which implies both).  Checked
 * first because the refusal otherwise comes only after the expensive part
 * of the load.
 */
static bool may_trace(void)
{
	return !nsm_privs_missing(NSM_NEED_BPF, nsm_effective_caps());
}

/*
 * Why a step failed when the cause is ours, not the kernel's judgement of
 * the programs: the loader and the attach make a dozen fds and maps in
 * our name, so a low fd limit or little memory fails them too.
 */
static const char *resource_why(int err)
{
	switch (err) {
	case -EMFILE:
		return "BPF iterators unavailable: out of file descriptors "
		       "(Too many open files: see ulimit -n)";
	case -ENFILE:
		return "BPF iterators unavailable: the system is out of file "
		       "descriptors (Too many open files in system)";
	case -ENOMEM:
		return "BPF iterators unavailable: out of memory (Cannot "
		       "allocate memory)";
	}
	return NULL;
}

/*
 * Opens and loads the skeleton with the model's options as load-time
 * knobs; with a log buffer, the kernel's verifier log goes there.
 *
 * A light skeleton (bpftool gen skeleton -L; skel_internal.h): a loader
 * program makes the maps and programs and hands the CO-RE relocations to
 * the kernel, which has its own BTF parsed already.  A regular skeleton
 * relocates in libbpf, which parses the kernel's whole BTF (5+ MB) on
 * every run: some 15 ms more per `nsmon ls`.  The price: no autoload
 * switch, every program is verified on every load.
 */
static struct sweep_bpf *open_load(const struct nsm_model *m, char *log,
				   size_t log_size, int *err)
{
	struct sweep_bpf *skel = sweep_bpf__open();
	sigset_t all, old;

	if (!skel) {
		*err = errno ? -errno : -ENOMEM;
		return NULL;
	}
	skel->rodata->want_tasks = m->opts.tasks;
	skel->rodata->want_fds = m->opts.fds;
	skel->rodata->want_sockets = m->opts.sockets;
	skel->rodata->want_closure = m->opts.hierarchy || m->opts.owners;
	if (log) {
		skel->ctx.log_level = 1;
		skel->ctx.log_size = log_size;
		skel->ctx.log_buf = (__u64)(unsigned long)log;
	}
	/*
	 * The verifier gives up with EAGAIN while a signal is pending
	 * (do_check(), kernel/bpf/verifier.c).  libbpf loads such a program
	 * again, up to 5 times; a light skeleton's loader does not, and a
	 * signal that `watch` handles (SIGHUP asks for a sweep) became "the
	 * kernel refused the sweep programs" and a /proc sweep; under a few
	 * signals in a row, so would retries.  A blocked signal does not
	 * count as pending (recalc_sigpending() looks only at the unblocked
	 * ones): blocked for the load, it is delivered when the load is done,
	 * some 10 ms later.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	*err = sweep_bpf__load(skel);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (*err) {
		*err = *err < 0 ? *err : -errno;
		sweep_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

/*
 * After a refused load, with -v: loads again with the verifier's log and
 * prints it.  Only then, as a log costs more than the load itself.  The
 * loader passes the log to every load it makes, the BTF's included, which
 * fails with ENOSPC if the log does not hold it all.
 */
static void print_load_log(const struct nsm_model *m)
{
	size_t log_size = 4 << 20;
	char *log = calloc(1, log_size);
	struct sweep_bpf *skel;
	int err;

	if (!log)
		return;
	skel = open_load(m, log, log_size, &err);
	if (log[0])
		fprintf(stderr, "%s\n", log);
	sweep_bpf__destroy(skel);
	free(log);
}

/*
 * Runs sweep_layout, which finds this kernel's structure layout for the
 * iterator programs (bpf/sweep.bpf.c says why they do not relocate).
 */
static int run_layout(struct sweep_bpf *skel)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);

	if (bpf_prog_test_run_opts(skel->progs.sweep_layout.prog_fd, &opts))
		return -errno;
	return skel->bss->layout_ok ? 0 : -EOPNOTSUPP;
}

/* Attaches an iterator program; returns its link fd or -errno. */
static int attach_iter(struct sweep_bpf *skel, bool file)
{
	int fd = file ? sweep_bpf__sweep_file__attach(skel) :
			sweep_bpf__sweep_task__attach(skel);

	return fd < 0 ? -errno : fd;
}

/*
 * The programs a process keeps loaded between sweeps (nsm_bpf_keep()):
 * a load is 25-50 ms of the kernel's verifier, a read 1-2 ms.  Their
 * .rodata says what they read: another range loads anew.  The iterators'
 * dedupe counts generations, so a kept one needs no clearing.
 */
static struct {
	pthread_mutex_t lock;
	bool keep;
	struct sweep_bpf *skel;
	int task_fd, file_fd;
	unsigned want;
	__u32 gen;
} kept = { .lock = PTHREAD_MUTEX_INITIALIZER, .task_fd = -1, .file_fd = -1 };

static void kept_drop(void)
{
	/* the links' fds are the skeleton's */
	sweep_bpf__destroy(kept.skel);
	kept.skel = NULL;
	kept.task_fd = kept.file_fd = -1;
}

void nsm_bpf_keep(bool keep)
{
	pthread_mutex_lock(&kept.lock);
	kept.keep = keep;
	if (!keep)
		kept_drop();
	pthread_mutex_unlock(&kept.lock);
}

static unsigned want_of(const struct nsm_model *m)
{
	return m->opts.tasks | m->opts.fds << 1 | m->opts.sockets << 2 |
	       (m->opts.hierarchy || m->opts.owners) << 3;
}

static int bpf_sweep(struct nsm_model *m, int verbose, const char **why);

int nsm_bpf_sweep(struct nsm_model *m, int verbose, const char **why)
{
	int err;

	pthread_mutex_lock(&kept.lock);
	err = bpf_sweep(m, verbose, why);
	pthread_mutex_unlock(&kept.lock);
	return err;
}

static int bpf_sweep(struct nsm_model *m, int verbose, const char **why)
{
	struct sweep_bpf *skel = NULL;
	struct recbuf b = { 0 };
	struct timespec t0;
	double t_load = 0, t_read = 0;
	bool files = m->opts.fds || m->opts.sockets;
	int err, task_fd = -1, file_fd = -1;

	*why = NULL;
	clock_gettime(CLOCK_MONOTONIC, &t0);

	if (kept.skel && kept.want == want_of(m)) {
		skel = kept.skel;
		task_fd = kept.task_fd;
		file_fd = kept.file_fd;
		goto read;
	}
	kept_drop();
	if (!may_trace()) {
		err = -EPERM;
		*why = NSM_BPF_CAPS_WHY;
		goto out;
	}
	/* CO-RE needs the kernel's BTF; say so rather than "load failed" */
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		err = -EOPNOTSUPP;
		*why = "BPF iterators unavailable: the kernel has no BTF "
		       "(/sys/kernel/btf/vmlinux)";
		goto out;
	}
	skel = open_load(m, NULL, 0, &err);
	if (!skel) {
		if (verbose)
			print_load_log(m);
		*why = err == -EPERM ?
			       "the kernel refused the BPF programs (EPERM)" :
			       resource_why(err) ?:
			       "BPF iterators unavailable: the kernel refused "
			       "the sweep programs (-v shows why)";
		goto out;
	}
	err = run_layout(skel);
	if (err) {
		*why = resource_why(err) ?:
		       "BPF iterators unavailable: this kernel's structures "
		       "do not fit the sweep programs";
		goto out;
	}
	err = task_fd = attach_iter(skel, false);
	if (err >= 0 && files)
		err = file_fd = attach_iter(skel, true);
	if (err < 0) {
		*why = err == -EPERM ?
			       "the kernel refused the BPF programs (EPERM)" :
			       resource_why(err) ?:
			       "BPF iterators unavailable: cannot attach "
			       "iter/task or iter/task_file";
		goto out;
	}
	if (kept.keep) {
		kept.skel = skel;
		kept.task_fd = task_fd;
		kept.file_fd = file_fd;
		kept.want = want_of(m);
		kept.gen = 0;
	}
read:
	t_load = ms_since(&t0);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* 0 marks a slot free (sweep.bpf.c) */
	if (!++kept.gen)
		kept.gen = 1;
	skel->bss->gen = skel == kept.skel ? kept.gen : 1;
	skel->bss->truncated = 0;
	err = read_iter(task_fd, &b);
	if (!err && files)
		err = read_iter(file_fd, &b);
	if (err) {
		*why = resource_why(err) ?:
		       "BPF iterators unavailable: reading the iterator failed";
		goto out;
	}
	t_read = ms_since(&t0);
	if (skel->bss->truncated) {
		err = -E2BIG;
		*why = "BPF sweep: namespaces nested too deep to follow";
		goto out;
	}
	err = check_stream(&b);
	if (err) {
		*why = "BPF sweep: malformed record stream";
		goto out;
	}

	err = apply(m, &b);
	if (err) {
		*why = "BPF sweep: cannot build the model";
		goto out;
	}
	m->used_bpf = true;
	if (verbose)
		fprintf(stderr,
			"nsmon: BPF sweep: load+attach %.1f ms, read %.1f ms "
			"(%zu bytes), model %.1f ms\n",
			t_load, t_read, b.n, ms_since(&t0) - t_read);
out:
	/* a kept one that failed is loaded anew next time */
	if (skel == kept.skel && err)
		kept_drop();
	else if (skel != kept.skel)
		sweep_bpf__destroy(skel);
	free(b.v);
	return err;
}
