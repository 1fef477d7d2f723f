// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hierarchy.c - pass 6: the kernel's own id of each namespace (NS_GET_ID,
 * 6.18+), its owning user namespace (NS_GET_USERNS), the parent of user
 * and PID namespaces (NS_GET_PARENT) and the owner uid of user namespaces
 * (NS_GET_OWNER_UID); see ioctl_ns(2).  A namespace found only as a parent
 * or owner gets an entry of its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nsm.h"
#include "pass.h"

#define NSIO 0xb7
#ifndef NS_GET_USERNS
#define NS_GET_USERNS _IO(NSIO, 0x1)
#define NS_GET_PARENT _IO(NSIO, 0x2)
#endif
#ifndef NS_GET_OWNER_UID
#define NS_GET_OWNER_UID _IO(NSIO, 0x4)
#endif
#ifndef NS_GET_ID
#define NS_GET_ID _IOR(NSIO, 0xd, uint64_t)
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* Follows one link (parent or owner) from fd; returns the linked ns. */
static int follow(struct nsm_model *m, int fd, unsigned long req,
		  enum nsm_type type, int depth, uint64_t *id)
{
	struct nsm_ns *ns;
	struct stat st;
	int lfd, err;

	lfd = ioctl(fd, req);
	if (lfd < 0)
		/* EPERM: the root, or beyond our own namespace's reach */
		return errno == EPERM ? 0 : -errno;
	if (fstat(lfd, &st)) {
		err = -errno;
		goto out;
	}
	*id = st.st_ino;
	err = nsm_ns_add(m, st.st_ino, type, &ns);
	if (!err && !ns->resolved && depth < 64)
		err = nsm_resolve_fd_depth(m, ns, lfd, depth + 1);
out:
	close(lfd);
	return err == -EEXIST ? 0 : err;
}

int nsm_resolve_fd_depth(struct nsm_model *m, struct nsm_ns *ns, int fd,
			 int depth)
{
	uint64_t v = 0;
	uid_t uid;
	int err = 0;

	if (ns->resolved)
		return 0;
	ns->resolved = true;
	/* ENOTTY before 6.18: ns_id stays unknown */
	if (!ioctl(fd, NS_GET_ID, &v))
		ns->ns_id = v;
	if (ns->type == NSM_USER && !ioctl(fd, NS_GET_OWNER_UID, &uid)) {
		ns->owner_uid = uid;
		ns->has_owner_uid = true;
	}
	if ((ns->type == NSM_USER && (m->opts.hierarchy || m->opts.owners)) ||
	    (ns->type == NSM_PID && m->opts.hierarchy))
		err = follow(m, fd, NS_GET_PARENT, ns->type, depth, &ns->parent);
	if (!err && ns->type != NSM_USER && m->opts.owners)
		err = follow(m, fd, NS_GET_USERNS, NSM_USER, depth, &ns->owner);
	/* only running out of memory stops discovery */
	if (err && err != -ENOMEM) {
		nsm_read_error(m, err, "%s:[%llu]", nsm_type_name(ns->type),
			       (unsigned long long)ns->id);
		err = 0;
	}
	return err;
}

int nsm_resolve_fd(struct nsm_model *m, struct nsm_ns *ns, int fd)
{
	return nsm_resolve_fd_depth(m, ns, fd, 0);
}

static int open_socket_netns(pid_t pid, int fd)
{
	int pidfd, nfd;

	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return -errno;
	nfd = nsm_socket_netns_fd(pidfd, fd);
	close(pidfd);
	return nfd;
}

static int open_at(int dirfd, const char *path)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* Checks that fd is the namespace we meant: pids and fds are reused. */
int nsm_ns_fd_check(int fd, uint64_t id)
{
	struct stat st;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) || st.st_ino != id) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

int nsm_ns_open(struct nsm_model *m, struct nsm_ns *ns)
{
	const char *tn = nsm_type_name(ns->type);
	char path[96];
	int fd, err = -ENOENT;
	size_t i;

	for (i = 0; i < ns->procs.n; i++) {
		snprintf(path, sizeof(path), "%d/ns/%s", ns->procs.v[i], tn);
		fd = nsm_ns_fd_check(open_at(m->proc_fd, path), ns->id);
		if (fd >= 0)
			return fd;
		if (nsm_err_is_resource(fd))
			err = fd;
	}
	for (i = 0; i < ns->nrefs; i++) {
		const struct nsm_ref *r = &ns->refs[i];

		switch (r->via) {
		case NSM_VIA_TASK:
			snprintf(path, sizeof(path), "%d/task/%d/ns/%s",
				 r->pid, r->tid, tn);
			break;
		case NSM_VIA_CHILDREN:
			snprintf(path, sizeof(path), "%d/ns/%s_for_children",
				 r->tid ? r->tid : r->pid, tn);
			break;
		case NSM_VIA_FD:
			/* /proc/TID/fd is that thread's own table */
			snprintf(path, sizeof(path), "%d/fd/%d",
				 r->tid ? r->tid : r->pid, r->fd);
			break;
		case NSM_VIA_SOCKET:
			fd = nsm_ns_fd_check(
				open_socket_netns(r->tid ? r->tid : r->pid,
						  r->fd), ns->id);
			if (fd >= 0)
				return fd;
			if (nsm_err_is_resource(fd))
				err = fd;
			continue;
		default:
			continue;
		}
		fd = nsm_ns_fd_check(open_at(m->proc_fd, path), ns->id);
		if (fd >= 0)
			return fd;
		if (nsm_err_is_resource(fd))
			err = fd;
	}
	/* out of fds or memory says more than "not held where we looked" */
	return err;
}

int nsm_scan_hierarchy(struct nsm_model *m)
{
	size_t i;
	int fd, err;

	if (!m->live)
		return 0;
	/* entries added by follow() come last and are resolved already */
	for (i = 0; i < m->nns; i++) {
		struct nsm_ns *ns = m->ns[i];

		if (ns->resolved)
			continue;
		fd = nsm_ns_open(m, ns);
		if (fd < 0) {
			/* held only where we could not open it again: gone,
			 * or a bind mount we could not reach; or out of fds */
			if (nsm_err_is_resource(fd))
				nsm_read_error(m, fd, "%s:[%llu]",
					       nsm_type_name(ns->type),
					       (unsigned long long)ns->id);
			continue;
		}
		err = nsm_resolve_fd(m, ns, fd);
		close(fd);
		if (err)
			return err;
	}
	return 0;
}
