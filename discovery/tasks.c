// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tasks.c - pass 2: threads whose namespaces differ from their thread-group
 * leader's ("loose threads": a thread may unshare or setns on its own, e.g.
 * net, uts or ipc; /proc/PID/ns shows only the leader's).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nsm.h"
#include "pass.h"

static int add_loose(struct nsm_model *m, struct nsm_proc *p, pid_t tid,
		     const uint64_t ns[NSM_NSLOTS])
{
	struct nsm_ns *n;
	int slot, err;

	for (slot = 0; slot < NSM_NSLOTS; slot++) {
		if (!ns[slot] || ns[slot] == p->ns[slot])
			continue;
		err = nsm_ns_add(m, ns[slot], nsm_slot_type(slot), &n);
		if (err == -EEXIST)
			continue;
		if (err)
			return err;
		if (slot >= NSM_NTYPES) {
			if (ns[slot] != ns[nsm_slot_type(slot)])
				err = nsm_ns_add_tref(n, NSM_VIA_CHILDREN,
						      p->pid, tid, 0);
		} else {
			err = nsm_pids_add(&n->tasks, tid);
			if (!err)
				err = nsm_ns_add_tref(n, NSM_VIA_TASK, p->pid,
						      tid, 0);
		}
		if (err)
			return err;
	}
	return 0;
}

struct thread_scan {
	struct nsm_model *m;
	struct nsm_proc *p;
};

static int thread_cb(void *ctx, int dirfd, int tid, const char *name)
{
	struct thread_scan *t = ctx;
	char where[PATH_MAX];
	uint64_t ns[NSM_NSLOTS];
	int tfd, err = 0;

	if (tid <= 0 || tid == t->p->pid)
		return 0;
	snprintf(where, sizeof(where), "%s/%d/task/%d", t->m->opts.proc_root,
		 t->p->pid, tid);
	tfd = openat(dirfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (tfd < 0) {
		/* ENOENT: the thread exited */
		nsm_read_error(t->m, -errno, "%s", where);
		return 0;
	}
	if (nsm_read_nslinks(t->m, tfd, where, ns) > 0)
		err = add_loose(t->m, t->p, tid, ns);
	close(tfd);
	return err;
}

static int scan_threads(struct nsm_model *m, struct nsm_proc *p)
{
	struct thread_scan t = { m, p };
	char path[32];
	int i, err;

	/* single-threaded (stat field 20): nothing to compare */
	if (p->nthreads == 1)
		return 0;
	/* unreadable leader (warned) or zombie: its threads tell no more */
	for (i = 0; i < NSM_NSLOTS && !p->ns[i]; i++)
		;
	if (i == NSM_NSLOTS)
		return 0;
	snprintf(path, sizeof(path), "%d/task", p->pid);
	err = nsm_each_number(m->proc_fd, path, thread_cb, &t);
	if (err == -ENOMEM)
		return err;
	/* a process that exits meanwhile: what we read of it stays */
	if (err)
		nsm_read_error(m, err, "%s/%s", m->opts.proc_root, path);
	return 0;
}

int nsm_scan_tasks_from(struct nsm_model *m, size_t from)
{
	size_t i, n = m->nprocs;
	int err;

	for (i = from; i < n; i++) {
		err = scan_threads(m, m->procs[i]);
		if (err)
			return err;
	}
	return 0;
}

int nsm_scan_tasks(struct nsm_model *m)
{
	return nsm_scan_tasks_from(m, 0);
}
