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

/* nsm_resolve_fd, bounded: parents and owners are followed recursively. */
int nsm_resolve_fd_depth(struct nsm_model *m, struct nsm_ns *ns, int fd,
			 int depth);

#endif
