// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * capprobe.c - asks the kernel what this process may do, for t_caps.sh:
 * started with the credentials under test (unshare, setpriv, nsenter in
 * front of it), it prints "pid=N ready", waits for SIGUSR1 (meanwhile
 * `nsmon caps N` looks at it), then tries each operation and prints one
 * line "OP=ok|EPERM|E... ... done":
 *
 *   sethostname        sethostname(2) in its own uts namespace: the kernel
 *                      checks CAP_SYS_ADMIN in that namespace's owner
 *   setns-user:FD      setns(FD, CLONE_NEWUSER), FD an inherited nsfs fd:
 *                      CAP_SYS_ADMIN in that user namespace (done last:
 *                      it changes the credentials)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *verdict(int rc)
{
	static char buf[32];

	if (!rc)
		return "ok";
	if (errno == EPERM)
		return "EPERM";
	snprintf(buf, sizeof(buf), "E%d", errno);
	return buf;
}

static void probe(const char *op)
{
	int rc;

	if (!strcmp(op, "sethostname")) {
		rc = sethostname("nsmon-capprobe", 14);
	} else if (!strncmp(op, "setns-user:", 11)) {
		rc = setns(atoi(op + 11), CLONE_NEWUSER);
		op = "setns-user";
	} else {
		fprintf(stderr, "capprobe: unknown operation %s\n", op);
		exit(2);
	}
	printf("%s=%s ", op, verdict(rc));
}

int main(int argc, char **argv)
{
	sigset_t set;
	int sig, i;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	printf("pid=%d ready\n", (int)getpid());
	fflush(stdout);
	if (sigwait(&set, &sig))
		return 1;
	for (i = 1; i < argc; i++)
		probe(argv[i]);
	printf("done\n");
	return 0;
}
