// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctrlive.c - one container of containerd or CRI-O read now, for the
 * agent's live container events (nsm_engine_read_live()), and the checks
 * that the process its state names is that container's before anything
 * is said of it.  The container pass makes its checks on the model of a
 * sweep (containers.c: engine_answers()); here there is no model, only
 * the one process, and the same rules are kept with what the kernel
 * tells of it directly:
 *
 * - an engine found through a process answers only for that process's
 *   PID namespace and below: the pid it writes is looked up in that
 *   namespace (NS_GET_TGID_FROM_PIDNS, Linux 6.11; without it, nothing
 *   from an engine in another PID namespace is followed live), so it
 *   cannot name a process outside it;
 * - one run by a user other than root, only for that user's processes
 *   (its uid, or a user namespace that uid owns, or one below it);
 * - and the process's root must be the container's own, the bundle's
 *   root.path (config.json), and not ours: a state file naming a host
 *   process (whose root is ours, or not that directory) is refused.
 *
 * The checks read /proc/PID after a pidfd of it is open, and the pidfd
 * still not readable afterwards (the process has not exited) means the
 * pid was that process's all along: a pid is not reused while its
 * process lives.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engines/engine.h"
#include "nsm.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef NS_GET_TGID_FROM_PIDNS
#define NS_GET_TGID_FROM_PIDNS _IOR(NSIO, 0x7, int)
#endif

/* user namespaces nest 32 deep at most */
#define MAX_USERNS_DEPTH 33

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/*
 * The pid in our PID namespace of pid as engine e numbers it; 0 if there
 * is no such process in e's PID namespace or below.  An engine asked for
 * or at a default path (no process) numbers as we do, as in the sweep.
 */
static pid_t our_pid(const struct nsm_engine *e, pid_t pid)
{
	struct stat a, b;
	char path[64];
	int fd, r;

	if (!e->pid)
		return pid;
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)e->pid);
	if (stat(path, &a) || stat("/proc/self/ns/pid", &b))
		return 0;
	if (same_file(&a, &b))
		return pid;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	r = ioctl(fd, NS_GET_TGID_FROM_PIDNS, pid);
	close(fd);
	return r > 0 ? r : 0;
}

/* The real uid of process pid, -1 if it cannot be read. */
static long uid_of(pid_t pid)
{
	char path[64], *text = NULL;
	pid_t *nspid = NULL;
	size_t len, n, bad;
	uid_t uid;
	long r = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (nsm_read_file_at(AT_FDCWD, path, &text, &len))
		return -1;
	if (!nsm_parse_status(text, &uid, &nspid, &n, &bad))
		r = uid;
	free(nspid);
	free(text);
	return r;
}

/* Whether process pid runs as uid, or in a user namespace uid owns. */
static bool owned_by(pid_t pid, uid_t uid)
{
	char path[64];
	uid_t owner;
	int fd, up, depth;
	bool yes;

	if (uid_of(pid) == uid)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	for (depth = 0; fd >= 0 && depth < MAX_USERNS_DEPTH; depth++) {
		yes = !ioctl(fd, NS_GET_OWNER_UID, &owner) && owner == uid;
		/* EPERM above our own user namespace: the end */
		up = yes ? -1 : ioctl(fd, NS_GET_PARENT);
		close(fd);
		if (yes)
			return true;
		fd = up;
	}
	if (fd >= 0)
		close(fd);
	return false;
}

/*
 * Whether process pid's root is the container's: c->rootfs, relative to
 * its bundle dirfd or absolute inside e's root; and not our own.
 */
static bool in_its_root(const struct nsm_engine *e, int dirfd,
			const struct nsm_container *c, pid_t pid)
{
	struct stat want, got, ours;
	char path[64];
	int fd;
	bool ok;

	if (!c->rootfs)
		return false;
	fd = c->rootfs[0] == '/'
		     ? nsm_open_in_root(e->root, c->rootfs, O_PATH | O_DIRECTORY)
		     : nsm_open_beneath(dirfd, c->rootfs, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return false;
	ok = !fstat(fd, &want);
	close(fd);
	snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	return ok && !stat(path, &got) && !stat("/", &ours) &&
	       same_file(&want, &got) && !same_file(&got, &ours);
}

/* Whether the process of pidfd has not exited. */
static bool alive(int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	return poll(&p, 1, 0) == 0;
}

/* The checks of the file comment: a pidfd of c's init, or -errno. */
static int checked_pidfd(const struct nsm_engine *e, int dirfd,
			 struct nsm_container *c)
{
	pid_t pid = our_pid(e, c->engine_pid);
	long euid;
	int fd;

	if (!pid)
		return -ESRCH;
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return -errno;
	euid = e->pid ? uid_of(e->pid) : 0;
	if (euid < 0 || (euid && !owned_by(pid, (uid_t)euid)) ||
	    !in_its_root(e, dirfd, c, pid) || !alive(fd)) {
		close(fd);
		return -EPERM;
	}
	c->pid = pid;
	return fd;
}

int nsm_engine_read_live(struct nsm_model *m, const struct nsm_engine *e,
			 int dirfd, const char *const *names,
			 struct nsm_container **out, int *pidfd)
{
	const struct nsm_engine_ops *ops = nsm_engine_ops_of(e->kind);
	struct nsm_container *c = NULL;
	int err, fd;

	*out = NULL;
	*pidfd = -1;
	if (!ops || !ops->read)
		return -EINVAL;
	err = ops->read(m, e, dirfd, names, &c);
	if (err || !c)
		return err;
	fd = checked_pidfd(e, dirfd, c);
	if (fd < 0) {
		nsm_container_free(c);
		return fd == -ENOMEM ? fd : 0;
	}
	*out = c;
	*pidfd = fd;
	return 0;
}
