/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * parse.h - the numbers of the command line, parsed in one place (as
 * util-linux's strutils): the whole string must be the number, and a
 * number out of range is an error (usage, exit 2), never wrapped or
 * clamped.
 */
#ifndef NSMON_PARSE_H
#define NSMON_PARSE_H

#include <stdint.h>
#include <sys/types.h>

/*
 * A decimal number from 0 to max (at most UINT_MAX), the whole string: no
 * sign, no space; 0 or -EINVAL.
 */
int cli_parse_uint(const char *s, unsigned long max, unsigned *out);
/* A process id: 1 to INT_MAX. */
int cli_parse_pid(const char *s, pid_t *out);
/* A namespace id (its inode number): not 0. */
int cli_parse_nsid(const char *s, uint64_t *out);
/*
 * A size in bytes with an optional K or M suffix, at most 1 GiB, rounded
 * up to a power of two of at least 4096 (a BPF ring buffer's size).
 */
int cli_parse_ring_size(const char *s, unsigned *out);

#endif
