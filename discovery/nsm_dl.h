/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsm_dl.h - shared libraries loaded at their first use (dlopen), not by the
 * dynamic loader at start: libcurl (discovery/dl_curl.c) and
 * libmicrohttpd (user/serve/dl_mhd.c) bring ~30 libraries (TLS, Kerberos,
 * LDAP, ...) whose mapping, relocation and constructors cost every
 * command ~12 ms, `nsmon exec` three times nsenter's run (README,
 * "Entering namespaces").  A shim defines the library's functions that
 * nsmon calls under their own names, each forwarding to the real one, so
 * the callers read as if the library were linked.
 */
#ifndef NSM_NSM_DL_H
#define NSM_NSM_DL_H

#include <pthread.h>
#include <stddef.h>

struct nsm_dl {
	const char *soname;		/* what dlopen() asks for */
	const char *package;		/* the Debian package that has it */
	const char *const *names;	/* the symbols, in syms' order */
	void **syms;
	size_t nsyms;
	pthread_once_t once;
	int err;			/* 0 or -ELIBACC, then why says */
	char why[512];
};

/*
 * Loads dl once, however many threads ask (pthread_once: load is a
 * function that calls nsm_dl_open(dl)); 0 or -ELIBACC, *why (if why)
 * then a line naming the library, the reason and the package.
 */
int nsm_dl_load(struct nsm_dl *dl, void (*load)(void), const char **why);
/* load's body: dlopen() and every dlsym(), or none at all. */
void nsm_dl_open(struct nsm_dl *dl);

/*
 * For the shims: the enum of a library's symbols and their names from one
 * list, LIST(X) calling X(name) per symbol.
 */
#define NSM_DL_ENUM(name) NSM_DL_##name,
#define NSM_DL_NAME(name) #name,

/*
 * The real function, called with the arguments that follow fail; fail is
 * the value when the library could not be loaded.  sym(i): syms[i] of the
 * loaded library, or NULL.
 */
#define NSM_DL_CALL(sym, name, fail, ...)                                    \
	({                                                                   \
		typeof(&name) real_ = sym(NSM_DL_##name);                    \
		real_ ? real_(__VA_ARGS__) : (fail);                         \
	})

/* The curl shim's check: 0 when libcurl is there, or -ELIBACC and *why. */
int nsm_dl_curl(const char **why);

#endif
