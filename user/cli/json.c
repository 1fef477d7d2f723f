// SPDX-License-Identifier: GPL-2.0-or-later
/* json.c - the discover document (SPEC: "The discover document"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "nsm.h"

static cJSON *pids_array(const struct nsm_pids *p)
{
	cJSON *a = cJSON_CreateArray();
	size_t i;

	for (i = 0; a && i < p->n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber(p->v[i]));
	return a;
}

static cJSON *ref_json(const struct nsm_ref *r)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "via", nsm_via_name(r->via));
	switch (r->via) {
	case NSM_VIA_PROCESS:
		cJSON_AddNumberToObject(o, "pid", r->pid);
		break;
	case NSM_VIA_CHILDREN:
		cJSON_AddNumberToObject(o, "pid", r->pid);
		if (r->tid)
			cJSON_AddNumberToObject(o, "tid", r->tid);
		break;
	case NSM_VIA_TASK:
		cJSON_AddNumberToObject(o, "pid", r->pid);
		cJSON_AddNumberToObject(o, "tid", r->tid);
		break;
	case NSM_VIA_FD:
	case NSM_VIA_SOCKET:
		cJSON_AddNumberToObject(o, "pid", r->pid);
		cJSON_AddNumberToObject(o, "fd", r->fd);
		if (r->tid)
			cJSON_AddNumberToObject(o, "tid", r->tid);
		break;
	case NSM_VIA_BINDMOUNT:
		cJSON_AddStringToObject(o, "path", r->path ? r->path : "");
		cJSON_AddNumberToObject(o, "mntns", (double)r->mntns);
		break;
	default:
		break;
	}
	return o;
}

/* ids are < 2^53 (inode numbers are 32-bit, ns_ids are counters) */
static void add_id(cJSON *o, const char *key, uint64_t id)
{
	if (id)
		cJSON_AddNumberToObject(o, key, (double)id);
	else
		cJSON_AddNullToObject(o, key);
}

cJSON *nsm_json_namespace(const struct nsm_model *m, const struct nsm_ns *ns)
{
	cJSON *o = cJSON_CreateObject(), *a;
	size_t i;

	cJSON_AddNumberToObject(o, "id", (double)ns->id);
	if (ns->ns_id)
		cJSON_AddNumberToObject(o, "ns_id", (double)ns->ns_id);
	cJSON_AddStringToObject(o, "type", nsm_type_name(ns->type));
	cJSON_AddBoolToObject(o, "initial", ns->initial);
	if (m->opts.owners)
		add_id(o, "owner", ns->owner);
	if (m->opts.hierarchy &&
	    (ns->type == NSM_USER || ns->type == NSM_PID)) {
		add_id(o, "parent", ns->parent);
		a = cJSON_AddArrayToObject(o, "children");
		for (i = 0; i < ns->children.n; i++)
			cJSON_AddItemToArray(
				a, cJSON_CreateNumber((double)ns->children.v[i]));
	}
	if (ns->type == NSM_USER && ns->has_owner_uid)
		cJSON_AddNumberToObject(o, "owner_uid", ns->owner_uid);
	cJSON_AddItemToObject(o, "processes", pids_array(&ns->procs));
	cJSON_AddItemToObject(o, "tasks", pids_array(&ns->tasks));
	cJSON_AddItemToObject(o, "leaders", pids_array(&ns->leaders));
	if (ns->ealdorman)
		cJSON_AddNumberToObject(o, "ealdorman", ns->ealdorman);
	else
		cJSON_AddNullToObject(o, "ealdorman");
	a = cJSON_AddArrayToObject(o, "refs");
	for (i = 0; i < ns->nrefs; i++)
		cJSON_AddItemToArray(a, ref_json(&ns->refs[i]));
	if (m->opts.containers) {
		a = cJSON_AddArrayToObject(o, "containers");
		for (i = 0; i < ns->nctrs; i++)
			cJSON_AddItemToArray(
				a, cJSON_CreateString(ns->ctrs[i]->id));
	}
	return o;
}

cJSON *nsm_json_process(const struct nsm_model *m, const struct nsm_proc *p)
{
	cJSON *o = cJSON_CreateObject(), *a, *ns;
	size_t off;
	int slot;

	cJSON_AddNumberToObject(o, "pid", p->pid);
	cJSON_AddNumberToObject(o, "ppid", p->ppid);
	cJSON_AddStringToObject(o, "comm", p->comm);
	a = cJSON_AddArrayToObject(o, "cmdline");
	for (off = 0; p->cmdline && off < p->cmdline_len;) {
		size_t len = strnlen(p->cmdline + off, p->cmdline_len - off);
		char *s = strndup(p->cmdline + off, len);

		if (s)
			cJSON_AddItemToArray(a, cJSON_CreateString(s));
		free(s);
		off += len + 1;
	}
	cJSON_AddNumberToObject(o, "uid", p->uid);
	cJSON_AddNumberToObject(o, "starttime", (double)p->starttime);
	if (p->cgroup)
		cJSON_AddStringToObject(o, "cgroup", p->cgroup);
	else
		cJSON_AddNullToObject(o, "cgroup");
	ns = cJSON_AddObjectToObject(o, "namespaces");
	for (slot = 0; slot < NSM_NSLOTS; slot++)
		add_id(ns, nsm_slot_name(slot), p->ns[slot]);
	a = cJSON_AddArrayToObject(o, "nspid");
	for (off = 0; off < p->nnspid; off++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber(p->nspid[off]));
	if (p->container)
		cJSON_AddStringToObject(o, "container", p->container->id);
	else if (m->opts.containers)
		cJSON_AddNullToObject(o, "container");
	return o;
}

cJSON *nsm_json_container(const struct nsm_container *c)
{
	cJSON *o = cJSON_CreateObject(), *l, *g;
	size_t i;

	cJSON_AddStringToObject(o, "id", c->id);
	cJSON_AddStringToObject(o, "name", c->name);
	cJSON_AddStringToObject(o, "engine", nsm_engine_name(c->engine));
	if (c->pid)
		cJSON_AddNumberToObject(o, "pid", c->pid);
	else
		cJSON_AddNullToObject(o, "pid");
	cJSON_AddBoolToObject(o, "paused", c->paused);
	l = cJSON_AddObjectToObject(o, "labels");
	for (i = 0; i < c->nlabels; i++)
		cJSON_AddStringToObject(l, c->labels[i].key,
					c->labels[i].value);
	if (c->group_kind) {
		g = cJSON_AddObjectToObject(o, "group");
		cJSON_AddStringToObject(g, "kind", c->group_kind);
		cJSON_AddStringToObject(g, "name", c->group_name);
	} else {
		cJSON_AddNullToObject(o, "group");
	}
	return o;
}

cJSON *nsm_json_mount(const struct nsm_mountinfo *mi)
{
	cJSON *o = cJSON_CreateObject(), *a;
	const char *t = mi->tags;
	char buf[64];

	cJSON_AddNumberToObject(o, "mount_id", mi->mount_id);
	cJSON_AddNumberToObject(o, "parent_id", mi->parent_id);
	snprintf(buf, sizeof(buf), "%u:%u", mi->major, mi->minor);
	cJSON_AddStringToObject(o, "dev", buf);
	cJSON_AddStringToObject(o, "root", mi->root);
	cJSON_AddStringToObject(o, "path", mi->path);
	cJSON_AddStringToObject(o, "fstype", mi->fstype);
	cJSON_AddStringToObject(o, "source", mi->source);
	cJSON_AddStringToObject(o, "options", mi->options);
	cJSON_AddStringToObject(o, "super_options", mi->super_options);
	a = cJSON_AddArrayToObject(o, "tags");
	while (t && *t) {
		size_t n = strcspn(t, " ");
		char *tag = strndup(t, n);

		if (tag)
			cJSON_AddItemToArray(a, cJSON_CreateString(tag));
		free(tag);
		t += n;
		t += strspn(t, " ");
	}
	cJSON_AddStringToObject(o, "propagation",
				nsm_mount_propagation(mi, buf, sizeof(buf)));
	cJSON_AddBoolToObject(o, "hidden", mi->hidden);
	return o;
}

/* "mounts": {"<mnt ns id>": [mount, ...]} for every table read */
static void add_mounts(cJSON *doc, const struct nsm_model *m)
{
	cJSON *o = cJSON_AddObjectToObject(doc, "mounts"), *a;
	char key[32];
	size_t i, j;

	for (i = 0; o && i < m->nns; i++) {
		const struct nsm_mounts *mt = m->ns[i]->mounts;

		if (m->ns[i]->type != NSM_MNT || !mt)
			continue;
		snprintf(key, sizeof(key), "%llu",
			 (unsigned long long)m->ns[i]->id);
		a = cJSON_AddArrayToObject(o, key);
		for (j = 0; a && j < mt->n; j++)
			cJSON_AddItemToArray(a, nsm_json_mount(&mt->v[j]));
	}
}

static void add_time(cJSON *doc, const struct nsm_model *m)
{
	char buf[64], tz[8];
	struct tm tm;
	time_t t = m->time.sec;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(tz, sizeof(tz), ".%03dZ", (int)(m->time.nsec / 1000000));
	strncat(buf, tz, sizeof(buf) - strlen(buf) - 1);
	cJSON_AddStringToObject(doc, "time", buf);
}

static void add_host(cJSON *doc)
{
	cJSON *h = cJSON_AddObjectToObject(doc, "host");
	char host[256] = "", *boot = NULL;
	struct utsname u;
	FILE *f;

	gethostname(host, sizeof(host) - 1);
	cJSON_AddStringToObject(h, "hostname", host);
	cJSON_AddStringToObject(h, "kernel", uname(&u) ? "" : u.release);
	f = fopen("/proc/sys/kernel/random/boot_id", "re");
	if (f) {
		size_t n = 0;

		if (getline(&boot, &n, f) > 0)
			boot[strcspn(boot, "\n")] = '\0';
		fclose(f);
	}
	cJSON_AddStringToObject(h, "boot_id", boot ? boot : "");
	free(boot);
}

cJSON *nsm_json_document(const struct nsm_model *m)
{
	cJSON *doc = cJSON_CreateObject(), *o, *a;
	size_t i;

	if (!doc)
		return NULL;
	cJSON_AddNumberToObject(doc, "schema", NSM_SCHEMA);
	cJSON_AddStringToObject(doc, "version", NSM_VERSION);
	add_time(doc, m);
	add_host(doc);
	o = cJSON_AddObjectToObject(doc, "options");
	cJSON_AddBoolToObject(o, "tasks", m->opts.tasks);
	cJSON_AddBoolToObject(o, "fds", m->opts.fds);
	cJSON_AddBoolToObject(o, "sockets", m->opts.sockets);
	cJSON_AddBoolToObject(o, "bindmounts", m->opts.bindmounts);
	cJSON_AddBoolToObject(o, "hierarchy", m->opts.hierarchy);
	cJSON_AddBoolToObject(o, "owners", m->opts.owners);
	cJSON_AddBoolToObject(o, "mounts", m->opts.mounts);
	cJSON_AddBoolToObject(o, "containers", m->opts.containers);
	cJSON_AddStringToObject(o, "sweep", m->used_bpf ? "bpf" : "proc");
	cJSON_AddStringToObject(o, "proc_root", m->opts.proc_root);
	a = cJSON_AddArrayToObject(doc, "namespaces");
	for (i = 0; i < m->nns; i++)
		cJSON_AddItemToArray(a, nsm_json_namespace(m, m->ns[i]));
	a = cJSON_AddArrayToObject(doc, "processes");
	for (i = 0; i < m->nprocs; i++)
		cJSON_AddItemToArray(a, nsm_json_process(m, m->procs[i]));
	add_mounts(doc, m);
	a = cJSON_AddArrayToObject(doc, "containers");
	for (i = 0; i < m->ncontainers; i++)
		cJSON_AddItemToArray(a, nsm_json_container(m->containers[i]));
	/* false: something could not be read for a reason of ours; the
	 * warnings say what (SPEC "Exit status") */
	cJSON_AddBoolToObject(doc, "complete", !m->incomplete);
	a = cJSON_AddArrayToObject(doc, "warnings");
	for (i = 0; i < m->nwarnings; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(m->warnings[i]));
	return doc;
}

int nsm_json_print(cJSON *doc, FILE *out, bool pretty)
{
	char *s = pretty ? cJSON_Print(doc) : cJSON_PrintUnformatted(doc);
	int err = 0;

	if (!s)
		return -ENOMEM;
	if (fputs(s, out) == EOF || fputc('\n', out) == EOF ||
	    fflush(out) == EOF)
		err = -errno;
	free(s);
	return err;
}
