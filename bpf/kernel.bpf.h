/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kernel.bpf.h - what the BPF programs need of the kernel that vmlinux.h
 * (BTF: types only) does not carry: the filesystem magics of
 * include/uapi/linux/magic.h, task flags of include/linux/sched.h, the
 * kfuncs they call.  BPF side only; what user space shares is in
 * nsm_abi.h.
 */
#ifndef NSM_KERNEL_BPF_H
#define NSM_KERNEL_BPF_H

#define NSFS_MAGIC	0x6e736673
#define SOCKFS_MAGIC	0x534F434B

#define PF_WQ_WORKER	0x00000020	/* a workqueue worker (kworker) */
#define PF_KTHREAD	0x00200000

/* 6.2+: types a pointer (void: 6.15+, any offset) for direct loads */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

#endif /* NSM_KERNEL_BPF_H */
