/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ns_common.bpf.h - what every namespace has (struct ns_common: the inode
 * number, 6.18's ns_id, the reference count) and its owning user
 * namespace, read with direct (fault-safe) loads through typed (BTF)
 * pointers, as the event feed reads them: bpf_probe_read_kernel() would
 * be a helper call per field (~35 ns), some 40 per unshare.  Include after
 * vmlinux.h and <bpf/bpf_core_read.h>.
 *
 * The iterator sweep (sweep.bpf.c) reads the same fields, but at offsets
 * its layout program found once per load, with no CO-RE relocation in
 * the iterators themselves (their load time is part of every `nsmon ls`):
 * it does not use these.
 */
#ifndef NSM_NS_COMMON_BPF_H
#define NSM_NS_COMMON_BPF_H

/* Before 6.18 the namespace refcount was called count. */
struct ns_common___old {
	refcount_t count;
} __attribute__((preserve_access_index));

/*
 * One namespace, as scalars only: typed pointers kept in an array make
 * the verifier walk the loops over it state by state (over its 1M
 * instructions).
 */
struct ns_val {
	__u64 ns_id;		/* 6.18+ */
	__u32 inum;		/* 0: none */
	__u32 owner;		/* owning user namespace (inode number) */
	__u32 parent;		/* user, PID: the parent namespace */
	__s32 refs;
};

static __always_inline int ns_common_refs(struct ns_common *c)
{
	if (bpf_core_field_exists(struct ns_common, __ns_ref))
		return c->__ns_ref.refs.counter;
	return ((struct ns_common___old *)c)->count.refs.counter;
}

static __always_inline void ns_common_val(struct ns_val *v,
					  struct ns_common *c)
{
	v->inum = c->inum;
	if (!v->inum)
		return;
	if (bpf_core_field_exists(struct ns_common, ns_id))
		v->ns_id = c->ns_id;
	v->refs = ns_common_refs(c);
}

/* The inode number of a typed namespace pointer p, 0 for NULL. */
#define NS_INUM(p) ((p) ? (p)->ns.inum : 0)

/*
 * v from a typed namespace pointer p (a struct with ns and user_ns),
 * NULL or not (a load through NULL gives 0).
 */
#define NS_VAL(v, p)                                                     \
	do {                                                             \
		if (p) {                                                 \
			ns_common_val((v), &(p)->ns);                    \
			(v)->owner = (p)->user_ns->ns.inum;              \
		}                                                        \
	} while (0)

#endif /* NSM_NS_COMMON_BPF_H */
