// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_procfs.c - libFuzzer target for the /proc text parsers:
 * nsm_parse_stat, nsm_parse_status, nsm_parse_nslink (and
 * nsm_parse_types), each fed a NUL-terminated copy of the input.  They must
 * parse or refuse; what they return must be consistent.
 *
 *   make fuzz   (tests/fuzz/corpus/procfs seeds it)
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nsm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct nsm_stat st;
	pid_t *nspid = NULL;
	size_t n = 0, bad = 0, lines = 1, i;
	enum nsm_type t;
	unsigned mask;
	uint64_t id;
	uid_t uid;
	int err;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (i = 0; i < size && text[i]; i++)
		if (text[i] == '\n')
			lines++;

	memset(&st, 0, sizeof(st));
	if (nsm_parse_stat(text, &st) == 0 &&
	    (strnlen(st.comm, sizeof(st.comm)) >= sizeof(st.comm) ||
	     st.ppid < 0))
		abort();

	err = nsm_parse_status(text, &uid, &nspid, &n, &bad);
	if (err == 0) {
		if ((n == 0) != (nspid == NULL))
			abort();
		for (i = 0; i < n; i++)
			if (nspid[i] <= 0)
				abort();
	} else if (err == -EINVAL) {
		if (nspid || n || bad > lines)
			abort();
	} else if (err != -ENOMEM) {
		abort();
	}
	free(nspid);

	if (nsm_parse_nslink(text, &t, &id) == 0 &&
	    (t < 0 || t >= NSM_NTYPES || id == 0))
		abort();
	if (nsm_parse_types(text, &mask) == 0 &&
	    (!mask || mask >= (1U << NSM_NTYPES)))
		abort();
	free(text);
	return 0;
}
