/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pass.h - helpers the discovery passes share; not part of the API. */
#ifndef NSM_PASS_H
#define NSM_PASS_H

#include "nsm.h"

/* "1234" -> 1234; 0 for anything that is not a pid directory name. */
int nsm_pid_from_name(const char *name);
/*
 * Reads the ns/ links under dirfd into ns[] (0 where absent); returns how
 * many were read, or -ESRCH if the task is gone.  where names the
 * directory in warnings.
 */
int nsm_read_nslinks(struct nsm_model *m, int dirfd, const char *where,
		     uint64_t ns[NSM_NSLOTS]);
/* Opens an nsfs fd for ns from the ways the model knows it is held, or
 * returns -errno. */
int nsm_ns_open(struct nsm_model *m, struct nsm_ns *ns);
/*
 * fd (taken over) if it is namespace id, else closed and -ESTALE (pids
 * and fds are reused between a sweep and an open); a negative fd is
 * passed through.
 */
int nsm_ns_fd_check(int fd, uint64_t id);

/*
 * Calls fn for every entry of dirfd/path named by a number (pids, tids,
 * fds; "0" too); stops at the first non-zero return and returns it.
 */
int nsm_each_number(int dirfd, const char *path,
		    int (*fn)(void *ctx, int dirfd, int nr, const char *name),
		    void *ctx);
/*
 * The newest (highest) up to max pids of processes in [lo, hi] into v,
 * downwards, skip left out: every process of [v[max - 1], hi], or of all
 * [lo, hi] where fewer.  Listed from /proc's position of pid lo on, in
 * blocks downwards from hi (procfd: /proc opened O_RDONLY), not by a
 * listing of all of /proc.  Returns how many, or -errno: -ERANGE if
 * /proc's positions are not the kernel's (fs/proc/base.c) this knows.
 * each (NULL: none) gets each block as soon as it is listed (the pids
 * added, newest first), and true stops the listing there: a target
 * among the first block's processes then costs one listing, not the
 * blocks of a thousand processes made before it.
 */
int nsm_proc_newest(int procfd, pid_t lo, pid_t hi, pid_t skip, pid_t *v,
		    size_t max,
		    bool (*each)(void *ctx, const pid_t *v, size_t n),
		    void *ctx);
/* An nsfs fd of the net ns of socket fd in the process of pidfd, or -errno. */
int nsm_socket_netns_fd(int pidfd, int fd);
/* Passes 2 and 3 for m->procs[from...] only. */
int nsm_scan_tasks_from(struct nsm_model *m, size_t from);
int nsm_scan_fds_from(struct nsm_model *m, size_t from);
/* nsm_resolve_fd, bounded: parents and owners are followed recursively. */
int nsm_resolve_fd_depth(struct nsm_model *m, struct nsm_ns *ns, int fd,
			 int depth);

/*
 * The mount table of mnt, read once into mnt->mounts (when opts.mounts):
 * listmount/statmount by namespace id where the kernel has them, else the
 * mountinfo of a process in it or of a thread that enters it (mntns.c).
 * fold, if not NULL, gets each table while the namespace's root is open
 * (rootfd, or -1): pass 5 takes the nsfs bind mounts into the model
 * there.  A namespace that cannot be read is a warning.
 */
typedef int (*nsm_mntns_fold_fn)(struct nsm_model *m, struct nsm_ns *mnt,
				 const struct nsm_mounts *mt, int rootfd);
int nsm_mntns_read(struct nsm_model *m, struct nsm_ns *mnt,
		   nsm_mntns_fold_fn fold);
/* mnt->mounts from listmount(2)/statmount(2); -EOPNOTSUPP without them. */
int nsm_mntns_listmount(struct nsm_model *m, struct nsm_ns *mnt);

/*
 * Passes 1-4 (processes, tasks, fds, sockets) from one read of the
 * iter/task and iter/task_file BPF iterators, as nsm_scan_procs +
 * nsm_scan_tasks + nsm_scan_fds would fill m (honouring opts.tasks, fds,
 * sockets); sets m->used_bpf.  -errno when the programs cannot be loaded
 * or attached (m is then untouched, so that /proc can be swept instead);
 * why is written to *why (static text).
 */
int nsm_bpf_sweep(struct nsm_model *m, int verbose, const char **why);

#endif
