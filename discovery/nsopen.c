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

/*
 * The window: before /proc is listed (listing costs the kernel a dentry
 * per process, ~2 ms with a thousand), the newest processes, among the
 * WIN_PIDS pids given last, are looked at for the types entered most: a
 * namespace made lately is found there.  How many: one in 32 of the
 * host's tasks, 8 to 64, so that a miss costs a small part of what the
 * listing costs.
 */
#define WIN_PIDS 4096		/* pid numbers below the last one given */
#define WIN_MIN 8
#define WIN_MAX 64
#define WIN_TYPES 3		/* by_use[0..3): net, mnt, uts */

static const enum nsm_type by_use[] = {
	NSM_NET, NSM_MNT, NSM_UTS, NSM_PID, NSM_IPC, NSM_USER, NSM_CGROUP,
	NSM_TIME,
};

struct scan {
	struct nsm_target *t;
	const uint64_t *ids;
	size_t n, left;
	int procfd;		/* /proc, O_RDONLY: also listed */
	bool by_handle;		/* an ns_id is wanted: name_to_handle_at */
	const char *found;	/* where, for -v: the window or the walk */
	pid_t self;		/* not looked at: our own are "ours" */
	long last;		/* the last pid given, 0: unknown */
	pid_t win[WIN_MAX];	/* the window's processes, newest first */
	size_t nwin;
	pid_t cover[2][2];	/* the pid ranges it looked at whole */
	struct nsm_pids pids;
};

/*
 * nsfs inode numbers come from proc_alloc_inum(), 0xF0000000 up
 * (PROC_DYNAMIC_FIRST), the first namespaces' fixed ones just below
 * (0xEFFFFFF8 up on 6.18); ns_ids (6.18) are a 64-bit counter from 1
 * (21 million on a VM up for a day).  An id outside that range is an
 * ns_id; one inside is an inode number here (a discovery tries it as
 * both).
 */
static bool is_ns_id(uint64_t id)
{
	return id < 0xE0000000u || id > UINT32_MAX;
}

/* The ns_ids wanted cannot be matched (no file handles): left to others. */
static void drop_ns_ids(struct scan *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->t[i].type == NSM_TYPE_NONE && is_ns_id(s->ids[i]))
			s->left--;
}

/*
 * The inode number and, when an ns_id is wanted, the ns_id of pid's
 * namespace of type (pid 0: ours).  The nsfs file handle (6.18) holds
 * both: name_to_handle_at(2) on the ns link costs what a stat does.
 */
static int ns_of(struct scan *s, pid_t pid, enum nsm_type type,
		 uint64_t *ino, uint64_t *ns_id)
{
	struct {
		struct file_handle fh;
		struct nsm_nsfs_file_handle ns;
	} h = { .fh = { .handle_bytes = sizeof(h.ns) } };
	char path[64];
	struct stat st;
	int mnt, r;

	if (pid)
		snprintf(path, sizeof(path), "%d/ns/%s", (int)pid,
			 nsm_type_name(type));
	else
		snprintf(path, sizeof(path), "self/ns/%s", nsm_type_name(type));
	*ns_id = 0;
	if (s->by_handle) {
		r = name_to_handle_at(s->procfd, path, &h.fh, &mnt,
				      AT_SYMLINK_FOLLOW);
		if (!r && h.fh.handle_type == NSM_FILEID_NSFS) {
			*ino = h.ns.ns_inum;
			*ns_id = h.ns.ns_id;
			return 0;
		}
		if (r && errno != EOPNOTSUPP && errno != EOVERFLOW)
			return -errno;
		/* before 6.18: no handle, and no ns_id to match */
		s->by_handle = false;
		drop_ns_ids(s);
	}
	if (fstatat(s->procfd, path, &st, 0))
		return -errno;
	*ino = st.st_ino;
	return 0;
}

static bool wanted(const struct scan *s, size_t i, uint64_t ino,
		   uint64_t ns_id)
{
	if (s->t[i].type != NSM_TYPE_NONE)
		return false;
	if (is_ns_id(s->ids[i]))
		return ns_id && s->ids[i] == ns_id;
	return s->ids[i] == ino;
}

static void found(struct scan *s, size_t i, enum nsm_type type, uint64_t ino,
		  uint64_t ns_id)
{
	s->t[i].type = type;
	s->t[i].id = ino;
	s->t[i].ns_id = ns_id;
	s->left--;
}

/* Matches one namespace of one process against the ids still wanted. */
static void scan_one(struct scan *s, pid_t pid, enum nsm_type type)
{
	uint64_t ino, ns_id;
	size_t i;
	int fd;

	if (ns_of(s, pid, type, &ino, &ns_id))
		return;
	for (i = 0; i < s->n; i++) {
		if (!wanted(s, i, ino, ns_id))
			continue;
		fd = holder_pidfd(pid, type, ino);
		if (fd < 0)
			continue;	/* gone: another may hold it */
		found(s, i, type, ino, ns_id);
		s->t[i].fd = fd;
		set_way(&s->t[i], NSM_WAY_PROCESS, pid, "process %d%s",
			s->found);
	}
}

/* Ours: nothing to enter. */
static void scan_ours(struct scan *s)
{
	uint64_t ino, ns_id;
	size_t i;
	int type;

	for (type = 0; type < NSM_NTYPES && s->left; type++) {
		if (ns_of(s, 0, type, &ino, &ns_id))
			continue;
		for (i = 0; i < s->n; i++) {
			if (!wanted(s, i, ino, ns_id))
				continue;
			found(s, i, type, ino, ns_id);
			set_way(&s->t[i], NSM_WAY_OURS, 0,
				"ours already, not entered%.0d%s", NULL);
		}
	}
}

/*
 * /proc/loadavg's last fields, "running/tasks last-pid-given", or
 * /proc/sys/kernel/pid_max (tasks NULL); 0 where unreadable.
 */
static long proc_number(int procfd, const char *path, long *tasks)
{
	long v = 0;
	char *buf;
	size_t len;

	if (nsm_read_file_at(procfd, path, &buf, &len))
		return 0;
	if (!tasks)
		v = strtol(buf, NULL, 10);
	else if (sscanf(buf, "%*f %*f %*f %*d/%ld %ld", tasks, &v) != 2)
		v = 0;
	free(buf);
	return v;
}

/* A block of the window, as it is listed: its processes for its types. */
static bool window_block(void *ctx, const pid_t *v, size_t n)
{
	struct scan *s = ctx;
	size_t i, k;

	for (k = 0; k < WIN_TYPES && s->left; k++)
		for (i = 0; i < n && s->left; i++)
			scan_one(s, v[i], by_use[k]);
	return !s->left;
}

/*
 * The max newest processes in [lo, hi] but us, after those found so far;
 * the range they are all of (every process in it is among them).
 */
static void window_part(struct scan *s, pid_t lo, pid_t hi, size_t max,
			pid_t cover[2])
{
	int n = nsm_proc_newest(s->procfd, lo, hi, s->self, s->win + s->nwin,
				max - s->nwin, window_block, s);

	/* an error: what was looked at is looked at again by the walk */
	if (n < 0)
		return;
	s->nwin += (size_t)n;
	cover[0] = s->nwin == max && n ? s->win[s->nwin - 1] : lo;
	cover[1] = hi;
}

/*
 * The newest processes but us: those just below the last pid given,
 * then, where pids wrapped at pid_max, those just below pid_max.
 */
static void window(struct scan *s)
{
	long tasks = 0, last, pid_max, lo;
	size_t max;

	last = s->last = proc_number(s->procfd, "loadavg", &tasks);
	if (last <= 0)
		return;
	max = tasks / 32 < WIN_MIN ? WIN_MIN
	      : tasks / 32 > WIN_MAX ? WIN_MAX : (size_t)tasks / 32;
	lo = last - WIN_PIDS + 1;
	window_part(s, lo < 1 ? 1 : (pid_t)lo, (pid_t)last, max, s->cover[0]);
	if (lo >= 1 || s->nwin == max || !s->left)
		return;
	pid_max = proc_number(s->procfd, "sys/kernel/pid_max", NULL);
	if (pid_max > WIN_PIDS && last < pid_max)
		window_part(s, (pid_t)(pid_max + lo), (pid_t)(pid_max - 1),
			    max, s->cover[1]);
}

static bool in_window(const struct scan *s, pid_t pid)
{
	return (pid >= s->cover[0][0] && pid <= s->cover[0][1]) ||
	       (pid >= s->cover[1][0] && pid <= s->cover[1][1]);
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/*
 * Sorts p and returns the index of its newest pid: the last one given,
 * or the highest below it.  Pids wrap at pid_max (32,768 on a small
 * host): the newest are those just below the last one given, then the
 * highest ones, downwards.
 */
static size_t newest_first(struct nsm_pids *p, long last)
{
	size_t i;

	if (!p->n)
		return 0;
	qsort(p->v, p->n, sizeof(*p->v), cmp_pid);
	for (i = 0; i < p->n && p->v[i] <= last; i++)
		;
	return i ? i - 1 : p->n - 1;
}

static int add_pid(void *ctx, int dirfd, int pid, const char *name)
{
	return nsm_pids_add(&((struct scan *)ctx)->pids, pid);
}

/*
 * The type an id is of is not known (no call maps an inode number or an
 * ns_id to its namespace): one type at a time over all processes, the
 * types entered most often first, the newest processes first, those of
 * the window left out for its types; the walk stops once every id has
 * a holder, after one stat per process for a net namespace, not eight.
 */
static void walk(struct scan *s)
{
	size_t i, k, start;
	pid_t pid;

	s->found = " (by a walk of /proc)";
	nsm_each_number(s->procfd, ".", add_pid, s);
	start = newest_first(&s->pids, s->last);
	for (k = 0; k < sizeof(by_use) / sizeof(by_use[0]) && s->left; k++) {
		for (i = 0; i < s->pids.n && s->left; i++) {
			pid = s->pids.v[(start + s->pids.n - i) % s->pids.n];
			if (pid != s->self &&
			    (k >= WIN_TYPES || !in_window(s, pid)))
				scan_one(s, pid, by_use[k]);
		}
	}
	free(s->pids.v);
}

int nsm_targets_scan(struct nsm_target *t, const uint64_t *ids, size_t n)
{
	struct scan s = { .t = t, .ids = ids, .n = n, .left = n,
			  .self = getpid() };
	size_t i, missing = 0;

	for (i = 0; i < n; i++) {
		nsm_target_init(&t[i]);
		s.by_handle |= is_ns_id(ids[i]);
	}
	s.procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s.procfd < 0)
		return (int)n;
	scan_ours(&s);
	s.found = " (among the newest)";
	if (s.left)
		window(&s);
	if (s.left)
		walk(&s);
	close(s.procfd);
	for (i = 0; i < n; i++)
		missing += t[i].type == NSM_TYPE_NONE;
	return (int)missing;
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
