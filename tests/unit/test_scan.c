// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_scan.c - the search for a namespace's holder without a discovery
 * (nsm_targets_scan(), under `nsmon exec --ns`), and the listing of the
 * newest processes it starts with (nsm_proc_newest()), against the
 * kernel (as root; skipped otherwise).  Each case runs as PID 1 of a PID
 * namespace of its own with its own /proc, where the test chooses the
 * pids (/proc/sys/kernel/ns_last_pid): old holders far below the last
 * pid given, the newest ones just below it, and pids wrapped at pid_max.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "nsm_run.h"
#include "pass.h"

#ifndef NS_GET_ID
#define NS_GET_ID _IOR(0xb7, 0xd, uint64_t)
#endif

/* Inside the PID namespace cmocka's asserts would unwind into a copy of
 * the runner: a failed check prints itself and fails the case instead. */
#define CHECK(c)                                                        \
	do {                                                            \
		if (!(c)) {                                             \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, \
				#c);                                    \
			return 1;                                       \
		}                                                       \
	} while (0)

/* The next pid given in our PID namespace is pid + 1. */
static int set_last_pid(long pid)
{
	char buf[32];
	int fd, len, ok;

	fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%ld", pid);
	ok = write(fd, buf, len) == len;
	close(fd);
	return ok ? 0 : -EIO;
}

/*
 * A process at pid that unshared flags (0: none) and waits to be killed
 * (with PID 1, by the kernel); -1 if it did not get that pid.
 */
static pid_t spawn_at(long pid, int flags)
{
	int p[2];
	pid_t c;
	char ok = 0;

	if (set_last_pid(pid - 1) || pipe2(p, O_CLOEXEC))
		return -1;
	c = fork();
	if (c == 0) {
		ok = flags && unshare(flags) ? 'n' : 'y';
		(void)!write(p[1], &ok, 1);
		for (;;)
			pause();
	}
	close(p[1]);
	if (c < 0 || read(p[0], &ok, 1) != 1 || ok != 'y')
		c = -1;
	close(p[0]);
	return c == pid ? c : -1;
}

static long pid_max(void)
{
	char buf[32] = "";
	int fd = open("/proc/sys/kernel/pid_max", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	(void)!read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return strtol(buf, NULL, 10);
}

/*
 * Runs fn as PID 1 of a new PID namespace with /proc mounted for it
 * (in a mount namespace of its own); fn's return value is its status.
 */
static void in_pidns(int (*fn)(void))
{
	pid_t c;
	int st;

	if (geteuid() != 0)
		skip();
	c = fork();
	assert_true(c >= 0);
	if (c == 0) {
		pid_t init;

		if (unshare(CLONE_NEWPID | CLONE_NEWNS))
			_exit(100);
		init = fork();
		if (init == 0) {
			if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
			    mount("proc", "/proc", "proc", 0, NULL))
				_exit(101);
			_exit(fn());
		}
		if (init < 0 || waitpid(init, &st, 0) != init)
			_exit(102);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 103);
	}
	assert_int_equal(waitpid(c, &st, 0), c);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* nsm_proc_newest()'s callbacks: blocks and pids handed over */
static int blocks;
static size_t handed;

static bool first_block(void *ctx, const pid_t *v, size_t n)
{
	blocks++;
	return true;
}

static bool count_blocks(void *ctx, const pid_t *v, size_t n)
{
	blocks++;
	handed += n;
	return false;
}

/* v[0..n) is want[0..n). */
static int same(const pid_t *v, int n, const pid_t *want, int nwant)
{
	int i;

	if (n != nwant) {
		fprintf(stderr, "%d pids, not %d\n", n, nwant);
		return 0;
	}
	for (i = 0; i < n; i++)
		if (v[i] != want[i]) {
			fprintf(stderr, "[%d] is %d, not %d\n", i, (int)v[i],
				(int)want[i]);
			return 0;
		}
	return 1;
}

/*
 * Processes at 10..12, 500, 3000..3059 (more than one listing holds)
 * and 6000, with us at 1: every range gives its newest, downwards.
 */
static int newest_fn(void)
{
	pid_t v[80], want[80];
	size_t i;
	int fd, n;

	for (i = 10; i <= 12; i++)
		CHECK(spawn_at((long)i, 0) > 0);
	CHECK(spawn_at(500, 0) > 0);
	for (i = 3000; i < 3060; i++)
		CHECK(spawn_at((long)i, 0) > 0);
	CHECK(spawn_at(6000, 0) > 0);
	fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(fd >= 0);

	n = nsm_proc_newest(fd, 1, 6000, 0, v, 8, NULL, NULL);
	want[0] = 6000;
	for (i = 1; i < 8; i++)
		want[i] = 3060 - (pid_t)i;
	CHECK(same(v, n, want, 8));
	/* handed over block by block: stopped after the first (6000 alone) */
	blocks = 0;
	n = nsm_proc_newest(fd, 1, 6000, 0, v, 8, first_block, NULL);
	CHECK(n == 1 && v[0] == 6000 && blocks == 1);
	/* not stopped: every block handed over, the same pids as without */
	blocks = 0;
	n = nsm_proc_newest(fd, 1, 6000, 0, v, 8, count_blocks, NULL);
	CHECK(same(v, n, want, 8) && handed == 8 && blocks >= 2);
	/* skip left out, max taken */
	n = nsm_proc_newest(fd, 1, 5999, 3059, v, 3, NULL, NULL);
	CHECK(same(v, n, (pid_t[]){ 3058, 3057, 3056 }, 3));
	n = nsm_proc_newest(fd, 1, 2999, 0, v, 8, NULL, NULL);
	CHECK(same(v, n, (pid_t[]){ 500, 12, 11, 10, 1 }, 5));
	n = nsm_proc_newest(fd, 13, 499, 0, v, 8, NULL, NULL);
	CHECK(n == 0);
	/* the dense block whole, in several listings */
	n = nsm_proc_newest(fd, 3000, 3059, 0, v, 80, NULL, NULL);
	for (i = 0; i < 60; i++)
		want[i] = 3059 - (pid_t)i;
	CHECK(same(v, n, want, 60));
	/* all of it, to pid_max */
	n = nsm_proc_newest(fd, 1, (pid_t)pid_max() - 1, 0, v, 80, NULL, NULL);
	want[0] = 6000;
	for (i = 0; i < 60; i++)
		want[1 + i] = 3059 - (pid_t)i;
	memcpy(want + 61, (pid_t[]){ 500, 12, 11, 10, 1 }, 5 * sizeof(pid_t));
	CHECK(same(v, n, want, 66));
	close(fd);
	return 0;
}

static void test_proc_newest(void **state)
{
	in_pidns(newest_fn);
}

static uint64_t ino_of(pid_t pid, const char *type)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, type);
	return stat(path, &st) ? 0 : st.st_ino;
}

/* The ns_id of pid's namespace of type (NS_GET_ID), 0 before 6.18. */
static uint64_t ns_id_of(pid_t pid, const char *type)
{
	char path[64];
	uint64_t id = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, type);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (ioctl(fd, NS_GET_ID, &id))
		id = 0;
	close(fd);
	return id;
}

/* t was found at process pid, the way said in its text (how). */
static int held(const struct nsm_target *t, enum nsm_type type, pid_t pid,
		const char *how)
{
	if (t->type != type || t->way != NSM_WAY_PROCESS || t->pid != pid ||
	    t->fd < 0 || !strstr(t->how, how)) {
		fprintf(stderr, "type %d way %d pid %d fd %d: %s\n", t->type,
			t->way, (int)t->pid, t->fd, t->how);
		return 0;
	}
	return 1;
}

static void close_all(struct nsm_target *t, size_t n)
{
	while (n--)
		nsm_target_close(&t[n]);
}

/*
 * An old uts holder (pid 100), the newest net holder (20000) and an ipc
 * one (20005, the last pid given 20010): one search finds the first by
 * the walk of /proc, the second among the newest (by its ns_id where the
 * kernel has them), the third by the walk too (the newest are looked at
 * for net, mnt and uts only), ours as ours; ids no namespace has are
 * left, with type NONE.
 */
static int scan_fn(void)
{
	struct nsm_target t[6];
	uint64_t ids[6], net_ns_id;
	pid_t old, new, ipc;

	old = spawn_at(100, CLONE_NEWUTS);
	new = spawn_at(20000, CLONE_NEWNET);
	ipc = spawn_at(20005, CLONE_NEWIPC);
	CHECK(old > 0 && new > 0 && ipc > 0);
	CHECK(set_last_pid(20010) == 0);
	net_ns_id = ns_id_of(new, "net");
	ids[0] = ino_of(old, "uts");
	ids[1] = net_ns_id ? net_ns_id : ino_of(new, "net");
	ids[2] = ino_of(1, "ipc");
	ids[3] = 0xEFFFFFF0u;		/* no nsfs inode number */
	ids[4] = UINT64_MAX - 1;	/* no ns_id */
	ids[5] = ino_of(ipc, "ipc");
	CHECK(nsm_targets_scan(t, ids, 6) == 2);
	CHECK(held(&t[0], NSM_UTS, old, "(by a walk of /proc)"));
	CHECK(t[0].id == ids[0]);
	CHECK(held(&t[1], NSM_NET, new, "(among the newest)"));
	CHECK(t[1].id == ino_of(new, "net") && t[1].ns_id == net_ns_id);
	CHECK(t[2].type == NSM_IPC && t[2].way == NSM_WAY_OURS && t[2].fd < 0);
	CHECK(t[3].type == NSM_TYPE_NONE && t[3].fd < 0);
	CHECK(t[4].type == NSM_TYPE_NONE && t[4].fd < 0);
	CHECK(held(&t[5], NSM_IPC, ipc, "(by a walk of /proc)"));
	close_all(t, 6);
	/* the old one alone: the window looked at, then the walk */
	CHECK(nsm_targets_scan(t, ids, 1) == 0);
	CHECK(held(&t[0], NSM_UTS, old, "(by a walk of /proc)"));
	close_all(t, 1);
	return 0;
}

static void test_scan_window_and_walk(void **state)
{
	in_pidns(scan_fn);
}

/*
 * Pids wrapped at pid_max: the newest holder is just below pid_max, the
 * last pid given 400; the window goes on from pid_max down.
 */
static int wrap_fn(void)
{
	long max = pid_max();
	struct nsm_target t;
	uint64_t id;
	pid_t top;

	CHECK(max > 5000);
	top = spawn_at(max - 2, CLONE_NEWNET);
	CHECK(top > 0);
	CHECK(set_last_pid(400) == 0);
	id = ino_of(top, "net");
	CHECK(nsm_targets_scan(&t, &id, 1) == 0);
	CHECK(held(&t, NSM_NET, top, "(among the newest)"));
	nsm_target_close(&t);
	return 0;
}

static void test_scan_wrapped(void **state)
{
	in_pidns(wrap_fn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proc_newest),
		cmocka_unit_test(test_scan_window_and_walk),
		cmocka_unit_test(test_scan_wrapped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
