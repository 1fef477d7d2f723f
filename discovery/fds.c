// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fds.c - passes 3 and 4: namespaces held open by an nsfs fd, and network
 * namespaces held by a socket (a socket pins the net ns it was created in).
 */
#include <dirent.h>
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
static int socket_netns(int pidfd, int fd, uint64_t *id)
{
	struct stat st;
	int sfd, nfd, err = 0;

	sfd = syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (sfd < 0)
		return -errno;
	nfd = ioctl(sfd, SIOCGSKNS);
	if (nfd < 0) {
		err = -errno;
		goto out;
	}
	if (fstat(nfd, &st))
		err = -errno;
	else
		*id = st.st_ino;
	close(nfd);
out:
	close(sfd);
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

static int scan_proc_fds(struct fd_scan *s, struct nsm_proc *p)
{
	struct nsm_model *m = s->m;
	char path[64], link[64];
	struct dirent *de;
	enum nsm_type t;
	uint64_t id;
	int fd, pidfd = -1, err = 0;
	ssize_t n;
	DIR *dir;

	snprintf(path, sizeof(path), "%d/fd", p->pid);
	fd = openat(m->proc_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT && errno != ESRCH)
			nsm_warn(m, "%s/%d/fd: %s", m->opts.proc_root, p->pid,
				 strerror(errno));
		return 0;
	}
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(dir))) {
		int nr = nsm_pid_from_name(de->d_name);

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		n = readlinkat(fd, de->d_name, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		if (!strncmp(link, "socket:[", 8)) {
			if (!m->opts.sockets || !m->live)
				continue;
			id = strtoull(link + 8, NULL, 10);
			err = add_socket(s, p, &pidfd, nr, id);
			if (err == -ESRCH) {
				err = 0;
				break;
			}
		} else if (m->opts.fds && !nsm_parse_nslink(link, &t, &id)) {
			struct nsm_ns *ns;

			err = nsm_ns_add(m, id, t, &ns);
			if (!err)
				err = nsm_ns_add_ref(ns, NSM_VIA_FD, p->pid, nr,
						     NULL, 0);
			else if (err == -EEXIST)
				err = 0;
		}
		if (err)
			break;
	}
	if (pidfd >= 0)
		close(pidfd);
	closedir(dir);
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
