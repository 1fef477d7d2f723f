/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pid.bpf.h - the per-level numbers of a struct pid, read the same way by
 * both programs: the event feed (events.bpf.c) takes a task's PID
 * namespace from them, the iterator sweep (sweep.bpf.c) that and the pid
 * numbers /proc shows the reader.  BPF side only; include after
 * vmlinux.h and <bpf/bpf_helpers.h>.
 *
 * A struct pid ends in numbers[level + 1], one struct upid per PID
 * namespace level it is visible in, numbers[pid->level] being its own
 * (task_active_pid_ns() is numbers[level].ns of the task's thread_pid).
 */
#ifndef NSM_PID_BPF_H
#define NSM_PID_BPF_H

/*
 * struct upid, without a CO-RE relocation (vmlinux.h marks only its own
 * structs for them): it has been { int nr; struct pid_namespace *ns; }
 * since 2.6.24.  ns is a plain number: the sweep adds offsets to it, the
 * feed types it with bpf_rdonly_cast() for direct loads (upid_pidns() in
 * task_ns.bpf.h).
 */
struct upid_abi {
	int nr;
	__u32 pad;
	__u64 ns;
};

/*
 * numbers[level] of a struct pid, given the address of its numbers[]
 * (&pid->numbers through CO-RE, or pid plus the offset sweep_layout
 * found).  A variable index is not a direct load: one helper read, which
 * leaves *up zeroed where it faults (numbers of a NULL pid).  The mask
 * keeps the index bounded (MAX_PID_NS_LEVEL is 32).
 */
static __always_inline void upid_read(struct upid_abi *up, const void *numbers,
				      __u32 level)
{
	bpf_probe_read_kernel(up, sizeof(*up),
			      &((const struct upid_abi *)numbers)[level & 63]);
}

#endif /* NSM_PID_BPF_H */
