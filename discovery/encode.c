// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * encode.c - the one encoder of untrusted bytes for output (SPEC
 * "Untrusted input, encoding, exit status").  comm, command lines, paths,
 * mount fields, container names and labels may hold any byte but NUL
 * (a command line NULs too): whatever prints them goes through here.
 *
 * - NSM_ENC_JSON: the content of a JSON string.  Valid UTF-8 passes; each
 *   byte that is not part of a valid sequence (a stray continuation byte,
 *   a truncated sequence, an overlong form, a surrogate, above U+10FFFF)
 *   becomes one U+FFFD; control characters (C0, DEL, C1) are \u00XX, '"'
 *   and '\' are escaped, and U+2028/U+2029 are \u2028/\u2029 (they end a
 *   line in JavaScript).
 * - NSM_ENC_UTF8: only the U+FFFD replacement, for a JSON writer that does
 *   its own escaping (libsmartcols', cJSON's object keys).
 * - NSM_ENC_TEXT: one record stays one line, as util-linux's mangling
 *   does it (lsns, findmnt): each byte of a control character, of an
 *   invalid sequence, of a line or paragraph separator or a bidi control
 *   (text that reads other than it is) is \xHH; a backslash followed by
 *   'x' is \x5c, so that an escape in the output always means a byte.
 *   Printable UTF-8 passes whatever the locale.
 */
#include <stdlib.h>
#include <string.h>

#include "nsm.h"

static const char hex[] = "0123456789abcdef";

/*
 * The length of the valid UTF-8 sequence at s (Unicode table 3-7: no
 * overlong forms, no surrogates, nothing above U+10FFFF), its code point
 * in *cp; 0 if s[0] starts none.
 */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;	/* else overlong */
	else if (c == 0xed)
		hi = 0x9f;	/* else a surrogate */
	else if (c == 0xf0)
		lo = 0x90;	/* else overlong */
	else if (c == 0xf4)
		hi = 0x8f;	/* else above U+10FFFF */
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	*cp = c & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if (i > 1 && (s[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (s[i] & 0x3f);
	}
	return len;
}

static bool is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/* Shown as bytes in text: controls, line breaks, bidi controls. */
static bool text_escapes(uint32_t cp)
{
	return is_control(cp) || cp == 0x2028 || cp == 0x2029 ||
	       cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

static char *put_hex_bytes(char *d, const unsigned char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		*d++ = '\\';
		*d++ = 'x';
		*d++ = hex[s[i] >> 4];
		*d++ = hex[s[i] & 15];
	}
	return d;
}

static char *put_json_cp(char *d, uint32_t cp)
{
	int shift;

	*d++ = '\\';
	*d++ = 'u';
	for (shift = 12; shift >= 0; shift -= 4)
		*d++ = hex[(cp >> shift) & 15];
	return d;
}

/* One valid sequence of len bytes at s, code point cp; next: the byte after. */
static char *put_seq(char *d, enum nsm_enc how, const unsigned char *s,
		     size_t len, uint32_t cp, unsigned char next)
{
	if (how == NSM_ENC_TEXT) {
		if (text_escapes(cp) || (cp == '\\' && next == 'x'))
			return put_hex_bytes(d, s, len);
	} else if (how == NSM_ENC_JSON) {
		if (cp == '"' || cp == '\\') {
			*d++ = '\\';
			*d++ = (char)cp;
			return d;
		}
		if (is_control(cp) || cp == 0x2028 || cp == 0x2029)
			return put_json_cp(d, cp);
	}
	memcpy(d, s, len);
	return d + len;
}

size_t nsm_encode(char *dst, enum nsm_enc how, const char *src, size_t n)
{
	const unsigned char *s = (const unsigned char *)src;
	char *d = dst;
	uint32_t cp;
	size_t i = 0, len;

	while (i < n) {
		len = utf8_seq(s + i, n - i, &cp);
		if (len) {
			d = put_seq(d, how, s + i, len, cp,
				    i + len < n ? s[i + len] : 0);
			i += len;
		} else if (how == NSM_ENC_TEXT) {
			d = put_hex_bytes(d, s + i++, 1);
		} else {
			memcpy(d, "\xef\xbf\xbd", 3);	/* U+FFFD */
			d += 3;
			i++;
		}
	}
	*d = '\0';
	return (size_t)(d - dst);
}

char *nsm_encode_dup(enum nsm_enc how, const char *src, size_t n)
{
	char *d;

	if (n > (SIZE_MAX - 1) / NSM_ENC_RATIO)
		return NULL;
	d = malloc(NSM_ENC_SIZE(n));
	if (d)
		nsm_encode(d, how, src, n);
	return d;
}
