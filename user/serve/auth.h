/* SPDX-License-Identifier: GPL-2.0-or-later */
/* auth.h - the bearer token of `nsmon serve --token-file`. */
#ifndef NSMON_AUTH_H
#define NSMON_AUTH_H

#include <stdbool.h>

/*
 * The token: the file's first line (without its newline); malloc'd into
 * *token.  0, -EINVAL (empty) or -errno.
 */
int auth_load(const char *path, char **token);
/*
 * Whether an Authorization header value is "Bearer TOKEN"; the time
 * taken does not depend on how much of the token matched.
 */
bool auth_check(const char *token, const char *header);

#endif
