// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nsloop.c - the agent benchmark's workload: N fork+exit, then M children
 * that each unshare(CLONE_NEWNET | CLONE_NEWUTS) and exit, one at a time.
 *
 *   nsloop N [M]
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
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

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: nsloop N [M]\n");
		return 2;
	}
	if (run(atoi(argv[1]), 0))
		return 1;
	return run(argc > 2 ? atoi(argv[2]) : 0, CLONE_NEWNET | CLONE_NEWUTS);
}
