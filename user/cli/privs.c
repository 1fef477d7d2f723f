// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * privs.c - the command line's side of capabilities (the table is
 * discovery/privs.c): one line on stderr per missing one, said once per
 * process however many sweeps lack it, and the agent's drop of every
 * capability it no longer needs once its feed is attached.
 */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cli.h"

/* the capabilities said missing so far (an agent sweeps again and again) */
static uint64_t said;

void cli_privs_say(uint64_t missing)
{
	size_t i;

	for (i = 0; i < nsm_nprivs; i++) {
		const struct nsm_priv *p = &nsm_privs[i];

		if (!(missing >> p->cap & 1) || (said >> p->cap & 1))
			continue;
		said |= 1ULL << p->cap;
		fprintf(stderr, "nsmon: without %s: %s\n", p->name, p->lost);
	}
}

bool cli_privs_warning(const char *w)
{
	return !strncmp(w, "without CAP_", 12);
}

unsigned cli_agent_needs(const struct cli_common *c)
{
	/*
	 * The sweeps' range, with the /proc sweep's needs too where it runs
	 * (--proc) or may stand in for a BPF sweep that fails; BPF for the
	 * sweeps unless --proc (bpf() checks bpf_capable() on every call
	 * under kernel.unprivileged_bpf_disabled, reads of kept iterators
	 * included).
	 */
	return nsm_priv_needs(&c->opts, !c->force_proc, true);
}

static int capset_to(uint64_t keep)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = { 0 };

	d[0].effective = d[0].permitted = (uint32_t)keep;
	d[1].effective = d[1].permitted = (uint32_t)(keep >> 32);
	return syscall(SYS_capset, &hdr, d) ? -errno : 0;
}

int cli_privs_drop(unsigned need, uint64_t extra, const char *who)
{
	uint64_t have = nsm_effective_caps();
	uint64_t keep = nsm_privs_keep(need, have) | (extra & have);
	int cap, err;

	/*
	 * The bounding set first: dropping from it takes CAP_SETPCAP, which
	 * the capset below gives up.  Without CAP_SETPCAP (a service that
	 * was given only what it needs) the bounding set stays as the
	 * service manager made it; no_new_privs keeps exec from adding to
	 * the rest anyway.
	 */
	if (have >> CAP_SETPCAP & 1)
		for (cap = 0; cap <= CAP_LAST_CAP; cap++)
			if (!(keep >> cap & 1) &&
			    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) &&
			    errno != EINVAL)
				goto fail;
	/* ambient and inheritable: for children, and we exec none */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) &&
	    errno != EINVAL)
		goto fail;
	err = capset_to(keep);
	if (err) {
		errno = -err;
		goto fail;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		goto fail;
	return 0;
fail:
	err = -errno;
	fprintf(stderr, "%s: cannot drop capabilities: %s\n", who,
		strerror(errno));
	return err;
}
