// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * containerd.c - containerd, read through the state of its runtime v2
 * shims: STATE/io.containerd.runtime.v2.task/NAMESPACE/ID/{config.json,
 * init.pid}, one directory per containerd namespace ("default", "moby"
 * for Docker, "k8s.io" for the CRI plugin).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"

static int containerd_ns(struct nsm_model *m, const struct nsm_engine *e,
			 int nsfd, const char *nsname)
{
	static const char *const keys[] = {
		"io.kubernetes.cri.container-name", NULL,
	};
	struct dirent *de;
	DIR *d;
	int err = 0;

	if (nsm_oci_opendir(nsfd, ".", &d))
		return 0;
	while (!err && (de = readdir(d))) {
		struct nsm_container *c;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		fd = openat(dirfd(d), de->d_name,
			    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		c = nsm_oci_container(m, fd, "init.pid", de->d_name, e->kind);
		close(fd);
		if (!c)
			return -ENOMEM;
		/* a task directory without init.pid: created, not started */
		if (!c->engine_pid) {
			nsm_container_free(c);
			continue;
		}
		err = nsm_oci_name(c, keys,
				strcmp(nsname, "default") ? nsname : NULL);
		if (!err)
			err = nsm_container_add_label(
				c, "io.containerd.namespace", nsname);
		if (err) {
			nsm_container_free(c);
			break;
		}
		err = nsm_container_add(m, c);
	}
	closedir(d);
	return err;
}

static int list(struct nsm_model *m, const struct nsm_engine *e)
{
	struct dirent *de;
	char path[4096];
	DIR *d;
	int err;

	snprintf(path, sizeof(path), "%s/io.containerd.runtime.v2.task",
		 e->path);
	err = nsm_oci_opendir(AT_FDCWD, path, &d);
	if (err) {
		/* a containerd that has run no task has no such directory */
		if (err != -ENOENT || e->explicit)
			nsm_warn(m, "containerd %s: %s", path, strerror(-err));
		return 0;
	}
	err = 0;
	while (!err && (de = readdir(d))) {
		int fd;

		if (de->d_name[0] == '.')
			continue;
		fd = openat(dirfd(d), de->d_name,
			    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		err = containerd_ns(m, e, fd, de->d_name);
		close(fd);
	}
	closedir(d);
	return err;
}

const struct nsm_engine_ops nsm_engine_containerd_ops = {
	.kind = NSM_ENGINE_CONTAINERD,
	.default_path = "/run/containerd",
	.list = list,
	.paused_by_freezer = true,
};
