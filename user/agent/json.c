// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * json.c - the discover document (SPEC: "The discover document"): the one
 * encoder of `nsmon discover`, `ls --json` and serve's /api/namespaces
 * (and the pieces of it the other HTTP answers are made of).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "nsm.h"

/*
 * A JSON string of n bytes of untrusted text, written by the one encoder
 * (SPEC: U+FFFD per bad byte, controls as \uXXXX): cJSON would pass
 * invalid UTF-8 through.  A raw item is printed as it is.
 */
static cJSON *str_item(const char *s, size_t n)
{
	cJSON *item;
	size_t len;
	char *lit;

	if (n > (SIZE_MAX - 3) / NSM_ENC_RATIO)
		return NULL;
	lit = malloc(NSM_ENC_SIZE(n) + 2);
	if (!lit)
		return NULL;
	lit[0] = '"';
	len = nsm_encode(lit + 1, NSM_ENC_JSON, s, n);
	memcpy(lit + 1 + len, "\"", 2);
	item = cJSON_CreateRaw(lit);
	free(lit);
	return item;
}

/*
 * o[key] = s (none for NULL, as cJSON_AddStringToObject did).  key is
 * untrusted too (a label's): made valid UTF-8, cJSON escapes the rest.
 */
static void add_str(cJSON *o, const char *key, const char *s)
{
	char *k = s ? nsm_encode_dup(NSM_ENC_UTF8, key, strlen(key)) : NULL;
	cJSON *item = k ? str_item(s, strlen(s)) : NULL;

	if (!item || !cJSON_AddItemToObject(o, k, item))
		cJSON_Delete(item);
	free(k);
}

static void add_array_str(cJSON *a, const char *s, size_t n)
{
	cJSON *item = str_item(s, n);

	if (!item || !cJSON_AddItemToArray(a, item))
		cJSON_Delete(item);
}

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
		add_str(o, "path", r->path ? r->path : "");
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
			add_array_str(a, ns->ctrs[i]->id,
				      strlen(ns->ctrs[i]->id));
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
	add_str(o, "comm", p->comm);
	a = cJSON_AddArrayToObject(o, "cmdline");
	for (off = 0; p->cmdline && off < p->cmdline_len;) {
		size_t len = strnlen(p->cmdline + off, p->cmdline_len - off);

		add_array_str(a, p->cmdline + off, len);
		off += len + 1;
	}
	cJSON_AddNumberToObject(o, "uid", p->uid);
	cJSON_AddNumberToObject(o, "starttime", (double)p->starttime);
	if (p->cgroup)
		add_str(o, "cgroup", p->cgroup);
	else
		cJSON_AddNullToObject(o, "cgroup");
	ns = cJSON_AddObjectToObject(o, "namespaces");
	for (slot = 0; slot < NSM_NSLOTS; slot++)
		add_id(ns, nsm_slot_name(slot), p->ns[slot]);
	a = cJSON_AddArrayToObject(o, "nspid");
	for (off = 0; off < p->nnspid; off++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber(p->nspid[off]));
	if (p->container)
		add_str(o, "container", p->container->id);
	else if (m->opts.containers)
		cJSON_AddNullToObject(o, "container");
	return o;
}

cJSON *nsm_json_container(const struct nsm_container *c)
{
	cJSON *o = cJSON_CreateObject(), *l, *g;
	size_t i;

	add_str(o, "id", c->id);
	add_str(o, "name", c->name);
	cJSON_AddStringToObject(o, "engine", nsm_engine_name(c->engine));
	if (c->pid)
		cJSON_AddNumberToObject(o, "pid", c->pid);
	else
		cJSON_AddNullToObject(o, "pid");
	cJSON_AddBoolToObject(o, "paused", c->paused);
	l = cJSON_AddObjectToObject(o, "labels");
	for (i = 0; i < c->nlabels; i++)
		add_str(l, c->labels[i].key, c->labels[i].value);
	if (c->group_kind) {
		g = cJSON_AddObjectToObject(o, "group");
		add_str(g, "kind", c->group_kind);
		add_str(g, "name", c->group_name);
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
	add_str(o, "root", mi->root);
	add_str(o, "path", mi->path);
	add_str(o, "fstype", mi->fstype);
	add_str(o, "source", mi->source);
	add_str(o, "options", mi->options);
	add_str(o, "super_options", mi->super_options);
	a = cJSON_AddArrayToObject(o, "tags");
	while (t && *t) {
		size_t n = strcspn(t, " ");

		add_array_str(a, t, n);
		t += n;
		t += strspn(t, " ");
	}
	cJSON_AddStringToObject(o, "propagation",
				nsm_mount_propagation(mi, buf, sizeof(buf)));
	cJSON_AddBoolToObject(o, "hidden", mi->hidden);
	return o;
}

static bool keep(const struct nsm_json_sel *sel, const struct nsm_ns *ns)
{
	return !sel || sel->keep(sel->ctx, ns);
}

/* "mounts": {"<mnt ns id>": [mount, ...]} for every table read */
/* A mount table: [mount, ...]; NULL: out of memory. */
cJSON *nsm_json_mount_table(const struct nsm_mounts *mt)
{
	cJSON *a = cJSON_CreateArray();
	size_t j;

	for (j = 0; a && j < mt->n; j++)
		cJSON_AddItemToArray(a, nsm_json_mount(&mt->v[j]));
	return a;
}

/* "mounts": {"<mnt ns id>": [mount, ...]} for every table read */
static void add_mounts(cJSON *doc, const struct nsm_model *m,
		       const struct nsm_json_sel *sel)
{
	cJSON *o = cJSON_AddObjectToObject(doc, "mounts");
	char key[32];
	size_t i;

	for (i = 0; o && i < m->nns; i++) {
		const struct nsm_mounts *mt = m->ns[i]->mounts;

		if (m->ns[i]->type != NSM_MNT || !mt || !keep(sel, m->ns[i]))
			continue;
		snprintf(key, sizeof(key), "%llu",
			 (unsigned long long)m->ns[i]->id);
		cJSON_AddItemToObject(o, key, nsm_json_mount_table(mt));
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
	add_str(h, "hostname", host);
	add_str(h, "kernel", uname(&u) ? "" : u.release);
	f = fopen("/proc/sys/kernel/random/boot_id", "re");
	if (f) {
		size_t n = 0;

		if (getline(&boot, &n, f) > 0)
			boot[strcspn(boot, "\n")] = '\0';
		fclose(f);
	}
	add_str(h, "boot_id", boot ? boot : "");
	free(boot);
}

void nsm_json_head(cJSON *doc, const struct nsm_model *m)
{
	cJSON *o;

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
	add_str(o, "proc_root", m->opts.proc_root);
}

void nsm_json_processes(cJSON *doc, const struct nsm_model *m)
{
	cJSON *a = cJSON_AddArrayToObject(doc, "processes");
	size_t i;

	for (i = 0; a && i < m->nprocs; i++)
		cJSON_AddItemToArray(a, nsm_json_process(m, m->procs[i]));
}

void nsm_json_containers(cJSON *doc, const struct nsm_model *m)
{
	cJSON *a = cJSON_AddArrayToObject(doc, "containers");
	size_t i;

	for (i = 0; a && i < m->ncontainers; i++)
		cJSON_AddItemToArray(a, nsm_json_container(m->containers[i]));
}

void nsm_json_status(cJSON *doc, const struct nsm_model *m)
{
	cJSON *a;
	size_t i;

	/* false: something could not be read for a reason of ours; the
	 * warnings say what (SPEC "Exit status") */
	cJSON_AddBoolToObject(doc, "complete", !m->incomplete);
	a = cJSON_AddArrayToObject(doc, "warnings");
	for (i = 0; a && i < m->nwarnings; i++)
		add_array_str(a, m->warnings[i], strlen(m->warnings[i]));
}

/*
 * The document's members in this order; the serve answers
 * (user/serve/doc_text.c) assemble the same order from the parts.
 */
void nsm_json_fill(cJSON *doc, const struct nsm_model *m,
		   const struct nsm_json_sel *sel)
{
	cJSON *a;
	size_t i;

	nsm_json_head(doc, m);
	a = cJSON_AddArrayToObject(doc, "namespaces");
	for (i = 0; a && i < m->nns; i++)
		if (keep(sel, m->ns[i]))
			cJSON_AddItemToArray(a, nsm_json_namespace(m, m->ns[i]));
	nsm_json_processes(doc, m);
	add_mounts(doc, m, sel);
	nsm_json_containers(doc, m);
	nsm_json_status(doc, m);
}

cJSON *nsm_json_document(const struct nsm_model *m)
{
	cJSON *doc = cJSON_CreateObject();

	if (doc)
		nsm_json_fill(doc, m, NULL);
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
