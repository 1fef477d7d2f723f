// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nscaps.c - the capabilities a process has in a namespace, by the
 * kernel's rules over the model's user namespace hierarchy (nscaps.h),
 * and the credentials those rules read, from /proc/PID/status.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nscaps.h"

/* libcap's names (cap_to_name(3), `capsh --decode`), by number */
static const char *const cap_names[] = {
	"cap_chown", "cap_dac_override", "cap_dac_read_search", "cap_fowner",
	"cap_fsetid", "cap_kill", "cap_setgid", "cap_setuid", "cap_setpcap",
	"cap_linux_immutable", "cap_net_bind_service", "cap_net_broadcast",
	"cap_net_admin", "cap_net_raw", "cap_ipc_lock", "cap_ipc_owner",
	"cap_sys_module", "cap_sys_rawio", "cap_sys_chroot", "cap_sys_ptrace",
	"cap_sys_pacct", "cap_sys_admin", "cap_sys_boot", "cap_sys_nice",
	"cap_sys_resource", "cap_sys_time", "cap_sys_tty_config", "cap_mknod",
	"cap_lease", "cap_audit_write", "cap_audit_control", "cap_setfcap",
	"cap_mac_override", "cap_mac_admin", "cap_syslog", "cap_wake_alarm",
	"cap_block_suspend", "cap_audit_read", "cap_perfmon", "cap_bpf",
	"cap_checkpoint_restore",
};

#define NCAP_NAMES (sizeof(cap_names) / sizeof(cap_names[0]))

const char *nsm_cap_name(unsigned n)
{
	return n < NCAP_NAMES ? cap_names[n] : NULL;
}

unsigned nsm_cap_names(void)
{
	return NCAP_NAMES;
}

char *nsm_caps_names(uint64_t set)
{
	/* the longest name, a comma, or a number of 2 digits */
	char *s = malloc(64 * 24 + 1), *p;
	unsigned n;

	if (!s)
		return NULL;
	p = s;
	*p = '\0';
	for (n = 0; n < 64; n++) {
		if (!(set & (1ULL << n)))
			continue;
		if (p != s)
			*p++ = ',';
		if (n < NCAP_NAMES)
			p = stpcpy(p, cap_names[n]);
		else
			p += sprintf(p, "%u", n);
	}
	return s;
}

const char *nsm_caps_rel_name(enum nsm_caps_rel r)
{
	static const char *const names[] = {
		[NSM_CAPS_MEMBER] = "member",
		[NSM_CAPS_ANCESTOR] = "ancestor",
		[NSM_CAPS_OWNER] = "owner",
		[NSM_CAPS_NONE] = "none",
		[NSM_CAPS_UNKNOWN] = "unknown",
	};

	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

/* A field of a status line: ends at a blank, the line's end or the text's. */
static bool field_end(const char *p)
{
	return *p == '\t' || *p == ' ' || *p == '\n' || !*p;
}

static const char *skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* "Uid:\tREAL\tEFFECTIVE\t...": the second one */
static int parse_euid(const char *p, uid_t *euid)
{
	unsigned long long v;
	char *end;
	int i;

	for (i = 0; i < 2; i++) {
		p = skip_blanks(p);
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		errno = 0;
		v = strtoull(p, &end, 10);
		if (errno || v > UINT32_MAX || !field_end(end))
			return -EINVAL;
		p = end;
	}
	*euid = (uid_t)v;
	return 0;
}

/* "CapEff:\t000001ffffffffff": 1 to 16 hex digits */
static int parse_capset(const char *p, uint64_t *set)
{
	uint64_t v = 0;
	int n;

	p = skip_blanks(p);
	for (n = 0; isxdigit((unsigned char)p[n]); n++) {
		if (n == 16)
			return -EINVAL;
		v = v << 4 |
		    (uint64_t)(isdigit((unsigned char)p[n]) ?
				       p[n] - '0' :
				       (tolower((unsigned char)p[n]) - 'a' + 10));
	}
	if (!n || !field_end(p + n))
		return -EINVAL;
	*set = v;
	return 0;
}

int nsm_parse_creds(const char *text, struct nsm_creds *c, size_t *bad_line)
{
	bool have_uid = false, have_caps = false;
	const char *line = text;
	size_t lineno = 1;

	while (*line) {
		const char *nl = strchr(line, '\n');

		if (!strncmp(line, "Uid:", 4)) {
			if (parse_euid(line + 4, &c->euid))
				goto bad;
			have_uid = true;
		} else if (!strncmp(line, "CapEff:", 7)) {
			if (parse_capset(line + 7, &c->cap_eff))
				goto bad;
			have_caps = true;
		}
		if (!nl)
			break;
		line = nl + 1;
		lineno++;
	}
	if (have_uid && have_caps)
		return 0;
	lineno = 0;
bad:
	if (bad_line)
		*bad_line = lineno;
	return -EINVAL;
}

int nsm_read_creds(const struct nsm_model *m, pid_t pid, struct nsm_creds *c)
{
	char path[64], link[128];
	enum nsm_type t;
	char *text = NULL;
	ssize_t n;
	int err;

	snprintf(path, sizeof(path), "%d/status", (int)pid);
	err = nsm_read_file_at(m->proc_fd, path, &text, NULL);
	if (err)
		return err;
	err = nsm_parse_creds(text, c, NULL);
	free(text);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%d/ns/user", (int)pid);
	/* a zombie keeps its credentials, its user namespace among them */
	n = readlinkat(m->proc_fd, path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = '\0';
	if (nsm_parse_nslink(link, &t, &c->userns) || t != NSM_USER)
		return -EINVAL;
	return 0;
}

uint64_t nsm_caps_full(const struct nsm_model *m)
{
	unsigned last = NCAP_NAMES - 1;
	char *text = NULL;
	uint64_t v;

	if (!nsm_read_file_at(m->proc_fd, "sys/kernel/cap_last_cap", &text,
			      NULL)) {
		text[strcspn(text, "\n")] = '\0';
		if (!nsm_parse_u64(text, &v) && v < 64)
			last = (unsigned)v;
		free(text);
	}
	return last == 63 ? ~0ULL : (1ULL << (last + 1)) - 1;
}

/*
 * The walk of cap_capable(): from the governing user namespace up.  A
 * namespace the model has not resolved (its parent and owner uid were
 * not read) ends it as unknown: guessing "none" there would be a lie.
 */
void nsm_caps_in(const struct nsm_model *m, const struct nsm_creds *c,
		 uint64_t full, const struct nsm_ns *target,
		 struct nsm_caps *out)
{
	uint64_t id = target->type == NSM_USER ? target->id : target->owner;
	int depth;

	memset(out, 0, sizeof(*out));
	out->userns = id;
	out->rel = NSM_CAPS_UNKNOWN;
	out->level = -1;
	/* user namespaces nest 32 deep at most (kernel/user_namespace.c) */
	for (depth = 0; id && depth < 64; depth++) {
		const struct nsm_ns *ns;

		if (id == c->userns) {
			out->rel = depth ? NSM_CAPS_ANCESTOR : NSM_CAPS_MEMBER;
			out->level = depth;
			out->set = c->cap_eff;
			return;
		}
		ns = nsm_ns_get(m, id);
		if (!ns || ns->type != NSM_USER || !ns->resolved)
			return;
		if (ns->parent == c->userns) {
			if (!ns->has_owner_uid)
				return;
			if (ns->owner_uid == c->euid) {
				out->rel = NSM_CAPS_OWNER;
				out->level = depth;
				out->owned = id;
				out->set = full;
				return;
			}
		}
		if (!ns->parent) {
			/* the root (or the top we can see): never met */
			out->rel = NSM_CAPS_NONE;
			return;
		}
		id = ns->parent;
	}
}
