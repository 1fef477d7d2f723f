// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_model.c - the model discovery builds from a fixture procfs tree
 * (tests/fixtures/mkfixtures.sh; run-unit.sh generates it and points
 * $NSM_FIXTURES at it): processes, namespaces, loose threads, fd and bind
 * mount refs, leaders and ealdorman, initial flags, malformed input.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "idmap.h"
#include "nsm.h"

/* The kernel's fixed inode numbers of the initial namespaces. */
#define I_CGROUP 4026531835ULL
#define I_IPC 4026531839ULL
#define I_MNT 4026531832ULL
#define I_NET 4026531833ULL
#define I_PID 4026531836ULL
#define I_TIME 4026531834ULL
#define I_USER 4026531837ULL
#define I_UTS 4026531838ULL

static char basic_root[4096], bad_root[4096];

struct fixture {
	struct nsm_model *m;
	int err;
};

static const char *fixtures_dir(void)
{
	const char *d = getenv("NSM_FIXTURES");

	return d && *d ? d : "build/fixtures";
}

static struct nsm_model *build(const char *root, struct nsm_opts *o,
			       int *err)
{
	struct nsm_model *m = NULL;
	int e;

	o->proc_root = root;
	e = nsm_model_new(&m, o);
	if (e)
		fail_msg("nsm_model_new(%s): %s (run tests/fixtures/mkfixtures.sh"
			 " build/fixtures, or set NSM_FIXTURES)",
			 root, strerror(-e));
	*err = nsm_discover(m);
	return m;
}

static int setup_basic(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct nsm_opts o;

	snprintf(basic_root, sizeof(basic_root), "%s/proc-basic",
		 fixtures_dir());
	snprintf(bad_root, sizeof(bad_root), "%s/proc-bad", fixtures_dir());
	nsm_opts_default(&o);
	o.details = true;
	f->m = build(basic_root, &o, &f->err);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	nsm_model_free(f->m);
	free(f);
	return 0;
}

static struct nsm_model *M(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(f->err, 0);
	return f->m;
}

static bool has_pid(const struct nsm_pids *p, pid_t pid)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->v[i] == pid)
			return true;
	return false;
}

/* The pids of p, sorted, as "1,2,3" for readable failures. */
static const char *pids_str(const struct nsm_pids *p)
{
	static char buf[512];
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < p->n && len < sizeof(buf) - 16; i++)
		len += snprintf(buf + len, sizeof(buf) - len, "%s%d",
				i ? "," : "", p->v[i]);
	return buf;
}

static int cmp_pid(const void *a, const void *b)
{
	return *(const pid_t *)a - *(const pid_t *)b;
}

/* p holds exactly the pids in want (any order). */
static void assert_pids(const struct nsm_pids *p, const char *want)
{
	struct nsm_pids c = { 0 };
	static char got[512];

	c.v = malloc((p->n + 1) * sizeof(pid_t));
	assert_non_null(c.v);
	memcpy(c.v, p->v, p->n * sizeof(pid_t));
	c.n = p->n;
	qsort(c.v, c.n, sizeof(pid_t), cmp_pid);
	snprintf(got, sizeof(got), "%s", pids_str(&c));
	free(c.v);
	assert_string_equal(got, want);
}

static struct nsm_ns *ns_must(const struct nsm_model *m, uint64_t id,
			      enum nsm_type type)
{
	struct nsm_ns *ns = nsm_ns_get(m, id);

	if (!ns)
		fail_msg("namespace %s:[%llu] not found", nsm_type_name(type),
			 (unsigned long long)id);
	if (ns->type != type)
		fail_msg("namespace %llu is %s, want %s",
			 (unsigned long long)id, nsm_type_name(ns->type),
			 nsm_type_name(type));
	return ns;
}

static const char *refs_str(const struct nsm_ns *ns)
{
	static char buf[2048];
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < ns->nrefs && len < sizeof(buf) - 128; i++) {
		const struct nsm_ref *r = &ns->refs[i];

		len += snprintf(buf + len, sizeof(buf) - len,
				"%s{%s pid=%d fd=%d path=%s mntns=%llu}",
				i ? " " : "", nsm_via_name(r->via), r->pid,
				r->fd, r->path ? r->path : "-",
				(unsigned long long)r->mntns);
	}
	return buf;
}

/* pid/fd -1 and path NULL and mntns 0 match anything. */
static bool has_ref(const struct nsm_ns *ns, enum nsm_via via, pid_t pid,
		    int fd, const char *path, uint64_t mntns)
{
	size_t i;

	for (i = 0; i < ns->nrefs; i++) {
		const struct nsm_ref *r = &ns->refs[i];

		if (r->via != via || (pid != -1 && r->pid != pid) ||
		    (fd != -1 && (via == NSM_VIA_TASK ? r->tid : r->fd) != fd) ||
		    (mntns && r->mntns != mntns))
			continue;
		if (path && (!r->path || strcmp(r->path, path)))
			continue;
		return true;
	}
	return false;
}

#define assert_ref(ns, via, pid, fd, path, mntns)                             \
	do {                                                                  \
		if (!has_ref(ns, via, pid, fd, path, mntns))                  \
			fail_msg("%s:[%llu]: no %s ref (pid %d fd %d path %s " \
				 "mntns %llu); refs: %s",                     \
				 nsm_type_name((ns)->type),                   \
				 (unsigned long long)(ns)->id,                \
				 nsm_via_name(via), pid, fd,                  \
				 path ? (const char *)path : "*",             \
				 (unsigned long long)(mntns), refs_str(ns));  \
	} while (0)

#define assert_no_ref(ns, via)                                                \
	do {                                                                  \
		if (has_ref(ns, via, -1, -1, NULL, 0))                        \
			fail_msg("%s:[%llu]: unexpected %s ref; refs: %s",    \
				 nsm_type_name((ns)->type),                   \
				 (unsigned long long)(ns)->id,                \
				 nsm_via_name(via), refs_str(ns));            \
	} while (0)

static struct nsm_proc *proc_must(const struct nsm_model *m, pid_t pid)
{
	struct nsm_proc *p = nsm_proc_get(m, pid);

	if (!p)
		fail_msg("process %d not found", pid);
	return p;
}

/* Whether s holds number n, not as part of a longer number. */
static bool has_number(const char *s, unsigned long n)
{
	const char *p;

	for (p = s; *p; p++) {
		char *end;

		if (*p < '0' || *p > '9' || (p > s && p[-1] >= '0' && p[-1] <= '9'))
			continue;
		if (strtoul(p, &end, 10) == n)
			return true;
	}
	return false;
}

static const char *warnings_str(const struct nsm_model *m)
{
	static char buf[4096];
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < m->nwarnings && len < sizeof(buf) - 2; i++)
		len += snprintf(buf + len, sizeof(buf) - len, "%s[%s]",
				i ? " " : "", m->warnings[i]);
	return buf;
}

static bool has_warning(const struct nsm_model *m, const char *what,
			unsigned long line)
{
	size_t i;

	for (i = 0; i < m->nwarnings; i++)
		if (strstr(m->warnings[i], what) &&
		    (!line || has_number(strstr(m->warnings[i], what), line)))
			return true;
	return false;
}

/* ------------------------------------------------------------------ tests */

static void discover_ok(void **state)
{
	struct nsm_model *m = M(state);
	static const pid_t known[] = { 1,   2,	 100, 200, 201, 300,
				       400, 500, 600, 700, 800, 900 };
	size_t i, j;

	assert_false(m->live);
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i] != 700)
			proc_must(m, known[i]);
	/* threads, "self", "7x", "sys" are no processes */
	for (i = 0; i < m->nprocs; i++) {
		for (j = 0; j < sizeof(known) / sizeof(known[0]); j++)
			if (m->procs[i]->pid == known[j])
				break;
		if (j == sizeof(known) / sizeof(known[0]))
			fail_msg("unexpected process %d", m->procs[i]->pid);
	}
	assert_null(nsm_proc_get(m, 401));
}

static void process_fields(void **state)
{
	struct nsm_model *m = M(state);
	struct nsm_proc *p = proc_must(m, 200);

	assert_string_equal(p->comm, "sleep");
	assert_int_equal(p->ppid, 100);
	assert_int_equal(p->uid, 0);
	assert_int_equal(p->starttime, 1000);
	assert_true(p->ns[NSM_NET] == 4026532001ULL);
	assert_true(p->ns[NSM_UTS] == 4026532002ULL);
	assert_true(p->ns[NSM_MNT] == I_MNT);
	assert_true(p->ns[NSM_SLOT_PID_FC] == I_PID);
	assert_true(p->ns[NSM_SLOT_TIME_FC] == I_TIME);
	assert_int_equal(p->nnspid, 1);
	assert_int_equal(p->nspid[0], 200);
	assert_int_equal(p->cmdline_len, 10);
	assert_memory_equal(p->cmdline, "sleep\0" "1000", 10);
	assert_non_null(p->cgroup);
	assert_string_equal(p->cgroup, "/fixture/200.scope");

	assert_string_equal(proc_must(m, 201)->comm, "sle ep) x");
	assert_int_equal(proc_must(m, 201)->ppid, 200);
	assert_int_equal(proc_must(m, 100)->uid, 1000);
	assert_int_equal(proc_must(m, 400)->nthreads, 3);

	p = proc_must(m, 800);
	assert_int_equal(p->nnspid, 2);
	assert_int_equal(p->nspid[0], 800);
	assert_int_equal(p->nspid[1], 1);
	assert_true(p->ns[NSM_PID] == 4026532020ULL);

	/* kthreadd has an empty cmdline */
	assert_int_equal(proc_must(m, 2)->cmdline_len, 0);
}

static void namespaces_of_processes(void **state)
{
	struct nsm_model *m = M(state);
	struct nsm_ns *ns;

	ns = ns_must(m, 4026532001ULL, NSM_NET);
	assert_pids(&ns->procs, "200,201,300");
	assert_int_equal(ns->tasks.n, 0);
	ns = ns_must(m, 4026532002ULL, NSM_UTS);
	assert_pids(&ns->procs, "200,201");
	ns = ns_must(m, 4026532030ULL, NSM_MNT);
	assert_pids(&ns->procs, "900");
	ns = ns_must(m, 4026532020ULL, NSM_PID);
	assert_pids(&ns->procs, "800");
	ns = ns_must(m, I_NET, NSM_NET);
	assert_true(has_pid(&ns->procs, 1));
	assert_true(has_pid(&ns->procs, 400));
	assert_false(has_pid(&ns->procs, 200));
	ns_must(m, I_CGROUP, NSM_CGROUP);
	ns_must(m, I_IPC, NSM_IPC);
	ns_must(m, I_TIME, NSM_TIME);
	ns_must(m, I_USER, NSM_USER);
}

static void leaders_and_ealdorman(void **state)
{
	struct nsm_model *m = M(state);
	struct nsm_ns *ns;

	/* 200 and 300 have parents outside; 201's parent 200 is inside.
	 * 300 started first (starttime 500 < 1000) although its pid is
	 * higher: it is the ealdorman. */
	ns = ns_must(m, 4026532001ULL, NSM_NET);
	assert_pids(&ns->leaders, "200,300");
	assert_int_equal(ns->ealdorman, 300);
	ns = ns_must(m, 4026532002ULL, NSM_UTS);
	assert_pids(&ns->leaders, "200");
	assert_int_equal(ns->ealdorman, 200);
	ns = ns_must(m, I_NET, NSM_NET);
	assert_pids(&ns->leaders, "1,2");
	assert_int_equal(ns->ealdorman, 1);
	ns = ns_must(m, 4026532030ULL, NSM_MNT);
	assert_pids(&ns->leaders, "900");
	assert_int_equal(ns->ealdorman, 900);
	/* a process ref names a process of the namespace */
	ns = ns_must(m, 4026532001ULL, NSM_NET);
	assert_ref(ns, NSM_VIA_PROCESS, -1, -1, NULL, 0);
	{
		size_t i;

		for (i = 0; i < ns->nrefs; i++)
			if (ns->refs[i].via == NSM_VIA_PROCESS &&
			    !has_pid(&ns->procs, ns->refs[i].pid))
				fail_msg("process ref to %d, not in the ns",
					 ns->refs[i].pid);
	}
	/* no processes: no leaders */
	ns = ns_must(m, 4026532009ULL, NSM_NET);
	assert_int_equal(ns->leaders.n, 0);
	assert_int_equal(ns->ealdorman, 0);
}

static void loose_thread(void **state)
{
	struct nsm_model *m = M(state);
	struct nsm_ns *ns = ns_must(m, 4026532003ULL, NSM_UTS);

	assert_pids(&ns->tasks, "401");
	assert_int_equal(ns->procs.n, 0);
	/* the task ref: pid of the process, fd holds the tid */
	assert_ref(ns, NSM_VIA_TASK, 400, 401, NULL, 0);
	assert_no_ref(ns, NSM_VIA_PROCESS);
	assert_true(proc_must(m, 400)->ns[NSM_UTS] == I_UTS);
	/* 402 is where its leader is: no loose thread */
	ns = ns_must(m, I_UTS, NSM_UTS);
	assert_false(has_pid(&ns->tasks, 402));
	assert_false(has_pid(&ns->tasks, 401));
	assert_no_ref(ns, NSM_VIA_TASK);
}

static void for_children(void **state)
{
	struct nsm_model *m = M(state);
	struct nsm_ns *ns;

	ns = ns_must(m, 4026532004ULL, NSM_PID);
	assert_ref(ns, NSM_VIA_CHILDREN, 500, -1, NULL, 0);
	assert_int_equal(ns->procs.n, 0);
	assert_no_ref(ns, NSM_VIA_PROCESS);
	ns = ns_must(m, 4026532005ULL, NSM_TIME);
	assert_ref(ns, NSM_VIA_CHILDREN, 500, -1, NULL, 0);
	assert_int_equal(ns->procs.n, 0);
	/* pid 800's pid_for_children is its own pid ns: no children ref */
	assert_no_ref(ns_must(m, 4026532020ULL, NSM_PID), NSM_VIA_CHILDREN);
	assert_no_ref(ns_must(m, I_PID, NSM_PID), NSM_VIA_CHILDREN);
}

static void fd_refs(void **state)
{
	struct nsm_model *m = M(state);
	struct nsm_ns *ns;
	size_t i;

	ns = ns_must(m, 4026532009ULL, NSM_NET);
	assert_ref(ns, NSM_VIA_FD, 600, 3, NULL, 0);
	assert_int_equal(ns->procs.n, 0);
	assert_no_ref(ns, NSM_VIA_PROCESS);
	ns = ns_must(m, 4026532013ULL, NSM_USER);
	assert_ref(ns, NSM_VIA_FD, 600, 6, NULL, 0);
	/* "/srv/net:[4026532098]" is a file name, not an nsfs link */
	assert_null(nsm_ns_get(m, 4026532098ULL));
	/* a fixture tree is not live: no socket can be asked for its ns, and
	 * socket:[12345] is no namespace */
	assert_null(nsm_ns_get(m, 12345));
	for (i = 0; i < m->nns; i++)
		assert_no_ref(m->ns[i], NSM_VIA_SOCKET);
}

static void bindmount_refs(void **state)
{
	struct nsm_model *m = M(state);
	struct nsm_ns *ns;

	ns = ns_must(m, 4026532010ULL, NSM_NET);
	assert_ref(ns, NSM_VIA_BINDMOUNT, -1, -1, "/run/netns/x", I_MNT);
	assert_int_equal(ns->procs.n, 0);
	ns = ns_must(m, 4026532011ULL, NSM_NET);
	assert_ref(ns, NSM_VIA_BINDMOUNT, -1, -1, "/run/netns/with space",
		   I_MNT);
	/* held by processes and a bind mount: both refs */
	ns = ns_must(m, 4026532001ULL, NSM_NET);
	assert_ref(ns, NSM_VIA_BINDMOUNT, -1, -1, "/run/netns/shared", I_MNT);
	assert_ref(ns, NSM_VIA_PROCESS, -1, -1, NULL, 0);
	/* in another mount namespace, read from its process's mountinfo */
	ns = ns_must(m, 4026532031ULL, NSM_NET);
	assert_ref(ns, NSM_VIA_BINDMOUNT, -1, -1, "/run/priv/net",
		   4026532030ULL);
	/* a tmpfs mounted on a path that looks like an nsfs link */
	assert_null(nsm_ns_get(m, 4026532099ULL));
}

static void initial_flags(void **state)
{
	struct nsm_model *m = M(state);
	static const struct {
		uint64_t id;
		enum nsm_type t;
	} init[] = {
		{ I_CGROUP, NSM_CGROUP }, { I_IPC, NSM_IPC },
		{ I_MNT, NSM_MNT },	  { I_NET, NSM_NET },
		{ I_PID, NSM_PID },	  { I_TIME, NSM_TIME },
		{ I_USER, NSM_USER },	  { I_UTS, NSM_UTS },
	};
	size_t i;

	for (i = 0; i < sizeof(init) / sizeof(init[0]); i++)
		assert_true(ns_must(m, init[i].id, init[i].t)->initial);
	assert_false(ns_must(m, 4026532001ULL, NSM_NET)->initial);
	assert_false(ns_must(m, 4026532030ULL, NSM_MNT)->initial);
	assert_false(ns_must(m, 4026532020ULL, NSM_PID)->initial);
	assert_false(ns_must(m, 4026532013ULL, NSM_USER)->initial);
}

/* The model is sorted for output: namespaces by id, processes by pid. */
static void sorted(void **state)
{
	struct nsm_model *m = M(state);
	size_t i;

	for (i = 1; i < m->nns; i++)
		assert_true(m->ns[i - 1]->id < m->ns[i]->id);
	for (i = 1; i < m->nprocs; i++)
		assert_true(m->procs[i - 1]->pid < m->procs[i]->pid);
}

static void malformed_status_warns(void **state)
{
	struct nsm_model *m = M(state);

	if (!has_warning(m, "700/status", 14))
		fail_msg("no warning naming 700/status and line 14: %s",
			 warnings_str(m));
	/* and discovery went on past it */
	proc_must(m, 800);
	proc_must(m, 900);
	ns_must(m, 4026532031ULL, NSM_NET);
}

static void switches(void **state)
{
	struct nsm_model *m;
	struct nsm_opts o;
	int err;

	nsm_opts_default(&o);
	o.tasks = o.fds = o.bindmounts = false;
	m = build(basic_root, &o, &err);
	assert_int_equal(err, 0);
	ns_must(m, 4026532001ULL, NSM_NET);
	ns_must(m, 4026532004ULL, NSM_PID);
	assert_null(nsm_ns_get(m, 4026532003ULL));	/* task */
	assert_null(nsm_ns_get(m, 4026532009ULL));	/* fd */
	assert_null(nsm_ns_get(m, 4026532013ULL));	/* fd */
	assert_null(nsm_ns_get(m, 4026532010ULL));	/* bind mount */
	assert_null(nsm_ns_get(m, 4026532031ULL));	/* bind mount */
	assert_no_ref(ns_must(m, 4026532001ULL, NSM_NET), NSM_VIA_BINDMOUNT);
	/* no details asked: cmdline not read */
	assert_null(proc_must(m, 200)->cmdline);
	nsm_model_free(m);
}

static void bad_tree(void **state)
{
	struct nsm_model *m;
	struct nsm_opts o;
	int err;

	nsm_opts_default(&o);
	m = build(bad_root, &o, &err);
	assert_int_equal(err, 0);
	/* the well-formed process is found */
	ns_must(m, 4026532050ULL, NSM_UTS);
	assert_true(proc_must(m, 50)->ns[NSM_UTS] == 4026532050ULL);
	/* the truncated stat, the mountinfo and the garbage link each warn,
	 * naming the file (and the line of the mountinfo) */
	if (!has_warning(m, "10/stat", 0))
		fail_msg("no warning naming 10/stat: %s", warnings_str(m));
	if (!has_warning(m, "20/mountinfo", 2))
		fail_msg("no warning naming 20/mountinfo and line 2: %s",
			 warnings_str(m));
	if (!has_warning(m, "30/ns/net", 0))
		fail_msg("no warning naming 30/ns/net: %s", warnings_str(m));
	/* 30's other links were read; its net is unknown */
	if (nsm_proc_get(m, 30)) {
		assert_true(nsm_proc_get(m, 30)->ns[NSM_NET] == 0);
		assert_true(nsm_proc_get(m, 30)->ns[NSM_UTS] == I_UTS);
	}
	nsm_model_free(m);
}

static void missing_root(void **state)
{
	struct nsm_model *m = NULL;
	struct nsm_opts o;

	nsm_opts_default(&o);
	o.proc_root = "/nonexistent/proc";
	assert_int_equal(nsm_model_new(&m, &o), -ENOENT);
}

/* The building blocks the passes use. */
/*
 * Deletes keep every other key reachable (their probe chains unbroken):
 * random puts and deletes against a plain array, through a few growths.
 */
static void idmap_del(void **state)
{
	enum { N = 3000 };
	static uintptr_t want[N];
	struct nsm_idmap *map = nsm_idmap_new();
	unsigned seed = 17;
	size_t i, k, n = 0;

	(void)state;
	assert_non_null(map);
	memset(want, 0, sizeof(want));
	for (i = 0; i < 40000; i++) {
		k = 1 + rand_r(&seed) % (N - 1);
		if (rand_r(&seed) % 3) {
			n += !want[k];
			want[k] = i + 1;
			assert_int_equal(nsm_idmap_put(map, k, (void *)want[k]), 0);
		} else {
			n -= !!want[k];
			want[k] = 0;
			nsm_idmap_del(map, k);
		}
	}
	assert_int_equal(nsm_idmap_count(map), n);
	for (k = 1; k < N; k++)
		assert_ptr_equal(nsm_idmap_get(map, k), (void *)want[k]);
	nsm_idmap_free(map);
}

static void model_api(void **state)
{
	struct nsm_model *m = NULL;
	struct nsm_ns *a, *b;
	struct nsm_proc *p, *q;
	struct nsm_opts o;

	nsm_opts_default(&o);
	o.proc_root = basic_root;
	assert_int_equal(nsm_model_new(&m, &o), 0);
	assert_int_equal(m->nns, 0);
	assert_int_equal(nsm_ns_add(m, 42, NSM_NET, &a), 0);
	assert_int_equal(nsm_ns_add(m, 42, NSM_NET, &b), 0);
	assert_ptr_equal(a, b);
	assert_int_equal(nsm_ns_add(m, 42, NSM_UTS, &b), -EEXIST);
	assert_int_equal(m->nns, 1);
	assert_ptr_equal(nsm_ns_get(m, 42), a);
	assert_null(nsm_ns_get(m, 43));
	assert_int_equal(nsm_ns_add_ref(a, NSM_VIA_BINDMOUNT, 0, 0, "/x", 7),
			 0);
	assert_int_equal(nsm_ns_add_ref(a, NSM_VIA_BINDMOUNT, 0, 0, "/x", 7),
			 0);
	assert_int_equal(nsm_ns_add_ref(a, NSM_VIA_BINDMOUNT, 0, 0, "/y", 7),
			 0);
	assert_int_equal(a->nrefs, 2);
	assert_int_equal(nsm_proc_add(m, 5, &p), 0);
	assert_int_equal(nsm_proc_add(m, 5, &q), 0);
	assert_ptr_equal(p, q);
	assert_int_equal(m->nprocs, 1);
	assert_ptr_equal(nsm_proc_get(m, 5), p);
	p->ns[NSM_NET] = 42;
	p->ns[NSM_SLOT_PID_FC] = 99;
	p->ns[NSM_PID] = 98;
	assert_int_equal(nsm_proc_attach(m, p), 0);
	assert_true(has_pid(&a->procs, 5));
	assert_ref(ns_must(m, 99, NSM_PID), NSM_VIA_CHILDREN, 5, -1, NULL, 0);
	nsm_warn(m, "pid %d: %s", 5, "vanished");
	assert_int_equal(m->nwarnings, 1);
	assert_string_equal(m->warnings[0], "pid 5: vanished");
	/* many namespaces: the hash map grows */
	{
		uint64_t id;

		for (id = 1000; id < 21000; id++)
			assert_int_equal(nsm_ns_add(m, id, NSM_UTS, NULL), 0);
		for (id = 1000; id < 21000; id++)
			assert_true(nsm_ns_get(m, id) &&
				    nsm_ns_get(m, id)->id == id);
	}
	nsm_model_free(m);
	nsm_model_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(discover_ok),
		cmocka_unit_test(process_fields),
		cmocka_unit_test(namespaces_of_processes),
		cmocka_unit_test(leaders_and_ealdorman),
		cmocka_unit_test(loose_thread),
		cmocka_unit_test(for_children),
		cmocka_unit_test(fd_refs),
		cmocka_unit_test(bindmount_refs),
		cmocka_unit_test(initial_flags),
		cmocka_unit_test(sorted),
		cmocka_unit_test(malformed_status_warns),
		cmocka_unit_test(switches),
		cmocka_unit_test(bad_tree),
		cmocka_unit_test(missing_root),
		cmocka_unit_test(model_api),
		cmocka_unit_test(idmap_del),
	};

	return cmocka_run_group_tests_name("model", tests, setup_basic,
					   teardown);
}
