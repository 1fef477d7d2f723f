/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * events.h - the records the event feed (events.bpf.c) puts into its ring
 * buffer and user/cmd_watch.c reads back.  Plain fixed-size types only:
 * the same bytes are read by BPF (vmlinux.h types) and by user space
 * (<linux/types.h>).
 *
 * One record per namespace created or destroyed, one per task whose own
 * namespaces changed (setns, unshare) with the from/to pair of each type.
 */
#ifndef NSMON_EVENTS_H
#define NSMON_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Types in the order of enum nsm_type (discovery/nsm.h). */
enum {
	NSM_EV_CGROUP,
	NSM_EV_IPC,
	NSM_EV_MNT,
	NSM_EV_NET,
	NSM_EV_PID,
	NSM_EV_TIME,
	NSM_EV_USER,
	NSM_EV_UTS,
	NSM_EV_NTYPES,
};

enum nsm_ev_kind {
	NSM_EV_CREATE = 1,
	NSM_EV_SWITCH,
	NSM_EV_DESTROY,
};

/* SPEC's via of create, switch and destroy. */
enum nsm_ev_via {
	NSM_EV_VIA_CLONE = 1,
	NSM_EV_VIA_UNSHARE,
	NSM_EV_VIA_SETNS,
	NSM_EV_VIA_EXIT,
	NSM_EV_VIA_SWITCH,	/* destroy: the last holder switched away */
};

#define NSM_EV_COMM 16		/* TASK_COMM_LEN */
/* 8 types and time_for_children, created or destroyed by one event */
#define NSM_EV_MAXNS 12

struct nsm_ev_ns {
	__u32 kind;		/* NSM_EV_CREATE, NSM_EV_DESTROY */
	__u32 via;		/* enum nsm_ev_via */
	__u32 type;		/* NSM_EV_CGROUP ... */
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
	char comm[NSM_EV_COMM];
	__u32 via;		/* of the switch */
	__u32 nns;		/* entries used in ns[] */
	/* switch: per type, 0/0 where nothing changed */
	__u64 from[NSM_EV_NTYPES];
	__u64 to[NSM_EV_NTYPES];
	struct nsm_ev_ns ns[NSM_EV_MAXNS];
};

/*
 * Hints: something that may have released a namespace that no task
 * holds (a bind mount, an nsfs fd, a socket) or a user/PID namespace
 * (freed after the exit tracepoint), which the feed cannot see go.  The
 * kernel adds one to the kind's counter in the global `hints` (.bss,
 * mmapped by user space, which takes them with an atomic exchange) and
 * submits a struct nsm_hint only when the counter was zero: one wakeup per check, however many
 * umounts or closes come.  User space then checks the liveness of the
 * namespaces that could have gone (user/cmd_watch.c).
 */
enum nsm_hint_kind {
	NSM_HK_UMOUNT,		/* a umount2() succeeded */
	NSM_HK_CLOSE,		/* close() of an nsfs fd */
	NSM_HK_EXIT,		/* the exit of a process in a non-initial
				 * user or PID namespace, or of a holder */
	NSM_HINT_N,
};

/* A ring record of this size is a hint, not a struct nsm_ev. */
struct nsm_hint {
	__u64 ts;
	__u32 bits;		/* 1 << enum nsm_hint_kind */
	__u32 pid;
	__u64 id;		/* close: the nsfs inode (namespace) closed */
};

#endif
