/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsm_run.h - acting in the namespaces nsmon finds (libnsm): opening a
 * namespace by its id wherever the kernel keeps it, entering several at
 * once, running a function inside them without disturbing the caller's
 * other threads, and opening a path as another mount namespace sees it.
 *
 * The ideas of lxkns's gons/ops/procfsroot, done with the kernel's own
 * tools: pidfd_open(2) and setns(2) on a pidfd (5.8) for several types in
 * one call, pidfd_getfd(2) (5.6) for an fd another process holds,
 * openat2(2) RESOLVE_IN_ROOT (5.6) for paths inside another root, and the
 * nsfs file handle (open_by_handle_at(2) on 6.18+), which needs no holder.
 *
 * Every function returns 0 (or an fd) or a negative errno.
 */
#ifndef NSM_RUN_H
#define NSM_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "nsm.h"

/* How a namespace was opened: the first way that worked, in this order. */
enum nsm_way {
	NSM_WAY_OURS,		/* we are in it already: nothing to enter */
	NSM_WAY_PROCESS,	/* a process in it: pidfd_open(2), setns(pidfd) */
	NSM_WAY_TASK,		/* a thread in it, or its pid/time_for_children */
	NSM_WAY_FD,		/* an nsfs fd a process holds: pidfd_getfd(2) */
	NSM_WAY_SOCKET,		/* a socket a process holds (net): SIOCGSKNS */
	NSM_WAY_BINDMOUNT,	/* an nsfs bind mount, in any mount namespace */
	NSM_WAY_HANDLE,		/* its nsfs file handle: open_by_handle_at(2) */
	NSM_NWAYS,
};

/* "ours", "process", "task", "fd", "socket", "bindmount", "handle" */
const char *nsm_way_name(enum nsm_way w);
/* Mask of 1 << NSM_WAY_* from "fd,handle"; -EINVAL on an unknown name. */
int nsm_parse_ways(const char *list, unsigned *mask);
#define NSM_WAYS_ALL ((1u << NSM_NWAYS) - 1)

/*
 * One namespace to enter, and the fd that enters it: an nsfs fd, or for
 * way PROCESS a pidfd of its holder (several targets with the same pid are
 * entered with one setns(pidfd, types)).  The target owns fd.
 */
struct nsm_target {
	enum nsm_type type;
	uint64_t id;		/* nsfs inode number */
	uint64_t ns_id;		/* the kernel's ns id (6.18+), 0 = unknown */
	int fd;			/* -1: not open (way OURS, or closed) */
	enum nsm_way way;
	pid_t pid;		/* holder (PROCESS, TASK, FD, SOCKET), 0 */
	char how[320];		/* the way in words, for -v: "process 4118" */
};

/* A target with nothing open: fd -1. */
void nsm_target_init(struct nsm_target *t);
/* Closes t->fd. */
void nsm_target_close(struct nsm_target *t);

/*
 * The namespace of type type of process pid: a pidfd (way PROCESS), or
 * way OURS if it is ours.  -ESRCH: no such process.
 */
int nsm_target_of_pid(struct nsm_target *t, pid_t pid, enum nsm_type type);

/*
 * Without a model: finds each of ids[0..n) (nsfs inode numbers, or
 * ns_ids on 6.18+) among our own namespaces and those of the processes
 * in /proc: first the newest processes (just below the last pid given)
 * for net, mnt and uts, then all of /proc type by type, net first,
 * newest first, until each id has a holder; fills t[i] (way OURS or
 * PROCESS, t[i].how saying where it was found) for those found.
 * Returns how many were not found (their t[i].fd is -1 and t[i].type
 * NSM_TYPE_NONE).
 */
int nsm_targets_scan(struct nsm_target *t, const uint64_t *ids, size_t n);

/*
 * From a model (nsm_discover()): opens namespace id (its inode number,
 * or else its ns_id) by the first of the ways in mask that works: a
 * process, a thread, an fd, a socket, a bind mount in any mount namespace
 * (one without processes is entered in a child, nsm_open_in()), its file
 * handle.  -ENOENT: no such namespace in m; -ESTALE: it went away (no
 * way worked, or what opened is another namespace now); other -errno: the
 * reason the last way failed (EPERM...).
 */
int nsm_target_open(struct nsm_model *m, uint64_t id, unsigned ways,
		    struct nsm_target *t);

/*
 * The namespace of t->type that the kernel's file handle {ns_id, type,
 * inode} names, without any holder (6.18+): an nsfs fd, or -EOPNOTSUPP
 * on an older kernel, -ESTALE if it is gone.
 */
int nsm_ns_open_handle(uint64_t ns_id, enum nsm_type type, uint64_t id);

/*
 * Enters the targets v[0..n) from the calling thread, as nsenter(1) does:
 * first all but the user namespace (as root that keeps the rights over
 * the others), then the user namespace and whatever failed before (as
 * an unprivileged user the user namespace gives the rights for the rest).
 * Each namespace is checked after it was entered (a holder may have
 * moved).  A mount namespace needs a thread that does not share its
 * fs_struct (unshare(CLONE_FS) is done here), a user or time namespace a
 * single-threaded process.  On error *failed is the index of the target
 * that could not be entered (others may be entered already).
 */
int nsm_enter(struct nsm_target *v, size_t n, size_t *failed);

/*
 * Runs fn(arg) inside the namespaces of r->v[0..r->n), leaving the
 * calling process's other threads where they are: in a new thread for
 * net, uts, ipc, cgroup and mnt (setns is per thread; unshare(CLONE_FS)
 * first for mnt), in a forked child where user, pid or time is among
 * them (those need a single-threaded process; for pid fn runs in a
 * grandchild, the first process inside).  In a child fn's memory writes
 * stay there: pass results through fn's return value.
 *
 * Returns 0 when fn ran (r->result: its return value, r->err: errno as
 * fn left it), or -errno when the namespaces could not be entered
 * (r->failed: that target's index; fn did not run).
 */
struct nsm_run {
	struct nsm_target *v;
	size_t n;
	int result;		/* out: fn's return value */
	int err;		/* out: errno after fn */
	size_t failed;		/* out: the target not entered */
};
int nsm_run_in(struct nsm_run *r, int (*fn)(void *arg), void *arg);

/*
 * Where nsm_open_in() resolves a path: as process pid sees it (pid > 0),
 * else as mount namespace mntns (an nsfs fd of a mount namespace) sees it.
 */
struct nsm_place {
	pid_t pid;
	int mntns;
};

/*
 * Opens path (flags as open(2)'s, O_CLOEXEC added) as the place sees it,
 * and returns the fd: through the process's /proc/PID/root with
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) (nsm_open_in_root():
 * absolute links and ".." stop at that root; a link through /proc is
 * -ELOOP), or for a mount namespace from a child that entered it and
 * passes the fd back over a unix socket (SCM_RIGHTS), resolved there in
 * the same way.  Relative paths are relative to that root.
 */
int nsm_open_in(const struct nsm_place *where, const char *path, int flags);

#endif /* NSM_RUN_H */
