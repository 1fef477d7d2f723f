// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * containers.c - the container pass: which engines there are, what they
 * say runs, and which processes and namespaces belong to what.
 *
 * Engines are found three ways: asked for (opts.engines), at their
 * default paths, and by their processes: a dockerd, containerd, podman or
 * crio process names its socket or state directory on its command line (or
 * uses the default), and that path is opened inside the process's root
 * (nsm_open_in_root(): never by joining it onto /proc/PID/root, where a
 * link in a container would lead to the host's files), so an engine
 * inside a container (another mount namespace) is found as well as one on
 * the host.  The same engine found twice is asked once (same inode).
 *
 * An engine reports its containers' init pids in its own PID namespace;
 * pids_translate() maps them to ours through NSpid.  Then every process in
 * a container's own PID namespace belongs to it; in a PID namespace that
 * several containers share (a pod) or the host's (--pid=host), a process
 * belongs to the container whose init is its nearest ancestor.
 *
 * What an engine found through a process says is trusted only for that
 * process's PID namespace and those below it: anyone can run a process
 * called dockerd in a container, and what it claims of the processes
 * outside is dropped (engine_answers()).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engines/engine.h"
#include "idmap.h"
#include "nsm.h"

/* The engines, by kind: what each is asked through. */
static const struct nsm_engine_ops *const engine_ops[NSM_NENGINE_KINDS] = {
	[NSM_ENGINE_DOCKER] = &nsm_engine_docker_ops,
	[NSM_ENGINE_PODMAN] = &nsm_engine_podman_ops,
	[NSM_ENGINE_CONTAINERD] = &nsm_engine_containerd_ops,
	[NSM_ENGINE_CRIO] = &nsm_engine_crio_ops,
};

const struct nsm_engine_ops *nsm_engine_ops_of(enum nsm_engine_kind k)
{
	return k < NSM_NENGINE_KINDS ? engine_ops[k] : NULL;
}

const char *const *nsm_engine_state_levels(enum nsm_engine_kind k)
{
	return k < NSM_NENGINE_KINDS ? engine_ops[k]->levels : NULL;
}

int nsm_engine_parse(const char *s, struct nsm_engine *e)
{
	const char *eq = strchr(s, '=');
	int k;

	memset(e, 0, sizeof(*e));
	if (!eq || !eq[1])
		return -EINVAL;
	for (k = 0; k < NSM_NENGINE_KINDS; k++)
		if (strlen(nsm_engine_name(k)) == (size_t)(eq - s) &&
		    !strncmp(nsm_engine_name(k), s, eq - s))
			break;
	if (k == NSM_NENGINE_KINDS)
		return -EINVAL;
	e->kind = k;
	e->path = (char *)(eq + 1); /* the caller copies */
	e->root = AT_FDCWD;
	e->fd = -1;
	e->explicit = true;
	return 0;
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
		nsm_engine_close(&m->engines[i]);
	free(m->engines);
	m->engines = NULL;
	m->nengines = 0;
}

/* ------------------------------------------------------------ engines */

struct engines {
	struct nsm_engine *v;
	size_t n;
	dev_t dev[64];
	ino_t ino[64];
};

void nsm_engine_close(struct nsm_engine *e)
{
	free(e->path);
	e->path = NULL;
	if (e->fd >= 0)
		close(e->fd);
	if (e->root >= 0)
		close(e->root);
	e->fd = e->root = -1;
}

const char *nsm_engine_desc(const struct nsm_engine *e, char *buf,
			    size_t size)
{
	if (e->pid && e->root != AT_FDCWD)
		snprintf(buf, size, "%s (pid %d) %s", nsm_engine_name(e->kind),
			 (int)e->pid, e->path);
	else
		snprintf(buf, size, "%s %s", nsm_engine_name(e->kind),
			 e->path);
	return buf;
}

/*
 * Why a path a process named is not followed, said once per engine
 * process (the caller's one try).  A path that is not there is not worth
 * a warning (an engine starting, a socket elsewhere); one that leads out
 * of the process's root, or that it may not read, is.
 */
static void refused(struct nsm_model *m, enum nsm_engine_kind kind,
		    pid_t pid, const char *path, int err)
{
	if (err != -ENOENT && err != -ENOTDIR)
		nsm_warn(m, "%s (pid %d) %s: %s", nsm_engine_name(kind),
			 (int)pid, path, nsm_in_root_strerror(err));
}

/* How deep process pid's PID namespace is: 1 ours (or not known). */
static size_t pidns_depth(const struct nsm_model *m, pid_t pid)
{
	const struct nsm_proc *p = pid ? nsm_proc_get(m, pid) : NULL;

	return p && p->nnspid > 1 ? p->nnspid : 1;
}

/*
 * The same socket or directory named by two processes (a container given
 * the host's socket by a bind mount, with a "dockerd" of its own): the
 * engine is the outer one's, whose PID namespace holds the other's.  One
 * asked for, or at a default path (pid 0), only takes a pid of ours.
 */
static void engines_merge(const struct nsm_model *m, struct nsm_engine *had,
			  struct nsm_engine *e, const char *path)
{
	struct nsm_engine t;

	if (!had->pid) {
		if (e->pid && pidns_depth(m, e->pid) == 1)
			had->pid = e->pid;
		return;
	}
	if (!e->pid || pidns_depth(m, e->pid) >= pidns_depth(m, had->pid))
		return;
	e->path = strdup(path);
	if (!e->path)
		return;		/* keeps the inner one: no more than it says */
	e->explicit = had->explicit;
	t = *had;
	*had = *e;
	*e = t;
}

/*
 * Adds an engine at path inside root (taken over) unless the same socket
 * or directory is there already.
 */
static int engines_add(struct nsm_model *m, struct engines *es,
		       enum nsm_engine_kind kind, int root, const char *path,
		       pid_t pid, bool explicit)
{
	struct nsm_engine e = {
		.kind = kind, .root = root, .pid = pid, .explicit = explicit,
	};
	struct nsm_engine *v;
	struct stat st;
	size_t i;
	int err = 0;

	e.fd = nsm_open_in_root(root, path, O_PATH);
	if (e.fd < 0) {
		if (explicit)
			nsm_warn(m, "%s %s: %s", nsm_engine_name(kind), path,
				 nsm_in_root_strerror(e.fd));
		else if (root != AT_FDCWD)
			refused(m, kind, pid, path, e.fd);
		goto skip;
	}
	if (fstat(e.fd, &st))
		goto skip;
	for (i = 0; i < es->n && i < 64; i++) {
		if (es->v[i].kind != kind || es->dev[i] != st.st_dev ||
		    es->ino[i] != st.st_ino)
			continue;
		engines_merge(m, &es->v[i], &e, path);
		goto skip;
	}
	if (es->n == 64)
		goto skip;
	e.path = strdup(path);
	v = e.path ? reallocarray(es->v, es->n + 1, sizeof(*v)) : NULL;
	if (!v) {
		err = -ENOMEM;
		goto skip;
	}
	es->v = v;
	v[es->n] = e;
	es->dev[es->n] = st.st_dev;
	es->ino[es->n] = st.st_ino;
	es->n++;
	return 0;
skip:
	nsm_engine_close(&e);
	return err;
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

/*
 * containerd --config FILE (inside root): `state = "DIR"` at the top level
 * of the TOML.
 */
static char *containerd_state_from_config(struct nsm_model *m, pid_t pid,
					  int root, const char *file)
{
	char *text = NULL, *line, *save = NULL, *res = NULL;
	size_t len;
	int err;

	err = nsm_read_file_in_root(root, file, &text, &len);
	if (err) {
		refused(m, NSM_ENGINE_CONTAINERD, pid, file, err);
		return NULL;
	}
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
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
	free(text);
	return res;
}

static enum nsm_engine_kind engine_by_comm(const char *comm)
{
	static const char *const comms[NSM_NENGINE_KINDS] = {
		[NSM_ENGINE_DOCKER] = "dockerd",
		[NSM_ENGINE_PODMAN] = "podman",
		[NSM_ENGINE_CONTAINERD] = "containerd",
		[NSM_ENGINE_CRIO] = "crio",
	};
	int k;

	for (k = 0; k < NSM_NENGINE_KINDS; k++)
		if (!strcmp(comm, comms[k]))
			break;
	return k;
}

/*
 * Where an engine process keeps its socket or state, as its command line
 * says (in its root; *alloc to free), NULL: the default; "": it serves
 * no API.
 */
static const char *engine_where(struct nsm_model *m, struct nsm_proc *p,
				enum nsm_engine_kind kind, int root,
				char **alloc)
{
	const char *a, *cmd = p->cmdline;
	size_t len = p->cmdline_len;

	switch (kind) {
	case NSM_ENGINE_DOCKER:
		a = arg_value(cmd, len, "--host", "-H");
		return a && !strncmp(a, "unix://", 7) ? a + 7 : NULL;
	case NSM_ENGINE_PODMAN:
		/* only `podman system service [URI]` serves the API */
		if (!memmem(cmd, len, "service", 8))
			return "";
		a = memmem(cmd, len, "unix://", 7);
		return a ? a + 7 : NULL;
	case NSM_ENGINE_CONTAINERD:
		a = arg_value(cmd, len, "--state", NULL);
		if (a)
			return a;
		a = arg_value(cmd, len, "--config", "-c");
		if (!a || a[0] != '/')
			return NULL;
		*alloc = containerd_state_from_config(m, p->pid, root, a);
		return *alloc;
	case NSM_ENGINE_CRIO:
		return arg_value(cmd, len, "--runroot", NULL);
	default:
		return NULL;
	}
}

/* An engine process: where its socket or state is, inside its root. */
static int engine_from_proc(struct nsm_model *m, struct engines *es,
			    struct nsm_proc *p)
{
	enum nsm_engine_kind kind = engine_by_comm(p->comm);
	char *alloc = NULL;
	const char *where;
	int err, root;

	if (kind == NSM_NENGINE_KINDS)
		return 0;
	nsm_read_details(m, p->pid, NSM_DETAIL_CMDLINE);
	if (!p->cmdline)
		return 0;
	root = nsm_root_open(m->proc_fd, p->pid);
	if (root < 0)
		return 0;	/* gone, or a kernel thread */
	where = engine_where(m, p, kind, root, &alloc);
	if (where && !*where) {
		close(root);
		return 0;
	}
	if (!where || where[0] != '/')
		where = engine_ops[kind]->default_path;
	err = engines_add(m, es, kind, root, where, p->pid, false);
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
		err = engines_add(m, es, e.kind, AT_FDCWD, e.path, 0, true);
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
		err = engines_add(m, es, k, AT_FDCWD,
				  engine_ops[k]->default_path, 0, false);
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
	/* a parent not known (--no-hierarchy): not below, for all we know */
	return ns && ns == top;
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

/* Reads a cgroup control file under the cgroup filesystem root. */
static bool cg_file_is(const char *dir, const char *file, const char *want)
{
	char path[4096], buf[32] = "";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 && !strncmp(buf, want, strlen(want));
}

/*
 * Whether the container whose init is pid (in proc_root's PID namespace)
 * is frozen by its cgroup (v1 freezer.state FROZEN, v2 cgroup.freeze 1):
 * how containerd and CRI-O pause, without a record of it in their state.
 */
static bool pid_frozen(struct nsm_model *m, pid_t pid)
{
	char name[64], *text = NULL, *line, *save = NULL, dir[4096];
	bool frozen = false;
	size_t len;

	if (!m->live || !pid)
		return false;
	snprintf(name, sizeof(name), "%d/cgroup", (int)pid);
	if (nsm_read_file_at(m->proc_fd, name, &text, &len))
		return false;
	for (line = strtok_r(text, "\n", &save); line && !frozen;
	     line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : 0;

		if (!c2)
			continue;
		if (c2 == c1 + 1 && strcmp(c2 + 1, "/")) {
			/* v2, alone or as the hybrid "unified" mount */
			frozen = cg_file_is(c2 + 1, "cgroup.freeze", "1");
			snprintf(dir, sizeof(dir), "unified%s", c2 + 1);
			frozen = frozen ||
				 cg_file_is(dir, "cgroup.freeze", "1");
		} else if (!strncmp(c1 + 1, "freezer:", 8)) {
			snprintf(dir, sizeof(dir), "freezer%s", c2 + 1);
			frozen = cg_file_is(dir, "freezer.state", "FROZEN");
		}
	}
	free(text);
	return frozen;
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
 * same id from both is one container, Docker's.  Both name its init:
 * another engine's record of the same id is not hidden by one that names
 * another process (an engine in a container claiming the host's ids).
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
			      v[j]->pid == v[i]->pid &&
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

/*
 * Whether process q belongs to uid: runs as uid, or in a user namespace
 * that uid made (or below one).  Rootless engines run their containers
 * so.
 */
static bool owned_by(const struct nsm_model *m, const struct nsm_proc *q,
		     uid_t uid)
{
	uint64_t id = q->ns[NSM_USER];
	int depth;

	if (q->uid == uid)
		return true;
	for (depth = 0; id && depth < 33; depth++) {
		const struct nsm_ns *ns = nsm_ns_get(m, id);

		if (!ns)
			break;
		if (ns->has_owner_uid && ns->owner_uid == uid)
			return true;
		id = ns->parent;
	}
	return false;
}

/*
 * Whether an engine answers for the container c it listed: one found
 * through a process in a PID namespace below ours only for containers
 * whose init is in that namespace or below (pid_translate() found it);
 * one that a user other than root runs (anyone may name a process
 * dockerd) only for that user's processes.
 */
static bool engine_answers(const struct nsm_model *m,
			   const struct nsm_engine *e,
			   const struct nsm_container *c)
{
	const struct nsm_proc *p = e->pid ? nsm_proc_get(m, e->pid) : NULL;
	const struct nsm_proc *q = c->pid ? nsm_proc_get(m, c->pid) : NULL;

	if (!p)
		return true;
	if (q && p->uid != 0 && !owned_by(m, q, p->uid))
		return false;
	return c->pid || !c->engine_pid || p->nnspid <= 1;
}

/* The containers e listed, from index from on: pids in ours, checked. */
static void engine_took(struct nsm_model *m, const struct nsm_engine *e,
			size_t from)
{
	size_t i, n = from, out = 0;
	char desc[512];

	for (i = from; i < m->ncontainers; i++) {
		struct nsm_container *c = m->containers[i];

		c->pid = c->engine_pid ?
			 pid_translate(m, e->pid, c->engine_pid) : 0;
		if (!engine_answers(m, e, c)) {
			nsm_container_free(c);
			out++;
			continue;
		}
		/* their state does not say; the freezer does */
		if (engine_ops[e->kind]->paused_by_freezer)
			c->paused = pid_frozen(m, c->pid);
		m->containers[n++] = c;
	}
	m->ncontainers = n;
	if (out)
		nsm_warn(m,
			 "%s: %zu containers with a process outside its PID "
			 "namespace or not its user's: left out",
			 nsm_engine_desc(e, desc, sizeof(desc)), out);
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
		err = engine_ops[e->kind]->list(m, e);
		if (!err)
			engine_took(m, e, from);
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
