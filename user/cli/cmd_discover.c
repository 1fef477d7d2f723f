// SPDX-License-Identifier: GPL-2.0-or-later
/* cmd_discover.c - `nsmon discover`: the whole model as one JSON document. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "json.h"

static void usage(FILE *out)
{
	fputs("Usage: nsmon discover [OPTIONS]\n\n"
	      "One-shot discovery of every namespace, process and how each\n"
	      "namespace is held, as one JSON document on stdout.\n\n"
	      "Options:\n"
	      "  -c, --compact          one line instead of indented JSON\n"
	      "  -h, --help             this text\n",
	      out);
	cli_common_help(out);
}

/* -c (cli_getopt) */
static int discover_opt(void *data, int code, const char *arg)
{
	bool *pretty = data;

	if (code != 'c')
		return CLI_NOT_MINE;
	*pretty = false;
	return 0;
}

int cmd_discover(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "compact", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct cli_common c;
	bool pretty = true;
	const struct cli_getopt g = {
		.cmd = "discover", .optstr = ":chv", .longopts = longopts,
		.usage = usage, .common = &c, .opt = discover_opt,
		.ctl = &pretty,
	};
	struct nsm_model *m;
	cJSON *doc;
	int err;

	cli_common_init(&c);
	if (cli_getopt(&g, argc, argv, &err))
		return err;
	c.opts.details = true;
	if (cli_discover(&c, &m))
		return 1;
	doc = nsm_json_document(m);
	err = doc ? nsm_json_print(doc, stdout, pretty) : -ENOMEM;
	cJSON_Delete(doc);
	if (err == -ENOMEM)
		fprintf(stderr, "nsmon discover: %s\n", strerror(-err));
	else if (err)
		cli_stdout_error(err);
	err = cli_exit_code(m, err ? 1 : 0);
	nsm_model_free(m);
	return err;
}
