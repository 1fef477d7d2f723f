// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * procs.c - pass 1: every process in the procfs root, with its namespaces
 * (/proc/PID/ns/\*, including pid_for_children and time_for_children),
 * ppid, uid, comm, start time and NSpid.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nsm.h"
#include "pass.h"

int nsm_read_nslinks(struct nsm_model *m, int dirfd, const char *where,
		     uint64_t ns[NSM_NSLOTS])
{
	char link[64], path[32];
	int slot, nread = 0, failed = 0;
	enum nsm_type t;
	ssize_t n;

	for (slot = 0; slot < NSM_NSLOTS; slot++) {
		ns[slot] = 0;
		snprintf(path, sizeof(path), "ns/%s", nsm_slot_name(slot));
		n = readlinkat(dirfd, path, link, sizeof(link) - 1);
		if (n < 0) {
			/*
			 * ENOENT: a zombie or exiting task has no nsproxy, or
			 * the kernel is too old for this type.  Anything else
			 * (EACCES: ptrace access refused) is worth a warning,
			 * once per directory.
			 */
			if (errno == ESRCH)
				return -ESRCH;
			if (errno != ENOENT && !failed)
				failed = errno;
			continue;
		}
		link[n] = '\0';
		if (nsm_parse_nslink(link, &t, &ns[slot]) ||
		    t != nsm_slot_type(slot)) {
			ns[slot] = 0;
			nsm_warn(m, "%s/%s: malformed link '%s'", where, path,
				 link);
			continue;
		}
		nread++;
	}
	if (failed)
		nsm_read_error(m, -failed, "%s/ns", where);
	return nread;
}

/* Reads one process; a process that vanished meanwhile is left out. */
static int scan_one(struct nsm_model *m, pid_t pid, const char *name)
{
	char *text = NULL, where[PATH_MAX];
	struct nsm_proc *p;
	struct nsm_stat st;
	size_t bad = 0;
	int dfd, err;

	snprintf(where, sizeof(where), "%s/%s", m->opts.proc_root, name);
	dfd = openat(m->proc_fd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		nsm_read_error(m, -errno, "%s", where);
		return 0;
	}
	err = nsm_read_file_at(dfd, "stat", &text, NULL);
	if (err) {
		nsm_read_error(m, err, "%s/stat", where);
		err = 0;
		goto out;
	}
	if (nsm_parse_stat(text, &st)) {
		nsm_warn(m, "%s/stat:1: malformed", where);
		goto out;
	}
	free(text);
	text = NULL;
	err = nsm_proc_add(m, pid, &p);
	if (err)
		goto out;
	memcpy(p->comm, st.comm, sizeof(st.comm));
	p->ppid = st.ppid;
	p->starttime = st.starttime;
	p->nthreads = st.nthreads;
	err = nsm_read_file_at(dfd, "status", &text, NULL);
	if (!err) {
		err = nsm_parse_status(text, &p->uid, &p->nspid, &p->nnspid,
				       &bad);
		if (err == -EINVAL)
			nsm_warn(m, "%s/status:%zu: malformed", where, bad);
		else if (err)
			goto out;
	} else {
		nsm_read_error(m, err, "%s/status", where);
	}
	err = nsm_read_nslinks(m, dfd, where, p->ns);
	if (err < 0 && err != -ESRCH)
		goto out;
	err = nsm_proc_attach(m, p);
	if (!err && m->opts.details)
		err = nsm_read_details(m, pid, NSM_DETAIL_ALL);
out:
	free(text);
	close(dfd);
	return err;
}

static int scan_cb(void *ctx, int dirfd, int pid, const char *name)
{
	/* after a BPF sweep: only what it could not see */
	if (pid <= 0 || nsm_proc_get(ctx, pid))
		return 0;
	return scan_one(ctx, pid, name);
}

int nsm_scan_procs(struct nsm_model *m)
{
	int err = nsm_each_number(m->proc_fd, ".", scan_cb, m);

	/* an unreadable proc root: an answer without processes, said so */
	if (err && err != -ENOMEM) {
		nsm_incomplete(m, "%s: cannot list processes: %s",
			       m->opts.proc_root, strerror(-err));
		err = 0;
	}
	return err;
}

static void first_line_path(const char *text, char **out)
{
	const char *line = text, *best = NULL;
	size_t len;

	/* cgroup v2's "0::/path" wins; else the first hierarchy's path */
	while (*line) {
		const char *nl = strchr(line, '\n');
		const char *c1 = strchr(line, ':');
		const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		if (c2 && (!nl || c2 < nl)) {
			if (!strncmp(line, "0::", 3)) {
				best = c2 + 1;
				break;
			}
			if (!best)
				best = c2 + 1;
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	if (!best)
		return;
	len = strcspn(best, "\n");
	*out = strndup(best, len);
}

static void read_details_one(struct nsm_model *m, struct nsm_proc *p,
			     unsigned what)
{
	char path[64], *text = NULL;
	size_t len = 0;

	what &= ~p->details;
	p->details |= what;
	if (what & NSM_DETAIL_CMDLINE) {
		snprintf(path, sizeof(path), "%d/cmdline", p->pid);
		if (!nsm_read_file_at(m->proc_fd, path, &text, &len)) {
			/* cmdline_len counts argv bytes, not the last NUL */
			while (len && text[len - 1] == '\0')
				len--;
			if (len) {
				p->cmdline = text;
				p->cmdline_len = len;
				text = NULL;
			}
		}
		free(text);
		text = NULL;
	}
	if (what & NSM_DETAIL_CGROUP) {
		snprintf(path, sizeof(path), "%d/cgroup", p->pid);
		if (!nsm_read_file_at(m->proc_fd, path, &text, NULL))
			first_line_path(text, &p->cgroup);
		free(text);
	}
}

/* A process gone meanwhile keeps what the sweep saw (comm): no error. */
int nsm_read_details(struct nsm_model *m, pid_t pid, unsigned what)
{
	struct nsm_proc *p;
	size_t i;

	if (pid) {
		p = nsm_proc_get(m, pid);
		if (!p)
			return -ESRCH;
		read_details_one(m, p, what);
		return 0;
	}
	for (i = 0; i < m->nprocs; i++)
		read_details_one(m, m->procs[i], what);
	return 0;
}
