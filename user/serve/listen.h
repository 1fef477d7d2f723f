/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * listen.h - the addresses `nsmon serve --listen` takes (HOST:PORT,
 * [V6]:PORT, unix:PATH) and their listening sockets.
 */
#ifndef NSMON_LISTEN_H
#define NSMON_LISTEN_H

#include <stdbool.h>
#include <sys/socket.h>

struct listen_addr {
	struct sockaddr_storage sa;
	socklen_t len;
	bool loopback;		/* 127/8, ::1, or a unix socket */
	const char *path;	/* unix: the path in the argument, else NULL */
};

/*
 * Parses s (numeric hosts only: no name lookup); port 0 is the kernel's
 * choice.  0 or -EINVAL.
 */
int listen_parse(const char *s, struct listen_addr *a);
/*
 * A listening socket on a (unix: created with mode 0660; an existing
 * path is refused: EADDRINUSE).  The fd or -errno.
 */
int listen_socket(const struct listen_addr *a);
/* What the socket fd is bound to, as a URL or unix:PATH, into buf. */
void listen_name(int fd, char *buf, size_t size);

#endif
