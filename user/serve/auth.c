// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * auth.c - the bearer token: read once at start, compared in constant
 * time (a byte-wise early exit would let a client find the token a byte
 * at a time from response times).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"

int auth_load(const char *path, char **token)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int err;

	if (!f)
		return -errno;
	n = getline(&line, &cap, f);
	err = n < 0 && ferror(f) ? -EIO : 0;
	fclose(f);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (!err && n <= 0)
		err = -EINVAL;
	if (err) {
		free(line);
		return err;
	}
	*token = line;
	return 0;
}

bool auth_check(const char *token, const char *header)
{
	static const char scheme[] = "Bearer ";
	size_t m = strlen(token), n, i;
	unsigned char d;

	if (!header || strncmp(header, scheme, sizeof(scheme) - 1))
		return false;
	header += sizeof(scheme) - 1;
	n = strlen(header);
	/* every byte of the token looked at, whatever the given length */
	d = n != m;
	for (i = 0; i < m; i++)
		d |= (unsigned char)token[i] ^
		     (unsigned char)(i < n ? header[i] : 0);
	return !d;
}
