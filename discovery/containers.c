// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * containers.c - the container pass: which engines there are, what they
 * say runs, and which processes and namespaces belong to what.
 *
 * Engines are found three ways: asked for (opts.engines), at their
 * default paths, and by their processes: a dockerd, containerd, podman or
 * crio process names its socket or state directory on its command line (or
 * uses the default), and that path is read through /proc/PID/root, so an
 * engine inside a container (another mount namespace) is found as well as
 * one on the host.  The same engine found twice is asked once (same inode).
 *
 * An engine reports its containers' init pids in its own PID namespace;
 * pids_translate() maps them to ours through NSpid.  Then every process in
 * a container's own PID namespace belongs to it; in a PID namespace that
 * several containers share (a pod) or the host's (--pid=host), a process
 * belongs to the container whose init is its nearest ancestor.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engines.h"
#include "idmap.h"
#include "nsm.h"

static const char *const engine_names[NSM_NENGINE_KINDS] = {
	[NSM_ENGINE_DOCKER] = "docker",
	[NSM_ENGINE_PODMAN] = "podman",
	[NSM_ENGINE_CONTAINERD] = "containerd",
	[NSM_ENGINE_CRIO] = "crio",
};

/* Where each engine keeps its socket or state when not told otherwise. */
static const char *const engine_defaults[NSM_NENGINE_KINDS] = {
	[NSM_ENGINE_DOCKER] = "/run/docker.sock",
	[NSM_ENGINE_PODMAN] = "/run/podman/podman.sock",
	[NSM_ENGINE_CONTAINERD] = "/run/containerd",
	[NSM_ENGINE_CRIO] = "/run/containers/storage",
};

const char *nsm_engine_name(enum nsm_engine_kind k)
{
	return k < NSM_NENGINE_KINDS ? engine_names[k] : "?";
}

int nsm_engine_parse(const char *s, struct nsm_engine *e)
{
	const char *eq = strchr(s, '=');
	int k;

	memset(e, 0, sizeof(*e));
	if (!eq || !eq[1])
		return -EINVAL;
	for (k = 0; k < NSM_NENGINE_KINDS; k++)
		if (strlen(engine_names[k]) == (size_t)(eq - s) &&
		    !strncmp(engine_names[k], s, eq - s))
			break;
	if (k == NSM_NENGINE_KINDS)
		return -EINVAL;
	e->kind = k;
	e->path = (char *)(eq + 1); /* the caller copies */
	e->explicit = true;
	return 0;
}

void nsm_container_free(struct nsm_container *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->nlabels; i++) {
		free(c->labels[i].key);
		free(c->labels[i].value);
	}
	free(c->labels);
	free(c->id);
	free(c->name);
	free(c->group_name);
	free(c);
}

void nsm_containers_free(struct nsm_model *m)
{
	size_t i;

	for (i = 0; i < m->ncontainers; i++)
		nsm_container_free(m->containers[i]);
	free(m->containers);
	m->containers = NULL;
	m->ncontainers = m->containers_cap = 0;
	for (i = 0; i < m->nengines; i++)
		free(m->engines[i].path);
	free(m->engines);
	m->engines = NULL;
	m->nengines = 0;
}

int nsm_container_add(struct nsm_model *m, struct nsm_container *c)
{
	if (m->ncontainers == m->containers_cap) {
		size_t cap = m->containers_cap ? m->containers_cap * 2 : 16;
		struct nsm_container **v;

		v = reallocarray(m->containers, cap, sizeof(*v));
		if (!v) {
			nsm_container_free(c);
			return -ENOMEM;
		}
		m->containers = v;
		m->containers_cap = cap;
	}
	m->containers[m->ncontainers++] = c;
	return 0;
}

const char *nsm_container_label(const struct nsm_container *c,
				const char *key)
{
	size_t i;

	for (i = 0; i < c->nlabels; i++)
		if (!strcmp(c->labels[i].key, key))
			return c->labels[i].value;
	return NULL;
}

char *nsm_container_ref(const struct nsm_container *c)
{
	char *s;

	if (asprintf(&s, "%s:%s", nsm_engine_name(c->engine), c->name) < 0)
		return NULL;
	return s;
}

int nsm_container_add_label(struct nsm_container *c, const char *key,
			    const char *value)
{
	struct nsm_label *v;

	v = reallocarray(c->labels, c->nlabels + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	c->labels = v;
	v[c->nlabels].key = strdup(key);
	v[c->nlabels].value = strdup(value ? value : "");
	if (!v[c->nlabels].key || !v[c->nlabels].value) {
		free(v[c->nlabels].key);
		free(v[c->nlabels].value);
		return -ENOMEM;
	}
	c->nlabels++;
	return 0;
}

/* ------------------------------------------------------------ engines */

struct engines {
	struct nsm_engine *v;
	size_t n;
	dev_t dev[64];
	ino_t ino[64];
};

/* Adds e unless the same socket or directory is there already. */
static int engines_add(struct nsm_model *m, struct engines *es,
		       enum nsm_engine_kind kind, const char *path, pid_t pid,
		       bool explicit)
{
	struct nsm_engine *v;
	struct stat st;
	size_t i;

	if (stat(path, &st)) {
		if (explicit)
			nsm_warn(m, "%s %s: %s", nsm_engine_name(kind), path,
				 strerror(errno));
		return 0;
	}
	for (i = 0; i < es->n && i < 64; i++) {
		if (es->v[i].kind != kind || es->dev[i] != st.st_dev ||
		    es->ino[i] != st.st_ino)
			continue;
		/* the one found through a process knows its pid namespace */
		if (!es->v[i].pid)
			es->v[i].pid = pid;
		return 0;
	}
	if (es->n == 64)
		return 0;
	v = reallocarray(es->v, es->n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	es->v = v;
	v[es->n].kind = kind;
	v[es->n].path = strdup(path);
	v[es->n].pid = pid;
	v[es->n].explicit = explicit;
	if (!v[es->n].path)
		return -ENOMEM;
	es->dev[es->n] = st.st_dev;
	es->ino[es->n] = st.st_ino;
	es->n++;
	return 0;
}

/* The value of --NAME VALUE, --NAME=VALUE or -S VALUE in argv, or NULL. */
static const char *arg_value(const char *argv, size_t len, const char *name,
			     const char *shortname)
{
	const char *a = argv, *end = argv + len;
	size_t nl = strlen(name);

	while (a < end) {
		const char *next = a + strlen(a) + 1;

		if (!strncmp(a, name, nl) && a[nl] == '=')
			return a + nl + 1;
		if ((!strcmp(a, name) || (shortname && !strcmp(a, shortname))) &&
		    next < end)
			return next;
		a = next;
	}
	return NULL;
}

/* containerd --config FILE: `state = "DIR"` at the top level of the TOML. */
static char *containerd_state_from_config(const char *file)
{
	char *line = NULL, *res = NULL;
	size_t n = 0;
	FILE *f = fopen(file, "re");

	if (!f)
		return NULL;
	while (getline(&line, &n, f) > 0) {
		char *p = line, *q;

		if (*p == '[')
			break;
		if (strncmp(p, "state", 5))
			continue;
		p = strchr(p, '"');
		q = p ? strchr(p + 1, '"') : NULL;
		if (q) {
			res = strndup(p + 1, q - p - 1);
			break;
		}
	}
	free(line);
	fclose(f);
	return res;
}

/* An engine process: where its socket or state is, seen through its root. */
static int engine_from_proc(struct nsm_model *m, struct engines *es,
			    struct nsm_proc *p)
{
	const char *where = NULL, *a;
	char *alloc = NULL, root[4096], path[8192];
	enum nsm_engine_kind kind;
	size_t len;
	int err;

	if (!strcmp(p->comm, "dockerd"))
		kind = NSM_ENGINE_DOCKER;
	else if (!strcmp(p->comm, "containerd"))
		kind = NSM_ENGINE_CONTAINERD;
	else if (!strcmp(p->comm, "podman"))
		kind = NSM_ENGINE_PODMAN;
	else if (!strcmp(p->comm, "crio"))
		kind = NSM_ENGINE_CRIO;
	else
		return 0;
	nsm_read_details(m, p->pid, NSM_DETAIL_CMDLINE);
	if (!p->cmdline)
		return 0;
	len = p->cmdline_len;
	switch (kind) {
	case NSM_ENGINE_DOCKER:
		a = arg_value(p->cmdline, len, "--host", "-H");
		if (a && !strncmp(a, "unix://", 7))
			where = a + 7;
		break;
	case NSM_ENGINE_PODMAN:
		/* only `podman system service [URI]` serves the API */
		if (!memmem(p->cmdline, len, "service", 8))
			return 0;
		a = memmem(p->cmdline, len, "unix://", 7);
		if (a)
			where = a + 7;
		break;
	case NSM_ENGINE_CONTAINERD:
		where = arg_value(p->cmdline, len, "--state", NULL);
		if (where)
			break;
		a = arg_value(p->cmdline, len, "--config", "-c");
		if (a && a[0] == '/') {
			snprintf(path, sizeof(path), "%s/%d/root%s",
				 m->opts.proc_root, (int)p->pid, a);
			where = alloc = containerd_state_from_config(path);
		}
		break;
	case NSM_ENGINE_CRIO:
		where = arg_value(p->cmdline, len, "--runroot", NULL);
		break;
	default:
		break;
	}
	if (!where || where[0] != '/')
		where = engine_defaults[kind];
	snprintf(root, sizeof(root), "%s/%d/root", m->opts.proc_root,
		 (int)p->pid);
	snprintf(path, sizeof(path), "%s%s", root, where);
	err = engines_add(m, es, kind, path, p->pid, false);
	free(alloc);
	return err;
}

static int engines_find(struct nsm_model *m, struct engines *es)
{
	struct nsm_engine e;
	size_t i;
	int k, err;

	for (i = 0; i < m->opts.nengines; i++) {
		if (nsm_engine_parse(m->opts.engines[i], &e)) {
			nsm_warn(m, "engine '%s': not KIND=PATH",
				 m->opts.engines[i]);
			continue;
		}
		err = engines_add(m, es, e.kind, e.path, 0, true);
		if (err)
			return err;
	}
	if (!m->opts.engines_auto || !m->live)
		return 0;
	/* by process first: those know the pid namespace of their pids */
	for (i = 0; i < m->nprocs; i++) {
		err = engine_from_proc(m, es, m->procs[i]);
		if (err)
			return err;
	}
	for (k = 0; k < NSM_NENGINE_KINDS; k++) {
		err = engines_add(m, es, k, engine_defaults[k], 0, false);
		if (err)
			return err;
	}
	return 0;
}

/* ---------------------------------------------------- pids and groups */

static bool pidns_below(const struct nsm_model *m, uint64_t ns, uint64_t top,
			size_t up)
{
	while (up-- && ns) {
		const struct nsm_ns *n = nsm_ns_get(m, ns);

		ns = n ? n->parent : 0;
	}
	return !ns || ns == top; /* unknown parents: trust NSpid */
}

/*
 * The pid of a container's init in our PID namespace.  An engine in a
 * nested PID namespace at depth L (NSpid has L entries) sees a process as
 * NSpid[L - 1]; the process's PID namespace must be the engine's or below.
 */
static pid_t pid_translate(const struct nsm_model *m, pid_t engine, pid_t pid)
{
	const struct nsm_proc *e = engine ? nsm_proc_get(m, engine) : NULL;
	size_t lvl, i;

	if (!e || e->nnspid <= 1)
		return nsm_proc_get(m, pid) ? pid : 0;
	lvl = e->nnspid;
	for (i = 0; i < m->nprocs; i++) {
		const struct nsm_proc *p = m->procs[i];

		if (p->nnspid >= lvl && p->nspid[lvl - 1] == pid &&
		    pidns_below(m, p->ns[NSM_PID], e->ns[NSM_PID],
				p->nnspid - lvl))
			return p->pid;
	}
	return 0;
}

static void set_group(struct nsm_container *c)
{
	const char *v, *ns, *pod;

	v = nsm_container_label(c, "com.docker.compose.project");
	if (v) {
		c->group_kind = "compose";
		c->group_name = strdup(v);
		return;
	}
	/* CRI-O and dockershim labels; containerd's CRI annotations */
	ns = nsm_container_label(c, "io.kubernetes.pod.namespace");
	pod = nsm_container_label(c, "io.kubernetes.pod.name");
	if (!ns || !pod) {
		ns = nsm_container_label(c, "io.kubernetes.cri.sandbox-namespace");
		pod = nsm_container_label(c, "io.kubernetes.cri.sandbox-name");
	}
	if (ns && pod) {
		c->group_kind = "pod";
		if (asprintf(&c->group_name, "%s/%s", ns, pod) < 0)
			c->group_name = NULL;
	}
	if (!c->group_name)
		c->group_kind = NULL;
}

static int cmp_label(const void *a, const void *b)
{
	return strcmp(((const struct nsm_label *)a)->key,
		      ((const struct nsm_label *)b)->key);
}

static int cmp_container(const void *a, const void *b)
{
	const struct nsm_container *x = *(struct nsm_container *const *)a;
	const struct nsm_container *y = *(struct nsm_container *const *)b;
	int r;

	if (x->engine != y->engine)
		return x->engine < y->engine ? -1 : 1;
	r = strcmp(x->name, y->name);
	return r ? r : strcmp(x->id, y->id);
}

/*
 * Docker runs its containers through containerd (namespace "moby"): the
 * same id from both is one container, Docker's.
 */
static void drop_duplicates(struct nsm_model *m)
{
	struct nsm_container **v = m->containers;
	size_t i, j, n = 0;

	for (i = 0; i < m->ncontainers; i++) {
		bool dup = false;

		for (j = 0; j < m->ncontainers && !dup; j++)
			dup = j != i && v[j] &&
			      v[j]->engine < v[i]->engine &&
			      !strcmp(v[j]->id, v[i]->id);
		if (dup) {
			nsm_container_free(v[i]);
			v[i] = NULL;
		}
	}
	for (i = 0; i < m->ncontainers; i++)
		if (v[i])
			v[n++] = v[i];
	m->ncontainers = n;
}

static int ns_add_container(struct nsm_ns *ns, struct nsm_container *c)
{
	struct nsm_container **v;
	size_t i;

	for (i = 0; i < ns->nctrs; i++)
		if (ns->ctrs[i] == c)
			return 0;
	v = reallocarray(ns->ctrs, ns->nctrs + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	ns->ctrs = v;
	v[ns->nctrs++] = c;
	return 0;
}

/*
 * A process's container: the one whose own PID namespace it is in, else
 * the one whose init is its nearest ancestor (shared or host PID ns).
 */
static int relate(struct nsm_model *m)
{
	struct nsm_idmap *by_init = nsm_idmap_new();
	struct nsm_idmap *by_pidns = nsm_idmap_new();
	static struct nsm_container shared; /* a marker: several */
	size_t i, j;
	int err = -ENOMEM;

	if (!by_init || !by_pidns)
		goto out;
	for (i = 0; i < m->ncontainers; i++) {
		struct nsm_container *c = m->containers[i];
		struct nsm_proc *p = c->pid ? nsm_proc_get(m, c->pid) : NULL;
		uint64_t ns = p ? p->ns[NSM_PID] : 0;

		if (!p)
			continue;
		if (nsm_idmap_put(by_init, (uint64_t)c->pid, c))
			goto out;
		if (!ns || nsm_id_is_initial(NSM_PID, ns))
			continue;
		if (nsm_idmap_put(by_pidns, ns,
				  nsm_idmap_get(by_pidns, ns) ? &shared : c))
			goto out;
	}
	for (i = 0; i < m->nprocs; i++) {
		struct nsm_proc *p = m->procs[i];
		struct nsm_container *c = NULL;
		pid_t pid = p->pid;
		int depth;

		if (p->ns[NSM_PID])
			c = nsm_idmap_get(by_pidns, p->ns[NSM_PID]);
		if (!c || c == &shared) {
			c = NULL;
			for (depth = 0; pid > 1 && depth < 64 && !c; depth++) {
				const struct nsm_proc *q = nsm_proc_get(m, pid);

				c = nsm_idmap_get(by_init, (uint64_t)pid);
				pid = q ? q->ppid : 0;
			}
		}
		p->container = c;
		if (!c)
			continue;
		for (j = 0; j < NSM_NTYPES; j++) {
			struct nsm_ns *ns = p->ns[j] ? nsm_ns_get(m, p->ns[j])
						     : NULL;

			/* the host's namespaces hold every container */
			if (!ns || ns->initial)
				continue;
			if (ns_add_container(ns, c))
				goto out;
		}
	}
	err = 0;
out:
	nsm_idmap_free(by_init);
	nsm_idmap_free(by_pidns);
	return err;
}

int nsm_scan_containers(struct nsm_model *m)
{
	struct engines es = {0};
	size_t i, from;
	int err;

	err = engines_find(m, &es);
	for (i = 0; !err && i < es.n; i++) {
		struct nsm_engine *e = &es.v[i];

		from = m->ncontainers;
		switch (e->kind) {
		case NSM_ENGINE_DOCKER:
		case NSM_ENGINE_PODMAN:
			err = nsm_engine_docker(m, e);
			break;
		case NSM_ENGINE_CONTAINERD:
			err = nsm_engine_containerd(m, e);
			break;
		case NSM_ENGINE_CRIO:
			err = nsm_engine_crio(m, e);
			break;
		default:
			break;
		}
		for (; !err && from < m->ncontainers; from++) {
			struct nsm_container *c = m->containers[from];

			c->pid = c->engine_pid ?
				 pid_translate(m, e->pid, c->engine_pid) : 0;
			/* their state does not say; the freezer does */
			if (e->kind == NSM_ENGINE_CONTAINERD ||
			    e->kind == NSM_ENGINE_CRIO)
				c->paused = nsm_pid_frozen(m, c->pid);
		}
	}
	/* the model keeps them: `watch` follows their event streams */
	m->engines = es.v;
	m->nengines = es.n;
	if (err)
		return err;
	drop_duplicates(m);
	for (i = 0; i < m->ncontainers; i++) {
		struct nsm_container *c = m->containers[i];

		if (c->nlabels)
			qsort(c->labels, c->nlabels, sizeof(*c->labels),
			      cmp_label);
		set_group(c);
	}
	if (m->ncontainers)
		qsort(m->containers, m->ncontainers, sizeof(*m->containers),
		      cmp_container);
	return relate(m);
}
