// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * logfmt.c - `--log-format=journal` for watch and serve: every line on
 * stderr gets a syslog priority prefix "<N>", which journald reads off
 * a service's stderr (systemd.exec(5) SyslogLevelPrefix=, on by default)
 * so that `journalctl -p warning` finds nsmon's warnings.  stderr becomes
 * a stream of ours (fopencookie(3)) that cuts lines and prefixes each;
 * the messages themselves stay as they are, in every layer.
 *
 * The priority comes from the line: nsmon writes on stderr when something
 * is wrong, so a warning unless it says an operation failed (an error),
 * or is a note (listening, a sweep's timing: info) or libbpf's chatter
 * under -v (debug).  Sanitizer reports write to fd 2 and pass as they are.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <syslog.h>
#include <unistd.h>

#include "cli.h"

static const struct {
	const char *has;
	int prio;
} prios[] = {
	/* first match wins */
	{ "libbpf: ", LOG_DEBUG },
	{ ": listening on ", LOG_INFO },
	{ ": sweep after an exit: ", LOG_INFO },
	{ ": without CAP_", LOG_WARNING },
	{ "cannot ", LOG_ERR },
	{ "failed", LOG_ERR },
	{ "refused", LOG_ERR },
	{ "write error", LOG_ERR },
	{ "invalid ", LOG_ERR },
};

static int prio_of(const char *line, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(prios); i++)
		if (memmem(line, len, prios[i].has, strlen(prios[i].has)))
			return prios[i].prio;
	return LOG_WARNING;
}

/* the line being cut; longer ones go out in pieces, each prefixed */
static char line[4096];
static size_t used;

static void flush_line(void)
{
	char pre[4];
	struct iovec iov[2];

	if (!used)
		return;
	snprintf(pre, sizeof(pre), "<%d>", prio_of(line, used));
	iov[0] = (struct iovec){ pre, strlen(pre) };
	iov[1] = (struct iovec){ line, used };
	/* stderr has nowhere to report its own failure */
	(void)!writev(STDERR_FILENO, iov, 2);
	used = 0;
}

/* fopencookie's write: called with the stream locked (one writer) */
static ssize_t cut(void *cookie, const char *buf, size_t size)
{
	size_t i;

	for (i = 0; i < size; i++) {
		line[used++] = buf[i];
		if (buf[i] == '\n' || used == sizeof(line))
			flush_line();
	}
	return size;
}

int cli_log_format(const char *cmd, const char *arg)
{
	static const cookie_io_functions_t io = { .write = cut };
	FILE *f;

	if (!strcmp(arg, "plain"))
		return 0;
	if (strcmp(arg, "journal"))
		return cli_bad_value(cmd, "--log-format", "log format", arg,
				     "journal, plain");
	f = fopencookie(NULL, "w", io);
	if (!f) {
		fprintf(stderr, "nsmon %s: --log-format: %s\n", cmd,
			strerror(errno));
		return 1;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	stderr = f;
	return 0;
}
