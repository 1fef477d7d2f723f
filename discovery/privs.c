// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * privs.c - the capabilities nsmon uses instead of root: the one table of
 * which capability each part needs, what it lets nsmon do and what is
 * missed without it.  The discovery's "without CAP_X" warnings, the
 * agent's messages and drop, and `nsmon caps-needed` all read it.
 *
 * Measured on Linux 6.18 as uid 65534 with exactly a set (README
 * "Running as an agent", tests/integration/t_privs.sh), and explained by
 * the kernel's checks named in each entry.
 */
#include <linux/capability.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nsm.h"

/* the number and, unexpanded, the name */
#define CAP(c) c, #c

const struct nsm_priv nsm_privs[] = {
	{
		/* ptrace_may_access(): /proc/PID/ns, fd, root; pidfd_getfd */
		CAP(CAP_SYS_PTRACE), -1, NULL, NSM_NEED_LIVE,
		"read other users' /proc/PID/ns, fd and root, and duplicate "
		"their sockets (pidfd_getfd)",
		"other users' /proc/PID/ns and fds cannot be read; "
		"namespaces held only there are missed",
	},
	{
		/* /proc/PID/fd is 0500 of the process's owner */
		CAP(CAP_DAC_READ_SEARCH), CAP(CAP_DAC_OVERRIDE), NSM_NEED_FDS,
		"list other users' /proc/PID/fd and open the namespace "
		"files in them",
		"other users' /proc/PID/fd cannot be listed; namespaces "
		"held only by their fds are missed",
	},
	{
		/* setns(CLONE_NEWNS): ns_capable(CAP_SYS_ADMIN) */
		CAP(CAP_SYS_ADMIN), -1, NULL, NSM_NEED_MNTNS,
		"enter mount namespaces (setns) to read bind mounts in those "
		"no process is in; implies CAP_BPF and CAP_PERFMON",
		"mount namespaces cannot be entered; namespaces bind-mounted "
		"in one that only a bind mount or an fd holds are missed",
	},
	{
		/* mntns_install() also checks CAP_SYS_CHROOT */
		CAP(CAP_SYS_CHROOT), -1, NULL, NSM_NEED_MNTNS,
		"enter mount namespaces (setns wants it besides "
		"CAP_SYS_ADMIN)",
		"mount namespaces cannot be entered; namespaces bind-mounted "
		"in one that only a bind mount or an fd holds are missed",
	},
	{
		/* bpf_capable(): CAP_BPF or CAP_SYS_ADMIN */
		CAP(CAP_BPF), CAP(CAP_SYS_ADMIN), NSM_NEED_BPF,
		"load the BPF programs: the iterator sweep and the event feed",
		"no BPF programs: the /proc sweep instead of the iterator "
		"sweep, and no event feed (watch and serve cannot run)",
	},
	{
		/* perfmon_capable(): tracepoints, probe reads in iterators */
		CAP(CAP_PERFMON), CAP(CAP_SYS_ADMIN), NSM_NEED_BPF,
		"attach the feed's tracepoints and let the programs read "
		"kernel memory",
		"no BPF programs: the /proc sweep instead of the iterator "
		"sweep, and no event feed (watch and serve cannot run)",
	},
	{
		/* unix_stream_connect(): write permission on the socket file */
		CAP(CAP_DAC_OVERRIDE), -1, NULL, NSM_NEED_ENGINE_SOCKETS,
		"connect to a container engine's API socket of another owner "
		"(docker's is root:docker 0660); optional: only where such an "
		"engine runs",
		"the engine's API refuses us: its containers are named from "
		"the runtime's state only (no names, labels or compose "
		"projects)",
	},
	{
		/* sock_ioctl(SIOCGSKNS): ns_capable(net->user_ns, NET_ADMIN) */
		CAP(CAP_NET_ADMIN), -1, NULL, NSM_NEED_PROC_SOCKETS,
		"ask a socket for its net namespace (SIOCGSKNS) in the /proc "
		"sweep",
		"net namespaces held only by a socket are missed by the /proc "
		"sweep",
	},
};

const size_t nsm_nprivs = sizeof(nsm_privs) / sizeof(nsm_privs[0]);

uint64_t nsm_effective_caps(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = { 0 };

	if (syscall(SYS_capget, &hdr, d))
		return ~0ULL;
	return (uint64_t)d[1].effective << 32 | d[0].effective;
}

unsigned nsm_priv_needs(const struct nsm_opts *o, bool bpf, bool proc_sweep)
{
	unsigned need = NSM_NEED_LIVE;

	if (o->fds || o->sockets || o->bindmounts)
		need |= NSM_NEED_FDS;
	if (o->bindmounts || o->mounts)
		need |= NSM_NEED_MNTNS;
	if (bpf)
		need |= NSM_NEED_BPF;
	if (proc_sweep && o->sockets)
		need |= NSM_NEED_PROC_SOCKETS;
	if (o->containers)
		need |= NSM_NEED_ENGINE_SOCKETS;
	return need;
}

bool nsm_priv_held(const struct nsm_priv *p, uint64_t caps)
{
	return (caps >> p->cap & 1) || (p->alt >= 0 && (caps >> p->alt & 1));
}

uint64_t nsm_privs_missing(unsigned need, uint64_t caps)
{
	uint64_t missing = 0;
	size_t i;

	/* an engine's socket is known to refuse us only when it does */
	need &= ~NSM_NEED_ENGINE_SOCKETS;
	for (i = 0; i < nsm_nprivs; i++)
		if ((nsm_privs[i].need & need) &&
		    !nsm_priv_held(&nsm_privs[i], caps))
			missing |= 1ULL << nsm_privs[i].cap;
	return missing;
}

uint64_t nsm_privs_keep(unsigned need, uint64_t caps)
{
	uint64_t keep = 0;
	size_t i;

	for (i = 0; i < nsm_nprivs; i++) {
		const struct nsm_priv *p = &nsm_privs[i];

		if (!(p->need & need))
			continue;
		if (caps >> p->cap & 1)
			keep |= 1ULL << p->cap;
		else if (p->alt >= 0 && (caps >> p->alt & 1))
			keep |= 1ULL << p->alt;
	}
	return keep;
}

void nsm_priv_refused(struct nsm_model *m, int cap, const char *what)
{
	size_t i;

	for (i = 0; i < nsm_nprivs; i++) {
		if (nsm_privs[i].cap != cap)
			continue;
		if (!(m->caps_missing >> cap & 1))
			nsm_incomplete(m, "without %s: %s: %s", nsm_privs[i].name,
				       what, nsm_privs[i].lost);
		m->caps_missing |= 1ULL << cap;
		return;
	}
}
