// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_bpf_sweep.c - the BPF iterator sweep (discovery/sweep_bpf.c) on this
 * host: it loads, sees this process with the namespaces /proc names, sees a
 * thread of ours that unshared its uts namespace, and 100 sweeps leave no
 * fd and no memory behind (LeakSanitizer checks the latter at exit).
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
#include "pass.h"

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the DIR's own */
}

static uint64_t self_ns(const char *type)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/self/ns/%s", type);
	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

/* Builds a model from the BPF sweep and the passes after it. */
static struct nsm_model *bpf_model(void)
{
	struct nsm_model *m = NULL;
	struct nsm_opts o;
	const char *why = NULL;
	int err;

	nsm_opts_default(&o);
	assert_int_equal(nsm_model_new(&m, &o), 0);
	err = nsm_bpf_sweep(m, 0, &why);
	if (err)
		fail_msg("BPF sweep failed: %s (%s)", why ? why : "?",
			 strerror(-err));
	assert_true(m->used_bpf);
	assert_int_equal(nsm_discover(m), 0);
	return m;
}

/* BPF iterators need root (CAP_BPF, CAP_PERFMON): say so and skip. */
#define require_root()                                                     \
	do {                                                               \
		if (geteuid() != 0) {                                      \
			printf("# skip: BPF iterators need root\n");       \
			skip();                                            \
		}                                                          \
	} while (0)

static void sees_self(void **state)
{
	static const char *types[] = { "cgroup", "ipc", "mnt", "net",
				       "pid", "time", "user", "uts" };
	struct nsm_proc *p;
	struct nsm_model *m;
	int t;

	(void)state;
	require_root();
	m = bpf_model();
	p = nsm_proc_get(m, getpid());
	assert_non_null(p);
	assert_int_equal(p->ppid, getppid());
	assert_int_equal(p->uid, getuid());
	for (t = 0; t < NSM_NTYPES; t++) {
		struct nsm_ns *ns = nsm_ns_get(m, self_ns(types[t]));

		assert_int_equal(p->ns[t], self_ns(types[t]));
		assert_non_null(ns);
		assert_int_equal(ns->type, t);
		/* resolved in the kernel: no ioctl was needed */
		assert_true(ns->resolved);
		assert_true(ns->ns_id != 0);
	}
	nsm_model_free(m);
}

static pthread_barrier_t ready, done;
static uint64_t thread_uts;
static pid_t thread_tid;

static void *uts_thread(void *arg)
{
	(void)arg;
	if (unshare(CLONE_NEWUTS) == 0) {
		thread_uts = self_ns("uts");
		thread_tid = syscall(SYS_gettid);
	}
	/* /proc/self is the leader: read our own thread's link */
	{
		char path[64];
		struct stat st;

		snprintf(path, sizeof(path), "/proc/thread-self/ns/uts");
		if (stat(path, &st) == 0)
			thread_uts = st.st_ino;
	}
	pthread_barrier_wait(&ready);
	pthread_barrier_wait(&done);
	return NULL;
}

static void sees_loose_thread(void **state)
{
	struct nsm_model *m;
	struct nsm_ns *ns;
	pthread_t th;
	size_t i;
	bool ref = false;

	(void)state;
	require_root();
	pthread_barrier_init(&ready, NULL, 2);
	pthread_barrier_init(&done, NULL, 2);
	assert_int_equal(pthread_create(&th, NULL, uts_thread, NULL), 0);
	pthread_barrier_wait(&ready);
	assert_true(thread_tid > 0);
	assert_true(thread_uts != self_ns("uts"));
	m = bpf_model();
	ns = nsm_ns_get(m, thread_uts);
	assert_non_null(ns);
	assert_int_equal(ns->type, NSM_UTS);
	assert_int_equal(ns->procs.n, 0);
	for (i = 0; i < ns->nrefs; i++)
		if (ns->refs[i].via == NSM_VIA_TASK &&
		    ns->refs[i].pid == getpid() &&
		    ns->refs[i].tid == thread_tid)
			ref = true;
	assert_true(ref);
	nsm_model_free(m);
	pthread_barrier_wait(&done);
	pthread_join(th, NULL);
	pthread_barrier_destroy(&ready);
	pthread_barrier_destroy(&done);
}

static void no_fd_leak_100(void **state)
{
	int before, after, i;

	(void)state;
	require_root();
	nsm_model_free(bpf_model());	/* first-use allocations */
	before = count_fds();
	for (i = 0; i < 100; i++)
		nsm_model_free(bpf_model());
	after = count_fds();
	assert_int_equal(before, after);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sees_self),
		cmocka_unit_test(sees_loose_thread),
		cmocka_unit_test(no_fd_leak_100),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
