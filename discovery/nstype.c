// SPDX-License-Identifier: GPL-2.0-or-later
/* nstype.c - namespace type names, clone flags, nsfs link text. */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "nsm.h"

static const struct {
	const char *name;
	int flag;
	/*
	 * Inode numbers the kernel gives its initial namespaces
	 * (include/linux/proc_ns.h, PROC_*_INIT_INO).  Net and mnt got fixed
	 * ones only in 6.x; before, they are allocated, so 0 here and the
	 * model falls back to kthreadd's namespaces.
	 */
	uint64_t init_ino;
} types[NSM_NTYPES] = {
	[NSM_CGROUP] = { "cgroup", NSM_CLONE_NEWCGROUP, 0xEFFFFFFBU },
	[NSM_IPC] = { "ipc", NSM_CLONE_NEWIPC, 0xEFFFFFFFU },
	[NSM_MNT] = { "mnt", NSM_CLONE_NEWNS, 0xEFFFFFF8U },
	[NSM_NET] = { "net", NSM_CLONE_NEWNET, 0xEFFFFFF9U },
	[NSM_PID] = { "pid", NSM_CLONE_NEWPID, 0xEFFFFFFCU },
	[NSM_TIME] = { "time", NSM_CLONE_NEWTIME, 0xEFFFFFFAU },
	[NSM_USER] = { "user", NSM_CLONE_NEWUSER, 0xEFFFFFFDU },
	[NSM_UTS] = { "uts", NSM_CLONE_NEWUTS, 0xEFFFFFFEU },
};

static const char *const via_names[NSM_NVIAS] = {
	[NSM_VIA_PROCESS] = "process",	 [NSM_VIA_TASK] = "task",
	[NSM_VIA_CHILDREN] = "children", [NSM_VIA_FD] = "fd",
	[NSM_VIA_SOCKET] = "socket",	 [NSM_VIA_BINDMOUNT] = "bindmount",
	[NSM_VIA_HIERARCHY] = "hierarchy", [NSM_VIA_OWNER] = "owner",
};

const char *nsm_type_name(enum nsm_type t)
{
	return (t >= 0 && t < NSM_NTYPES) ? types[t].name : "?";
}

enum nsm_type nsm_type_from_name(const char *name, size_t len)
{
	int t;

	for (t = 0; t < NSM_NTYPES; t++)
		if (strlen(types[t].name) == len &&
		    !memcmp(types[t].name, name, len))
			return t;
	return NSM_TYPE_NONE;
}

const char *nsm_slot_name(int slot)
{
	if (slot == NSM_SLOT_PID_FC)
		return "pid_for_children";
	if (slot == NSM_SLOT_TIME_FC)
		return "time_for_children";
	return nsm_type_name(slot);
}

enum nsm_type nsm_slot_type(int slot)
{
	if (slot == NSM_SLOT_PID_FC)
		return NSM_PID;
	if (slot == NSM_SLOT_TIME_FC)
		return NSM_TIME;
	return (slot >= 0 && slot < NSM_NTYPES) ? slot : NSM_TYPE_NONE;
}

int nsm_type_clone_flag(enum nsm_type t)
{
	return (t >= 0 && t < NSM_NTYPES) ? types[t].flag : 0;
}

enum nsm_type nsm_type_from_clone_flag(int flag)
{
	int t;

	for (t = 0; t < NSM_NTYPES; t++)
		if (types[t].flag == flag)
			return t;
	return NSM_TYPE_NONE;
}

const char *nsm_via_name(enum nsm_via v)
{
	return (v >= 0 && v < NSM_NVIAS) ? via_names[v] : "?";
}

bool nsm_id_is_initial(enum nsm_type t, uint64_t id)
{
	return t >= 0 && t < NSM_NTYPES && types[t].init_ino == id;
}

int nsm_parse_nslink(const char *s, enum nsm_type *type, uint64_t *id)
{
	const char *colon = strchr(s, ':');
	char *end;
	unsigned long long v;
	enum nsm_type t;

	if (!colon || colon[1] != '[')
		return -EINVAL;
	t = nsm_type_from_name(s, colon - s);
	if (t == NSM_TYPE_NONE)
		return -EINVAL;
	if (colon[2] < '0' || colon[2] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(colon + 2, &end, 10);
	if (errno || *end != ']' || end[1] != '\0' || v == 0)
		return -EINVAL;
	*type = t;
	*id = v;
	return 0;
}

int nsm_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

int nsm_parse_types(const char *list, unsigned *mask)
{
	const char *p = list;

	*mask = 0;
	while (*p) {
		size_t len = strcspn(p, ",");
		enum nsm_type t = nsm_type_from_name(p, len);

		if (t == NSM_TYPE_NONE)
			return -EINVAL;
		*mask |= 1U << t;
		p += len;
		if (*p == ',')
			p++;
	}
	return *mask ? 0 : -EINVAL;
}
