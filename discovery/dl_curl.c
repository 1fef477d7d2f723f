// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dl_curl.c - libcurl loaded at its first use (nsm_dl.h): the functions
 * nsmon calls (discovery/engines/docker.c), defined here under their own
 * names, each forwarding to libcurl's.  Without libcurl they fail as
 * libcurl does without a handle (NULL, CURLE_FAILED_INIT,
 * CURLM_BAD_HANDLE) and nsm_dl_curl() says why.
 */
/* the shims take curl_easy_setopt's own name: no type-checking macro */
#define CURL_DISABLE_TYPECHECK
#include <errno.h>
#include <stdarg.h>

#include <curl/curl.h>

#include "nsm_dl.h"

#define CURL_SYMS(X)                                                         \
	X(curl_global_init) X(curl_global_cleanup) X(curl_easy_init)         \
	X(curl_easy_setopt) X(curl_easy_perform) X(curl_easy_getinfo)        \
	X(curl_easy_cleanup) X(curl_easy_strerror) X(curl_multi_init)        \
	X(curl_multi_setopt) X(curl_multi_add_handle)                        \
	X(curl_multi_remove_handle) X(curl_multi_socket_action)              \
	X(curl_multi_info_read) X(curl_multi_cleanup)

enum { CURL_SYMS(NSM_DL_ENUM) NSYMS };

static const char *const names[] = { CURL_SYMS(NSM_DL_NAME) };
static void *syms[NSYMS];

static struct nsm_dl curl = {
	.soname = "libcurl.so.4", .package = "libcurl4",
	.names = names, .syms = syms, .nsyms = NSYMS,
	.once = PTHREAD_ONCE_INIT,
};

static void load(void)
{
	nsm_dl_open(&curl);
}

int nsm_dl_curl(const char **why)
{
	return nsm_dl_load(&curl, load, why);
}

static void *sym(int i)
{
	return nsm_dl_curl(NULL) ? NULL : syms[i];
}

#define CALL(name, fail, ...) NSM_DL_CALL(sym, name, fail, __VA_ARGS__)

/*
 * A setopt's one argument, of the type its option's number range says
 * (curl.h, CURLOPTTYPE_*), read and passed on as curl's own setopt reads
 * it: a long, a data pointer (objects, strings, lists, blobs), a function
 * pointer or a curl_off_t.  The multi options use the same ranges.
 */
#define FORWARD_OPT(real, h, opt, ap)                                        \
	((opt) < CURLOPTTYPE_OBJECTPOINT ? real(h, opt, va_arg(ap, long)) :  \
	 (opt) < CURLOPTTYPE_FUNCTIONPOINT ? real(h, opt, va_arg(ap, void *)) : \
	 (opt) < CURLOPTTYPE_OFF_T ?                                          \
		 real(h, opt, va_arg(ap, void (*)(void))) :                  \
	 (opt) < CURLOPTTYPE_BLOB ? real(h, opt, va_arg(ap, curl_off_t)) :   \
				    real(h, opt, va_arg(ap, void *)))

CURLcode curl_global_init(long flags)
{
	return CALL(curl_global_init, CURLE_FAILED_INIT, flags);
}

void curl_global_cleanup(void)
{
	CALL(curl_global_cleanup, (void)0);
}

CURL *curl_easy_init(void)
{
	return CALL(curl_easy_init, NULL);
}

CURLcode curl_easy_setopt(CURL *h, CURLoption opt, ...)
{
	typeof(&curl_easy_setopt) real = sym(NSM_DL_curl_easy_setopt);
	CURLcode rc;
	va_list ap;

	if (!real)
		return CURLE_FAILED_INIT;
	va_start(ap, opt);
	rc = FORWARD_OPT(real, h, opt, ap);
	va_end(ap);
	return rc;
}

CURLcode curl_easy_perform(CURL *h)
{
	return CALL(curl_easy_perform, CURLE_FAILED_INIT, h);
}

/* every CURLINFO takes one pointer, to where the answer goes */
CURLcode curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	CURLcode rc;
	va_list ap;

	va_start(ap, info);
	rc = CALL(curl_easy_getinfo, CURLE_FAILED_INIT, h, info,
		  va_arg(ap, void *));
	va_end(ap);
	return rc;
}

void curl_easy_cleanup(CURL *h)
{
	CALL(curl_easy_cleanup, (void)0, h);
}

const char *curl_easy_strerror(CURLcode rc)
{
	const char *why = "libcurl is not loaded";

	nsm_dl_curl(&why);
	return CALL(curl_easy_strerror, why, rc);
}

CURLM *curl_multi_init(void)
{
	return CALL(curl_multi_init, NULL);
}

CURLMcode curl_multi_setopt(CURLM *m, CURLMoption opt, ...)
{
	typeof(&curl_multi_setopt) real = sym(NSM_DL_curl_multi_setopt);
	CURLMcode rc;
	va_list ap;

	if (!real)
		return CURLM_BAD_HANDLE;
	va_start(ap, opt);
	rc = FORWARD_OPT(real, m, opt, ap);
	va_end(ap);
	return rc;
}

CURLMcode curl_multi_add_handle(CURLM *m, CURL *h)
{
	return CALL(curl_multi_add_handle, CURLM_BAD_HANDLE, m, h);
}

CURLMcode curl_multi_remove_handle(CURLM *m, CURL *h)
{
	return CALL(curl_multi_remove_handle, CURLM_BAD_HANDLE, m, h);
}

CURLMcode curl_multi_socket_action(CURLM *m, curl_socket_t fd, int mask,
				   int *running)
{
	return CALL(curl_multi_socket_action, CURLM_BAD_HANDLE, m, fd, mask,
		    running);
}

CURLMsg *curl_multi_info_read(CURLM *m, int *left)
{
	return CALL(curl_multi_info_read, NULL, m, left);
}

CURLMcode curl_multi_cleanup(CURLM *m)
{
	return CALL(curl_multi_cleanup, CURLM_BAD_HANDLE, m);
}
