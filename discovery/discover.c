// SPDX-License-Identifier: GPL-2.0-or-later
/* discover.c - every pass in order; passes 1-3 unless a BPF iterator sweep
 * (m->used_bpf) already filled processes, tasks and fds. */
#include "nsm.h"

int nsm_discover(struct nsm_model *m)
{
	int err = 0;

	if (!m->used_bpf) {
		err = nsm_scan_procs(m);
		if (!err && m->opts.tasks)
			err = nsm_scan_tasks(m);
		if (!err && (m->opts.fds || m->opts.sockets))
			err = nsm_scan_fds(m);
	}
	if (!err && m->opts.bindmounts)
		err = nsm_scan_bindmounts(m);
	if (!err)
		err = nsm_scan_hierarchy(m);
	if (!err)
		err = nsm_finish(m);
	return err;
}
