/* SPDX-License-Identifier: GPL-2.0-or-later */
/* query.h - the query parameters of the HTTP API, parsed and checked. */
#ifndef NSMON_QUERY_H
#define NSMON_QUERY_H

#include <stdbool.h>
#include <stdint.h>

enum {
	Q_TYPE = 1 << 0,	/* type=net,user */
	Q_EVENT = 1 << 1,	/* event=create,destroy */
	Q_LAST_ID = 1 << 2,	/* last_event_id=SEQ */
	Q_MOUNTS = 1 << 3,	/* mounts=0|1 */
	Q_NS = 1 << 4,		/* ns=ID */
};

struct query {
	unsigned seen;		/* Q_*: each at most once */
	unsigned types;		/* 1 << NSM_* */
	unsigned kinds;		/* 1 << WEV_* */
	uint64_t last_id;
	bool mounts;
	uint64_t ns;
	bool gzip;		/* not a parameter: Accept-Encoding takes gzip */
};

/*
 * One key=value of a request (val NULL: no '='), the keys allowed a
 * Q_* mask: 0 or -EINVAL (an unknown or repeated key, a bad value).
 */
int query_set(struct query *q, unsigned allowed, const char *key,
	      const char *val);

/*
 * Whether an Accept-Encoding header (NULL: none) takes gzip (RFC 9110
 * 12.5.3): "gzip" or "x-gzip", or "*" where gzip is not named, with a
 * weight that is not 0.  An element that does not parse is left out;
 * where one coding is named twice, the last one counts.
 */
bool query_accepts_gzip(const char *h);

#endif
