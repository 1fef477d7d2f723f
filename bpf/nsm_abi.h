/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsm_abi.h - the one header the BPF programs and user space share: the
 * namespace types, the clone flags, the records of the iterator sweep
 * (sweep.bpf.c -> discovery/sweep_bpf.c) and of the event feed
 * (events.bpf.c -> user/agent/).  Plain fixed-size types only: the same
 * bytes are read by BPF (vmlinux.h types) and by user space
 * (<linux/types.h>).  A change here is a change of both sides.
 */
#ifndef NSM_ABI_H
#define NSM_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * Namespace types, alphabetical as the discover document and lsns list
 * them, then the two "for children" slots of a task
 * (/proc/PID/ns/pid_for_children, time_for_children).  Records index
 * their per-type arrays with these.
 */
enum nsm_type {
	NSM_CGROUP,
	NSM_IPC,
	NSM_MNT,
	NSM_NET,
	NSM_PID,
	NSM_TIME,
	NSM_USER,
	NSM_UTS,
	NSM_NTYPES,
	NSM_TYPE_NONE = -1,
};

enum nsm_slot {
	NSM_SLOT_PID_FC = NSM_NTYPES,
	NSM_SLOT_TIME_FC,
	NSM_NSLOTS,
};

/* include/uapi/linux/sched.h; vmlinux.h (BTF: types only) lacks them */
#define NSM_CLONE_NEWTIME	0x00000080
#define NSM_CLONE_NEWNS		0x00020000
#define NSM_CLONE_NEWCGROUP	0x02000000
#define NSM_CLONE_NEWUTS	0x04000000
#define NSM_CLONE_NEWIPC	0x08000000
#define NSM_CLONE_NEWUSER	0x10000000
#define NSM_CLONE_NEWPID	0x20000000
#define NSM_CLONE_NEWNET	0x40000000
#define NSM_CLONE_NEW_ANY	(NSM_CLONE_NEWTIME | NSM_CLONE_NEWNS | \
				 NSM_CLONE_NEWCGROUP | NSM_CLONE_NEWUTS | \
				 NSM_CLONE_NEWIPC | NSM_CLONE_NEWUSER | \
				 NSM_CLONE_NEWPID | NSM_CLONE_NEWNET)

#define NSM_COMM_LEN 16		/* TASK_COMM_LEN */

/*
 * The iterator sweep.  Every record starts with a __u32 kind; the size of
 * a record follows from its kind, so the stream needs no other framing.
 *
 * The stream: the iter/task output (a PROC and a CMDLINE per
 * thread-group leader, a THREAD per loose thread, an NSINFO for each
 * namespace the first time it, or a parent or owner of it, comes up),
 * then the iter/task_file output (FD, SOCKET).  A namespace that only an
 * fd or a socket holds has no NSINFO.  All sizes are multiples of 8; a
 * CMDLINE record's follows from its len.
 */

/* Nesting limit of PID namespaces (MAX_PID_NS_LEVEL) plus the root. */
#define NSM_BPF_MAXLEVELS 33
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
	char comm[NSM_COMM_LEN];	/* task->comm, NUL-terminated */
	/* kthreads: kthread->full_name (prefix); kworkers: worker->desc */
	char full[NSM_BPF_NAME];
	char desc[NSM_BPF_NAME];
	__u32 flags;		/* NSM_BPF_KTHREAD ... */
	__u32 nnspid;
	__u64 ns[NSM_NSLOTS];	/* inode numbers, 0 = unknown */
	__u32 nspid[NSM_BPF_MAXLEVELS];	/* outermost (the reader's) first */
	__u32 nthreads;		/* signal->nr_threads, stat field 20 */
};

/* A thread whose namespaces differ from its leader's in some slot. */
struct nsm_bpf_thread {
	__u32 kind;
	__u32 tgid;
	__u32 tid;
	__u32 pad;
	__u64 ns[NSM_NSLOTS];	/* the thread's, 0 = unknown */
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
	__u32 type;		/* NSM_CGROUP ... NSM_UTS */
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
	__u32 type;		/* NSM_CGROUP ... NSM_UTS */
	__u64 id;		/* inode number */
	__u64 ns_id;		/* ns_common.ns_id, 0 where the kernel has none */
	__u64 owner;		/* owning user ns; a user ns: its parent */
	__u64 parent;		/* user and pid namespaces: the parent */
	__u32 owner_uid;	/* user ns: ->owner, kernel-global value */
	__u32 flags;		/* NSM_BPF_HAS_OWNER_UID */
};


/*
 * The event feed: one record per namespace created or destroyed, one per
 * task whose own namespaces changed (setns, unshare) with the from/to
 * pair of each type.
 */

enum nsm_ev_kind {
	NSM_EV_CREATE = 1,
	NSM_EV_SWITCH,
	NSM_EV_DESTROY,
	/*
	 * The last task of its nsproxy exited, but a few references more
	 * than the nsproxy's hold the namespace: an fd, a mount, a socket,
	 * or a reader's for a moment (another tool's, a liveness check).
	 * Not reported; if it is found gone soon after, the exit was its
	 * end.
	 */
	NSM_EV_DYING,
};

/* SPEC's via of create, switch and destroy. */
enum nsm_ev_via {
	NSM_EV_VIA_CLONE = 1,
	NSM_EV_VIA_UNSHARE,
	NSM_EV_VIA_SETNS,
	NSM_EV_VIA_EXIT,
	NSM_EV_VIA_SWITCH,	/* destroy: the last holder switched away */
};

/* 8 types and time_for_children, created or destroyed by one event */
#define NSM_EV_MAXNS 12

struct nsm_ev_ns {
	__u32 kind;		/* NSM_EV_CREATE, NSM_EV_DESTROY */
	__u32 via;		/* enum nsm_ev_via */
	__u32 type;		/* NSM_CGROUP ... */
	__u32 pad;
	__u64 id;		/* inode number */
	__u64 ns_id;		/* ns_common.ns_id, 0 before 6.18 */
	__u64 owner;		/* create: owning user ns (a user ns: parent) */
	__u64 parent;		/* create of user, pid: the parent namespace */
};

/*
 * One record per kernel event (a fork, an exit, an unshare or setns):
 * every ring-buffer submit may wake the reader, and a wakeup costs more
 * than the rest of the program (an IPI, in a VM an exit to the host).
 * User space reports the creates, then the switch, then the destroys.
 */
struct nsm_ev {
	__u64 ts;		/* bpf_ktime_get_boot_ns() */
	__u32 pid;		/* tgid, in the initial PID namespace */
	__u32 tid;
	char comm[NSM_COMM_LEN];
	__u32 via;		/* of the switch */
	__u32 nns;		/* entries used in ns[] */
	/* switch: per type, 0/0 where nothing changed */
	__u64 from[NSM_NTYPES];
	__u64 to[NSM_NTYPES];
	struct nsm_ev_ns ns[NSM_EV_MAXNS];
};

/*
 * Hints: something that may have released a namespace that no task
 * holds (a bind mount, an nsfs fd, a socket) or a user/PID namespace
 * (freed after the exit tracepoint), which the feed cannot see go.  The
 * kernel adds one to the kind's counter in the global `hints` (.bss,
 * mmapped by user space, which takes them with an atomic exchange) and
 * submits a struct nsm_hint only when the counter was zero: one wakeup
 * per check, however many umounts or closes come.  User space then
 * checks the liveness of the namespaces that could have gone
 * (user/agent/).
 */
enum nsm_hint_kind {
	NSM_HK_UMOUNT,		/* a umount2() succeeded */
	NSM_HK_CLOSE,		/* close() of an nsfs fd */
	NSM_HK_EXIT,		/* an exit that may end a user or PID
				 * namespace (user space sweeps), or a
				 * holder's */
	NSM_HK_EXIT_NS,		/* another exit in a non-initial user or
				 * PID namespace (checks only) */
	NSM_HINT_N,
};

/* A ring record of this size is a hint, not a struct nsm_ev. */
struct nsm_hint {
	__u64 ts;
	__u32 bits;		/* 1 << enum nsm_hint_kind */
	__u32 pid;
	__u64 id;		/* close: the nsfs inode (namespace) closed */
};

#endif /* NSM_ABI_H */
