// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * inroot.c - opening a path that another process named (an engine's
 * socket, config file or state directory) as that process sees it: inside
 * its root, never outside.
 *
 * Joining "/proc/PID/root" and such a path and opening the string is not
 * that: the kernel follows an absolute symlink, or a ".." above the
 * process's root, from OUR root, so a container whose /run/docker.sock
 * is a link to "/run/docker.sock" (or "../../../run/docker.sock") makes
 * us talk to the host's socket.  openat2(2) (Linux 5.6) resolves inside a
 * directory instead: with RESOLVE_IN_ROOT every absolute link and ".."
 * stops at the dirfd as if it were "/" (what a chroot does to the
 * process itself), with RESOLVE_BENEATH they are refused (-EXDEV);
 * RESOLVE_NO_MAGICLINKS refuses /proc/PID/root-style links, which jump
 * to another root whatever the mode (-ELOOP).  There is no fallback to a
 * plain open(2) on a kernel without openat2: the path is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nsm.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

/* the kernel's -EAGAIN: a rename or mount raced the lookup, try again */
#define RETRIES 8

static int openat2_fd(int dirfd, const char *path, int flags, __u64 resolve)
{
	struct open_how how = {
	    .flags = (__u64)(flags | O_CLOEXEC),
	    .resolve = resolve | RESOLVE_NO_MAGICLINKS,
	};
	int i, fd = -1;

	for (i = 0; i < RETRIES; i++) {
		fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		if (fd >= 0 || errno != EAGAIN)
			break;
	}
	return fd < 0 ? -errno : fd;
}

int nsm_root_open(int proc_fd, pid_t pid)
{
	char name[32];
	int fd;

	/* the one magic link we follow on purpose: to that root */
	snprintf(name, sizeof(name), "%d/root", (int)pid);
	fd = openat(proc_fd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Opens path inside rootfd as O_PATH: 0 if it is there, else -errno. */
static int there(int rootfd, const char *path, int flags)
{
	int fd = openat2_fd(rootfd, path, O_PATH | flags, RESOLVE_IN_ROOT);

	if (fd >= 0)
		close(fd);
	return fd < 0 ? fd : 0;
}

/*
 * Whether path, not there inside the root, is not there because of a
 * link on its way that leads nowhere inside the root, rather than because
 * its last name is missing from a directory that is there (a socket not
 * made yet, under a /var/run that links to /run).
 */
static bool dangling_link(int rootfd, const char *path)
{
	char buf[PATH_MAX], *slash;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return false;
	for (;;) {
		/* the name itself is there: a link, to nothing inside */
		if (!there(rootfd, buf, O_NOFOLLOW))
			return true;
		while ((slash = strrchr(buf, '/')) && slash > buf && !slash[1])
			*slash = '\0';
		if (!slash || slash == buf)
			return false;
		*slash = '\0';
		/* its directory is there: only the name is missing */
		if (there(rootfd, buf, 0) != -ENOENT)
			return false;
	}
}

int nsm_open_in_root(int rootfd, const char *path, int flags)
{
	int fd, probe;

	if (rootfd == AT_FDCWD) {
		fd = openat(AT_FDCWD, path, flags | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	fd = openat2_fd(rootfd, path, flags, RESOLVE_IN_ROOT);
	if (fd != -ENOENT || !dangling_link(rootfd, path))
		return fd;
	/*
	 * Nothing there inside the root, through a link.  If the way leads
	 * out of it (an absolute link, ".." above it), the string joined
	 * onto /proc/PID/root would have named something of ours: say that
	 * rather than "no such file" (a process that points at the host's
	 * socket is worth a warning, a dead engine is not).
	 */
	while (*path == '/')
		path++;
	probe = openat2_fd(rootfd, *path ? path : ".", O_PATH, RESOLVE_BENEATH);
	if (probe >= 0)
		close(probe);
	return probe == -EXDEV ? -EXDEV : -ENOENT;
}

int nsm_open_beneath(int dirfd, const char *path, int flags)
{
	return openat2_fd(dirfd, path, flags, RESOLVE_BENEATH);
}

const char *nsm_in_root_strerror(int err)
{
	switch (err) {
	case -EXDEV:
		return "escapes its root: not followed";
	case -ELOOP:
		return "a link through /proc, or a loop: not followed";
	case -ENOSYS:
		return "no openat2(2) (Linux < 5.6) to resolve it inside its "
		       "root: not followed";
	default:
		return strerror(-err);
	}
}

/* Reads the regular file fd (O_PATH) is; takes fd over. */
static int read_opath(int fd, char **buf, size_t *len)
{
	char self[40];
	struct stat st;
	int err;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st))
		err = -errno;
	else if (!S_ISREG(st.st_mode))
		err = -EINVAL;
	else {
		/* reopens that very inode, the link being our own fd */
		snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
		err = nsm_read_file_at(AT_FDCWD, self, buf, len);
	}
	close(fd);
	return err;
}

/* O_PATH first: opening a FIFO or a device has effects, or blocks. */
int nsm_read_file_in_root(int rootfd, const char *path, char **buf, size_t *len)
{
	return read_opath(nsm_open_in_root(rootfd, path, O_PATH), buf, len);
}

int nsm_read_file_beneath(int dirfd, const char *path, char **buf, size_t *len)
{
	return read_opath(nsm_open_beneath(dirfd, path, O_PATH), buf, len);
}
