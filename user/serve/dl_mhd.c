// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dl_mhd.c - libmicrohttpd loaded at its first use (discovery/nsm_dl.h), so
 * that only `nsmon serve` maps it and its TLS libraries: the functions
 * user/serve/ calls, defined here under their own names, each forwarding
 * to libmicrohttpd's.  Without the library they fail as it does on bad
 * input (NULL, MHD_NO, 0); serve's start asks nsm_dl_mhd() first.
 */
#include <errno.h>
#include <stdarg.h>

#include <microhttpd.h>

#include "nsm_dl.h"
#include "dl_mhd.h"

#define MHD_SYMS(X)                                                          \
	X(MHD_start_daemon_va) X(MHD_stop_daemon) X(MHD_is_feature_supported) \
	X(MHD_get_connection_info) X(MHD_set_connection_option)              \
	X(MHD_get_connection_values_n) X(MHD_lookup_connection_value)        \
	X(MHD_http_unescape) X(MHD_create_response_from_buffer)              \
	X(MHD_create_response_from_buffer_with_free_callback_cls)            \
	X(MHD_create_response_from_callback) X(MHD_add_response_header)      \
	X(MHD_queue_response) X(MHD_destroy_response)                        \
	X(MHD_suspend_connection) X(MHD_resume_connection)

enum { MHD_SYMS(NSM_DL_ENUM) NSYMS };

static const char *const names[] = { MHD_SYMS(NSM_DL_NAME) };
static void *syms[NSYMS];

static struct nsm_dl mhd = {
	.soname = "libmicrohttpd.so.12", .package = "libmicrohttpd12",
	.names = names, .syms = syms, .nsyms = NSYMS,
	.once = PTHREAD_ONCE_INIT,
};

static void load(void)
{
	nsm_dl_open(&mhd);
}

int nsm_dl_mhd(const char **why)
{
	return nsm_dl_load(&mhd, load, why);
}

static void *sym(int i)
{
	return nsm_dl_mhd(NULL) ? NULL : syms[i];
}

#define CALL(name, fail, ...) NSM_DL_CALL(sym, name, fail, __VA_ARGS__)

/* The options that follow dh_cls, as the library's own va_list entry. */
struct MHD_Daemon *MHD_start_daemon(unsigned int flags, uint16_t port,
				    MHD_AcceptPolicyCallback apc,
				    void *apc_cls,
				    MHD_AccessHandlerCallback dh, void *dh_cls,
				    ...)
{
	struct MHD_Daemon *d;
	va_list ap;

	va_start(ap, dh_cls);
	d = CALL(MHD_start_daemon_va, NULL, flags, port, apc, apc_cls, dh,
		 dh_cls, ap);
	va_end(ap);
	return d;
}

void MHD_stop_daemon(struct MHD_Daemon *d)
{
	CALL(MHD_stop_daemon, (void)0, d);
}

enum MHD_Result MHD_is_feature_supported(enum MHD_FEATURE feature)
{
	return CALL(MHD_is_feature_supported, MHD_NO, feature);
}

/* Variadic in name only: no info type takes an argument (0.9.x). */
const union MHD_ConnectionInfo *
MHD_get_connection_info(struct MHD_Connection *c,
			enum MHD_ConnectionInfoType type, ...)
{
	return CALL(MHD_get_connection_info, NULL, c, type);
}

/* The one option there is, MHD_CONNECTION_OPTION_TIMEOUT: unsigned int. */
enum MHD_Result MHD_set_connection_option(struct MHD_Connection *c,
					  enum MHD_CONNECTION_OPTION option,
					  ...)
{
	enum MHD_Result rc = MHD_NO;
	va_list ap;

	va_start(ap, option);
	if (option == MHD_CONNECTION_OPTION_TIMEOUT)
		rc = CALL(MHD_set_connection_option, MHD_NO, c, option,
			  va_arg(ap, unsigned int));
	va_end(ap);
	return rc;
}

int MHD_get_connection_values_n(struct MHD_Connection *c,
				enum MHD_ValueKind kind,
				MHD_KeyValueIteratorN it, void *it_cls)
{
	return CALL(MHD_get_connection_values_n, -1, c, kind, it, it_cls);
}

const char *MHD_lookup_connection_value(struct MHD_Connection *c,
					enum MHD_ValueKind kind,
					const char *key)
{
	return CALL(MHD_lookup_connection_value, NULL, c, kind, key);
}

size_t MHD_http_unescape(char *val)
{
	return CALL(MHD_http_unescape, 0, val);
}

struct MHD_Response *
MHD_create_response_from_buffer(size_t size, void *buf,
				enum MHD_ResponseMemoryMode mode)
{
	return CALL(MHD_create_response_from_buffer, NULL, size, buf, mode);
}

struct MHD_Response *
MHD_create_response_from_buffer_with_free_callback_cls(
	size_t size, void *buf, MHD_ContentReaderFreeCallback crfc,
	void *crfc_cls)
{
	return CALL(MHD_create_response_from_buffer_with_free_callback_cls,
		    NULL, size, buf, crfc, crfc_cls);
}

struct MHD_Response *
MHD_create_response_from_callback(uint64_t size, size_t block_size,
				  MHD_ContentReaderCallback crc, void *crc_cls,
				  MHD_ContentReaderFreeCallback crfc)
{
	return CALL(MHD_create_response_from_callback, NULL, size, block_size,
		    crc, crc_cls, crfc);
}

enum MHD_Result MHD_add_response_header(struct MHD_Response *r,
					const char *header,
					const char *content)
{
	return CALL(MHD_add_response_header, MHD_NO, r, header, content);
}

enum MHD_Result MHD_queue_response(struct MHD_Connection *c,
				   unsigned int status,
				   struct MHD_Response *r)
{
	return CALL(MHD_queue_response, MHD_NO, c, status, r);
}

void MHD_destroy_response(struct MHD_Response *r)
{
	CALL(MHD_destroy_response, (void)0, r);
}

void MHD_suspend_connection(struct MHD_Connection *c)
{
	CALL(MHD_suspend_connection, (void)0, c);
}

void MHD_resume_connection(struct MHD_Connection *c)
{
	CALL(MHD_resume_connection, (void)0, c);
}
