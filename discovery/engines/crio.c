// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * crio.c - CRI-O, read through its c/storage run root:
 * RUNROOT/overlay-containers/ID/userdata/{config.json,pidfile}; its
 * config.json carries io.kubernetes.cri-o.* annotations, which tell its
 * containers from podman's in the same tree.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"

static int list(struct nsm_model *m, const struct nsm_engine *e)
{
	static const char *const keys[] = {
		"io.kubernetes.container.name",
		"io.kubernetes.cri-o.ContainerName", NULL,
	};
	struct dirent *de;
	char path[4096];
	DIR *d;
	int err;

	snprintf(path, sizeof(path), "%s/overlay-containers", e->path);
	err = nsm_oci_opendir(AT_FDCWD, path, &d);
	if (err) {
		if (err != -ENOENT || e->explicit)
			nsm_warn(m, "crio %s: %s", path, strerror(-err));
		return 0;
	}
	err = 0;
	while (!err && (de = readdir(d))) {
		struct nsm_container *c;
		char sub[512];
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/userdata", de->d_name);
		fd = openat(dirfd(d), sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		c = nsm_oci_container(m, fd, "pidfile", de->d_name, e->kind);
		close(fd);
		if (!c) {
			err = -ENOMEM;
			break;
		}
		/* podman keeps its containers in the same tree */
		if (!c->engine_pid ||
		    !nsm_container_label(c, "io.kubernetes.cri-o.ContainerType")) {
			nsm_container_free(c);
			continue;
		}
		err = nsm_oci_name(c, keys, NULL);
		if (err) {
			nsm_container_free(c);
			break;
		}
		err = nsm_container_add(m, c);
	}
	closedir(d);
	return err;
}

const struct nsm_engine_ops nsm_engine_crio_ops = {
	.kind = NSM_ENGINE_CRIO,
	.default_path = "/run/containers/storage",
	.list = list,
	.paused_by_freezer = true,
};
