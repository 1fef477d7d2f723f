// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mountinfo.c - parser for /proc/PID/mountinfo (proc_pid_mountinfo(5)):
 *   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=c
 * Paths are octal-escaped by the kernel (space, tab, newline, backslash:
 * mangle() in fs/proc_namespace.c), so one line is one mount; the text may
 * still come from a fixture or a hostile file, so nothing is trusted.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "nsm.h"

/* Unescapes \ooo in place; other backslashes are kept as they are. */
static void unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			char c = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
					(s[3] - '0'));

			/* a NUL would cut the string short: keep it escaped */
			if (c) {
				*w++ = c;
				s += 3;
				continue;
			}
		}
		*w++ = *s;
	}
	*w = '\0';
}

/* Next space-separated field; NULL at the end of the line. */
static char *field(char **p)
{
	char *s = *p, *e;

	if (!s || !*s)
		return NULL;
	e = strchr(s, ' ');
	if (e) {
		*e = '\0';
		*p = e + 1;
	} else {
		*p = NULL;
	}
	return s;
}

static int parse_int(const char *s, int *v)
{
	char *end;
	long x;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	x = strtol(s, &end, 10);
	if (errno || *end || x > INT_MAX)
		return -EINVAL;
	*v = (int)x;
	return 0;
}

static int parse_dev(const char *s, unsigned *maj, unsigned *min)
{
	char *end;
	unsigned long a, b;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	a = strtoul(s, &end, 10);
	if (*end != ':' || end[1] < '0' || end[1] > '9')
		return -EINVAL;
	b = strtoul(end + 1, &end, 10);
	if (*end || a > UINT_MAX || b > UINT_MAX)
		return -EINVAL;
	*maj = a;
	*min = b;
	return 0;
}

static int parse_line(char *line, struct nsm_mountinfo *mi)
{
	char *p = line, *f, *tags_end = NULL;

	if (!(f = field(&p)) || parse_int(f, &mi->mount_id))
		return -EINVAL;
	if (!(f = field(&p)) || parse_int(f, &mi->parent_id))
		return -EINVAL;
	if (!(f = field(&p)) || parse_dev(f, &mi->major, &mi->minor))
		return -EINVAL;
	if (!(mi->root = field(&p)) || !(mi->path = field(&p)) ||
	    !(mi->options = field(&p)))
		return -EINVAL;
	/* optional fields up to the lone "-" */
	mi->tags = p;
	for (;;) {
		char *before = p;

		f = field(&p);
		if (!f)
			return -EINVAL;
		if (!strcmp(f, "-")) {
			tags_end = before;
			break;
		}
		if (!*f)
			return -EINVAL;
		/* rejoin the tags with spaces: field() cut them */
		if (p)
			p[-1] = ' ';
	}
	if (tags_end == mi->tags) {
		mi->tags = mi->options + strlen(mi->options);
	} else {
		/* the separator before "-" was restored above: cut it */
		tags_end[-1] = '\0';
	}
	if (!(mi->fstype = field(&p)) || !(mi->source = field(&p)))
		return -EINVAL;
	mi->super_options = field(&p);
	if (!mi->super_options)
		mi->super_options = mi->source + strlen(mi->source);
	if (p)
		return -EINVAL;	/* trailing fields */
	if (!*mi->root || !*mi->path || !*mi->fstype)
		return -EINVAL;
	unescape(mi->root);
	unescape(mi->path);
	unescape(mi->source);
	return 0;
}

int nsm_mountinfo_parse(const char *text, size_t len, struct nsm_mounts *out,
			size_t *bad_line)
{
	struct nsm_mounts r = { 0 };
	size_t lineno = 0;
	char *line, *next;
	int err = 0;

	r.buf = malloc(len + 1);
	if (!r.buf)
		return -ENOMEM;
	memcpy(r.buf, text, len);
	r.buf[len] = '\0';
	if (strlen(r.buf) != len) {
		/* an embedded NUL: mountinfo is text; name its line */
		const char *c;

		lineno = 1;
		for (c = r.buf; *c; c++)
			lineno += *c == '\n';
		err = -EINVAL;
		goto fail;
	}
	for (line = r.buf; line && *line; line = next) {
		struct nsm_mountinfo *mi;

		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (r.n == r.cap) {
			size_t ncap = r.cap ? r.cap * 2 : 64;
			void *nv = reallocarray(r.v, ncap, sizeof(*r.v));

			if (!nv) {
				err = -ENOMEM;
				goto fail;
			}
			r.v = nv;
			r.cap = ncap;
		}
		mi = &r.v[r.n];
		memset(mi, 0, sizeof(*mi));
		if (parse_line(line, mi)) {
			err = -EINVAL;
			goto fail;
		}
		r.n++;
	}
	*out = r;
	return 0;
fail:
	if (bad_line)
		*bad_line = lineno;
	nsm_mounts_free(&r);
	return err;
}

void nsm_mounts_free(struct nsm_mounts *mi)
{
	free(mi->v);
	free(mi->buf);
	memset(mi, 0, sizeof(*mi));
}
