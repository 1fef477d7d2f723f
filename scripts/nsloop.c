// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nsloop.c - the agent benchmark's workload (scripts/bench-agent.sh).
 *
 *   nsloop N [M]          N fork+exit, then M children that each
 *                         unshare(CLONE_NEWNET | CLONE_NEWUTS) and exit,
 *                         one at a time; prints `fork_ms=T unshare_ms=T`,
 *                         the time of each part
 *   nsloop -l M [USEC]    latency: M such children, USEC (1000) apart;
 *                         each prints `PID SEC.NSEC`, the CLOCK_REALTIME
 *                         right after its unshare returned
 *   nsloop -r RATE SECS [JOBS]
 *                         throughput: children that unshare(CLONE_NEWUTS)
 *                         and exit, RATE a second in all (0: as fast as
 *                         possible) for SECS, from JOBS (2) processes;
 *                         prints `children=N seconds=S`
 *   nsloop -u RATE SECS [THREADS]
 *                         throughput without forks: THREADS (2) threads
 *                         that each unshare(CLONE_NEWUTS) in a loop, RATE
 *                         calls a second in all (0: as fast as possible)
 *                         for SECS.  Each call is a create, a switch and
 *                         (from the second on) a destroy of the thread's
 *                         previous uts namespace; prints `unshares=N
 *                         seconds=S`
 *   nsloop -s                what one system call costs: getppid(),
 *                         best of 20 rounds of 100,000; prints `ns=N`
 *                         (a syscall tracepoint of any tool puts every
 *                         syscall on the host on the slow path)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int run(int n, int flags)
{
	for (int i = 0; i < n; i++) {
		pid_t p = fork();

		if (p < 0) {
			perror("fork");
			return 1;
		}
		if (!p)
			_exit(flags && unshare(flags) ? 1 : 0);
		waitpid(p, NULL, 0);
	}
	return 0;
}

static int latency(int m, int usec)
{
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	for (int i = 0; i < m; i++) {
		pid_t p;

		fflush(stdout);
		p = fork();
		if (p < 0) {
			perror("fork");
			return 1;
		}
		if (!p) {
			struct timespec ts;

			if (unshare(CLONE_NEWNET | CLONE_NEWUTS))
				_exit(1);
			clock_gettime(CLOCK_REALTIME, &ts);
			printf("%d %lld.%09ld\n", getpid(), (long long)ts.tv_sec, ts.tv_nsec);
			fflush(stdout);
			_exit(0);
		}
		waitpid(p, NULL, 0);
		usleep(usec);
	}
	return 0;
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int rate(double r, double secs, int jobs)
{
	int fds[2];
	long total = 0;
	double t0 = mono();

	if (pipe(fds))
		return 1;
	for (int j = 0; j < jobs; j++) {
		if (fork() == 0) {
			double start = mono(), per = r > 0 ? jobs / r : 0;
			long n = 0;

			close(fds[0]);
			while (mono() - start < secs) {
				pid_t p;

				if (per > 0) {
					double due = start + n * per, now = mono();

					if (due > now)
						usleep((useconds_t)((due - now) * 1e6));
				}
				p = fork();
				if (!p)
					_exit(unshare(CLONE_NEWUTS) ? 1 : 0);
				if (p > 0)
					waitpid(p, NULL, 0);
				n++;
			}
			if (write(fds[1], &n, sizeof(n)) != sizeof(n))
				_exit(1);
			_exit(0);
		}
	}
	close(fds[1]);
	for (long n; read(fds[0], &n, sizeof(n)) == sizeof(n);)
		total += n;
	while (wait(NULL) > 0)
		;
	printf("children=%ld seconds=%.3f\n", total, mono() - t0);
	return 0;
}

struct uloop {
	pthread_t th;
	double per, secs, start;
	long n;
	int err;
};

static void *uloop_run(void *arg)
{
	struct uloop *u = arg;

	while (mono() - u->start < u->secs) {
		/* pace in steps of >= 50 us: usleep is too coarse per call */
		if (u->per > 0) {
			double ahead = u->start + u->n * u->per - mono();

			if (ahead > 50e-6)
				usleep((useconds_t)(ahead * 1e6));
		}
		for (int i = 0; i < 16; i++, u->n++)
			if (unshare(CLONE_NEWUTS)) {
				u->err = 1;
				return NULL;
			}
	}
	return NULL;
}

static int uloop(double r, double secs, int threads)
{
	struct uloop u[64];
	long total = 0;
	double t0 = mono();
	int err = 0;

	if (threads < 1 || threads > 64)
		return 2;
	for (int j = 0; j < threads; j++) {
		u[j] = (struct uloop){ .per = r > 0 ? threads / r : 0,
				       .secs = secs, .start = t0 };
		if (pthread_create(&u[j].th, NULL, uloop_run, &u[j]))
			return 1;
	}
	for (int j = 0; j < threads; j++) {
		pthread_join(u[j].th, NULL);
		total += u[j].n;
		err |= u[j].err;
	}
	if (err)
		perror("unshare");
	printf("unshares=%ld seconds=%.3f\n", total, mono() - t0);
	return err;
}

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static int syscall_cost(void)
{
	double best = 1e18;

	for (int r = 0; r < 20; r++) {
		double t0 = now_ns(), d;

		for (int i = 0; i < 100000; i++)
			syscall(SYS_getppid);
		d = (now_ns() - t0) / 100000;
		if (d < best)
			best = d;
	}
	printf("ns=%.0f\n", best);
	return 0;
}

int main(int argc, char **argv)
{
	double t0, t1;

	if (argc == 2 && !strcmp(argv[1], "-s"))
		return syscall_cost();
	if (argc >= 4 && !strcmp(argv[1], "-u"))
		return uloop(atof(argv[2]), atof(argv[3]), argc > 4 ? atoi(argv[4]) : 2);
	if (argc >= 3 && !strcmp(argv[1], "-l"))
		return latency(atoi(argv[2]), argc > 3 ? atoi(argv[3]) : 1000);
	if (argc >= 4 && !strcmp(argv[1], "-r"))
		return rate(atof(argv[2]), atof(argv[3]), argc > 4 ? atoi(argv[4]) : 2);
	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: nsloop N [M] | -l M [USEC] | -r RATE SECS [JOBS]"
				" | -u RATE SECS [THREADS] | -s\n");
		return 2;
	}
	t0 = mono();
	if (run(atoi(argv[1]), 0))
		return 1;
	t1 = mono();
	if (run(argc > 2 ? atoi(argv[2]) : 0, CLONE_NEWNET | CLONE_NEWUTS))
		return 1;
	printf("fork_ms=%.1f unshare_ms=%.1f\n", (t1 - t0) * 1e3, (mono() - t1) * 1e3);
	return 0;
}
