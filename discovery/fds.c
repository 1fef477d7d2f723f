// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fds.c - passes 3 and 4: namespaces held open by an nsfs fd, and network
 * namespaces held by a socket (a socket pins the net ns it was created in).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <linux/sockios.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "idmap.h"
#include "nsm.h"
#include "pass.h"

#ifndef SIOCGSKNS
#define SIOCGSKNS 0x894C
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif
#ifndef KCMP_FILES
#define KCMP_FILES 2
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

struct fd_scan {
	struct nsm_model *m;
	bool kcmp;		/* kcmp(2) works here */
	/* socket inode -> net ns id + 1 (0 = unknown), shared by fork */
	struct nsm_idmap *socknet;
};

/*
 * The net ns of another process's socket: duplicate the fd with
 * pidfd_getfd (5.6+; ptrace-attach rights) and ask with SIOCGSKNS (4.9+),
 * which returns an nsfs fd of the socket's net ns.
 */
int nsm_socket_netns_fd(int pidfd, int fd)
{
	int sfd, nfd;

	sfd = syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (sfd < 0)
		return -errno;
	nfd = ioctl(sfd, SIOCGSKNS);
	if (nfd < 0)
		nfd = -errno;
	close(sfd);
	return nfd;
}

static int socket_netns(int pidfd, int fd, uint64_t *id)
{
	struct stat st;
	int nfd, err = 0;

	nfd = nsm_socket_netns_fd(pidfd, fd);
	if (nfd < 0)
		return nfd;
	if (fstat(nfd, &st))
		err = -errno;
	else
		*id = st.st_ino;
	close(nfd);
	return err;
}

/* One fd table: a process's, or a thread's own after unshare(CLONE_FILES). */
struct fd_table {
	struct fd_scan *s;
	struct nsm_proc *p;
	pid_t tid;		/* 0: the leader's table */
	int pidfd;		/* opened on the first socket */
};

static int add_ref(struct fd_table *t, struct nsm_ns *ns, enum nsm_via via,
		   int fd)
{
	return t->tid ? nsm_ns_add_tref(ns, via, t->p->pid, t->tid, fd) :
			nsm_ns_add_ref(ns, via, t->p->pid, fd, NULL, 0);
}

static int open_pidfd(struct fd_table *t)
{
	/* a thread's own table needs a pidfd of that thread (6.9+) */
	t->pidfd = syscall(SYS_pidfd_open, t->tid ? t->tid : t->p->pid,
			   t->tid ? PIDFD_THREAD : 0);
	if (t->pidfd >= 0)
		return 0;
	nsm_read_error(t->s->m, -errno, "pid %d: pidfd_open",
		       t->tid ? t->tid : t->p->pid);
	return -ESRCH;
}

static int add_socket(struct fd_table *t, int fd, uint64_t sockino)
{
	struct nsm_model *m = t->s->m;
	uintptr_t cached = (uintptr_t)nsm_idmap_get(t->s->socknet, sockino);
	uint64_t netid = 0;
	struct nsm_ns *ns;
	int err;

	if (cached) {
		netid = cached - 1;
	} else {
		if (t->pidfd < 0 && open_pidfd(t))
			return -ESRCH;
		err = socket_netns(t->pidfd, fd, &netid);
		if (err == -EBADF)
			return 0;	/* closed meanwhile */
		if (err) {
			nsm_read_error(m, err, "pid %d: socket fd %d",
				       t->p->pid, fd);
			return 0;
		}
		if (nsm_idmap_put(t->s->socknet, sockino,
				  (void *)(uintptr_t)(netid + 1)))
			return -ENOMEM;
	}
	err = nsm_ns_add(m, netid, NSM_NET, &ns);
	if (err)
		return err == -EEXIST ? 0 : err;
	return add_ref(t, ns, NSM_VIA_SOCKET, fd);
}

static int fd_cb(void *ctx, int dirfd, int nr, const char *name)
{
	struct fd_table *t = ctx;
	struct nsm_model *m = t->s->m;
	char link[64];
	struct nsm_ns *ns;
	enum nsm_type type;
	uint64_t id;
	ssize_t n;
	int err;

	n = readlinkat(dirfd, name, link, sizeof(link) - 1);
	if (n < 0)
		return 0;	/* closed meanwhile */
	link[n] = '\0';
	if (!strncmp(link, "socket:[", 8)) {
		if (!m->opts.sockets || !m->live)
			return 0;
		id = strtoull(link + 8, NULL, 10);
		return add_socket(t, nr, id);
	}
	if (!m->opts.fds || nsm_parse_nslink(link, &type, &id))
		return 0;
	err = nsm_ns_add(m, id, type, &ns);
	if (!err)
		err = add_ref(t, ns, NSM_VIA_FD, nr);
	return err == -EEXIST ? 0 : err;
}

static int scan_table(struct fd_scan *s, struct nsm_proc *p, pid_t tid)
{
	struct fd_table t = { s, p, tid, -1 };
	char path[48];
	int err;

	if (tid)
		snprintf(path, sizeof(path), "%d/task/%d/fd", p->pid, tid);
	else
		snprintf(path, sizeof(path), "%d/fd", p->pid);
	err = nsm_each_number(s->m->proc_fd, path, fd_cb, &t);
	if (t.pidfd >= 0)
		close(t.pidfd);
	if (!err || err == -ENOMEM)
		return err;
	nsm_read_error(s->m, err, "%s/%s", s->m->opts.proc_root, path);
	return 0;
}

struct thread_tables {
	struct fd_scan *s;
	struct nsm_proc *p;
};

/*
 * Threads share their leader's fd table unless one did unshare(CLONE_FILES)
 * (or was cloned without CLONE_FILES); kcmp(2) KCMP_FILES tells, in one
 * call, without reading the thread's table.
 */
static int thread_table_cb(void *ctx, int dirfd, int tid, const char *name)
{
	struct thread_tables *tt = ctx;
	long r;

	if (tid <= 0 || tid == tt->p->pid)
		return 0;
	r = syscall(SYS_kcmp, tt->p->pid, tid, KCMP_FILES, 0, 0);
	if (r <= 0)
		return 0;	/* shared, gone, or kcmp missing */
	return scan_table(tt->s, tt->p, tid);
}

static int scan_proc_fds(struct fd_scan *s, struct nsm_proc *p)
{
	struct thread_tables tt = { s, p };
	char path[32];
	int err;

	err = scan_table(s, p, 0);
	if (err || p->nthreads == 1 || !s->m->live || !s->kcmp)
		return err;
	snprintf(path, sizeof(path), "%d/task", p->pid);
	err = nsm_each_number(s->m->proc_fd, path, thread_table_cb, &tt);
	if (err && err != -ENOMEM)
		nsm_read_error(s->m, err, "%s/%s", s->m->opts.proc_root, path);
	return err == -ENOMEM ? err : 0;
}

int nsm_scan_fds_from(struct nsm_model *m, size_t from)
{
	struct fd_scan s = { .m = m };
	size_t i, n = m->nprocs;
	int err = 0;

	s.socknet = nsm_idmap_new();
	if (!s.socknet)
		return -ENOMEM;
	/* kcmp is optional (CONFIG_KCMP): without it, leaders' tables only */
	s.kcmp = syscall(SYS_kcmp, getpid(), getpid(), KCMP_FILES, 0, 0) == 0;
	for (i = from; i < n && !err; i++)
		err = scan_proc_fds(&s, m->procs[i]);
	nsm_idmap_free(s.socknet);
	return err;
}

int nsm_scan_fds(struct nsm_model *m)
{
	return nsm_scan_fds_from(m, 0);
}
