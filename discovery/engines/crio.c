// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * crio.c - CRI-O, read through its c/storage run root:
 * RUNROOT/overlay-containers/ID/userdata/{config.json,pidfile}; its
 * config.json carries io.kubernetes.cri-o.* annotations, which tell its
 * containers from podman's in the same tree.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"

static const char *const levels[] = {
	"overlay-containers", "*", "userdata", NULL,
};

/* One container's userdata directory (names: ID). */
static int container(struct nsm_model *m, const struct nsm_engine *e, int fd,
		     const char *const *names, struct nsm_container **out)
{
	static const char *const keys[] = {
		"io.kubernetes.container.name",
		"io.kubernetes.cri-o.ContainerName", NULL,
	};
	struct nsm_container *c;
	int err;

	*out = NULL;
	c = nsm_oci_container(m, fd, "pidfile", names[0], e->kind);
	if (!c)
		return -ENOMEM;
	/* podman keeps its containers in the same tree */
	if (!c->engine_pid ||
	    !nsm_container_label(c, "io.kubernetes.cri-o.ContainerType")) {
		nsm_container_free(c);
		return 0;
	}
	err = nsm_oci_name(c, keys, NULL);
	if (err) {
		nsm_container_free(c);
		return err;
	}
	*out = c;
	return 0;
}

static int list(struct nsm_model *m, const struct nsm_engine *e)
{
	return nsm_oci_list(m, e, &nsm_engine_crio_ops);
}

const struct nsm_engine_ops nsm_engine_crio_ops = {
	.kind = NSM_ENGINE_CRIO,
	.default_path = "/run/containers/storage",
	.list = list,
	.paused_by_freezer = true,
	.levels = levels,
	.read = container,
};
