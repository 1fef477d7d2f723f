// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * engine_docker.c - Docker and podman through the Docker Engine API on
 * their unix socket (podman serves the same API as "compat"):
 * GET /containers/json lists the containers that have processes (running
 * and paused) with id, names and labels; GET /containers/ID/json gives
 * State.Pid and State.Paused.  One connection, kept alive, for all.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "engines.h"
#include "nsm.h"

/* an engine that does not answer in time is reported, not waited for */
#define CONNECT_MS 500L
#define TIMEOUT_MS 3000L
#define MAX_BODY (64L << 20)

struct body {
	char *buf;
	size_t len;
};

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
	struct body *b = ctx;
	size_t len = size * n;
	char *nb;

	if (b->len + len > MAX_BODY)
		return 0;
	nb = realloc(b->buf, b->len + len + 1);
	if (!nb)
		return 0;
	memcpy(nb + b->len, p, len);
	b->len += len;
	nb[b->len] = '\0';
	b->buf = nb;
	return len;
}

/* GET url on the engine's socket; the parsed JSON body, or NULL (warned). */
static cJSON *api_get(struct nsm_model *m, const struct nsm_engine *e,
		      CURL *h, const char *url)
{
	struct body b = {0};
	long status = 0;
	cJSON *doc = NULL;
	CURLcode rc;

	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	rc = curl_easy_perform(h);
	if (rc != CURLE_OK) {
		nsm_warn(m, "%s %s: %s", nsm_engine_name(e->kind), e->path,
			 curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		nsm_warn(m, "%s %s: %s: HTTP status %ld",
			 nsm_engine_name(e->kind), e->path, url + 16, status);
		goto out;
	}
	doc = b.buf ? cJSON_ParseWithLength(b.buf, b.len) : NULL;
	if (!doc)
		nsm_warn(m, "%s %s: %s: not JSON", nsm_engine_name(e->kind),
			 e->path, url + 16);
out:
	free(b.buf);
	return doc;
}

static const char *json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int nsm_container_add_labels(struct nsm_container *c, const cJSON *obj)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, obj) {
		if (!cJSON_IsString(it) || !it->string)
			continue;
		if (nsm_container_add_label(c, it->string, it->valuestring))
			return -ENOMEM;
	}
	return 0;
}

/* One entry of /containers/json, completed by /containers/ID/json. */
static int one(struct nsm_model *m, const struct nsm_engine *e, CURL *h,
	       const cJSON *item)
{
	const char *id = json_str(item, "Id"), *state = json_str(item, "State");
	const cJSON *names = cJSON_GetObjectItemCaseSensitive(item, "Names");
	const cJSON *st, *pid;
	struct nsm_container *c;
	const char *name = NULL;
	cJSON *doc;
	char url[256];

	if (!id || strlen(id) > 128 || strchr(id, '/'))
		return 0;
	/* only containers with processes have namespaces */
	if (state && strcmp(state, "running") && strcmp(state, "paused") &&
	    strcmp(state, "restarting"))
		return 0;
	if (cJSON_IsArray(names) && cJSON_IsString(names->child))
		name = names->child->valuestring;
	snprintf(url, sizeof(url), "http://localhost/containers/%s/json", id);
	doc = api_get(m, e, h, url);
	if (!doc)
		return 0;
	st = cJSON_GetObjectItemCaseSensitive(doc, "State");
	pid = cJSON_GetObjectItemCaseSensitive(st, "Pid");
	c = calloc(1, sizeof(*c));
	if (!c)
		goto nomem;
	c->engine = e->kind;
	if (!name)
		name = json_str(doc, "Name");
	if (name && name[0] == '/')
		name++;
	c->id = strdup(id);
	c->name = strdup(name && *name ? name : id);
	if (!c->id || !c->name)
		goto nomem;
	if (cJSON_IsNumber(pid) && pid->valuedouble > 0 &&
	    pid->valuedouble < 1 << 30)
		c->engine_pid = (pid_t)pid->valuedouble;
	c->paused = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st, "Paused"));
	if (nsm_container_add_labels(
		    c, cJSON_GetObjectItemCaseSensitive(item, "Labels")))
		goto nomem;
	cJSON_Delete(doc);
	return nsm_container_add(m, c);
nomem:
	nsm_container_free(c);
	cJSON_Delete(doc);
	return -ENOMEM;
}

static CURL *handle(const struct nsm_engine *e)
{
	CURL *h = curl_easy_init();

	if (!h)
		return NULL;
	curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, e->path);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_MS);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http");
	return h;
}

int nsm_docker_inspect(const struct nsm_engine *e, const char *id,
		       char **name, pid_t *pid)
{
	const cJSON *st, *p;
	struct body b = {0};
	const char *n;
	long status = 0;
	cJSON *doc = NULL;
	char url[256];
	CURL *h;
	int err = -EIO;

	*name = NULL;
	*pid = 0;
	if (strlen(id) > 128 || strchr(id, '/') || strchr(id, '?'))
		return -ENOENT;
	h = handle(e);
	if (!h)
		return -ENOMEM;
	snprintf(url, sizeof(url), "http://localhost/containers/%s/json", id);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	if (curl_easy_perform(h) != CURLE_OK)
		goto out;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (status == 404) {
		err = -ENOENT;
		goto out;
	}
	doc = status == 200 && b.buf ? cJSON_ParseWithLength(b.buf, b.len)
				     : NULL;
	if (!doc)
		goto out;
	st = cJSON_GetObjectItemCaseSensitive(doc, "State");
	p = cJSON_GetObjectItemCaseSensitive(st, "Pid");
	if (cJSON_IsNumber(p) && p->valuedouble > 0 && p->valuedouble < 1 << 30)
		*pid = (pid_t)p->valuedouble;
	n = json_str(doc, "Name");
	if (n && n[0] == '/')
		n++;
	*name = strdup(n && *n ? n : id);
	err = *name ? 0 : -ENOMEM;
out:
	cJSON_Delete(doc);
	free(b.buf);
	curl_easy_cleanup(h);
	return err;
}

int nsm_engine_docker(struct nsm_model *m, const struct nsm_engine *e)
{
	const cJSON *item;
	cJSON *list;
	CURL *h;
	int err = 0;

	h = handle(e);
	if (!h)
		return -ENOMEM;
	list = api_get(m, e, h, "http://localhost/containers/json?all=1");
	if (list && !cJSON_IsArray(list))
		nsm_warn(m, "%s %s: /containers/json: not a list",
			 nsm_engine_name(e->kind), e->path);
	else if (list)
		cJSON_ArrayForEach(item, list) {
			err = one(m, e, h, item);
			if (err)
				break;
		}
	cJSON_Delete(list);
	curl_easy_cleanup(h);
	return err;
}
