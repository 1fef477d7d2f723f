/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ui.h - the web UI's static files, compiled in: the table that
 * user/serve/embed-ui.sh generates from user/serve/ui/
 * (build/gen/ui_assets.c) and the answer that serves one of them.
 * Private to user/serve/.
 */
#ifndef NSMON_UI_H
#define NSMON_UI_H

#include <stddef.h>

#include "serve_int.h"

struct ui_asset {
	const char *path;	/* "/", "/app.js": the URL, exactly */
	const char *ctype;	/* from the file's extension, at build time */
	const unsigned char *data;
	size_t len;
};

/* generated: every file of user/serve/ui/, index.html also as "/" */
extern const struct ui_asset ui_assets[];
extern const size_t ui_nassets;

/* The asset whose path is url exactly; NULL: none. */
const struct ui_asset *ui_find(const char *url);
/* The answer for a path no API route has: an asset, or 404. */
enum MHD_Result ui_answer(struct serve *s, struct MHD_Connection *c,
			  const char *url);

#endif
