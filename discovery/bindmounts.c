// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bindmounts.c - pass 5: namespaces held by nsfs bind mounts (`ip netns
 * add`, snap's mount namespaces, ...), in every mount namespace, also in
 * mount namespaces that no process is in and that are themselves held only
 * by a bind mount or an fd.  Each mount namespace's table is read once
 * (mntns.c), and its nsfs mounts are folded in here.  A mount namespace
 * found that way is read in turn, to a fixed point.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nsm.h"
#include "pass.h"

/*
 * Folds the nsfs mounts of one mount namespace's table into the model;
 * rootfd (that namespace's root, or -1) opens them where an fd tells more.
 */
static int fold_nsfs(struct nsm_model *m, struct nsm_ns *mnt,
		     const struct nsm_mounts *mt, int rootfd)
{
	size_t i;
	int err = 0;

	for (i = 0; i < mt->n && !err; i++) {
		const struct nsm_mountinfo *mi = &mt->v[i];
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
		/*
		 * as the mount namespace's owner sees the mount point: an
		 * absolute link on the way cannot lead into our own tree
		 */
		fd = nsm_open_in_root(rootfd, mi->path, O_RDONLY | O_NOFOLLOW);
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
	return err;
}

int nsm_scan_bindmounts(struct nsm_model *m)
{
	size_t i;
	int err = 0;

	/* m->ns grows while we read: new mount namespaces come last */
	for (i = 0; i < m->nns && !err; i++) {
		if (m->ns[i]->type != NSM_MNT)
			continue;
		err = nsm_mntns_read(m, m->ns[i], fold_nsfs);
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
