// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * events.bpf.c - the kernel half of `nsmon watch`: namespace creates,
 * switches and destroys, as fixed-size records (nsm_abi.h) in a ring
 * buffer.  Tracepoints only (fentry and kprobes are not available on
 * every kernel we run on).
 *
 *   create   sched_process_fork: the child's namespaces differ from its
 *            parent's (clone with CLONE_NEW*, or the first fork after
 *            unshare(NSM_CLONE_NEWPID)); sys_exit_unshare: the caller's.
 *   switch   sys_enter_{unshare,setns} stash the caller's namespaces per
 *            thread, sys_exit_* on success compare.
 *   destroy  sched_process_exit of the last task of an nsproxy whose
 *            namespace has no other reference; a switch away from such
 *            a namespace.
 *   hints    sys_exit_umount, sys_enter_close of an nsfs fd, the exit
 *            of a process that may end its user or PID namespace or of
 *            a known fd holder: user space checks which namespaces are
 *            gone (nsm_abi.h, user/agent/).
 *
 * fork and exit run for every task on the host, so their first lines
 * compare a few pointers and counters loaded straight from the task
 * (tp_btf gives a typed task pointer) and return: nothing is reserved in
 * the ring buffer, no map is touched, unless a namespace changed.
 *
 * A map of known namespaces (seeded by user space from the initial sweep)
 * keeps a namespace from being created twice, e.g. a PID namespace that
 * every child of an unshare(NSM_CLONE_NEWPID) caller enters.
 *
 * How a task's namespaces are read: task_ns.bpf.h (on ns_common.bpf.h
 * and pid.bpf.h, the last shared with the sweep).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "nsm_abi.h"
#include "kernel.bpf.h"
#include "task_ns.bpf.h"

char LICENSE[] SEC("license") = "GPL";


/* Load-time knobs, set by user space between open and load. */
/* the agent itself: its sweeps setns() into mount namespaces */
const volatile __u32 self_tgid;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);	/* --ring-size */
} events SEC(".maps");

/* Failed ring-buffer reserves; user space sums the CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");
/* the same losses, one counter user space reads without a syscall */
__u64 nlost;

/*
 * Set by user space while it reads the ring on a timer (a burst of
 * records, user/agent/): records then do not wake it.  A wakeup is
 * an IPI, in a VM an exit to the host: it cost 8-29 us here, ten times
 * the rest of a program.  Idle, every record wakes the reader.
 */
__u32 batching;

/*
 * Set by user space from a loss until the sweep that repairs it starts
 * (user/agent/lost.c): whatever happens meanwhile that sweep finds, so
 * while the ring is more than half full a record is not even tried,
 * only counted (nshed; the lost event says how many), and a burst does
 * not keep an overflowed ring full.  With room, records go in as ever:
 * an exact event beats a sweep's correction.  One load, only where a
 * record is about to be written.
 */
__u32 shedding;
__u64 nshed;

static __always_inline bool shed(void)
{
	if (!*(volatile __u32 *)&shedding ||
	    bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) <=
		    bpf_ringbuf_query(&events, BPF_RB_RING_SIZE) / 2)
		return false;
	__sync_fetch_and_add(&nshed, 1);
	return true;
}

/*
 * Lazy records: what a task's exit reports (its destroys, the exit
 * hint).  Nobody waits on an exit: such a record wakes the reader only
 * while it sleeps without a deadline (lazy_wakes, set by user space);
 * otherwise it is read with the next record or by the reader's timer,
 * at most --exit-delay later.  An unshare and the exit of the same
 * short-lived task then cost one wakeup, not two.  lazy_unread counts
 * lazy records since the reader last cleared it: while it is not zero,
 * the ring is not empty, and a record that must wake the reader has to
 * force the wakeup (the default one is only for an empty ring).
 */
__u32 lazy_wakes;
__u64 lazy_unread;

/*
 * Namespaces known to exist: inode number -> ns_id.  Inode numbers are
 * reused after a namespace is freed; ns_id (6.18+) never is, so a known
 * inode number with another ns_id is a new namespace.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1 << 17);
	/* hosts rarely have more than 10^4 namespaces: grow on demand */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, __u64);
} known SEC(".maps");

/* A thread's namespaces between sys_enter and sys_exit of unshare/setns. */
struct stash {
	__u64 inum[NSM_NTYPES];
	__u64 ns_id[NSM_NTYPES];
	__u64 time_fc;
	__u32 sole;		/* bit per type: we hold its last reference */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);	/* tid */
	__type(value, struct stash);
} stashed SEC(".maps");

/*
 * Every fork and exit on the host runs nsm_fork and nsm_exit; their
 * first lines must cost next to nothing for the tasks that can end no
 * namespace: those in the initial namespaces that hold none by an fd.
 * The others carry a mark, a task storage of their own (its value is
 * unused):
 *   tf_ns      a task whose nsproxy, user namespace or PID namespace is
 *              not the initial one: its exit may drop the last
 *              reference of an nsproxy, a user or a PID namespace;
 *   tf_holder  a group leader whose process holds a namespace by an fd
 *              or a socket (the sweeps, user space) or came back by
 *              setns (it may have made one there): its end is a hint.
 * A task with no task storage at all (t->bpf_storage, one load from
 * the task itself, which is hot at its fork and exit) has neither.
 * Marked: by nsm_mark over all tasks as the feed starts and at each
 * resync, at fork (a child of a tf_ns task, or in other namespaces
 * than its parent's, is tf_ns), after unshare and setns.  A mark is
 * never taken back: a task that returned to the initial namespaces, or
 * closed its fd, costs a look in vain at its exit.  A mark that cannot
 * be made (no memory) is a lost record: the resync that follows marks
 * again.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u8);
} tf_ns SEC(".maps"), tf_holder SEC(".maps");

/*
 * One record per kernel event, reserved when the first namespace goes
 * into it: most exits of a task that is last in its nsproxy (after a
 * setns, every such task has its own) destroy nothing and reserve
 * nothing.  A reserve that fails is counted, and then every namespace
 * of the event is lost with it.
 */
/* Never lose silently: user space reports the count and resyncs. */
static __always_inline void count_lost(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&lost, &zero);

	if (n)
		__sync_fetch_and_add(n, 1);
	__sync_fetch_and_add(&nlost, 1);
}

static __always_inline __u64 wake_flags(void)
{
	if (*(volatile __u32 *)&batching)
		return BPF_RB_NO_WAKEUP;
	return *(volatile __u64 *)&lazy_unread ? BPF_RB_FORCE_WAKEUP : 0;
}

/* A record nobody reads: only its wakeup counts. */
static __noinline void kick(void)
{
	void *k = bpf_ringbuf_reserve(&events, 8, 0);

	if (k)
		bpf_ringbuf_discard(k, BPF_RB_FORCE_WAKEUP);
}

/* How a record wakes the reader. */
enum { SUB_WAKE, SUB_LAZY, SUB_QUIET };

static __always_inline void submit(void *rec, int how)
{
	/*
	 * Not lazy when the ring fills up: a burst of exits (a pod torn
	 * down) must not overflow it while the reader sleeps its
	 * --exit-delay.  A quarter full: where a burst read halves its
	 * delay too.
	 */
	if (how != SUB_WAKE &&
	    bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >
		    bpf_ringbuf_query(&events, BPF_RB_RING_SIZE) / 4)
		how = SUB_WAKE;
	if (how == SUB_WAKE ||
	    (how == SUB_LAZY && *(volatile __u32 *)&lazy_wakes)) {
		bpf_ringbuf_submit(rec, wake_flags());
		return;
	}
	bpf_ringbuf_submit(rec, BPF_RB_NO_WAKEUP);
	__sync_fetch_and_add(&lazy_unread, 1);
	/*
	 * The reader may have gone to sleep for good since the test above.
	 * It sets lazy_wakes and then reads the ring; the commit and the
	 * add above are full barriers: it either finds the record or we
	 * find lazy_wakes set here.
	 */
	if (how == SUB_LAZY && *(volatile __u32 *)&lazy_wakes)
		kick();
}

struct out {
	struct nsm_ev *e;
	struct task_struct *t;
	__u32 via;
	bool tried;		/* reserve was called */
};

static __always_inline void out_begin(struct out *o, __u32 via,
				      struct task_struct *t)
{
	o->e = NULL;
	o->t = t;
	o->via = via;
	o->tried = false;
}

static __always_inline struct nsm_ev *out_get(struct out *o)
{
	struct task_struct *t = o->t;
	struct nsm_ev *e;

	if (o->tried)
		return o->e;
	o->tried = true;
	if (shed())
		return NULL;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	o->e = e;
	if (!e) {
		count_lost();
		return NULL;
	}
	e->ts = bpf_ktime_get_boot_ns();
	e->via = o->via;
	e->nns = 0;
	e->pid = BPF_CORE_READ(t, tgid);
	e->tid = BPF_CORE_READ(t, pid);
	bpf_core_read(e->comm, sizeof(e->comm), &t->comm);
	__builtin_memset(e->from, 0, sizeof(e->from));
	__builtin_memset(e->to, 0, sizeof(e->to));
	return e;
}

static __always_inline struct nsm_ev_ns *out_ns(struct out *o)
{
	struct nsm_ev *e = out_get(o);
	struct nsm_ev_ns *r;
	__u32 n;

	if (!e)
		return NULL;
	n = e->nns;
	if (n >= NSM_EV_MAXNS)
		return NULL;
	e->nns = n + 1;
	r = &e->ns[n];
	__builtin_memset(r, 0, sizeof(*r));
	return r;
}

static __always_inline void out_end(struct out *o, int how)
{
	if (o->e)
		submit(o->e, how);
}

/* A namespace that is not known yet: remember it and say so. */
static __always_inline void emit_create(struct out *o, __u32 via, __u32 type,
					const struct ns_val *n)
{
	__u64 inum = n->inum, ns_id = n->ns_id, *v;
	struct nsm_ev_ns *r;

	if (!inum)
		return;
	v = bpf_map_lookup_elem(&known, &inum);
	if (v && *v == ns_id)
		return;
	/* if the map is full, report anyway: user space dedupes too */
	bpf_map_update_elem(&known, &inum, &ns_id, BPF_ANY);
	r = out_ns(o);
	if (!r)
		return;
	r->kind = NSM_EV_CREATE;
	r->via = via;
	r->type = type;
	r->id = inum;
	r->ns_id = ns_id;
	r->owner = n->owner;
	r->parent = n->parent;
}

/* Only namespaces we announced are destroyed, and only once. */
static __always_inline void emit_destroy(struct out *o, __u32 via, __u32 type,
					 __u64 inum, __u64 ns_id)
{
	struct nsm_ev_ns *r;

	if (!inum || bpf_map_delete_elem(&known, &inum))
		return;
	r = out_ns(o);
	if (!r)
		return;
	r->kind = NSM_EV_DESTROY;
	r->via = via;
	r->type = type;
	r->id = inum;
	r->ns_id = ns_id;
}

/* Held a little beyond its last task: user space may find it gone. */
static __always_inline void emit_dying(struct out *o, __u32 type,
				       const struct ns_val *n)
{
	struct nsm_ev_ns *r = out_ns(o);

	if (!r)
		return;
	r->kind = NSM_EV_DYING;
	r->via = NSM_EV_VIA_EXIT;
	r->type = type;
	r->id = n->inum;
	r->ns_id = n->ns_id;
}

/* ------------------------------------------------------------- fork */

static __noinline void fork_slow(struct task_struct *parent,
				 struct task_struct *child)
{
	__u32 p[NSM_NTYPES + 1];	/* + time_ns_for_children */
	struct ns_set c;
	struct out o;

	task_inums(parent, p);
	task_ns(child, &c);
	out_begin(&o, NSM_EV_VIA_CLONE, child);
	for (int i = 0; i < NSM_NTYPES; i++)
		if (c.ns[i].inum != p[i])
			emit_create(&o, NSM_EV_VIA_CLONE, i, &c.ns[i]);
	/* clone3(NSM_CLONE_NEWTIME) makes the child's time_for_children too */
	if (c.fc.inum != c.ns[NSM_TIME].inum && c.fc.inum != p[NSM_NTYPES])
		emit_create(&o, NSM_EV_VIA_CLONE, NSM_TIME, &c.fc);
	out_end(&o, SUB_WAKE);
}
static __always_inline void mark(void *map, struct task_struct *t)
{
	if (!bpf_task_storage_get(map, t, 0, BPF_LOCAL_STORAGE_GET_F_CREATE))
		count_lost();
}

static __always_inline bool marked(void *map, struct task_struct *t)
{
	return bpf_task_storage_get(map, t, 0, 0);
}

/*
 * A child in a new PID namespace sits one level deeper (a task can only
 * enter a descendant of its own PID namespace), so comparing levels is
 * enough; the other namespaces are in the nsproxy and the credentials.
 * Its marks: a child of a tf_ns task, or in other namespaces than its
 * parent's, is tf_ns.  A holder's mark is not inherited: a child
 * usually closes the fds it got at its exec, and then every exit under
 * a long-lived holder would be a hint.
 */
static __noinline void fork_marked(struct task_struct *parent,
				   struct task_struct *child)
{
	bool same = parent->nsproxy == child->nsproxy &&
		    parent->real_cred->user_ns == child->real_cred->user_ns &&
		    parent->thread_pid->level == child->thread_pid->level;

	if (!same || marked(&tf_ns, parent))
		mark(&tf_ns, child);
	if (!same)
		fork_slow(parent, child);
}

/*
 * An unmarked parent is in the initial namespaces, its children's PID
 * namespace included (it did not unshare one): a child in a new PID
 * namespace has an nsproxy of its own, so two pointers decide.
 */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(nsm_fork, struct task_struct *parent, struct task_struct *child)
{
	if (!parent->bpf_storage && parent->nsproxy == child->nsproxy &&
	    parent->real_cred->user_ns == child->real_cred->user_ns)
		return 0;
	fork_marked(parent, child);
	return 0;
}

/* ------------------------------------------------------------ hints */


/*
 * Pending hints (nsm_abi.h), one counter per kind: user space takes them
 * with an atomic exchange on the mmapped .bss.  A record goes into the
 * ring only when the counter was zero, to wake the reader once; if it does not fit, the
 * bit stays set and the reader finds it at its next poll (no event is
 * lost: a hint only says "check now").
 */
__u64 hints[NSM_HINT_N];
/* every hint, by kind, never reset: /metrics' nsmon_hints_total */
__u64 hints_total[NSM_HINT_N];
static __noinline void hint_slow(__u32 k, __u64 id)
{
	struct nsm_hint *h;
	/*
	 * An exit that may end a user or PID namespace wakes the reader: a
	 * sweep right after it finds what it ended (user/agent/).  Another
	 * exit in such a namespace is lazy, as its destroys are.
	 */
	int how = k == NSM_HK_EXIT_NS ? SUB_LAZY : SUB_WAKE;

	if (k >= NSM_HINT_N)
		return;
	__sync_fetch_and_add(&hints_total[k], 1);
	/*
	 * Pending already: only a close says which namespace, unhurried.
	 * An exit that may end a user or PID namespace always wakes: its
	 * destroys are due within 100 ms, and a round of checks that is
	 * under way may not sweep again soon enough.
	 */
	if (*(volatile __u64 *)&hints[k] && k != NSM_HK_EXIT)
		how = SUB_QUIET;
	/* a plain add (BPF_XADD): any CPU, any clang */
	__sync_fetch_and_add(&hints[k], 1);
	if (shed())
		return;
	h = bpf_ringbuf_reserve(&events, sizeof(*h), 0);
	if (!h)
		return;
	h->ts = bpf_ktime_get_boot_ns();
	h->bits = 1u << k;
	h->pid = bpf_get_current_pid_tgid() >> 32;
	h->id = id;
	submit(h, how);
}

static __always_inline void hint(__u32 k)
{
	/* a race only costs a second record */
	if (!*(volatile __u64 *)&hints[k])
		hint_slow(k, 0);
	else
		__sync_fetch_and_add(&hints_total[k], 1);
}

/*
 * The end of a process that may free what the feed cannot see: a user
 * namespace (its credentials are put after this tracepoint, through
 * RCU), a PID namespace (struct pids outlive it), or a namespace held by
 * one of its fds (exit_files() comes later).  User space checks a
 * little later, and again, until they are gone.
 */
/*
 * A user namespace with this few references left, besides those of the
 * namespaces this exit ends with its nsproxy (a process's credentials,
 * an exec's mm, ucounts, a child namespace), may end with this exit;
 * one with more has other processes.
 */
#define USER_NEAR 8

/* The namespaces of the task's nsproxy that u owns, if it is the last. */
static __always_inline int owned_by_nsproxy(struct task_struct *t,
					    struct user_namespace *u)
{
	struct nsproxy *np = t->nsproxy;

	if (!np || np->count.refs.counter != 1)
		return 0;
	return (np->uts_ns->user_ns == u) + (np->ipc_ns->user_ns == u) +
	       (np->mnt_ns->user_ns == u) + (np->net_ns->user_ns == u) +
	       (np->cgroup_ns->user_ns == u) +
	       (np->pid_ns_for_children->user_ns == u);
}

/*
 * Whether this exit may end the task's user namespace (few references
 * left) or PID namespace (the task is its init: the kernel kills the
 * rest).  A task in the initial ones cannot: the common case costs two
 * loads.
 */
static __always_inline bool may_end_userpid(struct task_struct *t,
					    struct user_namespace *u)
{
	struct pid *pid = t->thread_pid;
	struct upid_abi up = {};
	struct ns_val v = {};

	if (u->level) {
		ns_common_val(&v, &u->ns);
		if (v.refs - owned_by_nsproxy(t, u) <= USER_NEAR)
			return true;
	}
	if (!pid->level)
		return false;
	upid_read(&up, &pid->numbers, pid->level);
	return up.nr == 1;
}


static __always_inline void exit_hint(struct task_struct *t, bool ns)
{
	struct user_namespace *u = t->real_cred->user_ns;

	/* its credentials and struct pids go after this tracepoint */
	if (ns && (u->level || t->thread_pid->level)) {
		if (!may_end_userpid(t, u)) {
			hint(NSM_HK_EXIT_NS);
			return;
		}
		hint_slow(NSM_HK_EXIT, 0);
		return;
	}
	if (marked(&tf_holder, t->group_leader))
		hint(NSM_HK_EXIT);
}

/*
 * umount2() that succeeded: a bind mount of an nsfs file (ip netns del)
 * may have been the last reference.  No per-mount work here: umounts are
 * rare, and user space checks only namespaces held without processes.
 */
SEC("tracepoint/syscalls/sys_exit_umount")
int nsm_umount(struct trace_event_raw_sys_exit *ctx)
{
	if (ctx->ret == 0)
		hint(NSM_HK_UMOUNT);
	return 0;
}

/*
 * close() of an nsfs fd or of a socket of another net namespace: it may
 * be the last reference.  This runs for every close() on the host, so
 * it only follows current->files->fdt->fd[fd]->f_inode->i_sb->s_magic
 * (the file is still open at sys_enter), and for a socket its net.  The
 * namespace is put after the syscall returns (fput() is deferred to
 * task work): user space checks a little later.  Every close that may
 * be the last reference is a record (they are rare), naming the
 * namespace, so that its destroy is told apart from one after a umount.
 */

SEC("tracepoint/syscalls/sys_enter_close")
int nsm_close(struct trace_event_raw_sys_enter *ctx)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct fdtable *fdt = t->files->fdt;
	__u64 fd = ctx->args[0];
	struct socket *so;
	struct inode *ino;
	struct net *net;
	struct file *f;
	unsigned long magic;
	void *p;

	if (fd >= fdt->max_fds)
		return 0;
	/* cast to void (6.15+): untrusted memory, read at any offset */
	p = ((void **)bpf_rdonly_cast(fdt->fd, 0))[fd];
	if (!p)
		return 0;
	/* direct (fault-safe) loads from here: no helper per field */
	f = bpf_rdonly_cast(p, bpf_core_type_id_kernel(struct file));
	ino = f->f_inode;
	magic = ino->i_sb->s_magic;
	/* the agent's own sweeps open and close every namespace */
	if ((magic != NSFS_MAGIC && magic != SOCKFS_MAGIC) ||
	    bpf_get_current_pid_tgid() >> 32 == self_tgid)
		return 0;
	if (magic == NSFS_MAGIC) {
		/*
		 * Not the end: another open file or a bind mount holds the
		 * dentry, or the namespace has a reference besides its
		 * inode's (a task, a socket, a child namespace), whose own
		 * end is seen.  Without this, two agents hinted each other
		 * for ever: each one's checks, an open and a close per
		 * namespace, were the other's hints.
		 */
		if (f->f_path.dentry->d_lockref.count > 1 ||
		    ns_common_refs(bpf_rdonly_cast(ino->i_private,
			    bpf_core_type_id_kernel(struct ns_common))) > 1)
			return 0;
		hint_slow(NSM_HK_CLOSE, ino->i_ino);
		return 0;
	}
	/*
	 * A socket of another net namespace than the closer's (a tool went
	 * there, made it and came back) may hold that namespace's last
	 * reference: if the namespace has no other.  A socket of its own
	 * namespace cannot: the closer's nsproxy holds that one.
	 */
	so = bpf_rdonly_cast(f->private_data,
			     bpf_core_type_id_kernel(struct socket));
	net = so->sk->__sk_common.skc_net.net;
	if (net && net != t->nsproxy->net_ns &&
	    ns_common_refs(&net->ns) <= 1)
		hint_slow(NSM_HK_CLOSE, net->ns.inum);
	return 0;
}

/* ------------------------------------------------------------- exit */

/*
 * Held a little beyond this nsproxy: by an fd, a bind mount or a socket,
 * which may be another process's the sweep never saw (one that opened
 * it later, inherited it or got it over a unix socket).
 */
#define HELD_NEAR 2
/*
 * The initial namespaces have the inode numbers below this
 * (PROC_DYNAMIC_FIRST): they never end, however few hold them.
 */
#define NSM_DYNAMIC_FIRST 0xF0000000U

/* A namespace of the exiting nsproxy held a little beyond it. */
static __always_inline bool held_near(const struct ns_set *s, int i)
{
	int extra = s->ns[i].refs - own_refs(s, i);

	return i != NSM_USER && i != NSM_PID &&
	       s->ns[i].inum >= NSM_DYNAMIC_FIRST && extra > 0 &&
	       extra <= HELD_NEAR;
}

/*
 * The last task of an nsproxy exits, and a namespace in it stays only a
 * little held, or it held a PID namespace for its children: a sweep
 * then learns who holds what (the holders map) and finds the PID
 * namespace gone.
 */
static __always_inline bool exit_near(struct task_struct *t,
				      const struct ns_set *s)
{
	struct pid_namespace *fc = t->nsproxy->pid_ns_for_children;

	if (fc && fc->level)
		return true;
	for (int i = 0; i < NSM_NTYPES; i++)
		if (held_near(s, i))
			return true;
	return false;
}

static __noinline void exit_slow(struct task_struct *t)
{
	struct ns_set s;
	struct out o;

	task_ns(t, &s);
	out_begin(&o, NSM_EV_VIA_EXIT, t);
	for (int i = 0; i < NSM_NTYPES; i++) {
		/*
		 * User and PID namespaces are also held by credentials and
		 * struct pids that outlive this tracepoint: not here yet.
		 */
		if (i == NSM_USER || i == NSM_PID)
			continue;
		if (s.ns[i].inum && s.ns[i].refs == own_refs(&s, i))
			emit_destroy(&o, NSM_EV_VIA_EXIT, i, s.ns[i].inum,
				     s.ns[i].ns_id);
	}
	if (s.fc.inum && s.fc.inum != s.ns[NSM_TIME].inum && s.fc.refs == 1)
		emit_destroy(&o, NSM_EV_VIA_EXIT, NSM_TIME, s.fc.inum,
			     s.fc.ns_id);
	for (int i = 0; i < NSM_NTYPES; i++)
		if (held_near(&s, i))
			emit_dying(&o, i, &s.ns[i]);
	out_end(&o, SUB_LAZY);
	if (exit_near(t, &s))
		hint_slow(NSM_HK_EXIT, 0);
}

/*
 * sched_process_exit fires in do_exit() before exit_task_namespaces():
 * the nsproxy is still there.  Only its last task drops the namespaces
 * in it (put_nsproxy() -> free_nsproxy()), and a namespace goes away
 * with it when the nsproxy's is its only reference (no other nsproxy,
 * nsfs fd, bind mount or, for net, socket).  Open fds of this task are
 * closed later (exit_files() comes after): such a namespace is not
 * reported here.
 */
static __noinline void exit_marked(struct task_struct *t, bool group_dead)
{
	bool ns = marked(&tf_ns, t);
	struct nsproxy *np = t->nsproxy;

	if (group_dead)
		exit_hint(t, ns);
	/* an unmarked task's nsproxy is the initial one, never the last */
	if (!ns || !np || np->count.refs.counter != 1)
		return;
	exit_slow(t);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(nsm_exit, struct task_struct *t, bool group_dead)
{
	/* a task in the initial namespaces, of a process that holds none */
	if (!t->bpf_storage && (!group_dead || !t->group_leader->bpf_storage))
		return 0;
	exit_marked(t, group_dead);
	return 0;
}

/* ------------------------------------------------------------ marks */

/*
 * The initial namespaces, as init_task has them (its nsproxy,
 * credentials and PID namespace never change): nsm_mark learns them by
 * walking up from the task reading the iterator, since data symbols
 * are not in kallsyms on every kernel.
 */
struct nsproxy *init_np;
struct user_namespace *init_userns;

static __always_inline bool learn_init(void)
{
	struct task_struct *p = bpf_get_current_task_btf();

	/* init_task is pid 0, the real parent of pid 1 and of kthreadd */
	for (int i = 0; i < 256 && p->pid; i++)
		p = p->real_parent;
	if (p->pid)
		return false;
	init_np = p->nsproxy;
	init_userns = p->real_cred->user_ns;
	return true;
}

/*
 * Every task on the host, as the feed starts (attached: a child forked
 * meanwhile is marked at its fork, if its parent was) and at each
 * resync.  A task whose ancestry could not be walked is marked.
 */
SEC("iter/task")
int nsm_mark(struct bpf_iter__task *ctx)
{
	struct task_struct *t = ctx->task;

	if (!t)
		return 0;
	if ((init_np || learn_init()) && t->nsproxy == init_np &&
	    t->real_cred->user_ns == init_userns && !t->thread_pid->level)
		return 0;
	mark(&tf_ns, t);
	return 0;
}

/* ------------------------------------------------------ unshare, setns */

static __always_inline int stash_now(void)
{
	struct task_struct *t = bpf_get_current_task_btf();
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct stash st = {};
	struct ns_set s;
	bool sole;

	if (id >> 32 == self_tgid)
		return 0;
	task_ns(t, &s);
	sole = s.np_refs == 1;
	for (int i = 0; i < NSM_NTYPES; i++) {
		st.inum[i] = s.ns[i].inum;
		st.ns_id[i] = s.ns[i].ns_id;
		if (sole && i != NSM_USER && i != NSM_PID && s.ns[i].inum &&
		    s.ns[i].refs == own_refs(&s, i))
			st.sole |= 1u << i;
	}
	st.time_fc = s.fc.inum;
	/* 4096 threads inside unshare/setns at once: what they do is lost */
	if (bpf_map_update_elem(&stashed, &tid, &st, BPF_ANY))
		count_lost();
	return 0;
}

/*
 * Inlined: as a subprogram its constant return value may be folded into
 * the callers by clang, leaving r0 undefined at its exit, which the
 * verifier refuses ("cannot return stack pointer to the caller").
 */
static __always_inline int compare_now(long ret, __u32 via)
{
	struct task_struct *t = bpf_get_current_task_btf();
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct stash *p, st;
	struct ns_set s;
	struct nsm_ev *e;
	struct out o;

	p = bpf_map_lookup_elem(&stashed, &tid);
	if (!p)
		return 0;
	st = *p;
	bpf_map_delete_elem(&stashed, &tid);
	if (ret)
		return 0;
	/* it may have left the initial namespaces: its exit counts */
	mark(&tf_ns, t);
	task_ns(t, &s);
	out_begin(&o, via, t);
	for (int i = 0; i < NSM_NTYPES; i++) {
		if (s.ns[i].inum == st.inum[i])
			continue;
		e = out_get(&o);
		if (e) {
			e->from[i] = st.inum[i];
			e->to[i] = s.ns[i].inum;
		}
		/* a new namespace; setns only enters existing ones */
		if (via == NSM_EV_VIA_UNSHARE)
			emit_create(&o, via, i, &s.ns[i]);
		if (st.sole & (1u << i))
			emit_destroy(&o, NSM_EV_VIA_SWITCH, i, st.inum[i],
				     st.ns_id[i]);
	}
	/* unshare(NSM_CLONE_NEWTIME) moves only the children */
	if (via == NSM_EV_VIA_UNSHARE && s.fc.inum != st.time_fc &&
	    s.fc.inum != s.ns[NSM_TIME].inum)
		emit_create(&o, via, NSM_TIME, &s.fc);
	out_end(&o, SUB_WAKE);
	/*
	 * A process that went to another namespace and came back (setns)
	 * may hold it by an fd or a socket it made there: its exit is a
	 * hint, as a holder's the sweep saw.  unshare only leaves: what
	 * it held before, others hold too.
	 */
	if (via == NSM_EV_VIA_SETNS && o.tried)
		mark(&tf_holder, t->group_leader);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_unshare")
int nsm_unshare_enter(struct trace_event_raw_sys_enter *ctx)
{
	/* unshare(CLONE_FS) and the like change no namespace */
	if (!(ctx->args[0] & NSM_CLONE_NEW_ANY))
		return 0;
	return stash_now();
}

SEC("tracepoint/syscalls/sys_exit_unshare")
int nsm_unshare_exit(struct trace_event_raw_sys_exit *ctx)
{
	return compare_now(ctx->ret, NSM_EV_VIA_UNSHARE);
}

SEC("tracepoint/syscalls/sys_enter_setns")
int nsm_setns_enter(struct trace_event_raw_sys_enter *ctx)
{
	return stash_now();
}

SEC("tracepoint/syscalls/sys_exit_setns")
int nsm_setns_exit(struct trace_event_raw_sys_exit *ctx)
{
	return compare_now(ctx->ret, NSM_EV_VIA_SETNS);
}
