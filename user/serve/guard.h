/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * guard.h - a deadline on a request's headers (slowloris): a connection
 * whose request line and headers have not all come GUARD_HEADERS_S after
 * it was accepted, or after its previous answer, is cut, however slowly
 * it keeps trickling bytes (libmicrohttpd's own timeout is an idle
 * timeout: any byte resets it).
 */
#ifndef NSMON_GUARD_H
#define NSMON_GUARD_H

#include <microhttpd.h>
#include <stdint.h>

#define GUARD_HEADERS_S 10

struct guard;

/* Starts the watchdog thread.  0 or -errno. */
int guard_new(struct guard **out);
/* After every daemon that reports to it stopped. */
void guard_free(struct guard *g);

/* MHD_OPTION_NOTIFY_CONNECTION's callback (cls: the guard). */
void guard_notify(void *cls, struct MHD_Connection *c, void **socket_context,
		  enum MHD_ConnectionNotificationCode toe);
/* MHD_OPTION_NOTIFY_COMPLETED's: the next request's headers are due. */
void guard_completed(void *cls, struct MHD_Connection *c, void **con_cls,
		     enum MHD_RequestTerminationCode toe);
/* The handler's: this request's headers came. */
void guard_headers(struct MHD_Connection *c);
/* Connections cut so far. */
uint64_t guard_cut(const struct guard *g);

#endif
