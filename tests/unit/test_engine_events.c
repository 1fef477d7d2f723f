// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_engine_events.c - the parser of one line of an engine's event
 * stream (ee_parse in user/agent/engine_events.c): events as Docker and
 * podman send them, those it leaves out, and garbage.  The stream itself
 * is libcurl's (discovery/engines/docker.c); tests/integration covers it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "engine_events.h"

static const char ev_start[] =
	"{\"status\":\"start\",\"id\":\"5f8f669bc219fb5538c8b24c2d9b6f0b51fdee3263c19b41439afaad6cadf8eb\","
	"\"from\":\"nsmon-test/busybox\",\"Type\":\"container\",\"Action\":\"start\","
	"\"Actor\":{\"ID\":\"5f8f669bc219fb5538c8b24c2d9b6f0b51fdee3263c19b41439afaad6cadf8eb\","
	"\"Attributes\":{\"image\":\"nsmon-test/busybox\",\"name\":\"web\"}},"
	"\"scope\":\"local\",\"time\":1795500000,\"timeNano\":1795500000123456789}";

static int parse(const char *line, struct ee_event *e, cJSON **doc)
{
	return ee_parse(line, strlen(line), e, doc);
}

static void test_parse(void **state)
{
	struct ee_event e;
	cJSON *doc = NULL;
	char buf[1024];

	assert_int_equal(parse(ev_start, &e, &doc), 1);
	assert_string_equal(e.action, "start");
	assert_string_equal(e.id, "5f8f669bc219fb5538c8b24c2d9b6f0b51fdee3263c19b41439afaad6cadf8eb");
	assert_string_equal(e.name, "web");
	cJSON_Delete(doc);

	/* die is the one stop; Docker's own stop and kill are not */
	assert_int_equal(parse("{\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"ID\":\"ab12\",\"Attributes\":{\"exitCode\":\"137\",\"name\":\"db\"}}}", &e, &doc), 1);
	assert_string_equal(e.action, "stop");
	assert_string_equal(e.name, "db");
	cJSON_Delete(doc);
	assert_int_equal(parse("{\"Type\":\"container\",\"Action\":\"stop\",\"Actor\":{\"ID\":\"ab12\"}}", &e, &doc), 0);
	cJSON_Delete(doc);
	assert_int_equal(parse("{\"Type\":\"container\",\"Action\":\"kill\",\"Actor\":{\"ID\":\"ab12\"}}", &e, &doc), 0);
	cJSON_Delete(doc);
	assert_int_equal(parse("{\"Type\":\"container\",\"Action\":\"pause\",\"Actor\":{\"ID\":\"ab12\"}}", &e, &doc), 1);
	assert_string_equal(e.action, "pause");
	assert_null(e.name);
	cJSON_Delete(doc);
	/* an old engine: status and id only */
	assert_int_equal(parse("{\"status\":\"unpause\",\"id\":\"cd34\"}", &e, &doc), 1);
	assert_string_equal(e.action, "unpause");
	assert_string_equal(e.id, "cd34");
	cJSON_Delete(doc);
	/* podman's compat API says died */
	assert_int_equal(parse("{\"Type\":\"container\",\"Action\":\"died\",\"Actor\":{\"ID\":\"ab12\"}}", &e, &doc), 1);
	assert_string_equal(e.action, "stop");
	cJSON_Delete(doc);
	/* other types, other actions, ids that are no ids */
	assert_int_equal(parse("{\"Type\":\"network\",\"Action\":\"start\",\"Actor\":{\"ID\":\"ab12\"}}", &e, &doc), 0);
	cJSON_Delete(doc);
	assert_int_equal(parse("{\"Type\":\"container\",\"Action\":\"exec_start: sh\",\"Actor\":{\"ID\":\"ab12\"}}", &e, &doc), 0);
	cJSON_Delete(doc);
	assert_int_equal(parse("{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"../x\"}}", &e, &doc), 0);
	cJSON_Delete(doc);
	assert_int_equal(parse("{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":7}}", &e, &doc), 0);
	cJSON_Delete(doc);
	memset(buf, 'a', sizeof(buf));
	memcpy(buf, "{\"Action\":\"start\",\"id\":\"", 24);
	memcpy(buf + 24 + 200, "\"}", 3);
	assert_int_equal(parse(buf, &e, &doc), 0);
	cJSON_Delete(doc);
	/* garbage */
	assert_int_equal(parse("<html>this is not JSON", &e, &doc), -EBADMSG);
	assert_null(doc);
	assert_int_equal(parse("[1,2]", &e, &doc), -EBADMSG);
	assert_null(doc);
	assert_int_equal(parse("{\"Type\":", &e, &doc), -EBADMSG);
	assert_null(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
