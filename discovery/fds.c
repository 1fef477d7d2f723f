// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fds.c - passes 3 and 4: namespaces held open by an nsfs fd, and network
 * namespaces held by a socket (a socket pins the net ns it was created in).
 */
#include <errno.h>
#include <fcntl.h>
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
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

struct fd_scan {
	struct nsm_model *m;
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

static int add_socket(struct fd_scan *s, struct nsm_proc *p, int *pidfd,
		      int fd, uint64_t sockino)
{
	struct nsm_model *m = s->m;
	uintptr_t cached = (uintptr_t)nsm_idmap_get(s->socknet, sockino);
	uint64_t netid = 0;
	struct nsm_ns *ns;
	int err;

	if (cached) {
		netid = cached - 1;
	} else {
		if (*pidfd < 0) {
			*pidfd = syscall(SYS_pidfd_open, p->pid, 0);
			if (*pidfd < 0) {
				if (errno != ESRCH)
					nsm_warn(m, "pid %d: pidfd_open: %s",
						 p->pid, strerror(errno));
				return -ESRCH;
			}
		}
		err = socket_netns(*pidfd, fd, &netid);
		if (err == -EBADF || err == -ESRCH)
			return 0;	/* closed or gone meanwhile */
		if (err) {
			nsm_warn(m, "pid %d: socket fd %d: %s", p->pid, fd,
				 strerror(-err));
			return 0;
		}
		if (nsm_idmap_put(s->socknet, sockino,
				  (void *)(uintptr_t)(netid + 1)))
			return -ENOMEM;
	}
	err = nsm_ns_add(m, netid, NSM_NET, &ns);
	if (err)
		return err == -EEXIST ? 0 : err;
	return nsm_ns_add_ref(ns, NSM_VIA_SOCKET, p->pid, fd, NULL, 0);
}

struct proc_fds {
	struct fd_scan *s;
	struct nsm_proc *p;
	int pidfd;
};

static int fd_cb(void *ctx, int dirfd, int nr, const char *name)
{
	struct proc_fds *pf = ctx;
	struct nsm_model *m = pf->s->m;
	char link[64];
	struct nsm_ns *ns;
	enum nsm_type t;
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
		return add_socket(pf->s, pf->p, &pf->pidfd, nr, id);
	}
	if (!m->opts.fds || nsm_parse_nslink(link, &t, &id))
		return 0;
	err = nsm_ns_add(m, id, t, &ns);
	if (!err)
		err = nsm_ns_add_ref(ns, NSM_VIA_FD, pf->p->pid, nr, NULL, 0);
	return err == -EEXIST ? 0 : err;
}

static int scan_proc_fds(struct fd_scan *s, struct nsm_proc *p)
{
	struct proc_fds pf = { s, p, -1 };
	char path[32];
	int err;

	snprintf(path, sizeof(path), "%d/fd", p->pid);
	err = nsm_each_number(s->m->proc_fd, path, fd_cb, &pf);
	if (pf.pidfd >= 0)
		close(pf.pidfd);
	if (err == -ENOENT || err == -ESRCH)
		return 0;	/* exited */
	if (err == -EACCES || err == -EPERM) {
		nsm_warn(s->m, "%s/%d/fd: %s", s->m->opts.proc_root, p->pid,
			 strerror(-err));
		return 0;
	}
	return err;
}

int nsm_scan_fds(struct nsm_model *m)
{
	struct fd_scan s = { .m = m };
	size_t i, n = m->nprocs;
	int err = 0;

	s.socknet = nsm_idmap_new();
	if (!s.socknet)
		return -ENOMEM;
	for (i = 0; i < n && !err; i++)
		err = scan_proc_fds(&s, m->procs[i]);
	nsm_idmap_free(s.socknet);
	return err;
}
