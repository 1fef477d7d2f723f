// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nshold.c - makes a namespace that is held in exactly one way, prints what
 * it made as one line of key=value pairs ending in "ready", then waits to be
 * killed.  Used by tests/integration/.
 *
 *   nshold thread TYPE      a second thread unshares TYPE: a loose thread
 *   nshold fd TYPE          unshare TYPE, open its nsfs file, setns back:
 *                           only the fd holds the new namespace
 *   nshold socket           unshare net, open a UDP socket, setns back:
 *                           only the socket holds the new net namespace
 *                           (fd, socket: SIGUSR1 closes the fd and prints
 *                           "closed"; the process lives on)
 *   nshold children pid|time
 *                           unshare the type without entering it: held as
 *                           pid_for_children/time_for_children.  For pid, a
 *                           first child is forked and reaped, because the
 *                           kernel hides pid_for_children until the new
 *                           namespace has had an init (pidns_for_children_get
 *                           checks child_reaper).
 *   nshold userns N         unshare CLONE_NEWUSER N times (mapping root at
 *                           each level): the outer N-1 user namespaces are
 *                           held only as ancestors of the innermost
 *   nshold threadmnt FILE   a second thread unshares its fs and mount ns,
 *                           and in it pins a new net ns on FILE: a loose
 *                           thread's mount ns holding a bind mount
 *   nshold threadfd TYPE    a second thread unshares its fd table, then as
 *                           "fd TYPE": only that thread's private fd holds
 *                           the namespace (/proc/PID/fd shows the leader's)
 *   nshold fdmnt FILE       unshare a mount ns (private), in it pin a new
 *                           net ns on FILE with a bind mount, open the mount
 *                           ns, setns back to the original mount and net
 *                           namespaces: the mount ns is held only by the fd,
 *                           the net ns only by a bind mount inside it
 *
 * Keys printed: pid, tid, fd, id (the namespace's inode), user1..userN,
 * mnt.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

static void die(const char *what)
{
	fprintf(stderr, "nshold: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int type_flag(const char *t)
{
	static const struct {
		const char *name;
		int flag;
	} tab[] = {
		{ "cgroup", CLONE_NEWCGROUP }, { "ipc", CLONE_NEWIPC },
		{ "mnt", CLONE_NEWNS },	       { "net", CLONE_NEWNET },
		{ "pid", CLONE_NEWPID },       { "time", CLONE_NEWTIME },
		{ "user", CLONE_NEWUSER },     { "uts", CLONE_NEWUTS },
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (!strcmp(tab[i].name, t))
			return tab[i].flag;
	fprintf(stderr, "nshold: unknown type %s\n", t);
	exit(2);
}

static unsigned long long ino_of(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		die(path);
	return (unsigned long long)st.st_ino;
}

static void wait_forever(void)
{
	for (;;)
		pause();
}

static void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		die(path);
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		die(path);
	close(fd);
}

struct thread_arg {
	int flag;
	const char *type;
};

static void *thread_main(void *p)
{
	struct thread_arg *a = p;
	char path[64];

	if (unshare(a->flag))
		die("unshare (thread)");
	snprintf(path, sizeof(path), "/proc/thread-self/ns/%s", a->type);
	printf("pid=%d tid=%ld id=%llu ready\n", getpid(),
	       (long)syscall(SYS_gettid), ino_of(path));
	fflush(stdout);
	wait_forever();
	return NULL;
}

/* Pins a new net ns on file from the calling thread, which must be in a
 * private mount ns of its own; returns the net ns inode.  The thread's net
 * namespace is set back to orig_net. */
static unsigned long long pin_new_net(const char *file, int orig_net)
{
	unsigned long long net;

	if (unshare(CLONE_NEWNET))
		die("unshare(CLONE_NEWNET)");
	net = ino_of("/proc/thread-self/ns/net");
	if (mount("/proc/thread-self/ns/net", file, NULL, MS_BIND, NULL))
		die("bind mount of the net ns");
	if (setns(orig_net, CLONE_NEWNET))
		die("setns back (net)");
	return net;
}

static const char *threadmnt_file;

static void *threadmnt_main(void *arg __attribute__((unused)))
{
	unsigned long long net;
	int onet = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

	if (onet < 0)
		die("open net ns");
	/* a thread may have a mount ns of its own once its fs is its own */
	if (unshare(CLONE_FS | CLONE_NEWNS))
		die("unshare(CLONE_FS | CLONE_NEWNS)");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		die("mount --make-rprivate /");
	net = pin_new_net(threadmnt_file, onet);
	close(onet);
	printf("pid=%d tid=%ld mnt=%llu id=%llu ready\n", getpid(),
	       (long)syscall(SYS_gettid), ino_of("/proc/thread-self/ns/mnt"),
	       net);
	fflush(stdout);
	wait_forever();
	return NULL;
}

static int do_threadmnt(const char *file)
{
	pthread_t t;

	threadmnt_file = file;
	errno = pthread_create(&t, NULL, threadmnt_main, NULL);
	if (errno)
		die("pthread_create");
	wait_forever();
	return 0;
}

static const char *threadfd_type;
static int do_fd(const char *type, int sock);

static void *threadfd_main(void *arg __attribute__((unused)))
{
	if (unshare(CLONE_FILES))
		die("unshare(CLONE_FILES)");
	do_fd(threadfd_type, 0);
	return NULL;
}

static int do_threadfd(const char *type)
{
	pthread_t t;

	threadfd_type = type;
	errno = pthread_create(&t, NULL, threadfd_main, NULL);
	if (errno)
		die("pthread_create");
	wait_forever();
	return 0;
}

static int do_thread(const char *type)
{
	struct thread_arg a = { type_flag(type), type };
	pthread_t t;

	errno = pthread_create(&t, NULL, thread_main, &a);
	if (errno)
		die("pthread_create");
	wait_forever();
	return 0;
}

/* fd, socket: SIGUSR1 closes the held fd and prints "closed" */
static volatile int held_fd = -1;

static void close_held(int sig __attribute__((unused)))
{
	if (held_fd >= 0 && !close(held_fd))
		(void)!write(STDOUT_FILENO, "closed\n", 7);
	held_fd = -1;
}

static int do_fd(const char *type, int sock)
{
	int flag = type_flag(type), orig, fd;
	char path[64];
	unsigned long long id;

	snprintf(path, sizeof(path), "/proc/thread-self/ns/%s", type);
	orig = open(path, O_RDONLY | O_CLOEXEC);
	if (orig < 0)
		die(path);
	if (unshare(flag))
		die("unshare");
	id = ino_of(path);
	if (sock)
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	else
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(sock ? "socket" : path);
	if (setns(orig, flag))
		die("setns back");
	close(orig);
	/* the fds are closed above, so a held fd gets a small number */
	held_fd = fd;
	signal(SIGUSR1, close_held);
	printf("pid=%d tid=%ld fd=%d id=%llu ready\n", getpid(),
	       (long)syscall(SYS_gettid), fd, id);
	fflush(stdout);
	wait_forever();
	return 0;
}

static int do_children(const char *type)
{
	int flag = type_flag(type);
	char path[64];
	pid_t c;

	if (unshare(flag))
		die("unshare");
	if (flag == CLONE_NEWPID) {
		c = fork();
		if (c < 0)
			die("fork");
		if (c == 0)
			_exit(0);
		if (waitpid(c, NULL, 0) != c)
			die("waitpid");
	}
	snprintf(path, sizeof(path), "/proc/self/ns/%s_for_children", type);
	printf("pid=%d id=%llu ready\n", getpid(), ino_of(path));
	fflush(stdout);
	wait_forever();
	return 0;
}

static int do_userns(int n)
{
	char buf[64];
	int i;

	printf("pid=%d", getpid());
	for (i = 1; i <= n; i++) {
		uid_t uid = geteuid();
		gid_t gid = getegid();

		if (unshare(CLONE_NEWUSER))
			die("unshare(CLONE_NEWUSER)");
		/*
		 * The next level may only be created while our euid and egid
		 * are mapped in this one (create_user_ns()).
		 */
		write_file("/proc/self/setgroups", "deny");
		snprintf(buf, sizeof(buf), "0 %u 1", (unsigned)uid);
		write_file("/proc/self/uid_map", buf);
		snprintf(buf, sizeof(buf), "0 %u 1", (unsigned)gid);
		write_file("/proc/self/gid_map", buf);
		printf(" user%d=%llu", i, ino_of("/proc/self/ns/user"));
	}
	printf(" ready\n");
	fflush(stdout);
	wait_forever();
	return 0;
}

static int do_fdmnt(const char *file)
{
	int omnt, onet, fd;
	unsigned long long mnt, net;

	omnt = open("/proc/thread-self/ns/mnt", O_RDONLY | O_CLOEXEC);
	onet = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (omnt < 0 || onet < 0)
		die("open ns");
	if (unshare(CLONE_NEWNS))
		die("unshare(CLONE_NEWNS)");
	/* nothing made in here may propagate back to the host */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		die("mount --make-rprivate /");
	net = pin_new_net(file, onet);
	fd = open("/proc/thread-self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open mnt ns");
	mnt = ino_of("/proc/thread-self/ns/mnt");
	if (setns(omnt, CLONE_NEWNS))
		die("setns back (mnt)");
	close(omnt);
	close(onet);
	printf("pid=%d fd=%d mnt=%llu id=%llu ready\n", getpid(), fd, mnt, net);
	fflush(stdout);
	wait_forever();
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGTERM, SIG_DFL);
	if (argc == 3 && !strcmp(argv[1], "thread"))
		return do_thread(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "fd"))
		return do_fd(argv[2], 0);
	if (argc == 2 && !strcmp(argv[1], "socket"))
		return do_fd("net", 1);
	if (argc == 3 && !strcmp(argv[1], "children"))
		return do_children(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "userns"))
		return do_userns(atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "fdmnt"))
		return do_fdmnt(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "threadmnt"))
		return do_threadmnt(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "threadfd"))
		return do_threadfd(argv[2]);
	fprintf(stderr,
		"usage: nshold thread TYPE | fd TYPE | socket | "
		"children pid|time | userns N | fdmnt FILE | threadmnt FILE | "
		"threadfd TYPE\n");
	return 2;
}
