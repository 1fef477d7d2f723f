// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_encode.c - libFuzzer target for the encoder of untrusted bytes
 * (nsm_encode, discovery/encode.c), fed arbitrary bytes.  Checked here
 * with code of its own, not the encoder's:
 * - JSON: '"' + output + '"' parses as one JSON string (RFC 8259) and
 *   decodes to the UTF8 output; it holds no raw control character and is
 *   valid UTF-8.
 * - UTF8: valid UTF-8; each input byte is itself or one U+FFFD.
 * - TEXT: valid UTF-8 without a control character (no byte < 0x20 or
 *   0x7f: one line), and undoing its \xHH escapes gives the input back.
 * - every output fits NSM_ENC_SIZE.
 *
 *   make fuzz   (tests/fuzz/corpus/encode seeds it)
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nsm.h"

#define CHECK(x)                                                         \
	do {                                                             \
		if (!(x))                                                \
			__builtin_trap();                                \
	} while (0)

/* The code point at s (n bytes left) and its length; 0 if not valid. */
static size_t decode_utf8(const unsigned char *s, size_t n, uint32_t *cp)
{
	static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t len, i;

	if (s[0] < 0x80)
		len = 1;
	else if ((s[0] & 0xe0) == 0xc0)
		len = 2;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	*cp = len == 1 ? s[0] : s[0] & (0xff >> (len + 1));
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	if (*cp < min[len] || *cp > 0x10ffff ||
	    (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return len;
}

static bool is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/* Valid UTF-8; with no_controls, also no C0, DEL or C1. */
static void check_utf8(const char *s, size_t n, bool no_controls)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t cp;
	size_t i = 0, len;

	while (i < n) {
		len = decode_utf8(u + i, n - i, &cp);
		CHECK(len);
		CHECK(!no_controls || !is_control(cp));
		i += len;
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static char *put_utf8(char *d, uint32_t cp)
{
	if (cp < 0x80) {
		*d++ = (char)cp;
	} else if (cp < 0x800) {
		*d++ = (char)(0xc0 | cp >> 6);
		*d++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*d++ = (char)(0xe0 | cp >> 12);
		*d++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*d++ = (char)(0x80 | (cp & 0x3f));
	}
	return d;
}

/*
 * Parses the content of a JSON string (without its quotes) as RFC 8259
 * says, into d; returns the decoded length.  Traps on anything a JSON
 * parser would refuse.
 */
static size_t json_decode(const char *s, size_t n, char *d)
{
	static const char simple[] = "\"\\/bfnrt", value[] = "\"\\/\b\f\n\r\t";
	char *start = d;
	size_t i = 0;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		const char *p;
		uint32_t cp = 0;
		int k, h;

		CHECK(c >= 0x20 && c != '"');
		if (c != '\\') {
			*d++ = (char)c;
			i++;
			continue;
		}
		CHECK(i + 1 < n);
		if (s[i + 1] != 'u') {
			p = strchr(simple, s[i + 1]);
			CHECK(p && *p);
			*d++ = value[p - simple];
			i += 2;
			continue;
		}
		CHECK(i + 6 <= n);
		for (k = 2; k < 6; k++) {
			h = hexval(s[i + k]);
			CHECK(h >= 0);
			cp = cp << 4 | (uint32_t)h;
		}
		/* the encoder escapes no code point that needs a pair */
		CHECK(cp < 0xd800 || cp > 0xdfff);
		d = put_utf8(d, cp);
		i += 6;
	}
	return (size_t)(d - start);
}

/* Undoes TEXT's \xHH escapes. */
static size_t text_decode(const char *s, size_t n, char *d)
{
	char *start = d;
	size_t i = 0;

	while (i < n) {
		if (s[i] == '\\' && i + 1 < n && s[i + 1] == 'x') {
			int hi, lo;

			CHECK(i + 4 <= n);
			hi = hexval(s[i + 2]);
			lo = hexval(s[i + 3]);
			CHECK(hi >= 0 && lo >= 0);
			*d++ = (char)(hi << 4 | lo);
			i += 4;
		} else {
			*d++ = s[i++];
		}
	}
	return (size_t)(d - start);
}

/* Each input byte is itself (in a valid sequence) or one U+FFFD. */
static void check_replaced(const unsigned char *in, size_t n, const char *out,
			   size_t len)
{
	const unsigned char *o = (const unsigned char *)out;
	size_t i = 0, j = 0, l;
	uint32_t cp;

	while (i < n) {
		l = decode_utf8(in + i, n - i, &cp);
		if (l) {
			CHECK(j + l <= len && !memcmp(in + i, o + j, l));
			i += l;
			j += l;
		} else {
			CHECK(j + 3 <= len && !memcmp(o + j, "\xef\xbf\xbd", 3));
			i++;
			j += 3;
		}
	}
	CHECK(j == len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	char *json, *utf8, *text, *dec;
	size_t jl, ul, tl, dl;

	if (size > (1 << 20))
		return 0;
	json = malloc(NSM_ENC_SIZE(size));
	utf8 = malloc(NSM_ENC_SIZE(size));
	text = malloc(NSM_ENC_SIZE(size));
	dec = malloc(NSM_ENC_SIZE(size));
	if (!json || !utf8 || !text || !dec)
		goto out;

	jl = nsm_encode(json, NSM_ENC_JSON, in, size);
	ul = nsm_encode(utf8, NSM_ENC_UTF8, in, size);
	tl = nsm_encode(text, NSM_ENC_TEXT, in, size);
	CHECK(jl < NSM_ENC_SIZE(size) && ul < NSM_ENC_SIZE(size) &&
	      tl < NSM_ENC_SIZE(size));
	CHECK(strlen(json) == jl && strlen(text) == tl);

	check_utf8(json, jl, true);
	dl = json_decode(json, jl, dec);
	CHECK(dl == ul && !memcmp(dec, utf8, ul));

	check_utf8(utf8, ul, false);
	check_replaced(data, size, utf8, ul);

	check_utf8(text, tl, true);
	dl = text_decode(text, tl, dec);
	CHECK(dl == size && !memcmp(dec, data, size));
out:
	free(json);
	free(utf8);
	free(text);
	free(dec);
	return 0;
}
