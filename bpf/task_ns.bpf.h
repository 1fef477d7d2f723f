/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * task_ns.bpf.h - a task's namespaces, as /proc/PID/ns/ shows them, read
 * through a typed (BTF) task pointer with direct loads (ns_common.bpf.h):
 * what the event feed's fork, exit, unshare and setns programs compare.
 * Include after vmlinux.h and <bpf/bpf_core_read.h>.
 *
 * The iterator sweep follows the same rules (task_slots() in
 * sweep.bpf.c) at the offsets of its layout program instead of CO-RE
 * relocations, and adds pid_for_children, which the feed does not report.
 */
#ifndef NSM_TASK_NS_BPF_H
#define NSM_TASK_NS_BPF_H

#include "nsm_abi.h"
#include "kernel.bpf.h"
#include "pid.bpf.h"
#include "ns_common.bpf.h"

struct ns_set {
	struct ns_val ns[NSM_NTYPES];
	struct ns_val fc;	/* time_ns_for_children */
	__s32 np_refs;		/* the nsproxy's; 0: none (past exit) */
};

/*
 * How many references an nsproxy holds on its time namespace: two when
 * time_ns and time_ns_for_children are the same one.
 */
static __always_inline int own_refs(const struct ns_set *s, int i)
{
	return i == NSM_TIME && s->fc.inum == s->ns[NSM_TIME].inum ? 2 : 1;
}

/*
 * The PID namespace of a struct upid, typed for direct loads (NULL stays
 * NULL).  numbers[level] of a task's thread_pid: task_active_pid_ns().
 */
static __always_inline struct pid_namespace *
upid_pidns(const struct upid_abi *up)
{
	return bpf_rdonly_cast((void *)up->ns,
			       bpf_core_type_id_kernel(struct pid_namespace));
}

/*
 * The namespaces /proc/PID/ns/ shows: the user ns of the objective
 * credentials, the PID ns of the task's own struct pid, the rest from the
 * nsproxy (NULL once the task has gone past exit_task_namespaces()).
 * t: a typed (BTF) task pointer.
 */
static __always_inline void task_ns(struct task_struct *t, struct ns_set *s)
{
	struct user_namespace *u = t->real_cred->user_ns;
	struct nsproxy *np = t->nsproxy;
	struct pid *pid = t->thread_pid;
	struct upid_abi up = {};
	struct pid_namespace *pns;
	struct ns_val *v;
	__u32 level = pid->level;

	__builtin_memset(s, 0, sizeof(*s));
	v = &s->ns[NSM_USER];
	ns_common_val(v, &u->ns);
	/* NS_GET_USERNS of a user namespace is its parent */
	v->owner = v->parent = NS_INUM(u->parent);
	/* a variable index: not a direct load */
	upid_read(&up, &pid->numbers, level);
	pns = upid_pidns(&up);
	v = &s->ns[NSM_PID];
	NS_VAL(v, pns);
	v->parent = pns ? NS_INUM(pns->parent) : 0;
	if (!np)
		return;
	s->np_refs = np->count.refs.counter;
	NS_VAL(&s->ns[NSM_CGROUP], np->cgroup_ns);
	NS_VAL(&s->ns[NSM_IPC], np->ipc_ns);
	NS_VAL(&s->ns[NSM_MNT], np->mnt_ns);
	NS_VAL(&s->ns[NSM_NET], np->net_ns);
	NS_VAL(&s->ns[NSM_UTS], np->uts_ns);
	if (bpf_core_type_exists(struct time_namespace)) {
		NS_VAL(&s->ns[NSM_TIME], np->time_ns);
		NS_VAL(&s->fc, np->time_ns_for_children);
	}
}

/* Only the inode numbers, as task_ns() reads them. */
static __always_inline void task_inums(struct task_struct *t, __u32 *inum)
{
	struct nsproxy *np = t->nsproxy;
	struct pid *pid = t->thread_pid;
	struct upid_abi up = {};
	struct pid_namespace *pns;
	__u32 level = pid->level;

	__builtin_memset(inum, 0, sizeof(__u32) * (NSM_NTYPES + 1));
	inum[NSM_USER] = t->real_cred->user_ns->ns.inum;
	upid_read(&up, &pid->numbers, level);
	pns = upid_pidns(&up);
	inum[NSM_PID] = NS_INUM(pns);
	if (!np)
		return;
	inum[NSM_CGROUP] = NS_INUM(np->cgroup_ns);
	inum[NSM_IPC] = NS_INUM(np->ipc_ns);
	inum[NSM_MNT] = NS_INUM(np->mnt_ns);
	inum[NSM_NET] = NS_INUM(np->net_ns);
	inum[NSM_UTS] = NS_INUM(np->uts_ns);
	if (bpf_core_type_exists(struct time_namespace)) {
		inum[NSM_TIME] = NS_INUM(np->time_ns);
		inum[NSM_NTYPES] = NS_INUM(np->time_ns_for_children);
	}
}

#endif /* NSM_TASK_NS_BPF_H */
