// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * openin.c - nsm_open_in(): a path opened as another process or another
 * mount namespace sees it (nsm_run.h).  A process lends its root
 * (/proc/PID/root), which inroot.c resolves inside with openat2(2)
 * RESOLVE_IN_ROOT.  A mount namespace that no process is in has no such
 * link: a child enters it (setns(2) CLONE_NEWNS makes its root and cwd
 * the namespace's root), resolves the path there in the same way, and
 * hands the open file back over a unix socket (SCM_RIGHTS, unix(7)).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nsm_run.h"

static int open_via_pid(pid_t pid, const char *path, int flags)
{
	int procfd, root, fd;

	procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		return -errno;
	root = nsm_root_open(procfd, pid);
	close(procfd);
	if (root < 0)
		return root == -ENOENT ? -ESRCH : root;
	fd = nsm_open_in_root(root, path, flags);
	close(root);
	return fd;
}

/* Sends err, and fd when err is 0, as one datagram. */
static void send_fd(int sock, int err, int fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = { .iov_base = &err, .iov_len = sizeof(err) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (!err) {
		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = sizeof(u.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	while (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

/* The fd a child sent, or its -errno; -ECHILD if it sent nothing. */
static int recv_fd(int sock)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	int err = -ECHILD, fd = -1;
	struct iovec iov = { .iov_base = &err, .iov_len = sizeof(err) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c;
	ssize_t got;

	do
		got = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return -errno;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
	if (got != sizeof(err) || (msg.msg_flags & MSG_CTRUNC)) {
		if (fd >= 0)
			close(fd);
		return -EPROTO;
	}
	if (err) {
		if (fd >= 0)
			close(fd);
		return err;
	}
	return fd >= 0 ? fd : -EPROTO;
}

/* In the child: no locks taken (a fork of a threaded process may hold none). */
static void __attribute__((noreturn))
open_child(int sock, int mntns, const char *path, int flags)
{
	int root, fd;

	if (setns(mntns, CLONE_NEWNS)) {
		send_fd(sock, -errno, -1);
		_exit(0);
	}
	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	fd = root < 0 ? -errno : nsm_open_in_root(root, path, flags);
	send_fd(sock, fd < 0 ? fd : 0, fd);
	_exit(0);
}

static int open_via_mntns(int mntns, const char *path, int flags)
{
	int sv[2], fd, st;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	pid = fork();
	if (pid < 0) {
		fd = -errno;
		close(sv[0]);
		close(sv[1]);
		return fd;
	}
	if (pid == 0) {
		close(sv[0]);
		open_child(sv[1], mntns, path, flags);
	}
	close(sv[1]);
	fd = recv_fd(sv[0]);
	close(sv[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return fd;
}

int nsm_open_in(const struct nsm_place *where, const char *path, int flags)
{
	if (!path || !*path)
		return -ENOENT;
	if (where->pid > 0)
		return open_via_pid(where->pid, path, flags);
	if (where->mntns < 0)
		return -EBADF;
	return open_via_mntns(where->mntns, path, flags);
}
