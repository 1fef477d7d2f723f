// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_mountinfo.c - libFuzzer target for nsm_mountinfo_parse: any bytes,
 * passed with their length and as a NUL-terminated copy (the parser may
 * rely on neither), must parse or be refused with -EINVAL and a line number
 * inside the text; what parses must hold strings that are all there, and
 * the hidden marks (nsm_mounts_mark_hidden) must survive any table: parent
 * loops, duplicate ids, relative or endless paths.
 *
 *   make fuzz   (tests/fuzz/corpus/mountinfo seeds it)
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nsm.h"

static void check(const char *text, size_t len)
{
	struct nsm_mounts m = { 0 };
	size_t bad = 0, lines = 1, i;
	int err;

	for (i = 0; i < len; i++)
		if (text[i] == '\n')
			lines++;
	err = nsm_mountinfo_parse(text, len, &m, &bad);
	if (err == 0) {
		if (m.n > lines)
			abort();
		nsm_mounts_mark_hidden(&m);
		for (i = 0; i < m.n; i++) {
			const struct nsm_mountinfo *mi = &m.v[i];

			/* touch every string: ASan checks they are valid */
			if (!mi->root || !mi->path || !mi->options ||
			    !mi->tags || !mi->fstype || !mi->source ||
			    !mi->super_options)
				abort();
			(void)(strlen(mi->root) + strlen(mi->path) +
			       strlen(mi->options) + strlen(mi->tags) +
			       strlen(mi->fstype) + strlen(mi->source) +
			       strlen(mi->super_options));
		}
	} else if (err == -EINVAL) {
		if (bad < 1 || bad > lines || m.n)
			abort();
	} else if (err != -ENOMEM) {
		abort();
	}
	nsm_mounts_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1);
	char *exact = malloc(size ? size : 1);

	if (!copy || !exact)
		goto out;
	memcpy(copy, data, size);
	copy[size] = '\0';
	/* as a C string (up to the first NUL) */
	check(copy, strlen(copy));
	/* exactly size bytes, no terminator after them */
	memcpy(exact, data, size);
	check(exact, strnlen(exact, size));
out:
	free(copy);
	free(exact);
	return 0;
}
