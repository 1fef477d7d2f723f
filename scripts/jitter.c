// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * jitter.c - the host's own floor for the serve benchmark's tails
 * (scripts/bench-serve.sh): N sleeps of 1 ms, each one's overshoot (the
 * wake-up came this much later).  With nothing of nsmon's running, what
 * is left is the host's: its other processes, the hypervisor's stalls.
 * Prints `p50_us=A p99_us=B max_us=C over_2ms=K of=N`.
 *
 *   jitter [N]   N sleeps (5,000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	const struct timespec ms = { 0, 1000000 };
	int n = argc > 1 ? atoi(argv[1]) : 5000, i, over = 0;
	long long *v, t0;

	if (n < 1 || !(v = malloc(n * sizeof(*v)))) {
		fprintf(stderr, "usage: jitter [N]\n");
		return 2;
	}
	for (i = 0; i < n; i++) {
		t0 = now_ns();
		nanosleep(&ms, NULL);
		v[i] = now_ns() - t0 - 1000000;
		over += v[i] > 2000000;
	}
	qsort(v, n, sizeof(*v), cmp_ll);
	printf("p50_us=%lld p99_us=%lld max_us=%lld over_2ms=%d of=%d\n",
	       v[n / 2] / 1000, v[n * 99 / 100] / 1000, v[n - 1] / 1000, over,
	       n);
	free(v);
	return 0;
}
