// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_nsrun.c - the library under `nsmon exec` (nsm_run.h), against the
 * kernel (as root; skipped otherwise): nsm_open_in() keeps absolute
 * links, ".." chains and links through /proc/self/root inside the root
 * of another process, opens what only another mount namespace sees, and
 * passes 1,000 fds back without leaking one; nsm_run_in() from a process
 * with other threads leaves those threads where they are, and runs
 * user and PID namespaces in a child.
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
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "nsm_run.h"

/* The test root: a directory, and a process chrooted there. */
static char root[64];
static pid_t jail = -1;

static void put(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void link_at(const char *target, const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(symlink(target, path), 0);
}

static void dir_at(const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

/* A child that runs fn, says it is ready, then waits to be killed. */
static pid_t holder(void (*fn)(void))
{
	int p[2];
	char c;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		fn();
		(void)!write(p[1], "r", 1);
		for (;;)
			pause();
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	return pid;
}

static void stop(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/* The jail: a private mount namespace with a procfs on ROOT/proc, chrooted. */
static void jail_fn(void)
{
	char proc[128];

	snprintf(proc, sizeof(proc), "%s/proc", root);
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("proc", proc, "proc", 0, NULL) || chroot(root) || chdir("/"))
		_exit(1);
}

static int setup(void **state)
{
	if (geteuid() != 0)
		return 0;
	snprintf(root, sizeof(root), "/tmp/nsm-nsrun-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	dir_at("etc");
	dir_at("proc");
	dir_at("a");
	dir_at("a/b");
	dir_at("a/b/c");
	put("etc/hostname", "inside\n");
	link_at("/etc/hostname", "abs");
	link_at("../../../../../../../etc/hostname", "a/b/c/dots");
	link_at("../..", "a/up");
	link_at("/proc/self/root/etc/hostname", "viaproc");
	link_at("/a/b/c/dots", "a/twice");
	jail = holder(jail_fn);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	stop(jail);
	if (root[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf --one-file-system %s", root);
		(void)!system(cmd);
	}
	return 0;
}

/* What fd reads (at most 63 bytes); closes it. */
static const char *slurp(int fd, char *buf, size_t len)
{
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, len - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
	return buf;
}

static void test_open_in_root_escapes(void **state)
{
	struct nsm_place at = { .pid = jail, .mntns = -1 };
	static const char *const inside[] = {
		"abs", "/abs", "a/b/c/dots", "../../../etc/hostname",
		"/a/up/../../../../etc/hostname", "a/twice", "a/b/../up/abs",
	};
	char buf[64], path[128];
	size_t i;

	if (geteuid() != 0)
		skip();
	for (i = 0; i < sizeof(inside) / sizeof(inside[0]); i++)
		assert_string_equal(slurp(nsm_open_in(&at, inside[i], O_RDONLY),
					  buf, sizeof(buf)),
				    "inside\n");
	/* a magic link leads to another root whatever the mode: refused */
	assert_int_equal(nsm_open_in(&at, "viaproc", O_RDONLY), -ELOOP);
	assert_int_equal(nsm_open_in(&at, "/proc/self/root/etc/hostname",
				     O_RDONLY), -ELOOP);
	/* another process's root: refused too (ELOOP, or EACCES first) */
	assert_true(nsm_open_in(&at, "/proc/1/root/etc/hostname", O_RDONLY) <
		    0);
	/* the string joined onto /proc/PID/root would have left the jail */
	snprintf(path, sizeof(path), "/proc/%d/root/abs", (int)jail);
	assert_string_not_equal(slurp(open(path, O_RDONLY), buf, sizeof(buf)),
				"inside\n");
	assert_int_equal(nsm_open_in(&at, "nothing", O_RDONLY), -ENOENT);
}

/* The jail's mount namespace, as a place for nsm_open_in(). */
static struct nsm_place jail_mntns(void)
{
	struct nsm_place at = { .mntns = -1 };
	char mnt[64];

	snprintf(mnt, sizeof(mnt), "/proc/%d/ns/mnt", (int)jail);
	at.mntns = open(mnt, O_RDONLY | O_CLOEXEC);
	assert_true(at.mntns >= 0);
	return at;
}

/* Only the jail's mount namespace has a procfs on ROOT/proc. */
static void test_open_in_mntns(void **state)
{
	struct nsm_place at;
	char path[128], buf[64];

	if (geteuid() != 0)
		skip();
	at = jail_mntns();
	snprintf(path, sizeof(path), "%s/proc/sys/kernel/ostype", root);
	assert_int_equal(access(path, F_OK), -1);
	assert_string_equal(slurp(nsm_open_in(&at, path, O_RDONLY), buf,
				  sizeof(buf)), "Linux\n");
	/* there, too, /proc/self/root is a magic link: refused */
	snprintf(path, sizeof(path), "%s/viaproc", root);
	assert_int_equal(nsm_open_in(&at, path, O_RDONLY), -ELOOP);
	close(at.mntns);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* 1,000 fds from a child in the jail's mount namespace, none left over. */
static void test_fd_pingpong(void **state)
{
	struct nsm_place at;
	char path[128];
	struct stat st, first;
	int i, fd, before;

	if (geteuid() != 0)
		skip();
	at = jail_mntns();
	snprintf(path, sizeof(path), "%s/proc/sys/kernel/ostype", root);
	before = count_fds();
	for (i = 0; i < 1000; i++) {
		fd = nsm_open_in(&at, path, O_RDONLY);
		assert_true(fd >= 0);
		assert_int_equal(fstat(fd, i ? &st : &first), 0);
		if (i)
			assert_int_equal(st.st_ino, first.st_ino);
		assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
		close(fd);
	}
	assert_int_equal(count_fds(), before);
	close(at.mntns);
}

static uint64_t ino_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

/* Threads that say where they are before and after nsm_run_in(). */
static pthread_barrier_t bar;
static uint64_t seen[2][2];

static void *watcher(void *arg)
{
	uint64_t *s = arg;

	s[0] = ino_of("/proc/thread-self/ns/net");
	pthread_barrier_wait(&bar);	/* nsm_run_in() now */
	pthread_barrier_wait(&bar);
	s[1] = ino_of("/proc/thread-self/ns/net");
	return NULL;
}

static void netuts_fn(void)
{
	if (unshare(CLONE_NEWNET | CLONE_NEWUTS) || sethostname("held", 4))
		_exit(1);
}

struct where {
	uint64_t net, mnt;
	char host[64];
	bool sees_proc;
};

static int where_fn(void *arg)
{
	struct where *w = arg;
	char path[128];

	w->net = ino_of("/proc/thread-self/ns/net");
	gethostname(w->host, sizeof(w->host));
	snprintf(path, sizeof(path), "%s/proc/sys/kernel/ostype", root);
	w->sees_proc = !access(path, F_OK);
	errno = EXDEV;
	return 42;
}

static void test_run_in_threads(void **state)
{
	struct nsm_target t[3];
	struct nsm_run r = { .v = t, .n = 3 };
	struct where w = { 0 };
	pthread_t th[2];
	char host[64], ours[64];
	uint64_t net = ino_of("/proc/self/ns/net");
	pid_t h;
	int i;

	if (geteuid() != 0)
		skip();
	gethostname(ours, sizeof(ours));
	h = holder(netuts_fn);
	assert_int_equal(nsm_target_of_pid(&t[0], h, NSM_NET), 0);
	assert_int_equal(nsm_target_of_pid(&t[1], h, NSM_UTS), 0);
	assert_int_equal(nsm_target_of_pid(&t[2], jail, NSM_MNT), 0);
	assert_int_equal(t[0].way, NSM_WAY_PROCESS);
	pthread_barrier_init(&bar, NULL, 3);
	for (i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, watcher, seen[i]);
	pthread_barrier_wait(&bar);
	assert_int_equal(nsm_run_in(&r, where_fn, &w), 0);
	pthread_barrier_wait(&bar);
	for (i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(seen[i][0], net);
		assert_int_equal(seen[i][1], net);
	}
	pthread_barrier_destroy(&bar);
	/* fn ran there, and its result and errno came back */
	assert_int_equal(r.result, 42);
	assert_int_equal(r.err, EXDEV);
	assert_int_equal(w.net, t[0].id);
	assert_string_equal(w.host, "held");
	assert_true(w.sees_proc);
	/* we did not move */
	assert_int_equal(ino_of("/proc/thread-self/ns/net"), net);
	gethostname(host, sizeof(host));
	assert_string_equal(host, ours);
	for (i = 0; i < 3; i++)
		nsm_target_close(&t[i]);
	stop(h);
}

static void user_fn(void)
{
	if (unshare(CLONE_NEWUSER))
		_exit(1);
}

static int user_check(void *arg)
{
	return ino_of("/proc/self/ns/user") == *(uint64_t *)arg;
}

/* A user namespace: a forked child runs fn; a thread cannot get in. */
struct from_thread {
	struct nsm_target t;
	int err;
	size_t failed;
};

static void *enter_from_thread(void *arg)
{
	struct from_thread *f = arg;

	f->failed = 9;
	f->err = nsm_enter(&f->t, 1, &f->failed);
	return NULL;
}

static void test_run_in_user(void **state)
{
	struct from_thread f;
	struct nsm_target t;
	struct nsm_run r = { .v = &t, .n = 1 };
	uint64_t ours = ino_of("/proc/self/ns/user");
	pthread_t th;
	pid_t h;

	if (geteuid() != 0)
		skip();
	h = holder(user_fn);
	assert_int_equal(nsm_target_of_pid(&t, h, NSM_USER), 0);
	assert_int_equal(nsm_run_in(&r, user_check, &t.id), 0);
	assert_int_equal(r.result, 1);
	assert_int_equal(ino_of("/proc/self/ns/user"), ours);
	/* setns(2) refuses a user namespace to a multi-threaded process */
	f.t = t;
	pthread_create(&th, NULL, enter_from_thread, &f);
	pthread_join(th, NULL);
	assert_int_equal(f.err, -EINVAL);
	assert_int_equal(f.failed, 0);
	nsm_target_close(&t);
	stop(h);
}

/* The PID namespace's init: the grandchild of the holder. */
static int init_pipe[2];

static void pid_fn(void)
{
	pid_t init;

	if (unshare(CLONE_NEWPID))
		_exit(1);
	init = fork();
	if (init == 0) {
		for (;;)
			pause();
	}
	(void)!write(init_pipe[1], &init, sizeof(init));
}

static int getpid_fn(void *arg)
{
	return (int)getpid();
}

static void test_run_in_pid(void **state)
{
	struct nsm_target t;
	struct nsm_run r = { .v = &t, .n = 1 };
	pid_t h, init;

	if (geteuid() != 0)
		skip();
	assert_int_equal(pipe(init_pipe), 0);
	h = holder(pid_fn);
	assert_int_equal(read(init_pipe[0], &init, sizeof(init)), sizeof(init));
	close(init_pipe[0]);
	close(init_pipe[1]);
	assert_int_equal(nsm_target_of_pid(&t, init, NSM_PID), 0);
	assert_int_equal(nsm_run_in(&r, getpid_fn, NULL), 0);
	/* after the namespace's init (1): fn is a process inside it */
	assert_true(r.result >= 2 && r.result < 100);
	nsm_target_close(&t);
	kill(init, SIGKILL);
	stop(h);
}

/* A target that is no namespace: not entered, fn not run. */
static int never_fn(void *arg)
{
	fail_msg("fn ran");
	return 0;
}

static void test_run_in_refused(void **state)
{
	struct nsm_target t[2];
	struct nsm_run r = { .v = t, .n = 2 };
	pid_t h;

	if (geteuid() != 0)
		skip();
	h = holder(netuts_fn);
	assert_int_equal(nsm_target_of_pid(&t[0], h, NSM_UTS), 0);
	nsm_target_init(&t[1]);
	t[1].type = NSM_NET;
	t[1].way = NSM_WAY_FD;
	t[1].fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_int_equal(nsm_run_in(&r, never_fn, NULL), -EINVAL);
	assert_int_equal(r.failed, 1);
	nsm_target_close(&t[0]);
	nsm_target_close(&t[1]);
	stop(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_in_root_escapes),
		cmocka_unit_test(test_open_in_mntns),
		cmocka_unit_test(test_fd_pingpong),
		cmocka_unit_test(test_run_in_threads),
		cmocka_unit_test(test_run_in_user),
		cmocka_unit_test(test_run_in_pid),
		cmocka_unit_test(test_run_in_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
