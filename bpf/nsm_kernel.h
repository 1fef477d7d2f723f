/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsm_kernel.h - kernel constants the BPF programs need that vmlinux.h
 * (BTF: types only) does not carry: the CLONE_NEW* flags of
 * include/uapi/linux/sched.h and the filesystem magics of
 * include/uapi/linux/magic.h.  Shared by every BPF program here.
 */
#ifndef NSM_KERNEL_H
#define NSM_KERNEL_H

#define CLONE_NEWTIME	0x00000080
#define CLONE_NEWNS	0x00020000
#define CLONE_NEWCGROUP	0x02000000
#define CLONE_NEWUTS	0x04000000
#define CLONE_NEWIPC	0x08000000
#define CLONE_NEWUSER	0x10000000
#define CLONE_NEWPID	0x20000000
#define CLONE_NEWNET	0x40000000
#define CLONE_NEW_ANY	(CLONE_NEWTIME | CLONE_NEWNS | CLONE_NEWCGROUP | \
			 CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | \
			 CLONE_NEWPID | CLONE_NEWNET)

#define NSFS_MAGIC	0x6e736673
#define SOCKFS_MAGIC	0x534F434B

#endif /* NSM_KERNEL_H */
