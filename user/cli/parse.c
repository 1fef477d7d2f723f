// SPDX-License-Identifier: GPL-2.0-or-later
/* parse.c - command-line numbers; see parse.h. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "nsm.h"
#include "parse.h"

int cli_parse_uint(const char *s, unsigned long max, unsigned *out)
{
	char *end;
	unsigned long v;

	/* strtoul takes "-1" as ULONG_MAX: no sign, no space at all */
	if (*s < '0' || *s > '9' || max > UINT_MAX)
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int cli_parse_pid(const char *s, pid_t *out)
{
	unsigned v;

	if (cli_parse_uint(s, INT_MAX, &v) || !v)
		return -EINVAL;
	*out = (pid_t)v;
	return 0;
}

int cli_parse_nsid(const char *s, uint64_t *out)
{
	uint64_t v;

	if (nsm_parse_u64(s, &v) || !v)
		return -EINVAL;
	*out = v;
	return 0;
}

int cli_parse_ring_size(const char *s, unsigned *out)
{
	unsigned long long v, sz = 4096;
	unsigned shift = 0;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	if (*end == 'k' || *end == 'K')
		shift = 10, end++;
	else if (*end == 'm' || *end == 'M')
		shift = 20, end++;
	/* compared before the shift: 18014398509481984K would wrap to 0 */
	if (*end || v > (1ULL << 30) >> shift)
		return -EINVAL;
	v <<= shift;
	/* BPF_MAP_TYPE_RINGBUF: a power-of-two number of pages */
	while (sz < v)
		sz <<= 1;
	*out = sz;
	return 0;
}
