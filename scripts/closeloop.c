// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * closeloop.c - close() workloads for scripts/bench-watch-progs.sh:
 *   closeloop plain N   N x dup(0) + close(): a plain fd, not nsfs
 *   closeloop nsfs N    N x open(/proc/self/ns/net) + close(): nsfs
 *   closeloop umount N  N x mount tmpfs on a private dir + umount2()
 *   closeloop socket N  N x socket(AF_UNIX) + close(): a socket of the
 *                       closer's own net namespace
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n, i;
	char dir[] = "/tmp/closeloop-XXXXXX";

	if (argc != 3)
		return 2;
	n = atol(argv[2]);
	if (!strcmp(argv[1], "plain")) {
		for (i = 0; i < n; i++)
			close(dup(0));
	} else if (!strcmp(argv[1], "nsfs")) {
		for (i = 0; i < n; i++)
			close(open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC));
	} else if (!strcmp(argv[1], "umount")) {
		if (!mkdtemp(dir))
			return 1;
		for (i = 0; i < n; i++) {
			if (mount("closeloop", dir, "tmpfs", 0, NULL) ||
			    umount2(dir, 0))
				break;
		}
		rmdir(dir);
	} else if (!strcmp(argv[1], "socket")) {
		for (i = 0; i < n; i++)
			close(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	} else {
		return 2;
	}
	return 0;
}
