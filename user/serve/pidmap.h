/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pidmap.h - a process's PIDs in every PID namespace from its own up to
 * the outermost one its procfs shows (lxkns's PID map; SPEC /api/pidmap).
 */
#ifndef NSMON_PIDMAP_H
#define NSMON_PIDMAP_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "nsm.h"

struct pidmap_ent {
	uint64_t pidns;		/* 0: not known (no hierarchy up to it) */
	pid_t pid;
};

/*
 * p's PIDs into out (at most max), its own PID namespace's first: NSpid
 * read backwards (the kernel writes the outermost first), the PID
 * namespaces from p's own up its parents in m.  Returns how many.
 */
size_t pidmap_of(const struct nsm_model *m, const struct nsm_proc *p,
		 struct pidmap_ent *out, size_t max);
/* {"pid": P, "nspids": [{"pidns": ID or null, "pid": P1}, ...]} */
cJSON *pidmap_json(const struct nsm_model *m, const struct nsm_proc *p);

#endif
