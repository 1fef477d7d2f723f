// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * docker.c - Docker and podman through the Docker Engine API on their unix
 * socket (podman serves the same API as "compat"), with libcurl: the one
 * HTTP client of nsmon.
 *
 * Discovery (the engine's list()): GET /containers/json lists the
 * containers that have processes (running and paused) with id, names and
 * labels; GET /containers/ID/json gives State.Pid and State.Paused.  One
 * connection, kept alive, for all; a pass may wait for it (3 s at most).
 *
 * nsm_docker_inspect(): one container, for `watch`.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include <curl/curl.h>

#include "engine.h"

/* an engine that does not answer in time is reported, not waited for */
#define CONNECT_MS 500L
#define TIMEOUT_MS 3000L
#define MAX_BODY (64L << 20)

struct body {
	char *buf;
	size_t len;
};

static int body_add(struct body *b, const char *p, size_t len, size_t max)
{
	char *nb;

	if (b->len + len > max)
		return -E2BIG;
	nb = realloc(b->buf, b->len + len + 1);
	if (!nb)
		return -ENOMEM;
	memcpy(nb + b->len, p, len);
	b->len += len;
	nb[b->len] = '\0';
	b->buf = nb;
	return 0;
}

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
	return body_add(ctx, p, size * n, MAX_BODY) ? 0 : size * n;
}

static const char *json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* An id goes into a URL: hex or at least no path, no query. */
static bool id_ok(const char *id)
{
	return id && strlen(id) <= 128 && !strpbrk(id, "/?#%");
}

/*
 * What /containers/ID/json says of a container: its name (pointing into
 * doc, else id), its init pid as the engine numbers it (0: none), paused.
 */
static void inspect_parse(const cJSON *doc, const char *id, const char **name,
			  pid_t *pid, bool *paused)
{
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(doc, "State");
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(st, "Pid");
	const char *n = json_str(doc, "Name");

	*pid = 0;
	if (cJSON_IsNumber(p) && p->valuedouble > 0 && p->valuedouble < 1 << 30)
		*pid = (pid_t)p->valuedouble;
	*paused = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st, "Paused"));
	if (n && n[0] == '/')
		n++;
	*name = n && *n ? n : id;
}

/*
 * The socket's path as connect(2) takes it: a path longer than sun_path
 * through an O_PATH fd of it (*pathfd, to close after the transfer).
 */
static int sock_path(const char *path, int *pathfd, char *buf, size_t size)
{
	struct sockaddr_un a;

	*pathfd = -1;
	if (strlen(path) < sizeof(a.sun_path)) {
		snprintf(buf, size, "%s", path);
		return 0;
	}
	*pathfd = open(path, O_PATH | O_CLOEXEC);
	if (*pathfd < 0)
		return -errno;
	snprintf(buf, size, "/proc/self/fd/%d", *pathfd);
	return 0;
}

/* A handle on the engine's socket; pathfd as sock_path() says. */
static CURL *handle(const char *path, int *pathfd)
{
	char sock[4096];
	CURL *h;

	if (sock_path(path, pathfd, sock, sizeof(sock)))
		return NULL;
	h = curl_easy_init();
	if (!h) {
		if (*pathfd >= 0)
			close(*pathfd);
		*pathfd = -1;
		return NULL;
	}
	/* curl copies the string */
	curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, sock);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_MS);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(h, CURLOPT_USERAGENT, "nsmon/" NSM_VERSION);
	return h;
}

/* ---------------------------------------------------------- discovery */

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

/* One entry of /containers/json, completed by /containers/ID/json. */
static int one(struct nsm_model *m, const struct nsm_engine *e, CURL *h,
	       const cJSON *item)
{
	const char *id = json_str(item, "Id"), *state = json_str(item, "State");
	const cJSON *names = cJSON_GetObjectItemCaseSensitive(item, "Names");
	struct nsm_container *c;
	const char *name = NULL, *iname;
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
	c = calloc(1, sizeof(*c));
	if (!c)
		goto nomem;
	c->engine = e->kind;
	inspect_parse(doc, id, &iname, &c->engine_pid, &c->paused);
	if (!name)
		name = iname;
	else if (name[0] == '/')
		name++;
	if (!*name)
		name = id;
	c->id = strdup(id);
	c->name = strdup(name);
	if (!c->id || !c->name)
		goto nomem;
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

static int list(struct nsm_model *m, const struct nsm_engine *e)
{
	const cJSON *item;
	cJSON *doc;
	int pathfd, err = 0;
	CURL *h;

	h = handle(e->path, &pathfd);
	if (!h)
		return -ENOMEM;
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, TIMEOUT_MS);
	doc = api_get(m, e, h, "http://localhost/containers/json?all=1");
	if (doc && !cJSON_IsArray(doc))
		nsm_warn(m, "%s %s: /containers/json: not a list",
			 nsm_engine_name(e->kind), e->path);
	else if (doc)
		cJSON_ArrayForEach(item, doc) {
			err = one(m, e, h, item);
			if (err)
				break;
		}
	cJSON_Delete(doc);
	curl_easy_cleanup(h);
	if (pathfd >= 0)
		close(pathfd);
	return err;
}

int nsm_docker_inspect(const struct nsm_engine *e, const char *id,
		       char **name, pid_t *pid)
{
	struct body b = {0};
	const char *n;
	long status = 0;
	cJSON *doc = NULL;
	char url[256];
	int pathfd, err = -EIO;
	bool paused;
	CURL *h;

	*name = NULL;
	*pid = 0;
	if (!id_ok(id))
		return -ENOENT;
	h = handle(e->path, &pathfd);
	if (!h)
		return -ENOMEM;
	snprintf(url, sizeof(url), "http://localhost/containers/%s/json", id);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, TIMEOUT_MS);
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
	inspect_parse(doc, id, &n, pid, &paused);
	*name = strdup(n);
	err = *name ? 0 : -ENOMEM;
out:
	cJSON_Delete(doc);
	free(b.buf);
	curl_easy_cleanup(h);
	if (pathfd >= 0)
		close(pathfd);
	return err;
}

const struct nsm_engine_ops nsm_engine_docker_ops = {
	.kind = NSM_ENGINE_DOCKER,
	.default_path = "/run/docker.sock",
	.list = list,
};

const struct nsm_engine_ops nsm_engine_podman_ops = {
	.kind = NSM_ENGINE_PODMAN,
	.default_path = "/run/podman/podman.sock",
	.list = list,
};
