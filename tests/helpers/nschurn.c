// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nschurn.c - a random namespace workload for the stress and resource tests
 * of `nsmon watch`.
 *
 *   nschurn [-n OPS] [-t SECONDS] [-s SEED] [-d DIR] [-b BURST]
 *
 * Does OPS namespace operations (or keeps going for SECONDS), chosen at
 * random: children that unshare random namespace types and exit (a PID or
 * time namespace made real by a fork), forks into new PID namespaces,
 * setns into held namespaces and back, namespaces held by an fd here and
 * later closed, namespaces bind-mounted on files in DIR (a private mount)
 * and later unmounted.  Every so often a burst: BURST children at once,
 * reaped afterwards, to overflow a small ring buffer; between bursts a
 * short pause lets it drain.
 *
 * At the end it prints `held TYPE:ID` for every namespace it still holds
 * (fds and mounts), `ops=N` and `ready`, and waits for SIGTERM/SIGINT;
 * then it closes its fds, unmounts its mounts and
 * exits 0.  With -x it releases everything first, and exits after `ready`.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define POOL 48

struct held {
	int fd;			/* held by an fd, or -1 */
	char path[256];		/* held by a bind mount, or "" */
	const char *type;
	unsigned long ino;
};

static struct held pool[2 * POOL];
static int npool;
static const char *dir;
static int self_fd[3];		/* our net, uts, ipc: to switch back to */
static volatile sig_atomic_t stop;
static unsigned long ops;
static unsigned mount_seq;

static const struct {
	int flag;
	const char *name;
} kinds[] = {
	{ CLONE_NEWNET, "net" },   { CLONE_NEWUTS, "uts" },
	{ CLONE_NEWIPC, "ipc" },   { CLONE_NEWNS, "mnt" },
	{ CLONE_NEWCGROUP, "cgroup" }, { CLONE_NEWUSER, "user" },
	{ CLONE_NEWPID, "pid" },   { CLONE_NEWTIME, "time" },
};

static void on_sig(int sig __attribute__((unused)))
{
	stop = 1;
}

static unsigned rnd(unsigned n)
{
	return (unsigned)random() % n;
}

/* A random non-empty set of types; net is the dearest (its teardown is
 * asynchronous work in the kernel), so it is picked less often. */
static int random_flags(void)
{
	int f = 0;

	while (!f)
		for (unsigned i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
			if (rnd(kinds[i].flag == CLONE_NEWNET ? 8 : 4) == 0)
				f |= kinds[i].flag;
	return f;
}

/* In a child: unshare FLAGS; a PID or time namespace becomes real at the
 * first fork after it. */
static void child_unshare(int flags)
{
	if (unshare(flags))
		_exit(1);
	if (flags & (CLONE_NEWPID | CLONE_NEWTIME)) {
		pid_t g = fork();

		if (!g)
			_exit(0);
		if (g > 0)
			waitpid(g, NULL, 0);
	}
}

static pid_t spawn_unshare(int flags)
{
	pid_t p = fork();

	if (!p) {
		child_unshare(flags);
		_exit(0);
	}
	return p;
}

static void reap(pid_t p)
{
	while (waitpid(p, NULL, 0) < 0 && errno == EINTR)
		;
}

static void op_unshare(void)
{
	pid_t p = spawn_unshare(random_flags());

	if (p > 0)
		reap(p);
}

/* clone(CLONE_NEWPID): the child is pid 1 of a new PID namespace, maybe
 * with a child of its own in a nested one. */
static void op_pidns_fork(void)
{
	pid_t p = (pid_t)syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0);

	if (!p) {
		if (rnd(2)) {
			pid_t g = (pid_t)syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0);

			if (!g)
				_exit(0);
			if (g > 0)
				waitpid(g, NULL, 0);
		}
		_exit(0);
	}
	if (p > 0)
		reap(p);
}

/* A child enters a held namespace (or a fresh one of its own) and comes
 * back to ours. */
static void op_setns(void)
{
	pid_t p = fork();

	if (!p) {
		for (int i = 0; i < npool; i++) {
			struct held *h = &pool[rnd(npool)];
			int fd = h->fd;

			if (fd < 0 && h->path[0])
				fd = open(h->path, O_RDONLY | O_CLOEXEC);
			if (fd < 0 || strcmp(h->type, "user") == 0 ||
			    strcmp(h->type, "mnt") == 0 || strcmp(h->type, "pid") == 0)
				continue;
			setns(fd, 0);
			break;
		}
		if (rnd(2))
			unshare(CLONE_NEWUTS);
		for (int i = 0; i < 3; i++)
			setns(self_fd[i], 0);
		_exit(0);
	}
	if (p > 0)
		reap(p);
}

static void release(int i)
{
	struct held *h = &pool[i];

	if (h->fd >= 0)
		close(h->fd);
	if (h->path[0] && umount2(h->path, MNT_DETACH) == 0)
		unlink(h->path);
	pool[i] = pool[--npool];
}

/* A child unshares one type and waits; we hold its namespace by an fd or
 * a bind mount, and let it go. */
static void op_hold(int by_mount)
{
	static const int types[] = { CLONE_NEWNET, CLONE_NEWUTS, CLONE_NEWIPC,
				     CLONE_NEWCGROUP, CLONE_NEWUSER };
	static const char *const names[] = { "net", "uts", "ipc", "cgroup", "user" };
	int k = rnd(5), up[2], down[2];
	char c, path[64];
	struct held h = { .fd = -1, .type = names[k] };
	struct stat st;
	pid_t p;

	if (npool >= (int)(sizeof(pool) / sizeof(pool[0])) || (by_mount && !dir))
		return;
	if (pipe2(up, O_CLOEXEC) || pipe2(down, O_CLOEXEC))
		exit(1);
	p = fork();
	if (!p) {
		close(up[0]);
		close(down[1]);
		if (unshare(types[k]))
			_exit(1);
		if (write(up[1], "x", 1) != 1 || read(down[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	if (p > 0 && read(up[0], &c, 1) == 1) {
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", p, names[k]);
		if (by_mount) {
			snprintf(h.path, sizeof(h.path), "%s/ns%u", dir, mount_seq++);
			int fd = open(h.path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);

			if (fd >= 0)
				close(fd);
			if (mount(path, h.path, NULL, MS_BIND, NULL)) {
				unlink(h.path);
				h.path[0] = 0;
			}
		} else {
			h.fd = open(path, O_RDONLY | O_CLOEXEC);
		}
		if ((h.fd >= 0 || h.path[0]) &&
		    !stat(h.fd >= 0 ? path : h.path, &st)) {
			h.ino = st.st_ino;
			pool[npool++] = h;
		}
	}
	close(up[0]);
	close(down[1]);
	if (p > 0)
		reap(p);
}

/* BURST children at once, reaped afterwards. */
static void burst(unsigned n)
{
	pid_t *kids = calloc(n, sizeof(*kids));

	if (!kids)
		exit(1);
	for (unsigned i = 0; i < n; i++) {
		kids[i] = spawn_unshare(random_flags());
		ops++;
	}
	for (unsigned i = 0; i < n; i++)
		if (kids[i] > 0)
			reap(kids[i]);
	free(kids);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	unsigned long nops = 10000;
	double secs = 0, end;
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid(), bsize = 200;
	int opt, exit_now = 0;
	static const char *const own[] = { "net", "uts", "ipc" };
	struct sigaction sa = { .sa_handler = on_sig };

	while ((opt = getopt(argc, argv, "n:t:s:d:b:x")) != -1) {
		switch (opt) {
		case 'n': nops = strtoul(optarg, NULL, 0); break;
		case 't': secs = atof(optarg); break;
		case 's': seed = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'd': dir = optarg; break;
		case 'b': bsize = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'x': exit_now = 1; break;
		default:
			fprintf(stderr, "usage: nschurn [-n OPS] [-t SECONDS] [-s SEED] [-d DIR] [-b BURST] [-x]\n");
			return 2;
		}
	}
	srandom(seed);
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	for (int i = 0; i < 3; i++) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/self/ns/%s", own[i]);
		self_fd[i] = open(path, O_RDONLY | O_CLOEXEC);
	}
	printf("seed=%u\n", seed);
	end = now() + secs;
	while (!stop && (secs > 0 ? now() < end : ops < nops)) {
		unsigned r = rnd(1000);

		if (r < 3) {
			burst(1 + rnd(bsize));
			usleep(20000); /* let the agent catch up */
			continue;
		}
		r %= 100;
		if (r < 40)
			op_unshare();
		else if (r < 55)
			op_pidns_fork();
		else if (r < 70)
			op_setns();
		else if (r < 80)
			op_hold(0);
		else if (r < 88)
			op_hold(1);
		else if (npool)
			release(rnd(npool));
		ops++;
		/* with -t: keep the pools at their size, not growing */
		if (secs > 0 && npool > POOL)
			release(rnd(npool));
	}
	if (exit_now) {
		while (npool)
			release(0);
	}
	for (int i = 0; i < npool; i++)
		printf("held %s:%lu %s\n", pool[i].type, pool[i].ino,
		       pool[i].fd >= 0 ? "fd" : "mount");
	printf("ops=%lu\n", ops);
	printf("ready\n");
	if (exit_now)
		return 0;
	while (!stop)
		pause();
	while (npool)
		release(0);
	return 0;
}
