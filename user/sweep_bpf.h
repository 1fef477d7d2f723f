/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sweep_bpf.h - passes 1-4 (processes, tasks, fds, sockets) from one read of
 * the iter/task and iter/task_file BPF iterators. */
#ifndef NSMON_SWEEP_BPF_H
#define NSMON_SWEEP_BPF_H

#include "nsm.h"

/*
 * Fills m as nsm_scan_procs + nsm_scan_tasks + nsm_scan_fds would (honouring
 * m->opts.tasks/fds/sockets) and sets m->used_bpf.  Returns -errno when the
 * programs cannot be loaded or attached (m is then untouched, so the caller
 * can fall back to the /proc sweep); why is written to *why (static text).
 */
int nsm_bpf_sweep(struct nsm_model *m, int verbose, const char **why);

#endif
