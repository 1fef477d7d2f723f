// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * query.c - query parameters (libmicrohttpd has decoded them): strict,
 * as a typo in a filter that silently matched everything would be worse
 * than a 400.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "nsm.h"
#include "query.h"
#include "wev.h"

/* event=create,switch,...: the kinds the lines name. */
static int parse_kinds(const char *s, unsigned *mask)
{
	const char *end, *name;
	unsigned k, m = 0;
	size_t n;

	do {
		end = strchrnul(s, ',');
		n = end - s;
		/* WEV_DYING and above are never printed */
		for (k = 0; k < WEV_DYING; k++) {
			name = wev_kind_name(k);
			if (name && strlen(name) == n && !strncmp(name, s, n))
				break;
		}
		if (k == WEV_DYING)
			return -EINVAL;
		m |= 1U << k;
		s = end + 1;
	} while (*end);
	*mask = m;
	return 0;
}

int query_set(struct query *q, unsigned allowed, const char *key,
	      const char *val)
{
	unsigned bit;

	if (!strcmp(key, "type"))
		bit = Q_TYPE;
	else if (!strcmp(key, "event"))
		bit = Q_EVENT;
	else if (!strcmp(key, "last_event_id"))
		bit = Q_LAST_ID;
	else if (!strcmp(key, "mounts"))
		bit = Q_MOUNTS;
	else if (!strcmp(key, "ns"))
		bit = Q_NS;
	else
		return -EINVAL;
	if (!(allowed & bit) || (q->seen & bit) || !val || !*val)
		return -EINVAL;
	q->seen |= bit;
	switch (bit) {
	case Q_TYPE:
		if (nsm_parse_types(val, &q->types) || !q->types)
			return -EINVAL;
		return 0;
	case Q_EVENT:
		return parse_kinds(val, &q->kinds);
	case Q_MOUNTS:
		if (strcmp(val, "0") && strcmp(val, "1"))
			return -EINVAL;
		q->mounts = *val == '1';
		return 0;
	case Q_NS:
		return nsm_parse_u64(val, &q->ns);
	default:
		return nsm_parse_u64(val, &q->last_id);
	}
}

static const char *skip_ows(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* A qvalue (RFC 9110 12.4.2) above 0; a malformed one is not. */
static bool weight_above_zero(const char *s)
{
	bool above = *s == '1';
	int i;

	if (*s != '0' && *s != '1')
		return false;
	s++;
	if (*s == '.') {
		for (i = 0, s++; i < 3 && *s >= '0' && *s <= '9'; i++, s++)
			if (*s != '0') {
				if (above)	/* 1.5 */
					return false;
				above = true;
			}
	}
	s = skip_ows(s);
	return above && (!*s || *s == ',' || *s == ';');
}

bool query_accepts_gzip(const char *h)
{
	int gz = -1, star = -1;	/* -1: not named; 0: refused; 1: taken */
	const char *name;
	bool ok;
	size_t n;

	if (!h)
		return false;
	for (;;) {
		h = skip_ows(h);
		if (*h == ',') {
			h++;
			continue;
		}
		if (!*h)
			break;
		name = h;
		h += strcspn(h, ",; \t");
		n = h - name;
		ok = true;
		for (;;) {
			h = skip_ows(h);
			if (*h != ';')
				break;
			h = skip_ows(h + 1);
			if ((*h == 'q' || *h == 'Q') && h[1] == '=')
				ok = weight_above_zero(h + 2);
			h += strcspn(h, ",;");
		}
		if (*h && *h != ',') {
			/* "gzip x": not a coding */
			h += strcspn(h, ",");
			continue;
		}
		if ((n == 4 && !strncasecmp(name, "gzip", 4)) ||
		    (n == 6 && !strncasecmp(name, "x-gzip", 6)))
			gz = ok;
		else if (n == 1 && *name == '*')
			star = ok;
	}
	return gz > 0 || (gz < 0 && star > 0);
}
