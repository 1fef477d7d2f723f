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

struct walk {
	struct nsm_model *m;
	const struct nsm_engine *e;
};

/* One container's userdata directory. */
static int container(void *ctx, int fd, const char *id)
{
	static const char *const keys[] = {
		"io.kubernetes.container.name",
		"io.kubernetes.cri-o.ContainerName", NULL,
	};
	const struct walk *w = ctx;
	struct nsm_container *c;
	int err;

	c = nsm_oci_container(w->m, fd, "pidfile", id, w->e->kind);
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
	return nsm_container_add(w->m, c);
}

static int list(struct nsm_model *m, const struct nsm_engine *e)
{
	struct walk w = { .m = m, .e = e };
	int fd = nsm_oci_open_state(m, e, "overlay-containers");

	return fd < 0 ? 0 : nsm_oci_each_dir(m, e, fd, "userdata", container, &w);
}

const struct nsm_engine_ops nsm_engine_crio_ops = {
	.kind = NSM_ENGINE_CRIO,
	.default_path = "/run/containers/storage",
	.list = list,
	.paused_by_freezer = true,
};
