// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * listmount.c - the mount table of a mount namespace by its id, with
 * listmount(2) and statmount(2) (6.11+: a namespace id in struct
 * mnt_id_req), without entering the namespace or needing a process in it.
 * The table comes out as mountinfo would have it (nsm_mountinfo).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nsm.h"
#include "pass.h"

/*
 * Debian 12's headers predate listmount/statmount: the ABI as of 6.18
 * (include/uapi/linux/mount.h).  The numbers are the same on every
 * architecture (the unified syscall table).
 */
#ifndef SYS_statmount
#define SYS_statmount 457
#endif
#ifndef SYS_listmount
#define SYS_listmount 458
#endif

struct nsm_mnt_id_req {
	__u32 size;
	__u32 spare;
	__u64 mnt_id;
	__u64 param;
	__u64 mnt_ns_id;	/* 6.11+ (MNT_ID_REQ_SIZE_VER1) */
};

struct nsm_statmount {
	__u32 size;
	__u32 mnt_opts;
	__u64 mask;
	__u32 sb_dev_major;
	__u32 sb_dev_minor;
	__u64 sb_magic;
	__u32 sb_flags;
	__u32 fs_type;
	__u64 mnt_id;
	__u64 mnt_parent_id;
	__u32 mnt_id_old;
	__u32 mnt_parent_id_old;
	__u64 mnt_attr;
	__u64 mnt_propagation;
	__u64 mnt_peer_group;
	__u64 mnt_master;
	__u64 propagate_from;
	__u32 mnt_root;
	__u32 mnt_point;
	__u64 mnt_ns_id;
	__u32 fs_subtype;
	__u32 sb_source;
	__u32 opt_num;
	__u32 opt_array;
	__u32 opt_sec_num;
	__u32 opt_sec_array;
	__u64 supported_mask;
	__u32 mnt_uidmap_num;
	__u32 mnt_uidmap;
	__u32 mnt_gidmap_num;
	__u32 mnt_gidmap;
	__u64 spare2[43];
	char str[];
};

#define SM_SB_BASIC 0x1U
#define SM_MNT_BASIC 0x2U
#define SM_PROPAGATE_FROM 0x4U
#define SM_MNT_ROOT 0x8U
#define SM_MNT_POINT 0x10U
#define SM_FS_TYPE 0x20U
#define SM_MNT_OPTS 0x80U
#define SM_FS_SUBTYPE 0x100U
#define SM_SB_SOURCE 0x200U

#define LSMT_ROOT 0xffffffffffffffffULL

/* MOUNT_ATTR_* (mnt_attr), MS_* (mnt_propagation), SB_* (sb_flags) */
#define MA_RDONLY 0x1
#define MA_NOSUID 0x2
#define MA_NODEV 0x4
#define MA_NOEXEC 0x8
#define MA_ATIME 0x70
#define MA_NOATIME 0x10
#define MA_STRICTATIME 0x20
#define MA_NODIRATIME 0x80
#define MA_IDMAP 0x100000
#define MA_NOSYMFOLLOW 0x200000
#define P_UNBINDABLE (1 << 17)
#define P_SLAVE (1 << 19)
#define P_SHARED (1 << 20)
#define SBF_RDONLY 0x1
#define SBF_SYNCHRONOUS 0x10
#define SBF_DIRSYNC 0x80
#define SBF_LAZYTIME (1 << 25)

#ifndef NS_GET_MNTNS_ID
#define NS_GET_MNTNS_ID _IOR(0xb7, 0x5, __u64)
#endif

/* -1 unknown, 0 no, 1 yes: listmount by namespace id works here */
static int have_listmount = -1;

/* A growing string arena; strings are referred to by offset until done. */
struct arena {
	char *buf;
	size_t len, cap;
};

static ssize_t arena_add(struct arena *a, const char *s, size_t n)
{
	size_t off = a->len;

	if (a->len + n + 1 > a->cap) {
		size_t cap = a->cap ? a->cap : 4096;
		char *nb;

		while (a->len + n + 1 > cap)
			cap *= 2;
		nb = realloc(a->buf, cap);
		if (!nb)
			return -ENOMEM;
		a->buf = nb;
		a->cap = cap;
	}
	memcpy(a->buf + a->len, s, n);
	a->buf[a->len + n] = '\0';
	a->len += n + 1;
	return (ssize_t)off;
}

/* Appends ",name" (or "name" first) to a string being built in w. */
static void opt_add(char *w, size_t len, const char *name)
{
	size_t n = strlen(w);

	snprintf(w + n, len - n, "%s%s", n ? "," : "", name);
}

/* The per-mount options as mountinfo shows them (show_mnt_opts()). */
static void mnt_opts(const struct nsm_statmount *sm, char *w, size_t len)
{
	__u64 a = sm->mnt_attr;

	w[0] = '\0';
	opt_add(w, len, a & MA_RDONLY ? "ro" : "rw");
	if (a & MA_NOSUID)
		opt_add(w, len, "nosuid");
	if (a & MA_NODEV)
		opt_add(w, len, "nodev");
	if (a & MA_NOEXEC)
		opt_add(w, len, "noexec");
	if ((a & MA_ATIME) == MA_NOATIME)
		opt_add(w, len, "noatime");
	if (a & MA_NODIRATIME)
		opt_add(w, len, "nodiratime");
	if ((a & MA_ATIME) == 0)
		opt_add(w, len, "relatime");
	if (a & MA_NOSYMFOLLOW)
		opt_add(w, len, "nosymfollow");
	if (a & MA_IDMAP)
		opt_add(w, len, "idmapped");
}

/* The optional fields of mountinfo (show_mountinfo()). */
static void mnt_tags(const struct nsm_statmount *sm, char *w, size_t len)
{
	char t[64];

	w[0] = '\0';
	if (sm->mnt_propagation & P_SHARED) {
		snprintf(t, sizeof(t), "shared:%" PRIu64,
			 (uint64_t)sm->mnt_peer_group);
		snprintf(w + strlen(w), len - strlen(w), "%s", t);
	}
	if (sm->mnt_propagation & P_SLAVE) {
		snprintf(t, sizeof(t), "%smaster:%" PRIu64, *w ? " " : "",
			 (uint64_t)sm->mnt_master);
		snprintf(w + strlen(w), len - strlen(w), "%s", t);
		if ((sm->mask & SM_PROPAGATE_FROM) && sm->propagate_from &&
		    sm->propagate_from != sm->mnt_master) {
			snprintf(t, sizeof(t), " propagate_from:%" PRIu64,
				 (uint64_t)sm->propagate_from);
			snprintf(w + strlen(w), len - strlen(w), "%s", t);
		}
	}
	if (sm->mnt_propagation & P_UNBINDABLE)
		snprintf(w + strlen(w), len - strlen(w), "%sunbindable",
			 *w ? " " : "");
}

/* Super block options as mountinfo shows them (show_sb_opts() + fs). */
static int sb_opts(const struct nsm_statmount *sm, char **out)
{
	const char *fs = (sm->mask & SM_MNT_OPTS) ? sm->str + sm->mnt_opts : "";
	char w[64] = "";

	opt_add(w, sizeof(w), sm->sb_flags & SBF_RDONLY ? "ro" : "rw");
	if (sm->sb_flags & SBF_SYNCHRONOUS)
		opt_add(w, sizeof(w), "sync");
	if (sm->sb_flags & SBF_DIRSYNC)
		opt_add(w, sizeof(w), "dirsync");
	if (sm->sb_flags & SBF_LAZYTIME)
		opt_add(w, sizeof(w), "lazytime");
	return asprintf(out, "%s%s%s", w, *fs ? "," : "", fs) < 0 ? -ENOMEM : 0;
}

/* One mount, its strings appended to a; pointers hold offsets for now. */
struct sm_entry {
	struct nsm_mountinfo mi;
	__u64 id, parent;	/* unique ids */
};

#define OFF(x) ((char *)(uintptr_t)(x))

static int sm_fill(const struct nsm_statmount *sm, struct arena *a,
		   struct sm_entry *e)
{
	char opts[160], tags[160], *super = NULL, *type = NULL;
	const char *src;
	ssize_t o[7];
	int err = -ENOMEM;

	mnt_opts(sm, opts, sizeof(opts));
	mnt_tags(sm, tags, sizeof(tags));
	if (sb_opts(sm, &super))
		return -ENOMEM;
	/* mountinfo says "fuse.sshfs": type and subtype */
	if (asprintf(&type, "%s%s%s", sm->str + sm->fs_type,
		     (sm->mask & SM_FS_SUBTYPE) && sm->str[sm->fs_subtype] ?
			     "." : "",
		     (sm->mask & SM_FS_SUBTYPE) ? sm->str + sm->fs_subtype :
						   "") < 0) {
		type = NULL;
		goto out;
	}
	src = (sm->mask & SM_SB_SOURCE) ? sm->str + sm->sb_source : "none";
	o[0] = arena_add(a, sm->str + sm->mnt_root, strlen(sm->str + sm->mnt_root));
	o[1] = arena_add(a, sm->str + sm->mnt_point,
			 strlen(sm->str + sm->mnt_point));
	o[2] = arena_add(a, opts, strlen(opts));
	o[3] = arena_add(a, tags, strlen(tags));
	o[4] = arena_add(a, type, strlen(type));
	o[5] = arena_add(a, src, strlen(src));
	o[6] = arena_add(a, super, strlen(super));
	if (o[0] < 0 || o[1] < 0 || o[2] < 0 || o[3] < 0 || o[4] < 0 ||
	    o[5] < 0 || o[6] < 0)
		goto out;
	memset(e, 0, sizeof(*e));
	e->id = sm->mnt_id;
	e->parent = sm->mnt_parent_id;
	e->mi.mount_id = (int)sm->mnt_id_old;
	e->mi.parent_id = (int)sm->mnt_parent_id_old;
	e->mi.major = sm->sb_dev_major;
	e->mi.minor = sm->sb_dev_minor;
	e->mi.root = OFF(o[0]);
	e->mi.path = OFF(o[1]);
	e->mi.options = OFF(o[2]);
	e->mi.tags = OFF(o[3]);
	e->mi.fstype = OFF(o[4]);
	e->mi.source = OFF(o[5]);
	e->mi.super_options = OFF(o[6]);
	err = 0;
out:
	free(super);
	free(type);
	return err;
}

/* The unique ids of every mount of namespace nsid, ascending. */
static int list_ids(__u64 nsid, __u64 **ids, size_t *n)
{
	struct nsm_mnt_id_req req = {
		.size = sizeof(req),
		.mnt_id = LSMT_ROOT,
		.mnt_ns_id = nsid,
	};
	size_t cap = 1024, have = 0;
	__u64 *v = NULL;

	for (;;) {
		__u64 *nv = realloc(v, cap * sizeof(*v));
		long got;

		if (!nv) {
			free(v);
			return -ENOMEM;
		}
		v = nv;
		/* param: continue after the last id of the previous batch */
		req.param = have ? v[have - 1] : 0;
		got = syscall(SYS_listmount, &req, v + have, cap - have, 0);
		if (got < 0) {
			int err = -errno;

			free(v);
			return err;
		}
		have += got;
		if (have < cap)
			break;
		cap *= 2;
	}
	*ids = v;
	*n = have;
	return 0;
}

/*
 * For a namespace not our own, statmount(2) resolves paths from the
 * namespace's root mount (ns->root); a process in it, and the mountinfo
 * of a thread that setns(2)'d into it (mntns_install() steps down to the
 * top of the "/" stack), see only what lies under the top of that stack.
 * Keep that, as mountinfo would show it: the root mounts below are not
 * reachable from any process of the namespace.
 */
static size_t keep_under_top(struct sm_entry *e, size_t n)
{
	size_t i, top = n, kept = 0;
	bool *keep = NULL;
	bool changed;

	/* the namespace root: its parent is itself (or not listed) */
	for (i = 0; i < n && top == n; i++)
		if (e[i].parent == e[i].id)
			top = i;
	if (top == n)
		return n;
	for (changed = true; changed;) {
		changed = false;
		for (i = 0; i < n; i++)
			if (i != top && e[i].parent == e[top].id &&
			    !strcmp(e[i].mi.path, e[top].mi.path)) {
				top = i;
				changed = true;
				break;
			}
	}
	keep = calloc(n, sizeof(*keep));
	if (!keep)
		return n;
	/* ids ascend and a child is younger than its parent, mostly: loop */
	keep[top] = true;
	for (changed = true; changed;) {
		changed = false;
		for (i = 0; i < n; i++) {
			size_t j;

			if (keep[i])
				continue;
			for (j = 0; j < n; j++)
				if (keep[j] && e[j].id == e[i].parent)
					break;
			if (j < n) {
				keep[i] = true;
				changed = true;
			}
		}
	}
	for (i = 0; i < n; i++)
		if (keep[i])
			e[kept++] = e[i];
	free(keep);
	return kept;
}

static int read_statmount(__u64 nsid, bool own, struct nsm_mounts *out)
{
	struct nsm_mnt_id_req req = { .size = sizeof(req), .mnt_ns_id = nsid };
	struct nsm_statmount *sm = NULL;
	struct sm_entry *e = NULL;
	struct arena a = { 0 };
	size_t smlen = 16384, n = 0, nids = 0, i;
	__u64 *ids = NULL;
	int err;

	err = list_ids(nsid, &ids, &nids);
	if (err)
		return err;
	e = calloc(nids ? nids : 1, sizeof(*e));
	sm = malloc(smlen);
	if (!e || !sm) {
		err = -ENOMEM;
		goto out;
	}
	req.param = SM_SB_BASIC | SM_MNT_BASIC | SM_PROPAGATE_FROM |
		    SM_MNT_ROOT | SM_MNT_POINT | SM_FS_TYPE | SM_MNT_OPTS |
		    SM_FS_SUBTYPE | SM_SB_SOURCE;
	for (i = 0; i < nids; i++) {
		req.mnt_id = ids[i];
		if (syscall(SYS_statmount, &req, sm, smlen, 0)) {
			if (errno == EOVERFLOW && smlen < (64u << 20)) {
				void *nsm = realloc(sm, smlen * 4);

				if (!nsm) {
					err = -ENOMEM;
					goto out;
				}
				sm = nsm;
				smlen *= 4;
				i--;
				continue;
			}
			/* unmounted since listmount: not there any more */
			if (errno == ENOENT)
				continue;
			err = -errno;
			goto out;
		}
		if ((sm->mask & (SM_MNT_BASIC | SM_SB_BASIC | SM_MNT_POINT |
				 SM_MNT_ROOT | SM_FS_TYPE)) !=
		    (SM_MNT_BASIC | SM_SB_BASIC | SM_MNT_POINT | SM_MNT_ROOT |
		     SM_FS_TYPE)) {
			err = -EOPNOTSUPP;
			goto out;
		}
		err = sm_fill(sm, &a, &e[n]);
		if (err)
			goto out;
		n++;
	}
	if (!own)
		n = keep_under_top(e, n);
	memset(out, 0, sizeof(*out));
	out->v = calloc(n ? n : 1, sizeof(*out->v));
	if (!out->v) {
		err = -ENOMEM;
		goto out;
	}
	if (!a.buf && arena_add(&a, "", 0) < 0) {
		free(out->v);
		out->v = NULL;
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct nsm_mountinfo *mi = &out->v[i];

		*mi = e[i].mi;
		mi->root = a.buf + (uintptr_t)mi->root;
		mi->path = a.buf + (uintptr_t)mi->path;
		mi->options = a.buf + (uintptr_t)mi->options;
		mi->tags = a.buf + (uintptr_t)mi->tags;
		mi->fstype = a.buf + (uintptr_t)mi->fstype;
		mi->source = a.buf + (uintptr_t)mi->source;
		mi->super_options = a.buf + (uintptr_t)mi->super_options;
	}
	out->n = out->cap = n;
	out->buf = a.buf;
	a.buf = NULL;
out:
	free(a.buf);
	free(ids);
	free(e);
	free(sm);
	return err;
}

/* Our own mount namespace's inode number, once. */
static uint64_t own_mntns(const struct nsm_model *m)
{
	struct stat st;

	if (fstatat(m->proc_fd, "thread-self/ns/mnt", &st, 0))
		return 0;
	return st.st_ino;
}

int nsm_mntns_listmount(struct nsm_model *m, struct nsm_ns *mnt)
{
	struct nsm_mounts *mt;
	__u64 nsid = 0;
	int fd, err;

	if (!m->live || have_listmount == 0 ||
	    m->opts.mount_reader == NSM_MOUNTS_MOUNTINFO)
		return -EOPNOTSUPP;
	fd = mnt->fd >= 0 ? mnt->fd : nsm_ns_open(m, mnt);
	if (fd < 0)
		return fd;
	err = ioctl(fd, NS_GET_MNTNS_ID, &nsid) ? -errno : 0;
	if (fd != mnt->fd)
		close(fd);
	if (err) {
		if (err == -ENOTTY || err == -EINVAL)
			have_listmount = 0;
		return err;
	}
	mt = calloc(1, sizeof(*mt));
	if (!mt)
		return -ENOMEM;
	err = read_statmount(nsid, own_mntns(m) == mnt->id, mt);
	if (err) {
		free(mt);
		/* no syscall, or no mnt_ns_id in mnt_id_req (E2BIG) */
		if (err == -ENOSYS || err == -E2BIG || err == -EOPNOTSUPP)
			have_listmount = 0;
		return err;
	}
	have_listmount = 1;
	mt->cap = mt->n;
	mnt->mounts = mt;
	return 0;
}
