/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kernel.bpf.h - kernel constants the BPF programs need that vmlinux.h
 * (BTF: types only) does not carry: the filesystem magics of
 * include/uapi/linux/magic.h.  BPF side only; what user space shares is
 * in nsm_abi.h.
 */
#ifndef NSM_KERNEL_BPF_H
#define NSM_KERNEL_BPF_H

#define NSFS_MAGIC	0x6e736673
#define SOCKFS_MAGIC	0x534F434B

#endif /* NSM_KERNEL_BPF_H */
