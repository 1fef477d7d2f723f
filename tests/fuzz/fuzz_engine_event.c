// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_engine_event.c - libFuzzer target for the parser of one line of an
 * engine's event stream (ee_parse in user/agent/engine_events.c), the
 * only code of the agent that parses what an engine sends (libcurl does
 * the HTTP).  It must parse or refuse; an event it returns must be one
 * of its actions, with an id that is safe in a URL and in the output.
 *
 *   make fuzz   (tests/fuzz/corpus/engine_event seeds it)
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "engine_events.h"

static const char *const actions[] = {
	"start", "stop", "pause", "unpause", "create", "destroy",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ee_event e;
	cJSON *doc = NULL;
	size_t i;
	int r;

	r = ee_parse((const char *)data, size, &e, &doc);
	if (r < 0) {
		if (r != -EBADMSG || doc)
			abort();
		return 0;
	}
	if (!doc || r > 1)
		abort();
	if (r == 1) {
		for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
			if (!strcmp(e.action, actions[i]))
				break;
		if (i == sizeof(actions) / sizeof(actions[0]) || !*e.id ||
		    strlen(e.id) > 128 ||
		    strspn(e.id, "0123456789abcdef") != strlen(e.id) ||
		    (e.name && !*e.name))
			abort();
	}
	cJSON_Delete(doc);
	return 0;
}
