// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mntns.c - one mount namespace's mount table, read once and kept in
 * mnt->mounts for pass 7: from the mountinfo of a process in it, by id
 * (listmount.c), or from a thread that enters it (nsm_run_in()).  Pass 5
 * (bindmounts.c) gives a fold function that takes the nsfs mounts out of
 * each table while the namespace's root is at hand; pass 7 (mounts.c)
 * gives none.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nsm.h"
#include "nsm_run.h"
#include "pass.h"

static bool has_nsfs(const struct nsm_mounts *mt)
{
	size_t i;

	for (i = 0; i < mt->n; i++)
		if (!strcmp(mt->v[i].fstype, "nsfs"))
			return true;
	return false;
}

/* Keeps a parsed table in mnt->mounts (pass 7 wants it), or frees it. */
static int keep_table(struct nsm_model *m, struct nsm_ns *mnt,
		      struct nsm_mounts *mt)
{
	if (!m->opts.mounts || mnt->mounts) {
		nsm_mounts_free(mt);
		return 0;
	}
	mnt->mounts = malloc(sizeof(*mnt->mounts));
	if (!mnt->mounts) {
		nsm_mounts_free(mt);
		return -ENOMEM;
	}
	*mnt->mounts = *mt;
	return 0;
}

/*
 * Hands one table to fold (if any) and keeps it: mnt->mounts when read
 * already, else parsed from text.
 */
static int take_table(struct nsm_model *m, struct nsm_ns *mnt,
		      const char *text, size_t len, int rootfd,
		      const char *where, nsm_mntns_fold_fn fold)
{
	struct nsm_mounts parsed, *mt = mnt->mounts;
	size_t bad = 0;
	int err = 0, kerr;

	if (!mt) {
		err = nsm_mountinfo_parse(text, len, &parsed, &bad);
		if (err == -EINVAL) {
			nsm_warn(m, "%s:%zu: malformed mountinfo line", where,
				 bad);
			return 0;
		}
		if (err)
			return err;
		mt = &parsed;
	}
	if (fold)
		err = fold(m, mnt, mt, rootfd);
	if (mt == &parsed) {
		kerr = keep_table(m, mnt, &parsed);
		err = err ? err : kerr;
	}
	return err;
}

struct enter_ctx {
	struct nsm_model *m;
	struct nsm_ns *mnt;
	nsm_mntns_fold_fn fold;
	int err;
};

/*
 * Runs in a thread of nsm_run_in() that entered the namespace (the rest
 * of nsmon stays put): /proc/thread-self/mountinfo then shows it, with
 * paths relative to its root, which setns(2) made ours.
 */
static int read_inside(void *arg)
{
	struct enter_ctx *c = arg;
	char *text = NULL, where[64];
	size_t len;
	int rootfd;

	snprintf(where, sizeof(where), "mnt:[%llu]/mountinfo",
		 (unsigned long long)c->mnt->id);
	rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (!c->mnt->mounts)
		c->err = nsm_read_file_at(c->m->proc_fd,
					  "thread-self/mountinfo", &text, &len);
	if (c->err) {
		nsm_read_error(c->m, c->err, "%s", where);
		c->err = 0;
	} else {
		c->err = take_table(c->m, c->mnt, text, len, rootfd, where,
				    c->fold);
	}
	free(text);
	if (rootfd >= 0)
		close(rootfd);
	return 0;
}

static int read_via_thread(struct nsm_model *m, struct nsm_ns *mnt,
			   nsm_mntns_fold_fn fold)
{
	struct enter_ctx c = { .m = m, .mnt = mnt, .fold = fold };
	struct nsm_target t = {
		.type = NSM_MNT, .id = mnt->id, .fd = mnt->fd,
		.way = NSM_WAY_FD,
	};
	struct nsm_run r = { .v = &t, .n = 1 };
	int err;

	/* the fd stays mnt's: t is not closed */
	err = nsm_run_in(&r, read_inside, &c);
	if (err == -ENOMEM || err == -EAGAIN)
		return err;
	if (err)
		nsm_read_error(m, err, "mnt:[%llu]/mountinfo: cannot enter",
			       (unsigned long long)mnt->id);
	return c.err;
}

/* Reads /proc/PID/mountinfo of a process in the namespace. */
static int read_via_pid(struct nsm_model *m, struct nsm_ns *mnt, pid_t pid,
			nsm_mntns_fold_fn fold)
{
	char path[64], where[PATH_MAX], *text = NULL;
	int rootfd = -1, err;
	size_t len = 0;

	snprintf(path, sizeof(path), "%d/mountinfo", pid);
	snprintf(where, sizeof(where), "%s/%s", m->opts.proc_root, path);
	if (!mnt->mounts) {
		err = nsm_read_file_at(m->proc_fd, path, &text, &len);
		if (err)
			return err;
	}
	/* its root only to open nsfs mounts, if it has any */
	if (m->live && fold &&
	    (mnt->mounts ? has_nsfs(mnt->mounts) : !!strstr(text, " - nsfs "))) {
		snprintf(path, sizeof(path), "%d/root", pid);
		rootfd = openat(m->proc_fd, path,
				O_PATH | O_DIRECTORY | O_CLOEXEC);
		/*
		 * Out of fds, its nsfs mounts stay unseen: say so.  A refusal
		 * (pid 1 here) is no news: fold finds them another way.
		 */
		if (rootfd < 0 && nsm_err_is_resource(-errno))
			nsm_read_error(m, -errno, "%s/%s", m->opts.proc_root,
				       path);
	}
	err = take_table(m, mnt, text, len, rootfd, where, fold);
	free(text);
	if (rootfd >= 0)
		close(rootfd);
	return err ? err : 0;
}

int nsm_mntns_read(struct nsm_model *m, struct nsm_ns *mnt,
		   nsm_mntns_fold_fn fold)
{
	size_t i;
	int err = -ENOENT, res = 0;

	bool by_id = m->opts.mounts && !mnt->mounts;

	/*
	 * pass 7's table: the mountinfo of a process in the namespace is the
	 * cheapest read (the kernel writes the whole table in one go, where
	 * statmount(2) is a call per mount: 5,000 mounts in 200 namespaces
	 * cost twice as much); a namespace without a process is read by id
	 * (listmount/statmount), so that no thread has to enter it, unless
	 * its nsfs mounts must be opened from inside.  NSM_MOUNTS_BY_ID
	 * prefers the id way for all (tests).
	 */
	if (by_id && (!mnt->procs.n ||
		      m->opts.mount_reader == NSM_MOUNTS_BY_ID)) {
		by_id = false;
		if (nsm_mntns_listmount(m, mnt) == -ENOMEM)
			return -ENOMEM;
	}
	if (mnt->mounts && !(fold && has_nsfs(mnt->mounts)))
		return fold ? fold(m, mnt, mnt->mounts, -1) : 0;

	/*
	 * Any process of it will do.  One that is exiting has no mount
	 * namespace left (EINVAL), one that is gone ENOENT/ESRCH, one we may
	 * not look into EACCES: try the next.
	 */
	for (i = 0; i < mnt->procs.n; i++) {
		err = read_via_pid(m, mnt, mnt->procs.v[i], fold);
		if (!err || err == -ENOMEM)
			return err;
		if (nsm_err_is_resource(err))
			res = err;
	}
	/* a loose thread with a mount namespace of its own */
	for (i = 0; i < mnt->nrefs && err; i++)
		if (mnt->refs[i].via == NSM_VIA_TASK)
			err = read_via_pid(m, mnt, mnt->refs[i].tid,
					   fold);
	if (!err || err == -ENOMEM)
		return err;
	if (!m->live)
		goto nope;
	/* its processes are gone: by id, then from inside */
	if (by_id && nsm_mntns_listmount(m, mnt) == -ENOMEM)
		return -ENOMEM;
	if (mnt->mounts && !(fold && has_nsfs(mnt->mounts)))
		return fold ? fold(m, mnt, mnt->mounts, -1) : 0;
	if (mnt->fd < 0)
		mnt->fd = nsm_ns_open(m, mnt);
	if (mnt->fd >= 0) {
		err = read_via_thread(m, mnt, fold);
		close(mnt->fd);
		mnt->fd = -1;
		if (!err || err == -ENOMEM)
			return err;
	}
nope:
	/* a table read by id still names its nsfs mounts */
	if (mnt->mounts && fold)
		return fold(m, mnt, mnt->mounts, -1);
	if (res)
		nsm_read_error(m, res, "mnt:[%llu]: cannot read its mounts",
			       (unsigned long long)mnt->id);
	else
		nsm_warn(m, "mnt:[%llu]: no way to read its mounts",
			 (unsigned long long)mnt->id);
	return 0;
}
