// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_creds.c - libFuzzer target for nsm_parse_creds (discovery/nscaps.c),
 * the /proc/PID/status reader of `nsmon caps`: euid from Uid:, CapEff.
 * Fed a NUL-terminated copy of the input, it must parse or refuse; a
 * refusal names a line of the text (or 0: a line missing), and a parse
 * leaves the credentials it did not read alone.
 *
 *   make fuzz   (tests/fuzz/corpus/creds seeds it)
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nscaps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct nsm_creds c = { .userns = 42 };
	size_t bad = 0, lines = 1, i;
	int err;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (i = 0; i < size && text[i]; i++)
		if (text[i] == '\n')
			lines++;
	err = nsm_parse_creds(text, &c, &bad);
	if (c.userns != 42)
		abort();
	if (err == 0) {
		/* both lines are there, at the start of a line */
		if (strncmp(text, "Uid:", 4) && !strstr(text, "\nUid:"))
			abort();
		if (strncmp(text, "CapEff:", 7) && !strstr(text, "\nCapEff:"))
			abort();
	} else if (err != -EINVAL || bad > lines) {
		abort();
	}
	free(text);
	return 0;
}
