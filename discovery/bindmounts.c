// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bindmounts.c - pass 5: namespaces held by nsfs bind mounts (`ip netns
 * add`, snap's mount namespaces, ...), in every mount namespace, also in
 * mount namespaces that no process is in and that are themselves held only
 * by a bind mount or an fd.  Each mount namespace's mountinfo is read once:
 * from a process in it, or else from a thread that enters it.  A mount
 * namespace found that way is read in turn, to a fixed point.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nsm.h"
#include "pass.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

/*
 * Opens a mount point path as the mount namespace's owner sees it: within
 * rootfd (that namespace's root), so that an absolute symlink on the way
 * cannot lead back into our own tree (openat2 RESOLVE_IN_ROOT, 5.6+).
 */
static int open_in_root(int rootfd, const char *path)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS)
		fd = openat(rootfd, path[0] == '/' ? path + 1 : path,
			    O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	return fd;
}

/* Folds the nsfs mounts of one mount namespace into the model. */
static int add_mounts(struct nsm_model *m, struct nsm_ns *mnt,
		      const char *text, size_t len, int rootfd,
		      const char *where)
{
	struct nsm_mounts mounts;
	size_t i, bad = 0;
	int err;

	err = nsm_mountinfo_parse(text, len, &mounts, &bad);
	if (err == -EINVAL) {
		nsm_warn(m, "%s:%zu: malformed mountinfo line", where, bad);
		return 0;
	}
	if (err)
		return err;
	for (i = 0; i < mounts.n && !err; i++) {
		const struct nsm_mountinfo *mi = &mounts.v[i];
		struct nsm_ns *ns;
		enum nsm_type t;
		struct stat st;
		uint64_t id;
		int fd;

		if (strcmp(mi->fstype, "nsfs") ||
		    nsm_parse_nslink(mi->root, &t, &id))
			continue;
		err = nsm_ns_add(m, id, t, &ns);
		if (err == -EEXIST) {
			err = 0;
			continue;
		}
		if (!err)
			err = nsm_ns_add_ref(ns, NSM_VIA_BINDMOUNT, 0, 0,
					     mi->path, mnt->id);
		if (err || rootfd < 0)
			continue;
		/* an fd only where it tells more: unread mnt ns, unresolved */
		if (ns->resolved && (t != NSM_MNT || ns->fd >= 0))
			continue;
		fd = open_in_root(rootfd, mi->path);
		if (fd < 0)
			continue;	/* over-mounted or gone: the ref stays */
		if (fstat(fd, &st) || st.st_ino != id) {
			close(fd);
			continue;
		}
		err = nsm_resolve_fd(m, ns, fd);
		if (t == NSM_MNT && ns->fd < 0 && ns->procs.n == 0)
			ns->fd = fd;	/* read in a later round */
		else
			close(fd);
	}
	nsm_mounts_free(&mounts);
	return err;
}

struct enter_ctx {
	struct nsm_model *m;
	struct nsm_ns *mnt;
	int err;
};

/*
 * Runs in its own thread: a thread may enter another mount namespace once
 * it no longer shares its fs_struct (setns(2): CLONE_NEWNS needs
 * unshare(CLONE_FS) in a threaded process); the rest of nsmon stays put.
 * /proc/thread-self/mountinfo then shows the entered namespace, with
 * paths relative to its root, which setns made ours.
 */
static void *enter_and_read(void *arg)
{
	struct enter_ctx *c = arg;
	char *text = NULL, where[64];
	size_t len;
	int rootfd = -1;

	snprintf(where, sizeof(where), "mnt:[%llu]/mountinfo",
		 (unsigned long long)c->mnt->id);
	if (unshare(CLONE_FS) || setns(c->mnt->fd, CLONE_NEWNS)) {
		nsm_warn(c->m, "%s: cannot enter: %s", where, strerror(errno));
		return NULL;
	}
	rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	c->err = nsm_read_file_at(c->m->proc_fd, "thread-self/mountinfo",
				  &text, &len);
	if (c->err) {
		nsm_warn(c->m, "%s: %s", where, strerror(-c->err));
		c->err = 0;
	} else {
		c->err = add_mounts(c->m, c->mnt, text, len, rootfd, where);
	}
	free(text);
	if (rootfd >= 0)
		close(rootfd);
	return NULL;
}

static int read_via_thread(struct nsm_model *m, struct nsm_ns *mnt)
{
	struct enter_ctx c = { .m = m, .mnt = mnt };
	pthread_t th;
	int err;

	err = pthread_create(&th, NULL, enter_and_read, &c);
	if (err)
		return -err;
	pthread_join(th, NULL);
	return c.err;
}

/* Reads /proc/PID/mountinfo of a process in the namespace. */
static int read_via_pid(struct nsm_model *m, struct nsm_ns *mnt, pid_t pid)
{
	char path[64], where[PATH_MAX], *text = NULL;
	int rootfd = -1, err;
	size_t len;

	snprintf(path, sizeof(path), "%d/mountinfo", pid);
	snprintf(where, sizeof(where), "%s/%s", m->opts.proc_root, path);
	err = nsm_read_file_at(m->proc_fd, path, &text, &len);
	if (err)
		return err;
	if (m->live) {
		snprintf(path, sizeof(path), "%d/root", pid);
		rootfd = openat(m->proc_fd, path,
				O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	err = add_mounts(m, mnt, text, len, rootfd, where);
	free(text);
	if (rootfd >= 0)
		close(rootfd);
	return err ? err : 0;
}

static int read_mntns(struct nsm_model *m, struct nsm_ns *mnt)
{
	size_t i;
	int err = -ENOENT;

	/*
	 * Any process of it will do.  One that is exiting has no mount
	 * namespace left (EINVAL), one that is gone ENOENT/ESRCH, one we may
	 * not look into EACCES: try the next.
	 */
	for (i = 0; i < mnt->procs.n; i++) {
		err = read_via_pid(m, mnt, mnt->procs.v[i]);
		if (!err || err == -ENOMEM)
			return err;
	}
	/* a loose thread with a mount namespace of its own */
	for (i = 0; i < mnt->nrefs && err; i++)
		if (mnt->refs[i].via == NSM_VIA_TASK)
			err = read_via_pid(m, mnt, mnt->refs[i].tid);
	if (!err || err == -ENOMEM)
		return err;
	if (!m->live)
		goto nope;
	if (mnt->fd < 0)
		mnt->fd = nsm_ns_open(m, mnt);
	if (mnt->fd >= 0) {
		err = read_via_thread(m, mnt);
		close(mnt->fd);
		mnt->fd = -1;
		if (!err || err == -ENOMEM)
			return err;
	}
nope:
	nsm_warn(m, "mnt:[%llu]: no way to read its mounts",
		 (unsigned long long)mnt->id);
	return 0;
}

int nsm_scan_bindmounts(struct nsm_model *m)
{
	size_t i;
	int err = 0;

	/* m->ns grows while we read: new mount namespaces come last */
	for (i = 0; i < m->nns && !err; i++) {
		if (m->ns[i]->type != NSM_MNT)
			continue;
		err = read_mntns(m, m->ns[i]);
	}
	/* fds cached for mount namespaces never read (errors) */
	for (i = 0; i < m->nns; i++) {
		if (m->ns[i]->fd >= 0) {
			close(m->ns[i]->fd);
			m->ns[i]->fd = -1;
		}
	}
	return err;
}
