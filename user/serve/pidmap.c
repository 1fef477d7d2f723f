// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pidmap.c - the PID map of /api/pidmap (pidmap.h): which PID a process
 * has in each PID namespace it is visible in.  The kernel gives the PIDs
 * (NSpid in /proc/PID/status, outermost first, one per level down to the
 * process's own namespace: pid_nr_ns() per level of its struct pid); the
 * namespaces they belong to are the process's own and its ancestors
 * (NS_GET_PARENT), one per level.
 */
#include "pidmap.h"

/* PID namespaces nest at most 32 deep (MAX_PID_NS_LEVEL) */
#define PIDMAP_MAX 33

size_t pidmap_of(const struct nsm_model *m, const struct nsm_proc *p,
		 struct pidmap_ent *out, size_t max)
{
	uint64_t ns = p->ns[NSM_PID];
	const struct nsm_ns *e;
	size_t i = p->nnspid, n = 0;

	while (i > 0 && n < max) {
		out[n].pidns = ns;
		out[n++].pid = p->nspid[--i];
		e = ns ? nsm_ns_get(m, ns) : NULL;
		ns = e ? e->parent : 0;
	}
	return n;
}

cJSON *pidmap_json(const struct nsm_model *m, const struct nsm_proc *p)
{
	struct pidmap_ent v[PIDMAP_MAX];
	cJSON *o = cJSON_CreateObject(), *a, *e;
	size_t i, n = pidmap_of(m, p, v, PIDMAP_MAX);

	cJSON_AddNumberToObject(o, "pid", p->pid);
	a = cJSON_AddArrayToObject(o, "nspids");
	for (i = 0; a && i < n; i++) {
		e = cJSON_CreateObject();
		if (v[i].pidns)
			cJSON_AddNumberToObject(e, "pidns", (double)v[i].pidns);
		else
			cJSON_AddNullToObject(e, "pidns");
		cJSON_AddNumberToObject(e, "pid", v[i].pid);
		cJSON_AddItemToArray(a, e);
	}
	return o;
}
