// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * record.c - the container record every engine fills and the model keeps:
 * engine names, labels, adding to and freeing from the model.  The bottom
 * of the container code: it calls no engine and not the pass.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

static const char *const engine_names[NSM_NENGINE_KINDS] = {
	[NSM_ENGINE_DOCKER] = "docker",
	[NSM_ENGINE_PODMAN] = "podman",
	[NSM_ENGINE_CONTAINERD] = "containerd",
	[NSM_ENGINE_CRIO] = "crio",
};

const char *nsm_engine_name(enum nsm_engine_kind k)
{
	return k < NSM_NENGINE_KINDS ? engine_names[k] : "?";
}

void nsm_container_free(struct nsm_container *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->nlabels; i++) {
		free(c->labels[i].key);
		free(c->labels[i].value);
	}
	free(c->labels);
	free(c->id);
	free(c->name);
	free(c->group_name);
	free(c->rootfs);
	free(c);
}

int nsm_container_add(struct nsm_model *m, struct nsm_container *c)
{
	if (m->ncontainers == m->containers_cap) {
		size_t cap = m->containers_cap ? m->containers_cap * 2 : 16;
		struct nsm_container **v;

		v = reallocarray(m->containers, cap, sizeof(*v));
		if (!v) {
			nsm_container_free(c);
			return -ENOMEM;
		}
		m->containers = v;
		m->containers_cap = cap;
	}
	m->containers[m->ncontainers++] = c;
	return 0;
}

const char *nsm_container_label(const struct nsm_container *c,
				const char *key)
{
	size_t i;

	for (i = 0; i < c->nlabels; i++)
		if (!strcmp(c->labels[i].key, key))
			return c->labels[i].value;
	return NULL;
}

char *nsm_container_ref(const struct nsm_container *c)
{
	char *s;

	if (asprintf(&s, "%s:%s", nsm_engine_name(c->engine), c->name) < 0)
		return NULL;
	return s;
}

int nsm_container_add_label(struct nsm_container *c, const char *key,
			    const char *value)
{
	struct nsm_label *v;

	v = reallocarray(c->labels, c->nlabels + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	c->labels = v;
	v[c->nlabels].key = strdup(key);
	v[c->nlabels].value = strdup(value ? value : "");
	if (!v[c->nlabels].key || !v[c->nlabels].value) {
		free(v[c->nlabels].key);
		free(v[c->nlabels].value);
		return -ENOMEM;
	}
	c->nlabels++;
	return 0;
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
