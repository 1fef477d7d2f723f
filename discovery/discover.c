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

/*
 * Each capability this sweep needs and lacks: one warning naming it and
 * what is missed (nsm_privs[]).  Without those of BPF the /proc sweep does
 * the work, complete if the rest are there; any other makes the answer
 * incomplete (SPEC "Exit status": a missing capability).  A fixture tree
 * needs none.
 */
static void check_privs(struct nsm_model *m)
{
	unsigned need;
	size_t i;

	if (!m->live)
		return;
	need = nsm_priv_needs(&m->opts, m->opts.bpf, !m->used_bpf);
	m->caps_missing = nsm_privs_missing(need, nsm_effective_caps());
	for (i = 0; i < nsm_nprivs; i++) {
		const struct nsm_priv *p = &nsm_privs[i];

		if (!(m->caps_missing >> p->cap & 1))
			continue;
		if (p->need & NSM_NEED_BPF)
			nsm_warn(m, "without %s: %s", p->name, p->lost);
		else
			nsm_incomplete(m, "without %s: %s", p->name, p->lost);
	}
}

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
	check_privs(m);
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
