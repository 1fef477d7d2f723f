// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tls.c - TLS for `nsmon serve`: the certificate chain and private key
 * (PEM) read at start, before anything loads, and checked by starting a
 * daemon with them that listens nowhere: libmicrohttpd (GnuTLS) parses
 * them there, so a wrong file is refused at once with its name, not
 * after the BPF feed is up.  The files are read through one fd each
 * (fstat and read on the same file), bounded, and must hold no NUL byte
 * (the PEM text is handed on as a C string).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tls.h"

/* The whole file as a C string in *out; -EFBIG, -EINVAL (a NUL), -errno. */
static int read_pem(const char *path, char **out)
{
	struct stat st;
	ssize_t n = 0, r;
	char *p = NULL;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st))
		err = -errno;
	else if (!S_ISREG(st.st_mode))
		err = -EISDIR;
	else if (st.st_size > TLS_MAX_FILE)
		err = -EFBIG;
	else if (!(p = malloc(TLS_MAX_FILE + 1)))
		err = -ENOMEM;
	/* up to the bound, whatever st_size said: the file may grow */
	while (!err && (r = read(fd, p + n, TLS_MAX_FILE + 1 - n)) != 0) {
		if (r < 0 && errno != EINTR)
			err = -errno;
		else if (r > 0 && (n += r) > TLS_MAX_FILE)
			err = -EFBIG;
	}
	close(fd);
	if (!err && (!n || memchr(p, '\0', n)))
		err = -EINVAL;
	if (err) {
		if (p)
			explicit_bzero(p, n);
		free(p);
		return err;
	}
	p[n] = '\0';
	*out = p;
	return 0;
}

static const char *pem_error(int err)
{
	switch (err) {
	case -EFBIG:
		return "too large (over 1 MiB): not a PEM file";
	case -EINVAL:
		return "empty or not text: not a PEM file";
	case -EISDIR:
		return "not a regular file";
	default:
		return strerror(-err);
	}
}

unsigned tls_flags(const struct tls *t)
{
	return t->cert ? MHD_USE_TLS : 0;
}

/* The check's daemon needs a handler; no request ever reaches it. */
static enum MHD_Result no_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	return MHD_NO;
}

/* A daemon that listens nowhere, with the files: libmicrohttpd's verdict. */
static int tls_check(const struct tls *t, const char *name)
{
	struct MHD_Daemon *d;

	if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
		fprintf(stderr, "%s: this libmicrohttpd has no TLS support\n",
			name);
		return -EOPNOTSUPP;
	}
	d = MHD_start_daemon(MHD_USE_TLS | MHD_USE_NO_LISTEN_SOCKET, 0, NULL,
			     NULL, no_request, NULL, MHD_OPTION_ARRAY, t->opts,
			     MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "%s: --tls-cert and --tls-key: not a PEM "
				"certificate and its private key\n", name);
		return -EINVAL;
	}
	MHD_stop_daemon(d);
	return 0;
}

int tls_load(struct tls *t, const char *name, const char *cert,
	     const char *key)
{
	int err;

	memset(t, 0, sizeof(*t));
	t->opts[0].option = MHD_OPTION_END;
	if (!cert && !key)
		return 0;
	if (!cert || !key) {
		fprintf(stderr, "%s: --tls-cert and --tls-key go together\n",
			name);
		return -EINVAL;
	}
	err = read_pem(cert, &t->cert);
	if (err) {
		fprintf(stderr, "%s: --tls-cert %s: %s\n", name, cert,
			pem_error(err));
		return err;
	}
	err = read_pem(key, &t->key);
	if (err) {
		fprintf(stderr, "%s: --tls-key %s: %s\n", name, key,
			pem_error(err));
		tls_free(t);
		return err;
	}
	t->opts[0] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0,
					      t->cert };
	t->opts[1] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0,
					      t->key };
	t->opts[2].option = MHD_OPTION_END;
	err = tls_check(t, name);
	if (err)
		tls_free(t);
	return err;
}

void tls_free(struct tls *t)
{
	if (t->key)
		explicit_bzero(t->key, strlen(t->key));
	free(t->key);
	free(t->cert);
	memset(t, 0, sizeof(*t));
	t->opts[0].option = MHD_OPTION_END;
}
