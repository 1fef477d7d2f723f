// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * finish.c - what follows from the passes: initial flags, children,
 * leaders and the ealdorman, the refs of namespaces known only as a parent
 * or owner, and a stable order for output.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "nsm.h"

/* qsort(NULL, 0, ...) is undefined behaviour; empty arrays are common */
static void sort(void *v, size_t n, size_t sz, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(v, n, sz, cmp);
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int cmp_ns(const void *a, const void *b)
{
	const struct nsm_ns *x = *(const struct nsm_ns *const *)a;
	const struct nsm_ns *y = *(const struct nsm_ns *const *)b;

	return (x->id > y->id) - (x->id < y->id);
}

static int cmp_proc(const void *a, const void *b)
{
	const struct nsm_proc *x = *(const struct nsm_proc *const *)a;
	const struct nsm_proc *y = *(const struct nsm_proc *const *)b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

static int cmp_ref(const void *a, const void *b)
{
	const struct nsm_ref *x = a, *y = b;

	if (x->via != y->via)
		return x->via - y->via;
	if (x->pid != y->pid)
		return (x->pid > y->pid) - (x->pid < y->pid);
	if (x->tid != y->tid)
		return (x->tid > y->tid) - (x->tid < y->tid);
	if (x->fd != y->fd)
		return (x->fd > y->fd) - (x->fd < y->fd);
	if (x->mntns != y->mntns)
		return (x->mntns > y->mntns) - (x->mntns < y->mntns);
	return strcmp(x->path ? x->path : "", y->path ? y->path : "");
}

static void dedup_pids(struct nsm_pids *p)
{
	size_t i, n = 0;

	sort(p->v, p->n, sizeof(*p->v), cmp_pid);
	for (i = 0; i < p->n; i++)
		if (!n || p->v[n - 1] != p->v[i])
			p->v[n++] = p->v[i];
	p->n = n;
}

/*
 * Leaders: processes in ns whose parent is not in it; the ealdorman is the
 * one that started first (ties: lowest pid), lxkns' "most senior" leader.
 */
static int find_leaders(struct nsm_model *m, struct nsm_ns *ns)
{
	const struct nsm_proc *best = NULL;
	size_t i;
	int err;

	ns->leaders.n = 0;
	for (i = 0; i < ns->procs.n; i++) {
		const struct nsm_proc *p = nsm_proc_get(m, ns->procs.v[i]);
		const struct nsm_proc *pp;

		if (!p)
			continue;
		pp = nsm_proc_get(m, p->ppid);
		if (pp && pp->ns[ns->type] == ns->id)
			continue;
		err = nsm_pids_add(&ns->leaders, p->pid);
		if (err)
			return err;
		if (!best || p->starttime < best->starttime ||
		    (p->starttime == best->starttime && p->pid < best->pid))
			best = p;
	}
	ns->ealdorman = best ? best->pid : 0;
	return 0;
}

/*
 * A live procfs shows the processes of its PID namespace and below: one
 * of a container (nsmon in a container without the host's PID namespace,
 * or --proc-root at a container's /proc) hides the rest of the host, and
 * the answer would look complete.  Processes were read, none in the
 * initial PID namespace (a fixed inode number): say so, as incomplete.
 */
static void check_pidns(struct nsm_model *m)
{
	bool known = false;
	size_t i;

	if (!m->live)
		return;
	for (i = 0; i < m->nprocs; i++) {
		uint64_t pidns = m->procs[i]->ns[NSM_PID];

		if (nsm_id_is_initial(NSM_PID, pidns))
			return;
		known |= pidns != 0;
	}
	if (known)
		nsm_incomplete(m, "%s is the procfs of a PID namespace other "
			       "than the host's: only its processes are seen "
			       "(run nsmon in the host's PID namespace: "
			       "--pid=host, hostPID: true)", m->opts.proc_root);
}

int nsm_finish(struct nsm_model *m)
{
	const struct nsm_proc *kthreadd = nsm_proc_get(m, 2);
	size_t i;
	int err;

	/*
	 * Kernel threads run in the initial namespaces; kthreadd (pid 2,
	 * parent 0) names them where the kernel has no fixed inode numbers
	 * for net and mnt (before 6.x).
	 */
	if (kthreadd && kthreadd->ppid != 0)
		kthreadd = NULL;
	check_pidns(m);
	for (i = 0; i < m->nns; i++) {
		struct nsm_ns *ns = m->ns[i];

		ns->initial = nsm_id_is_initial(ns->type, ns->id) ||
			      (kthreadd && kthreadd->ns[ns->type] == ns->id);
		if (ns->type == NSM_USER)
			ns->owner = m->opts.owners ? ns->parent : 0;
		else if (!m->opts.owners)
			ns->owner = 0;
		if (!m->opts.hierarchy && ns->type != NSM_USER)
			ns->parent = 0;
		ns->children.n = 0;
		ns->leaders.n = 0;
	}
	for (i = 0; i < m->nns; i++) {
		struct nsm_ns *ns = m->ns[i], *up;

		if (m->opts.hierarchy && ns->parent &&
		    (up = nsm_ns_get(m, ns->parent)) &&
		    (err = nsm_ids_add(&up->children, ns->id)))
			return err;
	}
	for (i = 0; i < m->nns; i++) {
		struct nsm_ns *ns = m->ns[i];

		dedup_pids(&ns->procs);
		dedup_pids(&ns->tasks);
		err = find_leaders(m, ns);
		if (err)
			return err;
		if (ns->procs.n) {
			err = nsm_ns_add_ref(ns, NSM_VIA_PROCESS,
					     ns->ealdorman ? ns->ealdorman :
							     ns->procs.v[0],
					     0, NULL, 0);
			if (err)
				return err;
		}
		sort(ns->children.v, ns->children.n, sizeof(uint64_t),
		      cmp_u64);
	}
	/* held by nothing but a link from another namespace */
	for (i = 0; i < m->nns; i++) {
		struct nsm_ns *ns = m->ns[i], *up;

		if ((up = nsm_ns_get(m, ns->parent)) && !up->nrefs &&
		    m->opts.hierarchy)
			nsm_ns_add_ref(up, NSM_VIA_HIERARCHY, 0, 0, NULL, 0);
	}
	for (i = 0; i < m->nns; i++) {
		struct nsm_ns *ns = m->ns[i], *up;

		if ((up = nsm_ns_get(m, ns->owner)) && !up->nrefs)
			nsm_ns_add_ref(up, NSM_VIA_OWNER, 0, 0, NULL, 0);
	}
	for (i = 0; i < m->nns; i++)
		sort(m->ns[i]->refs, m->ns[i]->nrefs, sizeof(struct nsm_ref),
		      cmp_ref);
	sort(m->ns, m->nns, sizeof(*m->ns), cmp_ns);
	sort(m->procs, m->nprocs, sizeof(*m->procs), cmp_proc);
	return 0;
}
