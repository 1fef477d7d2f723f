// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nsopen.c - opening a namespace by nsmon's id, wherever the kernel keeps
 * it (nsm_run.h): a holder process (a pidfd, which setns(2) takes for
 * several types at once, 5.8), a thread, an nsfs fd another process holds
 * (pidfd_getfd(2), 5.6), a socket (SIOCGSKNS), an nsfs bind mount in any
 * mount namespace, and on 6.18+ the nsfs file handle, which names a
 * namespace by {ns_id, type, inode} and needs no holder at all.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nsm_run.h"
#include "pass.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
/*
 * What Debian 12's headers lack: the nsfs file handle (6.18,
 * include/uapi/linux/nsfs.h; FILEID_NSFS in include/linux/exportfs.h) and
 * the fd that stands for nsfs's root in open_by_handle_at(2)
 * (include/uapi/linux/fcntl.h).  On 6.18 all three fields must match.
 */
#define NSM_FILEID_NSFS 0xf1
#ifndef FD_NSFS_ROOT
#define FD_NSFS_ROOT -10003
#endif
struct nsm_nsfs_file_handle {
	uint64_t ns_id;
	uint32_t ns_type;	/* CLONE_NEW* */
	uint32_t ns_inum;
};

static const char *const way_names[NSM_NWAYS] = {
	[NSM_WAY_OURS] = "ours",	 [NSM_WAY_PROCESS] = "process",
	[NSM_WAY_TASK] = "task",	 [NSM_WAY_FD] = "fd",
	[NSM_WAY_SOCKET] = "socket",	 [NSM_WAY_BINDMOUNT] = "bindmount",
	[NSM_WAY_HANDLE] = "handle",
};

const char *nsm_way_name(enum nsm_way w)
{
	return (w >= 0 && w < NSM_NWAYS) ? way_names[w] : "?";
}

int nsm_parse_ways(const char *list, unsigned *mask)
{
	const char *p = list, *end;
	int w;

	*mask = 0;
	while (*p) {
		end = strchrnul(p, ',');
		for (w = 0; w < NSM_NWAYS; w++)
			if (strlen(way_names[w]) == (size_t)(end - p) &&
			    !memcmp(way_names[w], p, end - p))
				break;
		if (w == NSM_NWAYS)
			return -EINVAL;
		*mask |= 1u << w;
		p = *end ? end + 1 : end;
	}
	return *mask ? 0 : -EINVAL;
}

void nsm_target_init(struct nsm_target *t)
{
	memset(t, 0, sizeof(*t));
	t->type = NSM_TYPE_NONE;
	t->fd = -1;
}

void nsm_target_close(struct nsm_target *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

/* The inode of /proc/self/ns/TYPE: what "ours" is. */
static uint64_t our_ns(enum nsm_type type)
{
	char path[48];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/self/ns/%s", nsm_type_name(type));
	return stat(path, &st) ? 0 : st.st_ino;
}

static void set_way(struct nsm_target *t, enum nsm_way way, pid_t pid,
		    const char *fmt, const char *arg)
{
	t->way = way;
	t->pid = pid;
	snprintf(t->how, sizeof(t->how), fmt, (int)pid, arg ? arg : "");
}

/* A pidfd of pid whose namespace of type is still id (pids are reused). */
static int holder_pidfd(pid_t pid, enum nsm_type type, uint64_t id)
{
	char path[64];
	struct stat st;
	int fd;

	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return -errno;
	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid,
		 nsm_type_name(type));
	if (stat(path, &st) || st.st_ino != id) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

int nsm_target_of_pid(struct nsm_target *t, pid_t pid, enum nsm_type type)
{
	char path[64];
	struct stat st;

	nsm_target_init(t);
	t->pid = pid;
	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid,
		 nsm_type_name(type));
	t->type = type;
	if (stat(path, &st)) {
		/* a zombie (or one exiting) is there without namespaces */
		snprintf(path, sizeof(path), "/proc/%d", (int)pid);
		if (errno == ENOENT)
			return access(path, F_OK) ? -ESRCH : -ESTALE;
		return -errno;
	}
	t->id = st.st_ino;
	if (t->id == our_ns(type)) {
		set_way(t, NSM_WAY_OURS, 0, "ours already, not entered%.0d%s", NULL);
		return 0;
	}
	t->fd = holder_pidfd(pid, type, t->id);
	if (t->fd < 0)
		return t->fd;
	set_way(t, NSM_WAY_PROCESS, pid, "process %d%s", NULL);
	return 0;
}

struct scan {
	struct nsm_target *t;
	const uint64_t *ids;
	size_t n, left;
	int procfd;
	struct nsm_pids pids;
};

/* Matches one namespace of one process against the ids still wanted. */
static void scan_one(struct scan *s, pid_t pid, enum nsm_type type)
{
	char path[64];
	struct stat st;
	size_t i;
	int fd;

	snprintf(path, sizeof(path), "%d/ns/%s", (int)pid, nsm_type_name(type));
	if (fstatat(s->procfd, path, &st, 0))
		return;
	for (i = 0; i < s->n; i++) {
		if (s->t[i].type != NSM_TYPE_NONE || s->ids[i] != st.st_ino)
			continue;
		fd = holder_pidfd(pid, type, st.st_ino);
		if (fd < 0)
			continue;	/* gone: another may hold it */
		s->t[i].type = type;
		s->t[i].id = st.st_ino;
		s->t[i].fd = fd;
		set_way(&s->t[i], NSM_WAY_PROCESS, pid, "process %d%s", NULL);
		s->left--;
	}
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/*
 * Sorts p and returns the index of its newest pid: the last one the
 * kernel gave (/proc/loadavg's last field), or the highest below it.
 * Pids wrap at pid_max (32,768 on a small host): the newest are those
 * just below the last one given, then the highest ones, downwards.
 */
static size_t newest_first(struct nsm_pids *p, int procfd)
{
	const char *last;
	long lastpid = 0;
	char *buf;
	size_t i, len;

	if (!p->n)
		return 0;
	qsort(p->v, p->n, sizeof(*p->v), cmp_pid);
	if (nsm_read_file_at(procfd, "loadavg", &buf, &len))
		return p->n - 1;
	last = strrchr(buf, ' ');
	if (last)
		lastpid = strtol(last + 1, NULL, 10);
	free(buf);
	for (i = 0; i < p->n && p->v[i] <= lastpid; i++)
		;
	return i ? i - 1 : p->n - 1;
}

static int add_pid(void *ctx, int dirfd, int pid, const char *name)
{
	return nsm_pids_add(&((struct scan *)ctx)->pids, pid);
}

int nsm_targets_scan(struct nsm_target *t, const uint64_t *ids, size_t n)
{
	static const enum nsm_type by_use[] = {
		NSM_NET, NSM_MNT, NSM_UTS, NSM_PID, NSM_IPC, NSM_USER,
		NSM_CGROUP, NSM_TIME,
	};
	struct scan s = { .t = t, .ids = ids, .n = n, .left = n };
	uint64_t ours[NSM_NTYPES];
	size_t i, k, start;
	int type;

	for (type = 0; type < NSM_NTYPES; type++)
		ours[type] = our_ns(type);
	for (i = 0; i < n; i++) {
		nsm_target_init(&t[i]);
		for (type = 0; type < NSM_NTYPES; type++) {
			if (ours[type] != ids[i])
				continue;
			t[i].type = type;
			t[i].id = ids[i];
			set_way(&t[i], NSM_WAY_OURS, 0,
				"ours already, not entered%.0d%s", NULL);
			s.left--;
			break;
		}
	}
	if (!s.left)
		return 0;
	s.procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s.procfd < 0)
		return (int)s.left;
	/*
	 * The type an id is of is not known (no call maps an inode number
	 * to its namespace): one type at a time over all processes, the
	 * types entered most often first, the newest processes first; the
	 * walk stops once every id has a holder, after
	 * one stat per process for a net namespace instead of eight.
	 */
	nsm_each_number(s.procfd, ".", add_pid, &s);
	start = newest_first(&s.pids, s.procfd);
	for (k = 0; k < sizeof(by_use) / sizeof(by_use[0]) && s.left; k++)
		for (i = 0; i < s.pids.n && s.left; i++)
			scan_one(&s, s.pids.v[(start + s.pids.n - i) %
					       s.pids.n], by_use[k]);
	free(s.pids.v);
	close(s.procfd);
	return (int)s.left;
}

int nsm_ns_open_handle(uint64_t ns_id, enum nsm_type type, uint64_t id)
{
	struct {
		struct file_handle fh;
		struct nsm_nsfs_file_handle ns;
	} h = {
		.fh = { .handle_bytes = sizeof(h.ns),
			.handle_type = NSM_FILEID_NSFS },
		.ns = { .ns_id = ns_id, .ns_type = nsm_type_clone_flag(type),
			.ns_inum = (uint32_t)id },
	};
	int fd;

	if (!ns_id || id >> 32)
		return -EOPNOTSUPP;
	fd = open_by_handle_at(FD_NSFS_ROOT, &h.fh, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == EBADF) {
		/* a kernel without FD_NSFS_ROOT: any nsfs fd is its mount */
		int mfd = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);

		if (mfd < 0)
			return -errno;
		fd = open_by_handle_at(mfd, &h.fh, O_RDONLY | O_CLOEXEC);
		close(mfd);
	}
	if (fd < 0)
		return errno == EINVAL || errno == ENOTTY ? -EOPNOTSUPP
							   : -errno;
	return fd;
}

static int open_proc(const char *fmt, pid_t a, pid_t b, const char *s)
{
	char path[96];
	int fd;

	snprintf(path, sizeof(path), fmt, (int)a, (int)b, s);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* An fd process pid holds, duplicated into ours. */
static int getfd(pid_t pid, int nr)
{
	int pidfd, fd;

	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return -errno;
	fd = (int)syscall(SYS_pidfd_getfd, pidfd, nr, 0);
	fd = fd < 0 ? -errno : fd;
	close(pidfd);
	/* before 5.6, or refused by a LSM: its /proc link */
	if (fd == -ENOSYS)
		fd = open_proc("/proc/%d/fd/%d%s", pid, nr, "");
	return fd;
}

static int open_bindmount(struct nsm_model *m, const struct nsm_ref *r,
			  unsigned ways, int depth);

/* The ways of one ref of ns, in the order of enum nsm_way. */
static int open_ref(struct nsm_model *m, struct nsm_ns *ns,
		    const struct nsm_ref *r, unsigned ways, int depth)
{
	const char *tn = nsm_type_name(ns->type);
	pid_t tid = r->tid ? r->tid : r->pid;
	int fd, pidfd;

	switch (r->via) {
	case NSM_VIA_TASK:
		if (!(ways & (1u << NSM_WAY_TASK)))
			return -ENOENT;
		return open_proc("/proc/%d/task/%d/ns/%s", r->pid, r->tid, tn);
	case NSM_VIA_CHILDREN:
		if (!(ways & (1u << NSM_WAY_TASK)))
			return -ENOENT;
		return open_proc("/proc/%d/ns/%.0d%s_for_children", tid, 0, tn);
	case NSM_VIA_FD:
		if (!(ways & (1u << NSM_WAY_FD)))
			return -ENOENT;
		return getfd(tid, r->fd);
	case NSM_VIA_SOCKET:
		if (!(ways & (1u << NSM_WAY_SOCKET)))
			return -ENOENT;
		pidfd = (int)syscall(SYS_pidfd_open, tid, 0);
		if (pidfd < 0)
			return -errno;
		fd = nsm_socket_netns_fd(pidfd, r->fd);
		close(pidfd);
		return fd;
	case NSM_VIA_BINDMOUNT:
		if (!(ways & (1u << NSM_WAY_BINDMOUNT)))
			return -ENOENT;
		return open_bindmount(m, r, ways, depth);
	default:
		return -ENOENT;
	}
}

static enum nsm_way ref_way(enum nsm_via via)
{
	switch (via) {
	case NSM_VIA_FD:
		return NSM_WAY_FD;
	case NSM_VIA_SOCKET:
		return NSM_WAY_SOCKET;
	case NSM_VIA_BINDMOUNT:
		return NSM_WAY_BINDMOUNT;
	default:
		return NSM_WAY_TASK;
	}
}

static void ref_how(struct nsm_target *t, const struct nsm_ref *r)
{
	char buf[NSM_ENC_SIZE(256)];

	switch (r->via) {
	case NSM_VIA_BINDMOUNT:
		nsm_encode(buf, NSM_ENC_TEXT, r->path, strnlen(r->path, 256));
		snprintf(t->how, sizeof(t->how), "bind mount %.260s in mnt:[%llu]",
			 buf, (unsigned long long)r->mntns);
		break;
	case NSM_VIA_FD:
	case NSM_VIA_SOCKET:
		snprintf(t->how, sizeof(t->how), "%s %d:%d (pidfd_getfd)",
			 nsm_via_name(r->via), (int)(r->tid ? r->tid : r->pid),
			 r->fd);
		break;
	case NSM_VIA_TASK:
		snprintf(t->how, sizeof(t->how), "task %d of process %d",
			 (int)r->tid, (int)r->pid);
		break;
	default:
		snprintf(t->how, sizeof(t->how), "%s_for_children of %d",
			 nsm_type_name(t->type), (int)(r->tid ? r->tid : r->pid));
	}
	t->way = ref_way(r->via);
	t->pid = r->via == NSM_VIA_BINDMOUNT ? 0 : r->pid;
}

static int open_ns(struct nsm_model *m, struct nsm_ns *ns, unsigned ways,
		   int depth, struct nsm_target *t)
{
	int fd, err = -ESTALE;
	size_t i;

	t->type = ns->type;
	t->id = ns->id;
	t->ns_id = ns->ns_id;
	if (ns->id == our_ns(ns->type) && (ways & (1u << NSM_WAY_OURS))) {
		set_way(t, NSM_WAY_OURS, 0, "ours already, not entered%.0d%s", NULL);
		return 0;
	}
	for (i = 0; i < ns->procs.n && (ways & (1u << NSM_WAY_PROCESS)); i++) {
		fd = holder_pidfd(ns->procs.v[i], ns->type, ns->id);
		if (fd >= 0) {
			t->fd = fd;
			set_way(t, NSM_WAY_PROCESS, ns->procs.v[i],
				"process %d%s", NULL);
			return 0;
		}
		err = fd == -ESRCH ? err : fd;
	}
	/* refs in the order of the ways: task, fd, socket, bind mount */
	for (int w = NSM_WAY_TASK; w <= NSM_WAY_BINDMOUNT; w++) {
		for (i = 0; i < ns->nrefs; i++) {
			if (ref_way(ns->refs[i].via) != (enum nsm_way)w)
				continue;
			fd = nsm_ns_fd_check(open_ref(m, ns, &ns->refs[i],
						      ways, depth), ns->id);
			if (fd >= 0) {
				t->fd = fd;
				ref_how(t, &ns->refs[i]);
				return 0;
			}
			if (fd != -ENOENT && fd != -ESRCH)
				err = fd;
		}
	}
	if (ways & (1u << NSM_WAY_HANDLE)) {
		fd = nsm_ns_fd_check(nsm_ns_open_handle(ns->ns_id, ns->type,
							ns->id), ns->id);
		if (fd >= 0) {
			t->fd = fd;
			t->way = NSM_WAY_HANDLE;
			snprintf(t->how, sizeof(t->how),
				 "file handle {ns_id %llu, %s, %llu}",
				 (unsigned long long)ns->ns_id,
				 nsm_type_name(ns->type),
				 (unsigned long long)ns->id);
			return 0;
		}
		if (fd != -EOPNOTSUPP)
			err = fd;
	}
	return err;
}

/*
 * A bind mount in mount namespace r->mntns: as a process in it sees the
 * path (its root), else from a child in that namespace, which is opened
 * in turn by any of the ways (it may be held by a bind mount itself).
 */
static int open_bindmount(struct nsm_model *m, const struct nsm_ref *r,
			  unsigned ways, int depth)
{
	struct nsm_ns *mnt = nsm_ns_get(m, r->mntns);
	struct nsm_target mt;
	struct nsm_place at = { .mntns = -1 };
	size_t i;
	int fd = -ENOENT;

	if (!mnt || depth > 8)
		return -ENOENT;
	for (i = 0; i < mnt->procs.n; i++) {
		at.pid = mnt->procs.v[i];
		fd = nsm_open_in(&at, r->path, O_RDONLY | O_NOFOLLOW);
		if (fd >= 0 || fd == -ENOMEM)
			return fd;
	}
	nsm_target_init(&mt);
	if (open_ns(m, mnt, ways & ~(1u << NSM_WAY_PROCESS), depth + 1, &mt))
		return fd;
	if (mt.way == NSM_WAY_OURS) {
		fd = open(r->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	at.pid = 0;
	at.mntns = mt.fd;
	fd = nsm_open_in(&at, r->path, O_RDONLY | O_NOFOLLOW);
	nsm_target_close(&mt);
	return fd;
}

static struct nsm_ns *find(struct nsm_model *m, uint64_t id)
{
	struct nsm_ns *ns = nsm_ns_get(m, id);
	size_t i;

	for (i = 0; !ns && i < m->nns; i++)
		if (m->ns[i]->ns_id == id)
			ns = m->ns[i];
	return ns;
}

int nsm_target_open(struct nsm_model *m, uint64_t id, unsigned ways,
		    struct nsm_target *t)
{
	struct nsm_ns *ns = find(m, id);

	nsm_target_init(t);
	if (!ns)
		return -ENOENT;
	return open_ns(m, ns, ways, 0, t);
}
