// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_encode.c - the encoder of untrusted bytes (discovery/encode.c) at
 * the edges of UTF-8: the last and first valid code point of each length,
 * overlong forms, surrogates, above U+10FFFF, truncated sequences, stray
 * continuation bytes (one U+FFFD or one \xHH per bad byte), controls, the
 * characters JSON and text escape, NUL inside a length, and the worst
 * case size.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nsm.h"

#define R "\xef\xbf\xbd"	/* U+FFFD */

struct tcase {
	const char *in;
	size_t n;		/* 0: strlen(in) */
	const char *json, *text;
};

/* clang-format off */
static const struct tcase cases[] = {
	{ "", 0, "", "" },
	{ "plain ascii", 0, "plain ascii", "plain ascii" },
	{ "q\xff", 0, "q" R, "q\\xff" },
	{ "a\nb", 0, "a\\u000ab", "a\\x0ab" },
	{ "\t\r\x1b[31m", 0, "\\u0009\\u000d\\u001b[31m", "\\x09\\x0d\\x1b[31m" },
	{ "\x7f", 0, "\\u007f", "\\x7f" },
	{ "\"\\", 0, "\\\"\\\\", "\"\\" },
	{ "\\x41 \\y", 0, "\\\\x41 \\\\y", "\\x5cx41 \\y" },
	{ "end\\", 0, "end\\\\", "end\\" },
	/* 2 bytes: U+0080 (C1, a control), U+009F, U+00A0, U+07FF */
	{ "\xc2\x80", 0, "\\u0080", "\\xc2\\x80" },
	{ "\xc2\x9f\xc2\xa0", 0, "\\u009f\xc2\xa0", "\\xc2\\x9f\xc2\xa0" },
	{ "\xdf\xbf", 0, "\xdf\xbf", "\xdf\xbf" },
	/* overlong: C0 80 (NUL), C1 BF, E0 9F BF, F0 8F BF BF */
	{ "\xc0\x80", 0, R R, "\\xc0\\x80" },
	{ "\xc1\xbf", 0, R R, "\\xc1\\xbf" },
	{ "\xe0\x9f\xbf", 0, R R R, "\\xe0\\x9f\\xbf" },
	{ "\xf0\x8f\xbf\xbf", 0, R R R R, "\\xf0\\x8f\\xbf\\xbf" },
	/* 3 bytes: U+0800, U+D7FF, surrogates, U+E000, U+FFFF */
	{ "\xe0\xa0\x80", 0, "\xe0\xa0\x80", "\xe0\xa0\x80" },
	{ "\xed\x9f\xbf", 0, "\xed\x9f\xbf", "\xed\x9f\xbf" },
	{ "\xed\xa0\x80", 0, R R R, "\\xed\\xa0\\x80" },
	{ "\xed\xbf\xbf", 0, R R R, "\\xed\\xbf\\xbf" },
	{ "\xee\x80\x80\xef\xbf\xbf", 0, "\xee\x80\x80\xef\xbf\xbf",
	  "\xee\x80\x80\xef\xbf\xbf" },
	/* line separators and a bidi override */
	{ "\xe2\x80\xa8\xe2\x80\xa9", 0, "\\u2028\\u2029",
	  "\\xe2\\x80\\xa8\\xe2\\x80\\xa9" },
	{ "\xe2\x80\xae", 0, "\xe2\x80\xae", "\\xe2\\x80\\xae" },
	/* 4 bytes: U+10000, U+10FFFF, above, F5..FF */
	{ "\xf0\x90\x80\x80", 0, "\xf0\x90\x80\x80", "\xf0\x90\x80\x80" },
	{ "\xf4\x8f\xbf\xbf", 0, "\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf" },
	{ "\xf4\x90\x80\x80", 0, R R R R, "\\xf4\\x90\\x80\\x80" },
	{ "\xf5\xf8\xfe", 0, R R R, "\\xf5\\xf8\\xfe" },
	/* truncated: at the end, and before an ASCII byte */
	{ "\xe2\x82", 0, R R, "\\xe2\\x82" },
	{ "\xf0\x9f\x98" "A", 0, R R R "A", "\\xf0\\x9f\\x98A" },
	{ "\x80\xbf", 0, R R, "\\x80\\xbf" },
	/* a valid sequence right after a bad byte */
	{ "\xff\xc3\xa9", 0, R "\xc3\xa9", "\\xff\xc3\xa9" },
	/* NUL inside the length (a command line) */
	{ "a\0b", 3, "a\\u0000b", "a\\x00b" },
};
/* clang-format on */

static void check(enum nsm_enc how, const struct tcase *c, const char *want)
{
	size_t n = c->n ? c->n : strlen(c->in);
	char *got = nsm_encode_dup(how, c->in, n);

	assert_non_null(got);
	if (strcmp(got, want))
		fail_msg("case \"%s\" (%d): got \"%s\" want \"%s\"", c->in,
			 (int)how, got, want);
	free(got);
}

static void test_cases(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		check(NSM_ENC_JSON, &cases[i], cases[i].json);
		check(NSM_ENC_TEXT, &cases[i], cases[i].text);
	}
}

/* UTF8 is JSON without the escapes: only U+FFFD. */
static void test_utf8(void **state)
{
	static const struct tcase c[] = {
		{ "a\n\"\\\x7f\xff\xc2\x80", 0,
		  "a\n\"\\\x7f" R "\xc2\x80", NULL },
	};

	(void)state;
	check(NSM_ENC_UTF8, &c[0], c[0].json);
}

/* Every byte value alone stays within NSM_ENC_SIZE, and so does a run. */
static void test_worst_case(void **state)
{
	char in[256], out[NSM_ENC_SIZE(256)];
	int how, b;

	(void)state;
	for (how = NSM_ENC_JSON; how <= NSM_ENC_TEXT; how++) {
		for (b = 0; b < 256; b++) {
			in[0] = (char)b;
			assert_true(nsm_encode(out, how, in, 1) + 1 <=
				    NSM_ENC_SIZE(1));
		}
		memset(in, 1, sizeof(in));
		assert_int_equal(nsm_encode(out, how, in, sizeof(in)),
				 how == NSM_ENC_UTF8 ? 256 :
				 how == NSM_ENC_JSON ? 6 * 256 : 4 * 256);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_worst_case),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
