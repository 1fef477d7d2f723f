/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sweep.h - the records the iterator sweep (sweep.bpf.c) writes into its
 * seq_file and user/sweep_bpf.c reads back.  Plain fixed-size types only:
 * the same bytes are read by BPF (vmlinux.h types) and by user space
 * (<linux/types.h>).  Every record starts with a __u32 kind; the size of a
 * record follows from its kind, so the stream needs no other framing.
 *
 * The stream: the iter/task output (a PROC and a CMDLINE per
 * thread-group leader, a THREAD per loose thread, an NSINFO for each
 * namespace the first time it, or a parent or owner of it, comes up),
 * then the iter/task_file output (FD, SOCKET).  A namespace that only an
 * fd or a socket holds has no NSINFO.  All sizes are multiples of 8; a
 * CMDLINE record's follows from its len.
 */
#ifndef NSMON_SWEEP_H
#define NSMON_SWEEP_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * Namespace slots, in the order of enum nsm_type and enum nsm_slot
 * (discovery/nsm.h): the 8 types, then pid_for_children and
 * time_for_children.  user/sweep_bpf.c checks the two agree.
 */
enum {
	NSM_BPF_CGROUP,
	NSM_BPF_IPC,
	NSM_BPF_MNT,
	NSM_BPF_NET,
	NSM_BPF_PID,
	NSM_BPF_TIME,
	NSM_BPF_USER,
	NSM_BPF_UTS,
	NSM_BPF_NTYPES,
	NSM_BPF_PID_FC = NSM_BPF_NTYPES,
	NSM_BPF_TIME_FC,
	NSM_BPF_NSLOTS,
};

/* Nesting limit of PID namespaces (MAX_PID_NS_LEVEL) plus the root. */
#define NSM_BPF_MAXLEVELS 33
#define NSM_BPF_COMM 16		/* TASK_COMM_LEN */
#define NSM_BPF_NAME 24		/* enough of a kthread name for nsm_proc */

enum nsm_bpf_kind {
	NSM_REC_PROC = 1,	/* struct nsm_bpf_proc */
	NSM_REC_THREAD,		/* struct nsm_bpf_thread */
	NSM_REC_FD,		/* struct nsm_bpf_fd: an nsfs fd */
	NSM_REC_SOCKET,		/* struct nsm_bpf_fd: a socket fd */
	NSM_REC_NSINFO,		/* struct nsm_bpf_nsinfo */
	NSM_REC_CMDLINE,	/* struct nsm_bpf_cmdline, then its argv */
};

/* nsm_bpf_proc.flags: what user space needs to rebuild /proc's comm. */
#define NSM_BPF_KTHREAD		0x1	/* PF_KTHREAD */
#define NSM_BPF_WQ_WORKER	0x2	/* PF_WQ_WORKER: a kworker */
#define NSM_BPF_WQ_BUSY		0x4	/* worker->current_work != NULL */

/*
 * A thread-group leader.  pid, ppid and nspid are as seen from the PID
 * namespace of the reader (like /proc would show them), the rest is what
 * /proc/PID/stat, status and ns/ say, unformatted.
 */
struct nsm_bpf_proc {
	__u32 kind;
	__u32 pid;
	__u32 ppid;
	__u32 uid;		/* real_cred->uid, kernel-global value */
	__u64 start_ns;		/* task->start_boottime */
	char comm[NSM_BPF_COMM];	/* task->comm, NUL-terminated */
	/* kthreads: kthread->full_name (prefix); kworkers: worker->desc */
	char full[NSM_BPF_NAME];
	char desc[NSM_BPF_NAME];
	__u32 flags;		/* NSM_BPF_KTHREAD ... */
	__u32 nnspid;
	__u64 ns[NSM_BPF_NSLOTS];	/* inode numbers, 0 = unknown */
	__u32 nspid[NSM_BPF_MAXLEVELS];	/* outermost (the reader's) first */
	__u32 nthreads;		/* signal->nr_threads, stat field 20 */
};

/* A thread whose namespaces differ from its leader's in some slot. */
struct nsm_bpf_thread {
	__u32 kind;
	__u32 tgid;
	__u32 tid;
	__u32 pad;
	__u64 ns[NSM_BPF_NSLOTS];	/* the thread's, 0 = unknown */
};

/*
 * An open nsfs fd (NSM_REC_FD) or socket fd (NSM_REC_SOCKET).  tid is the
 * task whose fd table holds it: the leader's (tid == pid) or that of a
 * thread with a table of its own (unshare(CLONE_FILES)).
 */
struct nsm_bpf_fd {
	__u32 kind;
	__u32 pid;
	__u32 tid;
	__u32 fd;
	__u32 type;		/* NSM_BPF_CGROUP ... NSM_BPF_UTS */
	__u32 pad;
	__u64 id;		/* nsfs: the namespace; socket: its net ns */
};

/*
 * /proc/PID/cmdline of a thread-group leader (the PROC record before it):
 * len bytes of argv follow, padded with up to 7 bytes to a multiple of 8.
 * NSM_BPF_CMD_UNREAD: not read here (longer than NSM_BPF_CMDLINE_MAX,
 * rewritten by setproctitle(3), or unreadable), so len is 0 and user space
 * reads /proc if it wants it.
 */
#define NSM_BPF_CMDLINE_MAX 4096
#define NSM_BPF_CMD_UNREAD 0x1

struct nsm_bpf_cmdline {
	__u32 kind;
	__u32 pid;
	__u32 len;
	__u32 flags;		/* NSM_BPF_CMD_UNREAD */
};

#define NSM_BPF_HAS_OWNER_UID 0x1

/*
 * What NS_GET_ID, NS_GET_USERNS, NS_GET_PARENT and NS_GET_OWNER_UID would
 * answer for one namespace, written once per sweep.
 */
struct nsm_bpf_nsinfo {
	__u32 kind;
	__u32 type;		/* NSM_BPF_CGROUP ... NSM_BPF_UTS */
	__u64 id;		/* inode number */
	__u64 ns_id;		/* ns_common.ns_id, 0 where the kernel has none */
	__u64 owner;		/* owning user ns; a user ns: its parent */
	__u64 parent;		/* user and pid namespaces: the parent */
	__u32 owner_uid;	/* user ns: ->owner, kernel-global value */
	__u32 flags;		/* NSM_BPF_HAS_OWNER_UID */
};

#endif /* NSMON_SWEEP_H */
