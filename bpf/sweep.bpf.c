// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sweep.bpf.c - passes 1-4 of discovery (processes, loose threads, nsfs fds,
 * sockets) in one walk of the kernel's task and file tables, through the
 * iter/task and iter/task_file BPF iterators.  Records (sweep.h) go to the
 * iterator's seq_file; user/sweep_bpf.c folds them into the model.
 *
 * What is emitted mirrors what /proc shows a reader in the initial
 * namespaces: /proc/PID/stat, status and the ns/ links, /proc/PID/fd, and
 * the NS_GET_* ioctls on nsfs files (the NSM_REC_NSINFO records).
 *
 * The programs are loaded for every sweep, so load time is part of every
 * `nsmon ls`, and it goes by three things: the number of distinct kernel
 * types relocated (each one a search through the kernel's 100k+ BTF
 * types), the paths the verifier walks (the programs are nearly
 * branch-free), and direct loads of pointer fields through the trusted
 * task or file pointers, each of which makes the verifier look up the
 * field's trust annotations by name, again a linear BTF search (6.18).
 * So pointers are read with bpf_probe_read_kernel() (BPF_CORE_READ) and
 * only scalar fields of the task directly.  A NULL pointer on the way
 * reads as 0: the helper fails and zeroes its destination.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "sweep.h"

char LICENSE[] SEC("license") = "GPL";

#define PF_WQ_WORKER	0x00000020
#define PF_KTHREAD	0x00200000

#define NSFS_MAGIC	0x6e736673
#define SOCKFS_MAGIC	0x534F434B

#define CLONE_NEWTIME	0x00000080
#define CLONE_NEWNS	0x00020000
#define CLONE_NEWCGROUP	0x02000000
#define CLONE_NEWUTS	0x04000000
#define CLONE_NEWIPC	0x08000000
#define CLONE_NEWUSER	0x10000000
#define CLONE_NEWPID	0x20000000
#define CLONE_NEWNET	0x40000000

/* Load-time knobs, set by user space between open and load. */
const volatile bool want_tasks = true;	/* loose threads */
const volatile bool want_fds = true;	/* nsfs fds */
const volatile bool want_sockets = true;
const volatile bool want_closure = true;	/* parents and owners */

/*
 * Set by user space before each read: a namespace is described once per
 * generation, so the dedupe map never needs clearing between sweeps.
 */
__u32 gen;
/* Reported back: the ancestor walk ran out of room (the output is short). */
__u32 truncated;

/*
 * Scratch space.  The programs of one skeleton run only from the single
 * thread that reads their iterators, one object at a time (bpf_seq_read()
 * holds seq->lock), so plain globals are safe and keep the 512-byte stack
 * free.
 */
static struct nsm_bpf_proc proc_rec;
static struct nsm_bpf_thread thread_rec;
static struct nsm_bpf_nsinfo info_rec;
static struct nsm_bpf_fd fd_rec;

/* The current task's namespaces: struct ns_common * and inode number. */
static __u64 slot_nsc[NSM_BPF_NSLOTS];
static __u64 slot_inum[NSM_BPF_NSLOTS];
/* and what task_slots() read on the way, for emit_proc() */
static const struct cred *cur_cred;
static struct pid *cur_pid;
static __u32 cur_level;
static char nsp_buf[128];
/*
 * Per type, the namespace walk_one() looked at last: neighbouring tasks
 * mostly share namespaces, and this spares them the map lookup.  Like
 * the map's keys it must not outlive a run that was thrown away.
 */
static __u64 recent[8];
static __u32 recent_gen;

/* Before 6.18: the ops of each namespace type (see nsfs_type()). */
static __u64 ops_by_type[NSM_BPF_NTYPES];

/* The reader's PID namespace, which numbers every pid we report. */
static __u32 reader_level;
static __u64 reader_pidns;
static bool reader_known;

/*
 * Namespaces to describe: a stack of struct ns_common pointers with their
 * inode numbers (read once) and types.
 */
#define WORK_MAX 128		/* power of two: index masks */
#define WALK_MAX 256		/* namespaces described per object */
static __u64 work[WORK_MAX];
static __u64 work_inum[WORK_MAX];
static __u32 work_type[WORK_MAX];
static __u32 nwork;

/*
 * The dedupe keys this run inserted.  When a record does not fit in the
 * seq_file buffer, bpf_seq_read() throws away everything the program wrote
 * for the current object and runs it again on the next read(); the keys it
 * set must then be taken back, or the retry would skip those namespaces.
 * A failing bpf_seq_write() is how the program learns of it: once the
 * buffer has overflowed every later write fails too.
 */
#define MARK_MAX 512
static __u64 marks[MARK_MAX];
static __u32 nmarks;
static bool overflowed;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1 << 16);
	/* grows on demand: a sweep loads afresh, prealloc would cost more */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);	/* inode number */
	__type(value, __u32);	/* gen when it was described */
} seen SEC(".maps");

/*
 * The iterator contexts and struct upid, without CO-RE relocations (vmlinux.h
 * marks only its own structs for them): every relocated type costs a search
 * through the 100k+ types of the kernel's BTF at load time, and these
 * layouts do not move: the contexts are ABI, upid has been { nr, ns } since
 * 2.6.24.
 */
struct iter_meta {
	struct seq_file *seq;
};

struct iter_task {
	struct iter_meta *meta;
	struct task_struct *task;
};

struct iter_task_file {
	struct iter_meta *meta;
	struct task_struct *task;
	__u32 fd;
	struct file *file;
};

struct upid_abi {
	int nr;
	void *ns;
};

static __always_inline void out(struct seq_file *seq, const void *rec,
				__u32 len)
{
	if (bpf_seq_write(seq, rec, len))
		overflowed = true;
}

static __always_inline void set_slot(int slot, __u64 nsc)
{
	slot_nsc[slot] = nsc;
	slot_inum[slot] = nsc ? BPF_CORE_READ((struct ns_common *)nsc, inum) :
				0;
}

static __always_inline void reader_init(void)
{
	struct task_struct *me;
	struct pid *pid;
	struct upid_abi up = {};

	if (reader_known)
		return;
	/* bpf_iter_create() pins the creator's active PID namespace */
	me = bpf_get_current_task_btf();
	pid = BPF_CORE_READ(me, thread_pid);
	reader_level = BPF_CORE_READ(pid, level);
	bpf_core_read(&up, sizeof(up), &pid->numbers[reader_level & 63]);
	reader_pidns = (__u64)up.ns;
	reader_known = true;
}

static __always_inline void forget_recent(void)
{
	for (int i = 0; i < 8; i++)
		recent[i] = 0;
}

static __always_inline void run_begin(void)
{
	nmarks = 0;
	nwork = 0;
	overflowed = false;
	if (recent_gen != gen) {
		forget_recent();
		recent_gen = gen;
	}
}

static long unmark_one(__u32 i, void *ctx)
{
	__u64 key;

	if (i >= nmarks)
		return 1;
	key = marks[i & (MARK_MAX - 1)];
	bpf_map_delete_elem(&seen, &key);
	return 0;
}

/* Takes back what this run described if its output was thrown away. */
static __always_inline void run_end(void)
{
	if (!overflowed)
		return;
	forget_recent();
	bpf_loop(MARK_MAX, unmark_one, NULL, 0);
}

/* pid_nr_ns(pid, reader's ns): 0 when not visible there. */
static __always_inline __u32 vnr(struct pid *pid)
{
	struct upid_abi up = {};

	if (!pid || BPF_CORE_READ(pid, level) < reader_level)
		return 0;
	bpf_core_read(&up, sizeof(up), &pid->numbers[reader_level & 63]);
	return (__u64)up.ns == reader_pidns ? up.nr : 0;
}

/* task_tgid_nr_ns(t, reader's ns) */
static __always_inline __u32 task_vtgid(struct task_struct *t)
{
	if (!reader_level)
		return BPF_CORE_READ(t, tgid);
	return vnr(BPF_CORE_READ(t, signal, pids[PIDTYPE_TGID]));
}

/* task_pid_nr_ns(t, reader's ns) */
static __always_inline __u32 task_vpid(struct task_struct *t)
{
	if (!reader_level)
		return BPF_CORE_READ(t, pid);
	return vnr(BPF_CORE_READ(t, thread_pid));
}

/* Offsets of ns_common and of the owning user ns pointer in each type. */
static __always_inline bool ns_layout(__u32 type, __u32 *off_ns,
				      __u32 *off_user)
{
	switch (type) {
	case NSM_BPF_CGROUP:
		*off_ns = bpf_core_field_offset(struct cgroup_namespace, ns);
		*off_user = bpf_core_field_offset(struct cgroup_namespace,
						  user_ns);
		return true;
	case NSM_BPF_IPC:
		*off_ns = bpf_core_field_offset(struct ipc_namespace, ns);
		*off_user = bpf_core_field_offset(struct ipc_namespace,
						  user_ns);
		return true;
	case NSM_BPF_MNT:
		*off_ns = bpf_core_field_offset(struct mnt_namespace, ns);
		*off_user = bpf_core_field_offset(struct mnt_namespace,
						  user_ns);
		return true;
	case NSM_BPF_NET:
		*off_ns = bpf_core_field_offset(struct net, ns);
		*off_user = bpf_core_field_offset(struct net, user_ns);
		return true;
	case NSM_BPF_PID:
		*off_ns = bpf_core_field_offset(struct pid_namespace, ns);
		*off_user = bpf_core_field_offset(struct pid_namespace,
						  user_ns);
		return true;
	case NSM_BPF_TIME:
		if (!bpf_core_type_exists(struct time_namespace))
			return false;
		*off_ns = bpf_core_field_offset(struct time_namespace, ns);
		*off_user = bpf_core_field_offset(struct time_namespace,
						  user_ns);
		return true;
	case NSM_BPF_USER:
		/* NS_GET_USERNS of a user namespace is its parent */
		*off_ns = bpf_core_field_offset(struct user_namespace, ns);
		*off_user = bpf_core_field_offset(struct user_namespace,
						  parent);
		return true;
	case NSM_BPF_UTS:
		*off_ns = bpf_core_field_offset(struct uts_namespace, ns);
		*off_user = bpf_core_field_offset(struct uts_namespace,
						  user_ns);
		return true;
	}
	return false;
}

static __always_inline __u32 type_of_clone_flag(__u32 flag)
{
	switch (flag) {
	case CLONE_NEWCGROUP:
		return NSM_BPF_CGROUP;
	case CLONE_NEWIPC:
		return NSM_BPF_IPC;
	case CLONE_NEWNS:
		return NSM_BPF_MNT;
	case CLONE_NEWNET:
		return NSM_BPF_NET;
	case CLONE_NEWPID:
		return NSM_BPF_PID;
	case CLONE_NEWTIME:
		return NSM_BPF_TIME;
	case CLONE_NEWUSER:
		return NSM_BPF_USER;
	case CLONE_NEWUTS:
		return NSM_BPF_UTS;
	}
	return NSM_BPF_NTYPES;
}

static __always_inline void push(__u64 nsc, __u64 inum, __u32 type)
{
	__u32 n = nwork;

	if (!inum)
		return;
	if (n >= WORK_MAX) {
		truncated = 1;
		return;
	}
	work[n & (WORK_MAX - 1)] = nsc;
	work_inum[n & (WORK_MAX - 1)] = inum;
	work_type[n & (WORK_MAX - 1)] = type;
	nwork = n + 1;
}

/*
 * NS_GET_PARENT of a PID namespace answers EPERM unless the parent is the
 * caller's own PID namespace or one below it (pidns_get_parent()).  The
 * caller is the reader; in the initial namespace it sees every parent.
 */
static __always_inline bool pidns_visible(__u64 pns)
{
	__u32 level;

	if (!pns || !reader_level)
		return pns != 0;
	level = BPF_CORE_READ((struct pid_namespace *)pns, level);
	for (int i = 0; i < NSM_BPF_MAXLEVELS; i++) {
		if (pns == reader_pidns)
			return true;
		if (!pns || level <= reader_level)
			return false;
		pns = (__u64)BPF_CORE_READ((struct pid_namespace *)pns,
					   parent);
		level--;
	}
	return false;
}

/* bpf_loop() callbacks get their context on the caller's stack */
struct walk_ctx {
	struct seq_file *seq;
};

/*
 * Describes one namespace unless this sweep already did, then queues its
 * owner and parent so that every ancestor gets described as well.  A
 * namespace described before had its ancestors queued at the time.
 */
static long walk_one(__u32 i, void *ctx)
{
	struct seq_file *seq = ((struct walk_ctx *)ctx)->seq;
	struct ns_common *nsc;
	__u64 key, user = 0, parent = 0;
	__u32 n, type, off_ns = 0, off_user = 0, *v;
	void *obj;

	n = nwork;
	if (!n)
		return 1;
	n = (n - 1) & (WORK_MAX - 1);
	nwork = n;
	nsc = (struct ns_common *)work[n];
	key = work_inum[n];
	type = work_type[n] & 7;
	if (!key || recent[type] == key)
		return 0;
	recent[type] = key;
	v = bpf_map_lookup_elem(&seen, &key);
	if (v && *v == gen)
		return 0;
	if (!bpf_map_update_elem(&seen, &key, &gen, BPF_ANY)) {
		if (nmarks >= MARK_MAX) {
			/* cannot be taken back: the sweep is unreliable */
			truncated = 1;
		} else {
			marks[nmarks & (MARK_MAX - 1)] = key;
			nmarks++;
		}
	}
	if (!ns_layout(type, &off_ns, &off_user))
		return 0;
	obj = (void *)nsc - off_ns;
	if (!bpf_core_field_exists(struct ns_common, ns_type))
		ops_by_type[type] = (__u64)BPF_CORE_READ(nsc, ops);

	info_rec.kind = NSM_REC_NSINFO;
	info_rec.type = type;
	info_rec.id = key;
	info_rec.ns_id = 0;
	if (bpf_core_field_exists(struct ns_common, ns_id))
		info_rec.ns_id = BPF_CORE_READ(nsc, ns_id);
	info_rec.owner = 0;
	info_rec.parent = 0;
	info_rec.owner_uid = 0;
	info_rec.flags = 0;

	bpf_core_read(&user, sizeof(user), obj + off_user);
	if (user)
		info_rec.owner = BPF_CORE_READ((struct user_namespace *)user,
					       ns.inum);
	if (type == NSM_BPF_USER) {
		parent = user;
		info_rec.parent = info_rec.owner;
		info_rec.owner_uid = BPF_CORE_READ(
			(struct user_namespace *)obj, owner.val);
		info_rec.flags = NSM_BPF_HAS_OWNER_UID;
	} else if (type == NSM_BPF_PID) {
		parent = (__u64)BPF_CORE_READ((struct pid_namespace *)obj,
					      parent);
		if (!pidns_visible(parent))
			parent = 0;
		if (parent)
			info_rec.parent = BPF_CORE_READ(
				(struct pid_namespace *)parent, ns.inum);
	}
	out(seq, &info_rec, sizeof(info_rec));

	if (!want_closure)
		return 0;
	push((__u64)&((struct user_namespace *)user)->ns, info_rec.owner,
	     NSM_BPF_USER);
	if (type == NSM_BPF_PID)
		push((__u64)&((struct pid_namespace *)parent)->ns,
		     info_rec.parent, NSM_BPF_PID);
	return 0;
}

static __always_inline void describe_queued(struct seq_file *seq)
{
	struct walk_ctx w = { .seq = seq };

	bpf_loop(WALK_MAX, walk_one, &w, 0);
	if (nwork)
		truncated = 1;
}

/*
 * A task's namespaces as /proc/PID/ns/ resolves them: the user ns from
 * the objective credentials (__task_cred), the pid ns from the task's own
 * struct pid (task_active_pid_ns), everything else from the nsproxy, which
 * is gone once the task has started to exit; pid_for_children only once
 * its first process exists (pidns_for_children_get() wants a
 * child_reaper).  Pointers are read as plain values (bpf_core_read), as
 * walk_one() takes them from the work stack; the nsproxy in one read.
 * Inode numbers behind NULL pointers read as 0: empty slots.
 */
static __always_inline void task_slots(struct task_struct *t)
{
	struct nsproxy *nsp = NULL, *np = (struct nsproxy *)nsp_buf;
	struct user_namespace *uns;
	struct pid_namespace *pns;
	struct upid_abi up = {};
	__u32 sz;

	bpf_core_read(&cur_cred, sizeof(cur_cred), &t->real_cred);
	uns = BPF_CORE_READ(cur_cred, user_ns);
	set_slot(NSM_BPF_USER, (__u64)&uns->ns);
	bpf_core_read(&cur_pid, sizeof(cur_pid), &t->thread_pid);
	cur_level = BPF_CORE_READ(cur_pid, level);
	bpf_core_read(&up, sizeof(up), &cur_pid->numbers[cur_level & 63]);
	pns = up.ns;
	set_slot(NSM_BPF_PID, (__u64)&pns->ns);

	bpf_core_read(&nsp, sizeof(nsp), &t->nsproxy);
	sz = bpf_core_type_size(struct nsproxy);
	if (!nsp || sz > sizeof(nsp_buf) ||
	    bpf_probe_read_kernel(nsp_buf, sz, nsp)) {
		for (int i = 0; i < NSM_BPF_NSLOTS; i++)
			if (i != NSM_BPF_USER && i != NSM_BPF_PID)
				set_slot(i, 0);
		return;
	}
	set_slot(NSM_BPF_CGROUP, (__u64)&np->cgroup_ns->ns);
	set_slot(NSM_BPF_IPC, (__u64)&np->ipc_ns->ns);
	set_slot(NSM_BPF_MNT, (__u64)&np->mnt_ns->ns);
	set_slot(NSM_BPF_NET, (__u64)&np->net_ns->ns);
	set_slot(NSM_BPF_UTS, (__u64)&np->uts_ns->ns);
	pns = np->pid_ns_for_children;
	set_slot(NSM_BPF_PID_FC, BPF_CORE_READ(pns, child_reaper) ?
					 (__u64)&pns->ns : 0);
	if (bpf_core_type_exists(struct time_namespace)) {
		set_slot(NSM_BPF_TIME, (__u64)&np->time_ns->ns);
		set_slot(NSM_BPF_TIME_FC,
			 (__u64)&np->time_ns_for_children->ns);
	} else {
		set_slot(NSM_BPF_TIME, 0);
		set_slot(NSM_BPF_TIME_FC, 0);
	}
}

/*
 * Queues all of the task's namespaces, without a branch: the verifier
 * walks each branch of an unrolled loop separately, and walk_one() skips
 * the empty slots and the known namespaces anyway.
 */
static __always_inline void queue_slots(void)
{
	for (int i = 0; i < NSM_BPF_NSLOTS; i++) {
		work[i] = slot_nsc[i];
		work_inum[i] = slot_inum[i];
		work_type[i] = i == NSM_BPF_PID_FC  ? NSM_BPF_PID :
			       i == NSM_BPF_TIME_FC ? NSM_BPF_TIME :
						      i;
	}
	nwork = NSM_BPF_NSLOTS;
}

/*
 * /proc shows kernel threads by a longer name than task->comm: the full
 * name given at creation, and for workqueue workers the work they last ran
 * (wq_worker_comm(), proc_task_name()).  Hand user space the pieces.
 */
static __always_inline void kthread_names(struct task_struct *t, __u32 flags)
{
	struct kthread *kt;
	struct worker *w;
	char *full;

	proc_rec.full[0] = 0;
	proc_rec.desc[0] = 0;
	if (!(flags & PF_KTHREAD) ||
	    !bpf_core_field_exists(struct task_struct, worker_private))
		return;
	kt = BPF_CORE_READ(t, worker_private);
	if (!kt)
		return;
	full = BPF_CORE_READ(kt, full_name);
	if (full)
		bpf_probe_read_kernel_str(proc_rec.full, sizeof(proc_rec.full),
					  full);
	if (!(flags & PF_WQ_WORKER))
		return;
	proc_rec.flags |= NSM_BPF_WQ_WORKER;
	w = BPF_CORE_READ(kt, data);
	/* a worker outside any pool (an idle rescuer) shows no desc */
	if (!w || !BPF_CORE_READ(w, pool))
		return;
	BPF_CORE_READ_STR_INTO(&proc_rec.desc, w, desc);
	if (BPF_CORE_READ(w, current_work))
		proc_rec.flags |= NSM_BPF_WQ_BUSY;
}

static long nspid_one(__u32 i, void *ctx)
{
	struct pid *pid = cur_pid;
	__u32 level = reader_level + i;
	struct upid_abi up = {};

	if (i >= proc_rec.nnspid)
		return 1;
	/* the verifier must see the bound on the register used to index */
	barrier_var(i);
	if (i >= NSM_BPF_MAXLEVELS)
		return 1;
	bpf_core_read(&up, sizeof(up), &pid->numbers[level & 63]);
	proc_rec.nspid[i] = up.nr;
	return 0;
}

/* Fills and writes the record of a thread-group leader. */
static __always_inline void emit_proc(struct seq_file *seq,
				      struct task_struct *t)
{
	/* scalar fields load directly; pointers cost the verifier a search */
	__u32 flags = t->flags;

	proc_rec.kind = NSM_REC_PROC;
	proc_rec.pid = task_vpid(t);
	/* /proc/PID/stat: 0 for a task whose struct pid is already gone */
	proc_rec.ppid = cur_pid ? task_vtgid(BPF_CORE_READ(t, real_parent)) :
				  0;
	proc_rec.uid = BPF_CORE_READ(cur_cred, uid.val);
	proc_rec.start_ns = t->start_boottime;
	proc_rec.nthreads = BPF_CORE_READ(t, signal, nr_threads);
	bpf_probe_read_kernel_str(proc_rec.comm, sizeof(proc_rec.comm),
				  t->comm);
	proc_rec.flags = flags & PF_KTHREAD ? NSM_BPF_KTHREAD : 0;
	kthread_names(t, flags);

	/* NSpid: the reader's level down to the task's own */
	proc_rec.nnspid = 0;
	if (cur_pid && cur_level >= reader_level)
		proc_rec.nnspid = cur_level - reader_level + 1;
	bpf_loop(NSM_BPF_MAXLEVELS, nspid_one, NULL, 0);

	for (int i = 0; i < NSM_BPF_NSLOTS; i++)
		proc_rec.ns[i] = slot_inum[i];
	out(seq, &proc_rec, sizeof(proc_rec));
}

SEC("iter/task")
int sweep_task(struct iter_task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *t = ctx->task, *leader;
	bool is_leader;

	if (!t)
		return 0;
	is_leader = t->pid == t->tgid;
	if (!is_leader) {
		if (!want_tasks)
			return 0;
		/*
		 * A thread is "loose" in the namespaces it does not share
		 * with its leader.  Threads share the nsproxy and the
		 * credentials unless they unshared or setns'ed on their
		 * own; user space compares slot by slot with the leader's
		 * record, as the /proc pass does.
		 */
		leader = BPF_CORE_READ(t, group_leader);
		if (BPF_CORE_READ(t, nsproxy) ==
			    BPF_CORE_READ(leader, nsproxy) &&
		    BPF_CORE_READ(t, real_cred, user_ns) ==
			    BPF_CORE_READ(leader, real_cred, user_ns))
			return 0;
	}
	reader_init();
	run_begin();
	task_slots(t);
	if (is_leader) {
		emit_proc(seq, t);
	} else {
		thread_rec.kind = NSM_REC_THREAD;
		thread_rec.tgid = task_vtgid(t);
		thread_rec.tid = task_vpid(t);
		thread_rec.pad = 0;
		for (int i = 0; i < NSM_BPF_NSLOTS; i++)
			thread_rec.ns[i] = slot_inum[i];
		out(seq, &thread_rec, sizeof(thread_rec));
	}
	queue_slots();
	describe_queued(seq);
	run_end();
	return 0;
}

/*
 * The type of an nsfs file's namespace: ns->ns_type since 6.18.  Before,
 * the type sat in ns->ops, whose layout we would rather not depend on; the
 * ops pointer itself tells the type as well, and walk_one() has seen the
 * ops of every type by then (the task iterator is read first, and the
 * first task, kthreadd, is in a namespace of each type).
 */
static __always_inline __u32 nsfs_type(struct ns_common *nsc)
{
	__u64 ops;

	if (bpf_core_field_exists(struct ns_common, ns_type))
		return type_of_clone_flag(BPF_CORE_READ(nsc, ns_type));
	ops = (__u64)BPF_CORE_READ(nsc, ops);
	for (int i = 0; i < NSM_BPF_NTYPES; i++)
		if (ops && ops == ops_by_type[i])
			return i;
	return NSM_BPF_NTYPES;
}

/*
 * iter/task_file visits each fd table once: a thread whose files_struct is
 * its leader's is skipped (task_seq_get_next(), skip_if_dup_files).  So
 * the fds of a thread come up only when it has a table of its own
 * (unshare(CLONE_FILES), or clone() without CLONE_FILES), the table that
 * /proc/PID/task/TID/fd shows; they are reported with that thread's tid.
 */
SEC("iter/task_file")
int sweep_file(struct iter_task_file *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *t = ctx->task;
	struct file *f = ctx->file;
	struct inode *ino;
	unsigned long magic;
	__u64 nsc;
	__u32 type;

	if (!t || !f)
		return 0;
	ino = BPF_CORE_READ(f, f_inode);
	magic = BPF_CORE_READ(ino, i_sb, s_magic);
	if (magic == NSFS_MAGIC && want_fds) {
		/* nsfs keeps the namespace in i_private (nsfs_init_inode) */
		nsc = (__u64)BPF_CORE_READ(ino, i_private);
		type = nsfs_type((struct ns_common *)nsc);
		if (type >= NSM_BPF_NTYPES)
			return 0;
		fd_rec.kind = NSM_REC_FD;
	} else if (magic == SOCKFS_MAGIC && want_sockets) {
		struct socket *sock = BPF_CORE_READ(f, private_data);
		struct net *net;

		net = BPF_CORE_READ(sock, sk, __sk_common.skc_net.net);
		if (!net)
			return 0;
		nsc = (__u64)&net->ns;
		type = NSM_BPF_NET;
		fd_rec.kind = NSM_REC_SOCKET;
	} else {
		return 0;
	}
	reader_init();
	run_begin();
	fd_rec.pid = task_vtgid(t);
	fd_rec.tid = task_vpid(t);
	fd_rec.fd = ctx->fd;
	fd_rec.type = type;
	fd_rec.pad = 0;
	fd_rec.id = BPF_CORE_READ((struct ns_common *)nsc, inum);
	out(seq, &fd_rec, sizeof(fd_rec));
	push(nsc, fd_rec.id, type);
	describe_queued(seq);
	run_end();
	return 0;
}
