// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * discover.c - every pass in order.  After a BPF iterator sweep
 * (m->used_bpf) passes 1-3 still run, for the processes it did not see:
 * one readdir of /proc, and a process a kernel policy hides from
 * iterators, or one born after the iterator ran, is read from /proc.
 */
#include <string.h>

#include "nsm.h"
#include "pass.h"

int nsm_discover(struct nsm_model *m)
{
	size_t from;
	int err;

	if (m->opts.bpf && m->live && !m->used_bpf) {
		const char *why = NULL;

		err = nsm_bpf_sweep(m, m->opts.verbose, &why);
		if (err)
			m->bpf_fallback = why ? why : strerror(-err);
	}
	from = m->nprocs;
	err = nsm_scan_procs(m);
	if (!err && m->opts.tasks)
		err = nsm_scan_tasks_from(m, from);
	if (!err && (m->opts.fds || m->opts.sockets))
		err = nsm_scan_fds_from(m, from);
	if (!err && m->opts.bindmounts)
		err = nsm_scan_bindmounts(m);
	if (!err)
		err = nsm_scan_hierarchy(m);
	if (!err && m->opts.mounts)
		err = nsm_scan_mounts(m);
	if (!err)
		err = nsm_finish(m);
	if (!err && m->opts.containers)
		err = nsm_scan_containers(m);
	if (m->gaps_more)
		nsm_warn(m, "%zu more reads failed for want of fds or memory",
			 m->gaps_more);
	return err;
}
