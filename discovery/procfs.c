// SPDX-License-Identifier: GPL-2.0-or-later
/* procfs.c - reading and parsing the text files of /proc/PID. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pass.h"

#include "nsm.h"

int nsm_read_file_at(int dirfd, const char *path, char **buf, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *b = NULL, *nb;
	ssize_t r;
	int fd, err;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	b = malloc(cap);
	if (!b) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		/* keep one byte for the terminating NUL */
		if (n + 1 >= cap) {
			if (cap >= (64U << 20)) {
				err = -EFBIG;
				goto out;
			}
			nb = realloc(b, cap * 2);
			if (!nb) {
				err = -ENOMEM;
				goto out;
			}
			b = nb;
			cap *= 2;
		}
		r = read(fd, b + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto out;
		}
		if (r == 0)
			break;
		n += r;
	}
	b[n] = '\0';
	*buf = b;
	if (len)
		*len = n;
	b = NULL;
	err = 0;
out:
	free(b);
	close(fd);
	return err;
}

int nsm_pid_from_name(const char *name)
{
	long v = 0;

	if (!*name)
		return 0;
	for (; *name; name++) {
		if (*name < '0' || *name > '9')
			return 0;
		v = v * 10 + (*name - '0');
		if (v > 0x3fffffff)
			return 0;
	}
	return (int)v;
}

static int parse_u64(const char *s, const char **end, uint64_t *v)
{
	uint64_t x = 0;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	while (isdigit((unsigned char)*s)) {
		unsigned d = *s++ - '0';

		if (x > (UINT64_MAX - d) / 10)
			return -ERANGE;
		x = x * 10 + d;
	}
	*v = x;
	*end = s;
	return 0;
}

/*
 * "pid (comm) state ppid ... starttime(22) ...": comm may hold spaces and
 * parentheses, so the fields after it start behind the last ')'.
 */
int nsm_parse_stat(const char *text, struct nsm_stat *st)
{
	const char *open = strchr(text, '('), *close = strrchr(text, ')');
	const char *p;
	uint64_t v;
	size_t clen;
	int field;

	if (!open || !close || close < open || close[1] != ' ')
		return -EINVAL;
	clen = close - open - 1;
	/*
	 * task->comm holds 15 characters; stat may show more for kernel
	 * threads and workqueue workers.  Keep what every source agrees on.
	 */
	if (clen > 15)
		clen = 15;
	memcpy(st->comm, open + 1, clen);
	st->comm[clen] = '\0';
	p = close + 2;
	/* field 3 is the state, one character */
	if (!*p || p[1] != ' ')
		return -EINVAL;
	p += 2;
	for (field = 4; field <= 22; field++) {
		const char *end;
		bool neg = *p == '-';

		if (parse_u64(p + neg, &end, &v))
			return -EINVAL;
		if (field == 4) {
			if (neg || v > INT_MAX)
				return -EINVAL;
			st->ppid = (pid_t)v;
		} else if (field == 20) {
			if (neg || v > INT_MAX)
				return -EINVAL;
			st->nthreads = (long)v;
		} else if (field == 22) {
			if (neg)
				return -EINVAL;
			st->starttime = v;
			return 0;
		}
		if (*end != ' ')
			return -EINVAL;
		p = end + 1;
	}
	return -EINVAL;
}

static int parse_pid_list(const char *p, pid_t **out, size_t *n)
{
	pid_t *v = NULL, *nv;
	size_t cnt = 0;
	uint64_t x;
	const char *end;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\n' || !*p)
			break;
		if (parse_u64(p, &end, &x) || x == 0 || x > INT_MAX ||
		    cnt >= 64)
			goto bad;
		nv = reallocarray(v, cnt + 1, sizeof(*v));
		if (!nv) {
			free(v);
			return -ENOMEM;
		}
		v = nv;
		v[cnt++] = (pid_t)x;
		p = end;
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p)
			goto bad;
	}
	if (!cnt)
		goto bad;
	*out = v;
	*n = cnt;
	return 0;
bad:
	free(v);
	return -EINVAL;
}

int nsm_parse_status(const char *text, uid_t *uid, pid_t **nspid,
		     size_t *nnspid, size_t *bad_line)
{
	const char *line = text;
	bool have_uid = false;
	size_t lineno = 1;
	int err;

	*nspid = NULL;
	*nnspid = 0;
	while (*line) {
		const char *nl = strchr(line, '\n');

		if (!strncmp(line, "Uid:", 4)) {
			const char *end, *p = line + 4;
			uint64_t v;

			while (*p == ' ' || *p == '\t')
				p++;
			if (parse_u64(p, &end, &v) || v > UINT32_MAX ||
			    (*end != '\t' && *end != ' ' && *end != '\n' &&
			     *end))
				goto bad;
			*uid = (uid_t)v;
			have_uid = true;
		} else if (!strncmp(line, "NSpid:", 6)) {
			free(*nspid);
			*nspid = NULL;
			err = parse_pid_list(line + 6, nspid, nnspid);
			if (err == -ENOMEM)
				return err;
			if (err)
				goto bad;
		}
		if (!nl)
			break;
		line = nl + 1;
		lineno++;
	}
	if (!have_uid) {
		lineno = 0;
		goto bad;
	}
	return 0;
bad:
	free(*nspid);
	*nspid = NULL;
	*nnspid = 0;
	if (bad_line)
		*bad_line = lineno;
	return -EINVAL;
}

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

int nsm_each_number(int dirfd, const char *path,
		    int (*fn)(void *ctx, int dirfd, int nr, const char *name),
		    void *ctx)
{
	/*
	 * getdents64 straight into a buffer: opendir() would add an fstat
	 * and an fcntl per directory, and this runs twice per process.
	 */
	char buf[16384] __attribute__((aligned(8)));
	int fd, err = 0;
	long n, off;

	fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (!err && (n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n && !err;) {
			struct linux_dirent64 *d = (void *)(buf + off);
			int nr = nsm_pid_from_name(d->d_name);

			off += d->d_reclen;
			if (nr > 0 || !strcmp(d->d_name, "0"))
				err = fn(ctx, fd, nr, d->d_name);
		}
	}
	if (!err && n < 0)
		err = -errno;
	close(fd);
	return err;
}

/*
 * /proc's readdir position of pid N is N + TGID_OFFSET (fs/proc/base.c:
 * FIRST_PROCESS_ENTRY + 2, after "self" and "thread-self"), and from a
 * position it lists the processes upwards, each entry costing the kernel
 * a dentry, until the buffer is full.  A pid's entry is at most 32 bytes
 * (7 digits, PID_MAX_LIMIT).
 */
#define TGID_OFFSET 258
#define PID_DIRENT_MAX 32
#define RANGE_LIST 32		/* at most this many entries per listing */

/*
 * The pids of [lo, hi], upwards, by one listing from lo of at most
 * RANGE_LIST entries; *whole: [lo, hi] was listed to its end (past hi,
 * or with room left in the buffer: nothing more to list).  -ERANGE if
 * the positions are not what this expects: an entry's d_off is the
 * position of the next one, so the next pid + TGID_OFFSET.
 */
static int list_range(int fd, pid_t lo, pid_t hi, pid_t *v, bool *whole)
{
	char buf[(RANGE_LIST + 1) * PID_DIRENT_MAX] __attribute__((aligned(8)));
	size_t size = sizeof(buf);
	int pid, prev = 0, n = 0;
	long len, off;
	int64_t next = 0;

	*whole = false;
	/* a small block: no more entries listed than it can hold */
	if (hi - lo + 1 < RANGE_LIST)
		size = (size_t)(hi - lo + 2) * PID_DIRENT_MAX;
	if (lseek(fd, (off_t)lo + TGID_OFFSET, SEEK_SET) < 0)
		return -errno;
	len = syscall(SYS_getdents64, fd, buf, size);
	if (len < 0)
		return -errno;
	for (off = 0; off < len;) {
		struct linux_dirent64 *d = (void *)(buf + off);

		off += d->d_reclen;
		pid = nsm_pid_from_name(d->d_name);
		if (prev > 0 && pid > 0 && next != (int64_t)pid + TGID_OFFSET)
			return -ERANGE;
		prev = pid;
		next = d->d_off;
		if (pid > hi) {
			*whole = true;
			return n;
		}
		if (pid >= lo)
			v[n++] = pid;
	}
	*whole = size - (size_t)len >= PID_DIRENT_MAX;
	return n;
}

int nsm_proc_newest(int procfd, pid_t lo, pid_t hi, pid_t skip, pid_t *v,
		    size_t max,
		    bool (*each)(void *ctx, const pid_t *v, size_t n),
		    void *ctx)
{
	pid_t got[(RANGE_LIST + 1) * PID_DIRENT_MAX / 24], from;
	pid_t w = RANGE_LIST;
	size_t k = 0, k0;
	bool whole;
	int n;

	/* blocks downwards from hi, wider while they are sparse */
	while (k < max && lo >= 1 && hi >= lo) {
		from = hi - lo + 1 > w ? hi - w + 1 : lo;
		n = list_range(procfd, from, hi, got, &whole);
		if (n < 0)
			return n;
		if (!whole) {
			/* a block upwards from from filled the buffer */
			if (!n || got[n - 1] == from)
				return -ERANGE;
			w = (got[n - 1] - from + 1) / 2;
			continue;
		}
		k0 = k;
		while (n-- > 0 && k < max)
			if (got[n] != skip)
				v[k++] = got[n];
		if (each && k > k0 && each(ctx, v + k0, k - k0))
			return (int)k;
		hi = from - 1;
		if (w < RANGE_LIST)
			w = RANGE_LIST;
		else
			w *= 8;
	}
	return (int)k;
}
