// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sweep.bpf.c - passes 1-4 of discovery (processes, loose threads, nsfs fds,
 * sockets) in one walk of the kernel's task and file tables, through the
 * iter/task and iter/task_file BPF iterators.  Records (nsm_abi.h) go to the
 * iterator's seq_file; discovery/sweep_bpf.c folds them into the model.
 *
 * What is emitted mirrors what /proc shows a reader in the initial
 * namespaces: /proc/PID/stat, status and the ns/ links, /proc/PID/fd and
 * /proc/PID/task/TID/fd, and the NS_GET_* ioctls on nsfs files (the
 * NSM_REC_NSINFO records).
 *
 * The programs are loaded for every sweep, so load time is part of every
 * `nsmon ls`, and most of it was CO-RE.  The kernel finds the candidates
 * for a relocated type by a linear search of its 100k+ BTF types and keeps
 * the answer in a cache of 31 slots hashed by name (bpf_core_find_cands(),
 * kernel/bpf/btf.c), where pid and pid_namespace, mnt_namespace,
 * ipc_namespace and super_block, user_namespace and kthread,
 * cgroup_namespace and time_namespace, worker and mm_struct (and net and
 * inode, ns_common and file) share a slot.  Relocations in code order
 * switch between such types all the time, each switch a full search: some
 * 40 per load, half the load time.  So all relocations are made in one
 * small program, sweep_layout, grouped by type, which writes the offsets
 * into `lay`; user space runs it once after loading, and the iterator
 * programs read kernel memory at those offsets with bpf_probe_read_kernel(),
 * with no relocation of their own: 11 searches per load, one per type in
 * a shared slot.  A NULL pointer on the way reads as 0: the helper fails
 * on the low address and zeroes its destination.  Direct loads through
 * the trusted task and file pointers are avoided too: the verifier looks
 * up each field's trust annotations by name, again a linear BTF search.
 *
 * sweep_task is sleepable (iter.s/task, 5.18+): it reads each process's
 * argv (/proc/PID/cmdline) from its memory, which can fault pages in.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "nsm_abi.h"
#include "kernel.bpf.h"
#include "pid.bpf.h"

char LICENSE[] SEC("license") = "GPL";

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
/* Set by sweep_layout: lay holds this kernel's offsets. */
__u32 layout_ok;

/*
 * Where things are in this kernel's structures, as sweep_layout found
 * them: byte offsets, 0 for a field this kernel does not have where no
 * real offset can be 0.  Per namespace type (NSM_BPF_*): where its
 * ns_common sits and where the pointer to its owning user namespace (a
 * user namespace: its parent).  Per slot: the index of its pointer in the
 * copy of the nsproxy (NSP_NONE: not in the nsproxy).
 */
static struct {
	__u32 task_flags, task_pid, task_tgid, task_comm, task_start_boottime;
	__u32 task_real_parent, task_group_leader, task_thread_pid;
	__u32 task_signal, task_real_cred, task_nsproxy;
	__u32 task_worker_private;	/* 0: no kthread names (< 5.17) */
	__u32 task_mm, mm_arg_start, mm_arg_end, mm_env_end;
	__u32 cred_uid, cred_user_ns;
	__u32 pid_level, pid_numbers;
	__u32 signal_nr_threads, signal_tgid;
	__u32 userns_owner;
	__u32 pidns_level, pidns_parent, pidns_child_reaper;
	__u32 ns_off[NSM_NTYPES];
	__u32 owner_off[NSM_NTYPES];
	__u32 has_type[NSM_NTYPES];
	__u32 nsproxy_size;
	__u32 nsp_idx[NSM_NSLOTS];	/* in nsp_buf[] */
	__u32 nsc_inum, nsc_ops, nsc_ns_type, nsc_ns_id;
	bool has_ns_type, has_ns_id;
	__u32 kthread_full_name, kthread_data;
	__u32 worker_pool, worker_desc, worker_current_work;
	__u32 file_inode, file_private_data;
	__u32 inode_sb, inode_private, sb_magic;
	__u32 socket_sk, sock_net;
} lay;

/*
 * Scratch space.  The programs of one skeleton run only from the single
 * thread that reads their iterators, one object at a time (bpf_seq_read()
 * holds seq->lock, also while a sleepable program sleeps), so plain
 * globals are safe and keep the 512-byte stack free.
 */
static struct nsm_bpf_proc proc_rec;
static struct nsm_bpf_thread thread_rec;
static struct nsm_bpf_nsinfo info_rec;
static struct nsm_bpf_fd fd_rec;
static struct nsm_bpf_cmdline cmd_rec;

/*
 * The argv of one process, and room for the padding after it.  A map of
 * its own rather than a global: the light skeleton would carry the
 * initial value of every global.
 */
struct cmd_buf {
	char v[NSM_BPF_CMDLINE_MAX + 8];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cmd_buf);
} cmd_buf SEC(".maps");

/* The current task's namespaces: struct ns_common * and inode number. */
static __u64 slot_nsc[NSM_NSLOTS];
static __u64 slot_inum[NSM_NSLOTS];
/* and what task_slots() read on the way, for emit_proc() */
static __u64 cur_cred, cur_pid;
static __u32 cur_level;
/*
 * A copy of the task's nsproxy: one read instead of one per slot.  Only
 * the first half is ever written; slots not in the nsproxy index the
 * other, which stays 0.
 */
#define NSP_BUF 128
#define NSP_NONE 31
static __u64 nsp_buf[32];
/*
 * Per type, the namespace walk_one() looked at last: neighbouring tasks
 * mostly share namespaces, and this spares them the map lookup.  Like
 * the map's keys it must not outlive a run that was thrown away.
 */
static __u64 recent[8];
static __u32 recent_gen;

/* Before 6.18: the ops of each namespace type (see nsfs_type()). */
static __u64 ops_by_type[NSM_NTYPES];

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
 * The namespaces described in this generation: an open-addressed table of
 * inode numbers, SEEN_WAYS slots tried per key, in an array map, whose
 * lookups the verifier inlines (a hash map costs an allocation per
 * insert).  A slot of an older generation is free.  A key that finds no
 * free slot is described again when it comes up again, which user space
 * takes as it comes.
 */
#define SEEN_BITS 16
#define SEEN_WAYS 4

struct seen_ent {
	__u64 key;		/* inode number */
	__u32 gen;		/* when it was described */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1 << SEEN_BITS);
	__type(key, __u32);
	__type(value, struct seen_ent);
} seen SEC(".maps");

/*
 * The table slots this run took.  When a record does not fit in the
 * seq_file buffer, bpf_seq_read() throws away everything the program wrote
 * for the current object and runs it again on the next read(); the slots
 * it took must then be given back, or the retry would skip those
 * namespaces.  A failing bpf_seq_write() is how the program learns of it:
 * once the buffer has overflowed every later write fails too.
 */
#define MARK_MAX 512
static __u32 marks[MARK_MAX];
static __u32 nmarks;
static bool overflowed;

/*
 * The iterator contexts, without CO-RE relocations (vmlinux.h marks only
 * its own structs for them): they are ABI.  struct upid: pid.bpf.h.
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

/*
 * All CO-RE relocations, grouped by type (see the top of the file).  Run
 * once, by user space, between load and the first read.
 */
SEC("syscall")
int sweep_layout(void *ctx)
{
	__u32 base;

	lay.task_flags = bpf_core_field_offset(struct task_struct, flags);
	lay.task_pid = bpf_core_field_offset(struct task_struct, pid);
	lay.task_tgid = bpf_core_field_offset(struct task_struct, tgid);
	lay.task_comm = bpf_core_field_offset(struct task_struct, comm);
	lay.task_start_boottime =
		bpf_core_field_offset(struct task_struct, start_boottime);
	lay.task_real_parent =
		bpf_core_field_offset(struct task_struct, real_parent);
	lay.task_group_leader =
		bpf_core_field_offset(struct task_struct, group_leader);
	lay.task_thread_pid =
		bpf_core_field_offset(struct task_struct, thread_pid);
	lay.task_signal = bpf_core_field_offset(struct task_struct, signal);
	lay.task_real_cred =
		bpf_core_field_offset(struct task_struct, real_cred);
	lay.task_nsproxy = bpf_core_field_offset(struct task_struct, nsproxy);
	if (bpf_core_field_exists(struct task_struct, worker_private))
		lay.task_worker_private =
			bpf_core_field_offset(struct task_struct,
					      worker_private);
	lay.task_mm = bpf_core_field_offset(struct task_struct, mm);

	lay.mm_arg_start = bpf_core_field_offset(struct mm_struct, arg_start);
	lay.mm_arg_end = bpf_core_field_offset(struct mm_struct, arg_end);
	lay.mm_env_end = bpf_core_field_offset(struct mm_struct, env_end);

	lay.cred_uid = bpf_core_field_offset(struct cred, uid.val);
	lay.cred_user_ns = bpf_core_field_offset(struct cred, user_ns);

	lay.pid_level = bpf_core_field_offset(struct pid, level);
	lay.pid_numbers = bpf_core_field_offset(struct pid, numbers);

	lay.pidns_level = bpf_core_field_offset(struct pid_namespace, level);
	lay.pidns_parent = bpf_core_field_offset(struct pid_namespace, parent);
	lay.pidns_child_reaper =
		bpf_core_field_offset(struct pid_namespace, child_reaper);
	lay.ns_off[NSM_PID] =
		bpf_core_field_offset(struct pid_namespace, ns);
	lay.owner_off[NSM_PID] =
		bpf_core_field_offset(struct pid_namespace, user_ns);

	lay.signal_nr_threads =
		bpf_core_field_offset(struct signal_struct, nr_threads);
	lay.signal_tgid =
		bpf_core_field_offset(struct signal_struct, pids[PIDTYPE_TGID]);

	/* NS_GET_USERNS of a user namespace is its parent */
	lay.userns_owner = bpf_core_field_offset(struct user_namespace,
						 owner.val);
	lay.ns_off[NSM_USER] =
		bpf_core_field_offset(struct user_namespace, ns);
	lay.owner_off[NSM_USER] =
		bpf_core_field_offset(struct user_namespace, parent);

	lay.ns_off[NSM_CGROUP] =
		bpf_core_field_offset(struct cgroup_namespace, ns);
	lay.owner_off[NSM_CGROUP] =
		bpf_core_field_offset(struct cgroup_namespace, user_ns);
	lay.ns_off[NSM_IPC] =
		bpf_core_field_offset(struct ipc_namespace, ns);
	lay.owner_off[NSM_IPC] =
		bpf_core_field_offset(struct ipc_namespace, user_ns);
	lay.ns_off[NSM_MNT] =
		bpf_core_field_offset(struct mnt_namespace, ns);
	lay.owner_off[NSM_MNT] =
		bpf_core_field_offset(struct mnt_namespace, user_ns);
	lay.ns_off[NSM_UTS] =
		bpf_core_field_offset(struct uts_namespace, ns);
	lay.owner_off[NSM_UTS] =
		bpf_core_field_offset(struct uts_namespace, user_ns);
	if (bpf_core_type_exists(struct time_namespace)) {
		lay.ns_off[NSM_TIME] =
			bpf_core_field_offset(struct time_namespace, ns);
		lay.owner_off[NSM_TIME] =
			bpf_core_field_offset(struct time_namespace, user_ns);
		lay.has_type[NSM_TIME] = 1;
	}
	for (int i = 0; i < NSM_NTYPES; i++)
		if (i != NSM_TIME)
			lay.has_type[i] = 1;

	/*
	 * task_slots() copies the nsproxy into nsp_buf and takes the
	 * pointers from there, by index: they are 8-byte aligned.
	 */
	lay.nsproxy_size = bpf_core_type_size(struct nsproxy);
	if (lay.nsproxy_size >= NSP_BUF)
		return 0;
	for (int i = 0; i < NSM_NSLOTS; i++)
		lay.nsp_idx[i] = NSP_NONE;
	lay.nsp_idx[NSM_CGROUP] =
		bpf_core_field_offset(struct nsproxy, cgroup_ns) / 8;
	lay.nsp_idx[NSM_IPC] =
		bpf_core_field_offset(struct nsproxy, ipc_ns) / 8;
	lay.nsp_idx[NSM_MNT] =
		bpf_core_field_offset(struct nsproxy, mnt_ns) / 8;
	lay.nsp_idx[NSM_NET] =
		bpf_core_field_offset(struct nsproxy, net_ns) / 8;
	lay.nsp_idx[NSM_UTS] =
		bpf_core_field_offset(struct nsproxy, uts_ns) / 8;
	lay.nsp_idx[NSM_SLOT_PID_FC] =
		bpf_core_field_offset(struct nsproxy, pid_ns_for_children) / 8;
	if (bpf_core_field_exists(struct nsproxy, time_ns)) {
		lay.nsp_idx[NSM_TIME] =
			bpf_core_field_offset(struct nsproxy, time_ns) / 8;
		lay.nsp_idx[NSM_SLOT_TIME_FC] =
			bpf_core_field_offset(struct nsproxy,
					      time_ns_for_children) / 8;
	}

	/*
	 * ns_common and file, net and inode share cache slots: the fields
	 * of ns_common are found through the one in struct net, those of
	 * inode and socket through struct socket_alloc, which embeds both.
	 * An access path into an embedded struct needs only the outer
	 * type's candidates.
	 */
	base = bpf_core_field_offset(struct net, ns);
	lay.nsc_inum = bpf_core_field_offset(struct net, ns.inum) - base;
	lay.nsc_ops = bpf_core_field_offset(struct net, ns.ops) - base;
	if (bpf_core_field_exists(struct net, ns.ns_type)) {
		lay.nsc_ns_type =
			bpf_core_field_offset(struct net, ns.ns_type) - base;
		lay.has_ns_type = true;
	}
	if (bpf_core_field_exists(struct net, ns.ns_id)) {
		lay.nsc_ns_id = bpf_core_field_offset(struct net, ns.ns_id) -
				base;
		lay.has_ns_id = true;
	}
	lay.ns_off[NSM_NET] = base;
	lay.owner_off[NSM_NET] = bpf_core_field_offset(struct net, user_ns);

	lay.kthread_full_name = bpf_core_field_offset(struct kthread,
						      full_name);
	lay.kthread_data = bpf_core_field_offset(struct kthread, data);
	lay.worker_pool = bpf_core_field_offset(struct worker, pool);
	lay.worker_desc = bpf_core_field_offset(struct worker, desc);
	lay.worker_current_work = bpf_core_field_offset(struct worker,
							current_work);

	lay.file_inode = bpf_core_field_offset(struct file, f_inode);
	lay.file_private_data = bpf_core_field_offset(struct file,
						      private_data);
	base = bpf_core_field_offset(struct socket_alloc, vfs_inode);
	lay.inode_sb = bpf_core_field_offset(struct socket_alloc,
					     vfs_inode.i_sb) - base;
	lay.inode_private = bpf_core_field_offset(struct socket_alloc,
						  vfs_inode.i_private) - base;
	lay.socket_sk = bpf_core_field_offset(struct socket_alloc,
					      socket.sk) -
			bpf_core_field_offset(struct socket_alloc, socket);
	lay.sb_magic = bpf_core_field_offset(struct super_block, s_magic);
	lay.sock_net = bpf_core_field_offset(struct sock,
					     __sk_common.skc_net.net);

	layout_ok = 1;
	return 0;
}

/* Kernel memory at p + off; 0 if it cannot be read (p NULL, say). */
static __always_inline __u64 rd_ptr(__u64 p, __u32 off)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), (void *)(p + off));
	return v;
}

static __always_inline __u32 rd_u32(__u64 p, __u32 off)
{
	__u32 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), (void *)(p + off));
	return v;
}

/* pid->numbers[level] */
static __always_inline void rd_upid(struct upid_abi *up, __u64 pid,
				    __u32 level)
{
	upid_read(up, (void *)(pid + lay.pid_numbers), level);
}

static __always_inline void out(struct seq_file *seq, const void *rec,
				__u32 len)
{
	if (bpf_seq_write(seq, rec, len))
		overflowed = true;
}

/* ~0 if x is not 0, else 0, without a branch for the verifier to walk. */
static __always_inline __u64 nonzero_mask(__u64 x)
{
	__u64 neg = -x;

	/* or clang sees through it and makes it a branch again */
	barrier_var(neg);
	return (__u64)((__s64)(x | neg) >> 63);
}

/*
 * Slot slot holds the namespace obj of type type (0: none).  Branch-free:
 * for obj 0 the inode number is read from a low address, which fails and
 * reads as 0, and walk_one() skips inode number 0.
 */
static __always_inline void set_slot(int slot, __u64 obj, __u32 type)
{
	__u64 nsc = obj + lay.ns_off[type & 7];

	slot_nsc[slot] = nsc;
	slot_inum[slot] = rd_u32(nsc, lay.nsc_inum) & nonzero_mask(obj);
}

static __always_inline void reader_init(void)
{
	struct upid_abi up = {};
	__u64 pid;

	if (reader_known)
		return;
	/* bpf_iter_create() pins the creator's active PID namespace */
	pid = rd_ptr(bpf_get_current_task(), lay.task_thread_pid);
	reader_level = rd_u32(pid, lay.pid_level);
	rd_upid(&up, pid, reader_level);
	reader_pidns = up.ns;
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
	struct seen_ent *e;
	__u32 idx;

	if (i >= nmarks)
		return 1;
	idx = marks[i & (MARK_MAX - 1)];
	e = bpf_map_lookup_elem(&seen, &idx);
	if (e)
		e->gen = 0;	/* user space counts generations from 1 */
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
static __always_inline __u32 vnr(__u64 pid)
{
	struct upid_abi up = {};

	if (!pid || rd_u32(pid, lay.pid_level) < reader_level)
		return 0;
	rd_upid(&up, pid, reader_level);
	return up.ns == reader_pidns ? up.nr : 0;
}

/* task_tgid_nr_ns(t, reader's ns) */
static __always_inline __u32 task_vtgid(__u64 t)
{
	if (!reader_level)
		return rd_u32(t, lay.task_tgid);
	return vnr(rd_ptr(rd_ptr(t, lay.task_signal), lay.signal_tgid));
}

/* task_pid_nr_ns(t, reader's ns) */
static __always_inline __u32 task_vpid(__u64 t)
{
	if (!reader_level)
		return rd_u32(t, lay.task_pid);
	return vnr(rd_ptr(t, lay.task_thread_pid));
}

static __always_inline __u32 type_of_clone_flag(__u32 flag)
{
	switch (flag) {
	case NSM_CLONE_NEWCGROUP:
		return NSM_CGROUP;
	case NSM_CLONE_NEWIPC:
		return NSM_IPC;
	case NSM_CLONE_NEWNS:
		return NSM_MNT;
	case NSM_CLONE_NEWNET:
		return NSM_NET;
	case NSM_CLONE_NEWPID:
		return NSM_PID;
	case NSM_CLONE_NEWTIME:
		return NSM_TIME;
	case NSM_CLONE_NEWUSER:
		return NSM_USER;
	case NSM_CLONE_NEWUTS:
		return NSM_UTS;
	}
	return NSM_NTYPES;
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

struct up_ctx {
	__u64 pns;
	bool visible;
};

static long pidns_up(__u32 i, void *ctx)
{
	struct up_ctx *c = ctx;

	if (c->pns == reader_pidns) {
		c->visible = true;
		return 1;
	}
	if (!c->pns || rd_u32(c->pns, lay.pidns_level) <= reader_level)
		return 1;
	c->pns = rd_ptr(c->pns, lay.pidns_parent);
	return 0;
}

/*
 * NS_GET_PARENT of a PID namespace answers EPERM unless the parent is the
 * caller's own PID namespace or one below it (pidns_get_parent()).  The
 * caller is the reader; in the initial namespace it sees every parent.
 */
static __always_inline bool pidns_visible(__u64 pns)
{
	struct up_ctx c = { .pns = pns };

	if (!pns || !reader_level)
		return pns != 0;
	bpf_loop(NSM_BPF_MAXLEVELS, pidns_up, &c, 0);
	return c.visible;
}

/* Whether key was described in this generation already; if not, it is now. */
static __always_inline bool seen_before(__u64 key)
{
	/* Fibonacci hashing: inode numbers are mostly consecutive */
	__u32 h = (key * 0x9E3779B97F4A7C15ULL) >> (64 - SEEN_BITS);
	struct seen_ent *e, *free = NULL;
	__u32 idx, free_idx = 0;

	for (int i = 0; i < SEEN_WAYS; i++) {
		idx = (h + i) & ((1 << SEEN_BITS) - 1);
		e = bpf_map_lookup_elem(&seen, &idx);
		if (!e)
			return false;
		if (e->key == key) {
			if (e->gen == gen)
				return true;
			free = e;
			free_idx = idx;
			break;
		}
		if (!free && e->gen != gen) {
			free = e;
			free_idx = idx;
		}
	}
	if (!free)
		return false;
	free->key = key;
	free->gen = gen;
	if (nmarks >= MARK_MAX) {
		/* cannot be given back: the sweep is unreliable */
		truncated = 1;
	} else {
		marks[nmarks & (MARK_MAX - 1)] = free_idx;
		nmarks++;
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
	__u64 key, nsc, obj, user, parent = 0;
	__u32 n, type;

	n = nwork;
	if (!n)
		return 1;
	n = (n - 1) & (WORK_MAX - 1);
	nwork = n;
	nsc = work[n];
	key = work_inum[n];
	type = work_type[n] & 7;
	if (!key || recent[type] == key)
		return 0;
	recent[type] = key;
	if (seen_before(key))
		return 0;
	if (!lay.has_type[type])
		return 0;
	obj = nsc - lay.ns_off[type];
	if (!lay.has_ns_type)
		ops_by_type[type] = rd_ptr(nsc, lay.nsc_ops);

	info_rec.kind = NSM_REC_NSINFO;
	info_rec.type = type;
	info_rec.id = key;
	info_rec.ns_id = 0;
	if (lay.has_ns_id)
		bpf_probe_read_kernel(&info_rec.ns_id, sizeof(info_rec.ns_id),
				      (void *)(nsc + lay.nsc_ns_id));
	info_rec.owner = 0;
	info_rec.parent = 0;
	info_rec.owner_uid = 0;
	info_rec.flags = 0;

	user = rd_ptr(obj, lay.owner_off[type]);
	if (user)
		info_rec.owner = rd_u32(user + lay.ns_off[NSM_USER],
					lay.nsc_inum);
	if (type == NSM_USER) {
		parent = user;
		info_rec.parent = info_rec.owner;
		info_rec.owner_uid = rd_u32(obj, lay.userns_owner);
		info_rec.flags = NSM_BPF_HAS_OWNER_UID;
	} else if (type == NSM_PID) {
		parent = rd_ptr(obj, lay.pidns_parent);
		if (!pidns_visible(parent))
			parent = 0;
		if (parent)
			info_rec.parent = rd_u32(parent + lay.ns_off[NSM_PID],
						 lay.nsc_inum);
	}
	out(seq, &info_rec, sizeof(info_rec));

	if (!want_closure)
		return 0;
	if (user)
		push(user + lay.ns_off[NSM_USER], info_rec.owner,
		     NSM_USER);
	if (type == NSM_PID && parent)
		push(parent + lay.ns_off[NSM_PID], info_rec.parent,
		     NSM_PID);
	return 0;
}

static __always_inline void describe_queued(struct seq_file *seq)
{
	struct walk_ctx w = { .seq = seq };

	bpf_loop(WALK_MAX, walk_one, &w, 0);
	if (nwork)
		truncated = 1;
}

/* The namespace type behind a slot. */
static __always_inline __u32 slot_type(int slot)
{
	return slot == NSM_SLOT_PID_FC  ? NSM_PID :
	       slot == NSM_SLOT_TIME_FC ? NSM_TIME :
					 slot;
}

/*
 * A task's namespaces as /proc/PID/ns/ resolves them: the user ns from
 * the objective credentials (__task_cred), the pid ns from the task's own
 * struct pid (task_active_pid_ns), everything else from the nsproxy, which
 * is gone once the task has started to exit; pid_for_children only once
 * its first process exists (pidns_for_children_get() wants a
 * child_reaper).  The nsproxy is copied in one read.  Inode numbers behind
 * NULL pointers read as 0: empty slots.
 */
static __always_inline void task_slots(__u64 t)
{
	struct upid_abi up = {};
	__u32 sz = lay.nsproxy_size;
	__u64 nsp, p;

	cur_cred = rd_ptr(t, lay.task_real_cred);
	set_slot(NSM_USER, rd_ptr(cur_cred, lay.cred_user_ns),
		 NSM_USER);
	cur_pid = rd_ptr(t, lay.task_thread_pid);
	cur_level = rd_u32(cur_pid, lay.pid_level);
	rd_upid(&up, cur_pid, cur_level);
	set_slot(NSM_PID, up.ns, NSM_PID);

	/*
	 * No nsproxy (exiting) or a failed read: the helper zeroes the
	 * buffer.  sz < NSP_BUF, sweep_layout() made sure.
	 */
	nsp = rd_ptr(t, lay.task_nsproxy);
	bpf_probe_read_kernel(nsp_buf, sz & (NSP_BUF - 1), (void *)nsp);
	for (int i = 0; i < NSM_NSLOTS; i++) {
		if (i == NSM_USER || i == NSM_PID)
			continue;
		p = nsp_buf[lay.nsp_idx[i] & NSP_NONE];
		if (i == NSM_SLOT_PID_FC)
			p &= nonzero_mask(rd_ptr(p, lay.pidns_child_reaper));
		set_slot(i, p, slot_type(i));
	}
}

/*
 * Queues all of the task's namespaces, without a branch: the verifier
 * walks each branch of an unrolled loop separately, and walk_one() skips
 * the empty slots and the known namespaces anyway.
 */
static __always_inline void queue_slots(void)
{
	for (int i = 0; i < NSM_NSLOTS; i++) {
		work[i] = slot_nsc[i];
		work_inum[i] = slot_inum[i];
		work_type[i] = slot_type(i);
	}
	nwork = NSM_NSLOTS;
}

/*
 * /proc shows kernel threads by a longer name than task->comm: the full
 * name given at creation, and for workqueue workers the work they last ran
 * (wq_worker_comm(), proc_task_name()).  Hand user space the pieces.
 */
static __always_inline void kthread_names(__u64 t, __u32 flags)
{
	__u64 kt, w, full;

	proc_rec.full[0] = 0;
	proc_rec.desc[0] = 0;
	if (!(flags & PF_KTHREAD) || !lay.task_worker_private)
		return;
	kt = rd_ptr(t, lay.task_worker_private);
	if (!kt)
		return;
	full = rd_ptr(kt, lay.kthread_full_name);
	if (full)
		bpf_probe_read_kernel_str(proc_rec.full, sizeof(proc_rec.full),
					  (void *)full);
	if (!(flags & PF_WQ_WORKER))
		return;
	proc_rec.flags |= NSM_BPF_WQ_WORKER;
	w = rd_ptr(kt, lay.kthread_data);
	/* a worker outside any pool (an idle rescuer) shows no desc */
	if (!w || !rd_ptr(w, lay.worker_pool))
		return;
	bpf_probe_read_kernel_str(proc_rec.desc, sizeof(proc_rec.desc),
				  (void *)(w + lay.worker_desc));
	if (rd_ptr(w, lay.worker_current_work))
		proc_rec.flags |= NSM_BPF_WQ_BUSY;
}

static long nspid_one(__u32 i, void *ctx)
{
	struct upid_abi up = {};

	if (i >= proc_rec.nnspid)
		return 1;
	/* the verifier must see the bound on the register used to index */
	barrier_var(i);
	if (i >= NSM_BPF_MAXLEVELS)
		return 1;
	rd_upid(&up, cur_pid, reader_level + i);
	proc_rec.nspid[i] = up.nr;
	return 0;
}

/* Fills and writes the record of a thread-group leader. */
static __always_inline void emit_proc(struct seq_file *seq, __u64 t)
{
	__u32 flags = rd_u32(t, lay.task_flags);

	proc_rec.kind = NSM_REC_PROC;
	proc_rec.pid = task_vpid(t);
	/* /proc/PID/stat: 0 for a task whose struct pid is already gone */
	proc_rec.ppid = cur_pid ? task_vtgid(rd_ptr(t, lay.task_real_parent)) :
				  0;
	proc_rec.uid = rd_u32(cur_cred, lay.cred_uid);
	bpf_probe_read_kernel(&proc_rec.start_ns, sizeof(proc_rec.start_ns),
			      (void *)(t + lay.task_start_boottime));
	proc_rec.nthreads = rd_u32(rd_ptr(t, lay.task_signal),
				   lay.signal_nr_threads);
	bpf_probe_read_kernel_str(proc_rec.comm, sizeof(proc_rec.comm),
				  (void *)(t + lay.task_comm));
	proc_rec.flags = flags & PF_KTHREAD ? NSM_BPF_KTHREAD : 0;
	kthread_names(t, flags);

	/* NSpid: the reader's level down to the task's own */
	proc_rec.nnspid = 0;
	if (cur_pid && cur_level >= reader_level)
		proc_rec.nnspid = cur_level - reader_level + 1;
	bpf_loop(NSM_BPF_MAXLEVELS, nspid_one, NULL, 0);

	for (int i = 0; i < NSM_NSLOTS; i++)
		proc_rec.ns[i] = slot_inum[i];
	out(seq, &proc_rec, sizeof(proc_rec));
}

/*
 * /proc/PID/cmdline (get_mm_cmdline()): argv, from arg_start to arg_end
 * of the task's mm, empty without an mm (kernel threads, zombies) or
 * before exec has set up env_end.  A last argv byte that is not NUL means
 * setproctitle(3) rewrote the area and /proc shows a different cut
 * (get_mm_proctitle()); that case, and argv longer than the buffer, are
 * left to user space.  Reading another process's memory can fault pages
 * in, hence the sleepable iterator.
 */
static __always_inline void emit_cmdline(struct seq_file *seq,
					 struct task_struct *task, __u64 t)
{
	__u64 mm = rd_ptr(t, lay.task_mm), start, end, n, sz;
	__u32 zero = 0;
	struct cmd_buf *b;

	cmd_rec.kind = NSM_REC_CMDLINE;
	cmd_rec.pid = proc_rec.pid;
	cmd_rec.len = 0;
	cmd_rec.flags = 0;
	b = bpf_map_lookup_elem(&cmd_buf, &zero);
	if (!b)
		return;
	start = rd_ptr(mm, lay.mm_arg_start);
	end = rd_ptr(mm, lay.mm_arg_end);
	if (mm && rd_ptr(mm, lay.mm_env_end) && start < end) {
		n = end - start;
		cmd_rec.flags = NSM_BPF_CMD_UNREAD;
		/* the verifier must see the bound on the register passed */
		barrier_var(n);
		if (n <= NSM_BPF_CMDLINE_MAX &&
		    !bpf_copy_from_user_task(b->v, n, (void *)start, task, 0) &&
		    !b->v[(n - 1) & (NSM_BPF_CMDLINE_MAX - 1)]) {
			cmd_rec.flags = 0;
			cmd_rec.len = n;
		}
	}
	out(seq, &cmd_rec, sizeof(cmd_rec));
	/* 64-bit all the way: the verifier must see the bound it checks */
	sz = ((__u64)cmd_rec.len + 7) & ~7ULL;
	barrier_var(sz);
	if (sz > sizeof(b->v))
		return;
	if (bpf_seq_write(seq, b->v, sz))
		overflowed = true;
}

SEC("iter.s/task")
int sweep_task(struct iter_task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	__u64 t = (__u64)task, leader;
	bool is_leader;

	if (!task || !layout_ok)
		return 0;
	is_leader = rd_u32(t, lay.task_pid) == rd_u32(t, lay.task_tgid);
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
		leader = rd_ptr(t, lay.task_group_leader);
		if (rd_ptr(t, lay.task_nsproxy) ==
			    rd_ptr(leader, lay.task_nsproxy) &&
		    rd_ptr(rd_ptr(t, lay.task_real_cred), lay.cred_user_ns) ==
			    rd_ptr(rd_ptr(leader, lay.task_real_cred),
				   lay.cred_user_ns))
			return 0;
	}
	reader_init();
	run_begin();
	task_slots(t);
	if (is_leader) {
		emit_proc(seq, t);
		emit_cmdline(seq, task, t);
	} else {
		thread_rec.kind = NSM_REC_THREAD;
		thread_rec.tgid = task_vtgid(t);
		thread_rec.tid = task_vpid(t);
		thread_rec.pad = 0;
		for (int i = 0; i < NSM_NSLOTS; i++)
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
static __always_inline __u32 nsfs_type(__u64 nsc)
{
	__u64 ops;

	if (lay.has_ns_type)
		return type_of_clone_flag(rd_u32(nsc, lay.nsc_ns_type));
	ops = rd_ptr(nsc, lay.nsc_ops);
	for (int i = 0; i < NSM_NTYPES; i++)
		if (ops && ops == ops_by_type[i])
			return i;
	return NSM_NTYPES;
}

/*
 * iter/task_file visits each fd table once: a thread whose files_struct is
 * its leader's is skipped (task_seq_get_next(), skip_if_dup_files).  So
 * the fds of a thread come up only when it has a table of its own
 * (unshare(CLONE_FILES), or clone() without CLONE_FILES), the table that
 * /proc/PID/task/TID/fd shows; they are reported with that thread's tid.
 *
 * No NSINFO here: the namespaces of fds and sockets are nearly always
 * those of some task, described by sweep_task already, and describing
 * them (walk_one()) would more than double what the verifier walks in
 * this program on every load.  User space resolves the few others with
 * the NS_GET_* ioctls (nsm_scan_hierarchy()).
 */
SEC("iter/task_file")
int sweep_file(struct iter_task_file *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	__u64 t = (__u64)ctx->task, f = (__u64)ctx->file, ino, nsc;
	unsigned long magic = 0;
	__u32 type;

	if (!t || !f || !layout_ok)
		return 0;
	ino = rd_ptr(f, lay.file_inode);
	bpf_probe_read_kernel(&magic, sizeof(magic),
			      (void *)(rd_ptr(ino, lay.inode_sb) +
				       lay.sb_magic));
	if (magic == NSFS_MAGIC && want_fds) {
		/* nsfs keeps the namespace in i_private (nsfs_init_inode) */
		nsc = rd_ptr(ino, lay.inode_private);
		type = nsfs_type(nsc);
		if (!nsc || type >= NSM_NTYPES)
			return 0;
		fd_rec.kind = NSM_REC_FD;
	} else if (magic == SOCKFS_MAGIC && want_sockets) {
		__u64 sk = rd_ptr(rd_ptr(f, lay.file_private_data),
				  lay.socket_sk);
		__u64 net = rd_ptr(sk, lay.sock_net);

		if (!net)
			return 0;
		nsc = net + lay.ns_off[NSM_NET];
		type = NSM_NET;
		fd_rec.kind = NSM_REC_SOCKET;
	} else {
		return 0;
	}
	reader_init();
	fd_rec.pid = task_vtgid(t);
	fd_rec.tid = task_vpid(t);
	fd_rec.fd = ctx->fd;
	fd_rec.type = type;
	fd_rec.pad = 0;
	fd_rec.id = rd_u32(nsc, lay.nsc_inum);
	out(seq, &fd_rec, sizeof(fd_rec));
	return 0;
}
