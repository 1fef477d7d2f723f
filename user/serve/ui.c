// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ui.c - the web UI at "/": its files come from a table compiled into
 * the binary (ui.h), looked up by the request's path compared whole, so
 * no path a client sends is ever opened.  Its answers allow nothing but
 * the service's own origin (Content-Security-Policy: no inline script or
 * style, no CDN, no other host to talk to); the UI is written for that.
 */
#include <string.h>

#include "ui.h"

const struct ui_asset *ui_find(const char *url)
{
	size_t i;

	for (i = 0; i < ui_nassets; i++)
		if (!strcmp(ui_assets[i].path, url))
			return &ui_assets[i];
	return NULL;
}

enum MHD_Result ui_answer(struct serve *s, struct MHD_Connection *c,
			  const char *url)
{
	const struct ui_asset *a = ui_find(url);
	struct MHD_Response *r;

	if (!a)
		return serve_error(s, c, MHD_HTTP_NOT_FOUND, "no such path");
	/* the table is static: libmicrohttpd sends from it, never frees it */
	r = MHD_create_response_from_buffer(a->len, (void *)a->data,
					    MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Security-Policy",
				"default-src 'self'");
	return serve_queue(s, c, MHD_HTTP_OK, r, a->ctype);
}
