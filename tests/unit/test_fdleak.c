// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_fdleak.c - on the live /proc: a full sweep leaves no fd behind, also
 * after 100 of them; and the live sweep sees this very process and a thread
 * of it that unshared its uts namespace (as root; skipped otherwise).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include "nsm.h"

/* Open fds of this process, and which: printed when the count differs. */
static int count_fds(char *list, size_t size)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	size_t len = 0;
	int n = 0;

	assert_non_null(d);
	if (list)
		list[0] = '\0';
	while ((e = readdir(d))) {
		char path[300], target[256];
		ssize_t t;

		if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d))
			continue;
		n++;
		if (!list || len >= size - 1)
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		t = readlink(path, target, sizeof(target) - 1);
		target[t < 0 ? 0 : t] = '\0';
		/* " fd->target", cut at the end of list */
		{
			const char *parts[4] = { " ", e->d_name, "->", target };
			int k;

			for (k = 0; k < 4; k++) {
				size_t pl = strlen(parts[k]);

				if (len + pl >= size)
					pl = size - 1 - len;
				memcpy(list + len, parts[k], pl);
				len += pl;
			}
			list[len] = '\0';
		}
	}
	closedir(d);
	return n;
}

static void sweep(void)
{
	struct nsm_model *m = NULL;
	struct nsm_opts o;

	nsm_opts_default(&o);
	o.bpf = false;	/* the /proc sweep: test_bpf_sweep covers the other */
	o.details = true;
	assert_int_equal(nsm_model_new(&m, &o), 0);
	assert_int_equal(nsm_discover(m), 0);
	assert_true(m->nns > 0);
	assert_true(m->nprocs > 0);
	nsm_model_free(m);
}

static void no_fd_leak(void **state)
{
	char before[4096], after[4096];
	int n0, n1, i;

	sweep();	/* warm up: lazily opened library fds, if any */
	n0 = count_fds(before, sizeof(before));
	for (i = 0; i < 100; i++)
		sweep();
	n1 = count_fds(after, sizeof(after));
	if (n1 != n0)
		fail_msg("%d fds before 100 sweeps, %d after\nbefore:%s\nafter:%s",
			 n0, n1, before, after);
}

static uint64_t ino_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int phase;	/* 1: thread unshared, 2: test done */
static uint64_t thread_uts;
static pid_t thread_tid;

static void *uts_thread(void *arg)
{
	pthread_mutex_lock(&mu);
	if (unshare(CLONE_NEWUTS) == 0) {
		thread_uts = ino_of("/proc/thread-self/ns/uts");
		thread_tid = (pid_t)syscall(SYS_gettid);
	}
	phase = 1;
	pthread_cond_broadcast(&cv);
	while (phase != 2)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	return NULL;
}

/* The live sweep finds this process and a loose thread of it. */
static void live_self_and_thread(void **state)
{
	struct nsm_model *m = NULL;
	struct nsm_proc *p;
	struct nsm_ns *ns;
	struct nsm_opts o;
	pthread_t t;
	size_t i;
	bool ref = false;

	if (geteuid() != 0) {
		fprintf(stderr, "skip: unshare(CLONE_NEWUTS) needs root\n");
		skip();
	}
	assert_int_equal(pthread_create(&t, NULL, uts_thread, NULL), 0);
	pthread_mutex_lock(&mu);
	while (phase != 1)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	assert_true(thread_uts != 0);

	nsm_opts_default(&o);
	o.bpf = false;	/* the /proc sweep: test_bpf_sweep covers the other */
	assert_int_equal(nsm_model_new(&m, &o), 0);
	assert_true(m->live);
	assert_int_equal(nsm_discover(m), 0);
	p = nsm_proc_get(m, getpid());
	assert_non_null(p);
	assert_true(p->ns[NSM_NET] == ino_of("/proc/self/ns/net"));
	assert_true(p->ns[NSM_UTS] == ino_of("/proc/self/ns/uts"));
	assert_int_equal(p->ppid, getppid());
	ns = nsm_ns_get(m, thread_uts);
	assert_non_null(ns);
	assert_int_equal(ns->type, NSM_UTS);
	for (i = 0; i < ns->tasks.n; i++)
		if (ns->tasks.v[i] == thread_tid)
			ref = true;
	assert_true(ref);
	ref = false;
	for (i = 0; i < ns->nrefs; i++)
		if (ns->refs[i].via == NSM_VIA_TASK &&
		    ns->refs[i].pid == getpid() && ns->refs[i].tid == thread_tid)
			ref = true;
	assert_true(ref);
	/* owners are resolved on a live procfs */
	assert_true(ns->owner == ino_of("/proc/self/ns/user"));
	nsm_model_free(m);

	pthread_mutex_lock(&mu);
	phase = 2;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	pthread_join(t, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_fd_leak),
		cmocka_unit_test(live_self_and_thread),
	};

	return cmocka_run_group_tests_name("fdleak", tests, NULL, NULL);
}
