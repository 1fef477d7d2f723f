// SPDX-License-Identifier: GPL-2.0-or-later
/* model.c - the one model every pass fills: namespaces and processes, each
 * in an array for ordered output and in a hash map for lookups. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "idmap.h"
#include "nsm.h"
#include "pass.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

/* Grows *v (n used, *cap allocated) to hold one more element of size sz. */
static int grow(void **v, size_t n, size_t *cap, size_t sz)
{
	size_t ncap;
	void *nv;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	nv = reallocarray(*v, ncap, sz);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

void nsm_opts_default(struct nsm_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->proc_root = "/proc";
	o->tasks = o->fds = o->sockets = o->bindmounts = true;
	o->hierarchy = o->owners = o->mounts = o->containers = true;
	o->engines_auto = true;
	o->bpf = true;
}

static int has_pid_dir(void *ctx, int dirfd, int pid, const char *name)
{
	char path[32];

	snprintf(path, sizeof(path), "%s/stat", name);
	return pid > 0 && !faccessat(dirfd, path, F_OK, 0);
}

/*
 * A proc root that is no procfs is a fixture tree only if it holds a
 * process directory: anything else (--proc-root /etc) would make an empty
 * answer that looks complete.  One that cannot be read is left to the
 * sweep, which says so in the answer.
 */
static int check_proc_root(struct nsm_model *m)
{
	struct statfs sfs;
	int r;

	if (!fstatfs(m->proc_fd, &sfs) && sfs.f_type == PROC_SUPER_MAGIC) {
		m->live = true;
		return 0;
	}
	r = nsm_each_number(m->proc_fd, ".", has_pid_dir, NULL);
	return r ? 0 : -EMEDIUMTYPE;
}

int nsm_model_new(struct nsm_model **out, const struct nsm_opts *o)
{
	struct nsm_model *m = calloc(1, sizeof(*m));
	struct timespec ts;
	int err = -ENOMEM;

	if (!m)
		return -ENOMEM;
	m->proc_fd = -1;
	m->opts = *o;
	m->opts.proc_root = strdup(o->proc_root ? o->proc_root : "/proc");
	m->ns_by_id = nsm_idmap_new();
	m->proc_by_pid = nsm_idmap_new();
	if (!m->opts.proc_root || !m->ns_by_id || !m->proc_by_pid)
		goto fail;
	m->proc_fd = open(m->opts.proc_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (m->proc_fd < 0) {
		err = -errno;
		goto fail;
	}
	/*
	 * Only a real procfs of this kernel can be asked for more than text:
	 * ioctls on nsfs fds, pidfd_getfd on sockets, setns into mount
	 * namespaces.  A fixture tree gets the text passes only.
	 */
	err = check_proc_root(m);
	if (err)
		goto fail;
	clock_gettime(CLOCK_REALTIME, &ts);
	m->time.sec = ts.tv_sec;
	m->time.nsec = ts.tv_nsec;
	*out = m;
	return 0;
fail:
	nsm_model_free(m);
	return err;
}

static void ns_free(struct nsm_ns *ns)
{
	size_t i;

	for (i = 0; i < ns->nrefs; i++)
		free(ns->refs[i].path);
	free(ns->refs);
	free(ns->procs.v);
	free(ns->tasks.v);
	free(ns->leaders.v);
	free(ns->children.v);
	free(ns->ctrs);
	if (ns->fd >= 0)
		close(ns->fd);
	if (ns->mounts)
		nsm_mounts_free(ns->mounts);
	free(ns->mounts);
	free(ns);
}

static void proc_free(struct nsm_proc *p)
{
	free(p->cmdline);
	free(p->cgroup);
	free(p->nspid);
	free(p);
}

void nsm_model_free(struct nsm_model *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->nns; i++)
		ns_free(m->ns[i]);
	for (i = 0; i < m->nprocs; i++)
		proc_free(m->procs[i]);
	for (i = 0; i < m->nwarnings; i++)
		free(m->warnings[i]);
	nsm_containers_free(m);
	free(m->ns);
	free(m->procs);
	free(m->warnings);
	nsm_idmap_free(m->ns_by_id);
	nsm_idmap_free(m->proc_by_pid);
	if (m->proc_fd >= 0)
		close(m->proc_fd);
	free((char *)m->opts.proc_root);
	free(m);
}

struct nsm_ns *nsm_ns_get(const struct nsm_model *m, uint64_t id)
{
	return nsm_idmap_get(m->ns_by_id, id);
}

int nsm_ns_add(struct nsm_model *m, uint64_t id, enum nsm_type type,
	       struct nsm_ns **out)
{
	struct nsm_ns *ns = nsm_ns_get(m, id);

	if (ns) {
		if (out)
			*out = ns;
		return ns->type == type ? 0 : -EEXIST;
	}
	if (!id || type < 0 || type >= NSM_NTYPES)
		return -EINVAL;
	if (grow((void **)&m->ns, m->nns, &m->ns_cap, sizeof(*m->ns)))
		return -ENOMEM;
	ns = calloc(1, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	ns->id = id;
	ns->type = type;
	ns->fd = -1;
	if (nsm_idmap_put(m->ns_by_id, id, ns)) {
		free(ns);
		return -ENOMEM;
	}
	m->ns[m->nns++] = ns;
	if (out)
		*out = ns;
	return 0;
}

struct nsm_proc *nsm_proc_get(const struct nsm_model *m, pid_t pid)
{
	return pid > 0 ? nsm_idmap_get(m->proc_by_pid, (uint64_t)pid) : NULL;
}

int nsm_proc_add(struct nsm_model *m, pid_t pid, struct nsm_proc **out)
{
	struct nsm_proc *p = nsm_proc_get(m, pid);

	if (p) {
		*out = p;
		return 0;
	}
	if (pid <= 0)
		return -EINVAL;
	if (grow((void **)&m->procs, m->nprocs, &m->procs_cap,
		 sizeof(*m->procs)))
		return -ENOMEM;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->pid = pid;
	if (nsm_idmap_put(m->proc_by_pid, (uint64_t)pid, p)) {
		free(p);
		return -ENOMEM;
	}
	m->procs[m->nprocs++] = p;
	*out = p;
	return 0;
}

int nsm_proc_attach(struct nsm_model *m, struct nsm_proc *p)
{
	struct nsm_ns *ns;
	int slot, err;

	for (slot = 0; slot < NSM_NSLOTS; slot++) {
		if (!p->ns[slot])
			continue;
		err = nsm_ns_add(m, p->ns[slot], nsm_slot_type(slot), &ns);
		if (!err && slot < NSM_NTYPES)
			err = nsm_pids_add(&ns->procs, p->pid);
		else if (!err && p->ns[slot] != p->ns[nsm_slot_type(slot)])
			/* held for children still to come: pid/time ns after
			 * unshare, before the first fork */
			err = nsm_ns_add_ref(ns, NSM_VIA_CHILDREN, p->pid, 0,
					     NULL, 0);
		if (err == -EEXIST) {
			nsm_warn(m, "pid %d: %s:[%llu] seen before as another type",
				 p->pid, nsm_slot_name(slot),
				 (unsigned long long)p->ns[slot]);
			p->ns[slot] = 0;
		} else if (err) {
			return err;
		}
	}
	return 0;
}

static int add_ref(struct nsm_ns *ns, enum nsm_via via, pid_t pid,
		   pid_t tid, int fd, const char *path, uint64_t mntns)
{
	struct nsm_ref *r;
	size_t i;

	for (i = 0; i < ns->nrefs; i++) {
		r = &ns->refs[i];
		if (r->via == via && r->pid == pid && r->tid == tid &&
		    r->fd == fd && r->mntns == mntns &&
		    ((!r->path && !path) ||
		     (r->path && path && !strcmp(r->path, path))))
			return 0;
	}
	if (grow((void **)&ns->refs, ns->nrefs, &ns->refs_cap,
		 sizeof(*ns->refs)))
		return -ENOMEM;
	r = &ns->refs[ns->nrefs];
	memset(r, 0, sizeof(*r));
	if (path && !(r->path = strdup(path)))
		return -ENOMEM;
	r->via = via;
	r->pid = pid;
	r->tid = tid;
	r->fd = fd;
	r->mntns = mntns;
	ns->nrefs++;
	return 0;
}

int nsm_ns_add_tref(struct nsm_ns *ns, enum nsm_via via, pid_t pid,
		    pid_t tid, int fd)
{
	return add_ref(ns, via, pid, tid, fd, NULL, 0);
}

int nsm_ns_add_ref(struct nsm_ns *ns, enum nsm_via via, pid_t pid, int fd,
		   const char *path, uint64_t mntns)
{
	return add_ref(ns, via, pid, 0, fd, path, mntns);
}

int nsm_pids_add(struct nsm_pids *p, pid_t pid)
{
	if (grow((void **)&p->v, p->n, &p->cap, sizeof(*p->v)))
		return -ENOMEM;
	p->v[p->n++] = pid;
	return 0;
}

int nsm_ids_add(struct nsm_ids *p, uint64_t id)
{
	if (grow((void **)&p->v, p->n, &p->cap, sizeof(*p->v)))
		return -ENOMEM;
	p->v[p->n++] = id;
	return 0;
}

void nsm_warn(struct nsm_model *m, const char *fmt, ...)
{
	va_list ap;
	char *s;

	/*
	 * A warning that cannot be stored is dropped: it is only a warning.
	 * No model (the agent's live reads): nowhere to keep it.
	 */
	if (!m || grow((void **)&m->warnings, m->nwarnings, &m->warnings_cap,
		 sizeof(*m->warnings)))
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) >= 0)
		m->warnings[m->nwarnings++] = s;
	va_end(ap);
}

bool nsm_err_is_resource(int err)
{
	return err == -EMFILE || err == -ENFILE || err == -ENOMEM;
}

static void vwarn(struct nsm_model *m, const char *fmt, va_list ap,
		  const char *tail)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		return;
	nsm_warn(m, "%s%s", s, tail);
	free(s);
}

void nsm_incomplete(struct nsm_model *m, const char *fmt, ...)
{
	va_list ap;

	m->incomplete = true;
	va_start(ap, fmt);
	vwarn(m, fmt, ap, NSM_INCOMPLETE);
	va_end(ap);
}

/* Bits of m->gaps_warned: each cause of an incomplete answer, once. */
enum { GAP_EMFILE = 1, GAP_ENFILE = 2, GAP_ENOMEM = 4 };

void nsm_read_error(struct nsm_model *m, int err, const char *fmt, ...)
{
	unsigned gap = err == -EMFILE ? GAP_EMFILE :
		       err == -ENFILE ? GAP_ENFILE :
		       err == -ENOMEM ? GAP_ENOMEM : 0;
	char tail[160];
	va_list ap;

	if (err == -ENOENT || err == -ESRCH)
		return;		/* vanished: no news */
	if (gap && (m->gaps_warned & gap)) {
		m->gaps_more++;
		return;
	}
	snprintf(tail, sizeof(tail), ": %s%s", strerror(-err),
		 gap ? NSM_INCOMPLETE : "");
	va_start(ap, fmt);
	vwarn(m, fmt, ap, tail);
	va_end(ap);
	if (gap) {
		m->incomplete = true;
		m->gaps_warned |= gap;
	}
}
