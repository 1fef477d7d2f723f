// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_parse.c - the command line's number parsers (user/cli/parse.c) at
 * their edges: 0, the largest value, one more, 2^32 + 1 (which wrapped to
 * PID 1 once), 2^64, a suffix that overflows, a sign, a space, nothing.
 * SPEC: a number out of range for its option is bad usage, never wrapped
 * or clamped.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "nsm.h"
#include "parse.h"

/* Strings no parser takes, whatever its range. */
static const char *const never[] = {
	"", " ", " 1", "1 ", "+1", "-1", "-0", "1x", "0x10", "1.0", "1e3",
	"18446744073709551616",	/* 2^64 */
	"99999999999999999999999",
};

static void test_uint(void **state)
{
	unsigned v = 7;
	size_t i;

	assert_int_equal(cli_parse_uint("0", 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(cli_parse_uint("10", 10, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(cli_parse_uint("11", 10, &v), -EINVAL);
	assert_int_equal(cli_parse_uint("4294967295", UINT_MAX, &v), 0);
	assert_int_equal(v, UINT_MAX);
	assert_int_equal(cli_parse_uint("4294967296", UINT_MAX, &v), -EINVAL);
	assert_int_equal(cli_parse_uint("4294967297", UINT_MAX, &v), -EINVAL);
	/* a range wider than the result could hold is refused, not cut */
	assert_int_equal(cli_parse_uint("1", (unsigned long)UINT_MAX + 1, &v),
			 -EINVAL);
	v = 7;
	for (i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		assert_int_equal(cli_parse_uint(never[i], UINT_MAX, &v),
				 -EINVAL);
	assert_int_equal(v, 7);	/* untouched on error */
}

static void test_u64(void **state)
{
	uint64_t v;
	size_t i;

	assert_int_equal(nsm_parse_u64("0", &v), 0);
	assert_true(v == 0);
	assert_int_equal(nsm_parse_u64("18446744073709551615", &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(nsm_parse_u64("4294967297", &v), 0);
	assert_true(v == 4294967297ULL);
	for (i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		assert_int_equal(nsm_parse_u64(never[i], &v), -EINVAL);
}

static void test_pid(void **state)
{
	pid_t v;
	size_t i;

	assert_int_equal(cli_parse_pid("0", &v), -EINVAL);
	assert_int_equal(cli_parse_pid("1", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(cli_parse_pid("2147483647", &v), 0);
	assert_int_equal(v, INT_MAX);
	assert_int_equal(cli_parse_pid("2147483648", &v), -EINVAL);
	assert_int_equal(cli_parse_pid("4294967297", &v), -EINVAL);
	for (i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		assert_int_equal(cli_parse_pid(never[i], &v), -EINVAL);
}

static void test_nsid(void **state)
{
	uint64_t v;
	size_t i;

	assert_int_equal(cli_parse_nsid("0", &v), -EINVAL);
	assert_int_equal(cli_parse_nsid("1", &v), 0);
	assert_int_equal(cli_parse_nsid("4026531840", &v), 0);
	assert_true(v == 4026531840ULL);
	assert_int_equal(cli_parse_nsid("18446744073709551615", &v), 0);
	assert_true(v == UINT64_MAX);
	for (i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		assert_int_equal(cli_parse_nsid(never[i], &v), -EINVAL);
}

static void test_ring_size(void **state)
{
	static const char *const bad[] = {
		"1073741825", "1048577K", "1025M", "1025m",
		"18014398509481984K",	/* 2^54 K = 2^64: wrapped to 0 once */
		"17592186044416M",	/* 2^44 M = 2^64 */
		"4294967297K", "1KK", "1G", "1k ", "K", "-1K", "+1K",
	};
	unsigned v;
	size_t i;

	assert_int_equal(cli_parse_ring_size("0", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(cli_parse_ring_size("4097", &v), 0);
	assert_int_equal(v, 8192);
	assert_int_equal(cli_parse_ring_size("1M", &v), 0);
	assert_int_equal(v, 1 << 20);
	assert_int_equal(cli_parse_ring_size("3k", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(cli_parse_ring_size("1073741824", &v), 0);
	assert_int_equal(v, 1 << 30);
	assert_int_equal(cli_parse_ring_size("1048576K", &v), 0);
	assert_int_equal(v, 1 << 30);
	assert_int_equal(cli_parse_ring_size("1024M", &v), 0);
	assert_int_equal(v, 1 << 30);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cli_parse_ring_size(bad[i], &v), -EINVAL);
	for (i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		assert_int_equal(cli_parse_ring_size(never[i], &v), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uint),
		cmocka_unit_test(test_u64),
		cmocka_unit_test(test_pid),
		cmocka_unit_test(test_nsid),
		cmocka_unit_test(test_ring_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
