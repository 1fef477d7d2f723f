/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nscaps.h - what a process may do in a namespace: the capabilities it has
 * there by the kernel's rules (user_namespaces(7); cap_capable() in
 * security/commoncap.c), computed from its credentials and the user
 * namespace hierarchy of a discovery model (discovery/nscaps.c).
 *
 * A namespace is governed by a user namespace: a user namespace by itself,
 * any other by its owner.  The kernel walks from the governing namespace
 * up to the root:
 *   - it is the process's user namespace: the process's effective set;
 *   - its parent is the process's user namespace and its owner uid is the
 *     process's euid: every capability;
 *   - else one level up; past the process's level: no capability.
 */
#ifndef NSM_NSCAPS_H
#define NSM_NSCAPS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "nsm.h"

#define NSM_CAP_SYS_ADMIN 21

/* The credentials that the rules read, as /proc/PID/status shows them. */
struct nsm_creds {
	uid_t euid;		/* Uid: second field */
	uint64_t cap_eff;	/* CapEff: bit N = capability N */
	uint64_t userns;	/* inode of its user namespace (ns/user) */
};

/* How the walk ended (the relation of the process to the target). */
enum nsm_caps_rel {
	NSM_CAPS_MEMBER,	/* in the governing user ns: its effective set */
	NSM_CAPS_ANCESTOR,	/* in an ancestor: its effective set applies */
	NSM_CAPS_OWNER,		/* euid owns a user ns made in its own: all */
	NSM_CAPS_NONE,		/* its user ns is not an ancestor: nothing */
	NSM_CAPS_UNKNOWN,	/* the hierarchy on the way is not known */
};

struct nsm_caps {
	uint64_t userns;	/* the governing user namespace; 0: unknown */
	enum nsm_caps_rel rel;
	/*
	 * MEMBER 0; ANCESTOR: levels from the governing user namespace up
	 * to the process's; OWNER: levels up to the owned one (0: the
	 * governing one itself); else -1.
	 */
	int level;
	uint64_t owned;		/* OWNER: the user ns whose owner is euid */
	uint64_t set;		/* the capabilities: bit N = capability N */
};

/* "member", "ancestor", "owner", "none", "unknown" */
const char *nsm_caps_rel_name(enum nsm_caps_rel r);
/* libcap's name of capability n ("cap_sys_admin"), NULL past the table. */
const char *nsm_cap_name(unsigned n);
/* How many names nsm_cap_name() knows (CAP_LAST_CAP + 1 of its time). */
unsigned nsm_cap_names(void);
/*
 * The set as `capsh --decode` names it: "cap_chown,cap_kill" (a number
 * for a capability past the table), "" for none; malloc'ed, NULL: ENOMEM.
 */
char *nsm_caps_names(uint64_t set);

/*
 * Parses /proc/PID/status for the credentials: the effective uid (Uid:'s
 * second field) and CapEff.  On text without both, or malformed, -EINVAL
 * and *bad_line the 1-based line (0: one missing).  userns is untouched.
 */
int nsm_parse_creds(const char *text, struct nsm_creds *c, size_t *bad_line);
/*
 * Reads the credentials of process pid from the model's proc root
 * (status and ns/user).  -ENOENT/-ESRCH: no such process; -EINVAL: a
 * status we cannot parse; -EACCES: not ours to read (ns/user).
 */
int nsm_read_creds(const struct nsm_model *m, pid_t pid, struct nsm_creds *c);
/*
 * Every capability the running kernel has (/proc/sys/kernel/cap_last_cap
 * under the model's proc root; else those nsm_cap_name() knows).
 */
uint64_t nsm_caps_full(const struct nsm_model *m);
/*
 * What a process with credentials c may do in target, by the user
 * namespace hierarchy of m (owners, parents and owner uids: the
 * hierarchy pass); full is nsm_caps_full().
 */
void nsm_caps_in(const struct nsm_model *m, const struct nsm_creds *c,
		 uint64_t full, const struct nsm_ns *target,
		 struct nsm_caps *out);

#endif
