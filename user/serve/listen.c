// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * listen.c - `--listen` addresses: parsed without any name lookup (a
 * service's address is the operator's to give, not DNS's), and their
 * sockets, the unix ones with mode 0660 from the start.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "listen.h"

static int parse_port(const char *s, in_port_t *port)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 65535)
		return -EINVAL;
	*port = htons(v);
	return 0;
}

static int parse_unix(const char *path, struct listen_addr *a)
{
	struct sockaddr_un *un = (struct sockaddr_un *)&a->sa;
	size_t n = strlen(path);

	if (!n || n >= sizeof(un->sun_path))
		return -EINVAL;
	un->sun_family = AF_UNIX;
	memcpy(un->sun_path, path, n + 1);
	a->len = offsetof(struct sockaddr_un, sun_path) + n + 1;
	a->loopback = true;
	a->path = path;
	return 0;
}

static int parse_v6(const char *s, struct listen_addr *a)
{
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->sa;
	const char *close = strchr(s, ']');
	char host[INET6_ADDRSTRLEN];
	size_t n;

	if (!close || close[1] != ':')
		return -EINVAL;
	n = close - (s + 1);
	if (!n || n >= sizeof(host))
		return -EINVAL;
	memcpy(host, s + 1, n);
	host[n] = '\0';
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1 ||
	    parse_port(close + 2, &in6->sin6_port))
		return -EINVAL;
	in6->sin6_family = AF_INET6;
	a->len = sizeof(*in6);
	a->loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) ||
		      (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) &&
		       in6->sin6_addr.s6_addr[12] == 127);
	return 0;
}

static int parse_v4(const char *s, struct listen_addr *a)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&a->sa;
	const char *colon = strrchr(s, ':');
	char host[INET_ADDRSTRLEN];
	size_t n = colon ? (size_t)(colon - s) : 0;

	if (!n || n >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, n);
	host[n] = '\0';
	if (inet_pton(AF_INET, host, &in->sin_addr) != 1 ||
	    parse_port(colon + 1, &in->sin_port))
		return -EINVAL;
	in->sin_family = AF_INET;
	a->len = sizeof(*in);
	a->loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	return 0;
}

int listen_parse(const char *s, struct listen_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (!strncmp(s, "unix:", 5))
		return parse_unix(s + 5, a);
	if (s[0] == '[')
		return parse_v6(s, a);
	return parse_v4(s, a);
}

/*
 * bind(2) creates a unix socket's inode with the umask applied to 0777:
 * a umask of 0117 makes it 0660 from the start, with no window in which
 * others could connect.  We are single-threaded here (before the agent
 * and the HTTP threads start), so the process-wide umask is ours.
 */
static int bind_unix(int fd, const struct listen_addr *a)
{
	mode_t old = umask(0117);
	int err = bind(fd, (const struct sockaddr *)&a->sa, a->len);

	umask(old);
	return err;
}

int listen_socket(const struct listen_addr *a)
{
	int one = 1, fd, err;

	fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (a->sa.ss_family == AF_UNIX) {
		err = bind_unix(fd, a);
	} else {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (a->sa.ss_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
				   sizeof(one));
		err = bind(fd, (const struct sockaddr *)&a->sa, a->len);
	}
	if (!err)
		err = listen(fd, 128);
	if (err) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

void listen_name(int fd, char *buf, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "?";

	if (getsockname(fd, (struct sockaddr *)&ss, &len)) {
		snprintf(buf, size, "?");
		return;
	}
	switch (ss.ss_family) {
	case AF_UNIX:
		snprintf(buf, size, "unix:%s",
			 ((struct sockaddr_un *)&ss)->sun_path);
		return;
	case AF_INET:
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host,
			  sizeof(host));
		snprintf(buf, size, "http://%s:%u", host,
			 ntohs(((struct sockaddr_in *)&ss)->sin_port));
		return;
	default:
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr,
			  host, sizeof(host));
		snprintf(buf, size, "http://[%s]:%u", host,
			 ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
	}
}
