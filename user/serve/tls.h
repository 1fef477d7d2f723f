/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tls.h - `nsmon serve --tls-cert F --tls-key F`: the PEM files read
 * once at start and handed to libmicrohttpd's GnuTLS support.
 */
#ifndef NSMON_TLS_H
#define NSMON_TLS_H

#include <microhttpd.h>
#include <stdbool.h>

/* a certificate chain or a key bigger than this is no PEM file of ours */
#define TLS_MAX_FILE (1 << 20)

struct tls {
	char *cert, *key;	/* NULL: no TLS */
	/* MHD_OPTION_ARRAY's items: the two PEMs, or only the end */
	struct MHD_OptionItem opts[3];
};

/*
 * Reads both files (regular, at most TLS_MAX_FILE, no NUL byte) and has
 * libmicrohttpd parse them; says on stderr which file is wrong and why.
 * cert and key NULL: no TLS, t->opts empty.  0 or -errno.
 */
int tls_load(struct tls *t, const char *name, const char *cert,
	     const char *key);
/* The key's bytes are wiped before they are freed. */
void tls_free(struct tls *t);
/* The daemon flags TLS needs (0 without). */
unsigned tls_flags(const struct tls *t);

#endif
