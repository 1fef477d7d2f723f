// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * engine_oci.c - engines read through their runtime state: OCI bundles
 * (config.json with annotations) and the pid files of their init
 * processes.  No API call, no daemon needed: what is on disk is what runs.
 *
 * containerd (runtime v2 shims): STATE/io.containerd.runtime.v2.task/
 * NAMESPACE/ID/{config.json,init.pid}, one directory per containerd
 * namespace ("default", "moby" for Docker, "k8s.io" for the CRI plugin).
 *
 * CRI-O (c/storage run root): RUNROOT/overlay-containers/ID/userdata/
 * {config.json,pidfile}; its config.json carries io.kubernetes.cri-o.*
 * annotations, which tell it from podman's containers in the same tree.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engines.h"
#include "nsm.h"

static pid_t read_pidfile(int dirfd, const char *name)
{
	char *text = NULL;
	size_t len;
	long v = 0;

	if (nsm_read_file_at(dirfd, name, &text, &len))
		return 0;
	v = strtol(text, NULL, 10);
	free(text);
	return v > 0 && v < 1 << 30 ? (pid_t)v : 0;
}

/* Reads a cgroup control file under the cgroup filesystem root. */
static bool cg_file_is(const char *dir, const char *file, const char *want)
{
	char path[4096], buf[32] = "";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 && !strncmp(buf, want, strlen(want));
}

bool nsm_pid_frozen(struct nsm_model *m, pid_t pid)
{
	char name[64], *text = NULL, *line, *save = NULL, dir[4096];
	bool frozen = false;
	size_t len;

	if (!m->live || !pid)
		return false;
	snprintf(name, sizeof(name), "%d/cgroup", (int)pid);
	if (nsm_read_file_at(m->proc_fd, name, &text, &len))
		return false;
	for (line = strtok_r(text, "\n", &save); line && !frozen;
	     line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : 0;

		if (!c2)
			continue;
		if (c2 == c1 + 1 && strcmp(c2 + 1, "/")) {
			/* v2, alone or as the hybrid "unified" mount */
			frozen = cg_file_is(c2 + 1, "cgroup.freeze", "1");
			snprintf(dir, sizeof(dir), "unified%s", c2 + 1);
			frozen = frozen ||
				 cg_file_is(dir, "cgroup.freeze", "1");
		} else if (!strncmp(c1 + 1, "freezer:", 8)) {
			snprintf(dir, sizeof(dir), "freezer%s", c2 + 1);
			frozen = cg_file_is(dir, "freezer.state", "FROZEN");
		}
	}
	free(text);
	return frozen;
}

struct nsm_container *nsm_oci_container(struct nsm_model *m, int dirfd,
					const char *pidfile, const char *id,
					enum nsm_engine_kind kind)
{
	struct nsm_container *c = calloc(1, sizeof(*c));
	cJSON *cfg = NULL;
	char *text = NULL;
	size_t len;

	if (!c)
		return NULL;
	c->engine = kind;
	c->id = strdup(id);
	if (!c->id)
		goto fail;
	c->engine_pid = read_pidfile(dirfd, pidfile);
	if (!nsm_read_file_at(dirfd, "config.json", &text, &len)) {
		cfg = cJSON_ParseWithLength(text, len);
		if (!cfg)
			nsm_warn(m, "%s %s: config.json: not JSON",
				 nsm_engine_name(kind), id);
	}
	if (cfg && nsm_container_add_labels(
			   c, cJSON_GetObjectItemCaseSensitive(cfg,
							       "annotations")))
		goto fail;
	cJSON_Delete(cfg);
	free(text);
	return c;
fail:
	cJSON_Delete(cfg);
	free(text);
	nsm_container_free(c);
	return NULL;
}

/* The container's name from what its engine wrote, else its id. */
static int name_from(struct nsm_container *c, const char *const *keys,
		     const char *prefix)
{
	const char *v = NULL;

	for (; *keys && !v; keys++)
		v = nsm_container_label(c, *keys);
	if (v)
		c->name = strdup(v);
	else if (!prefix)
		c->name = strdup(c->id);
	else if (asprintf(&c->name, "%s/%s", prefix, c->id) < 0)
		c->name = NULL;
	return c->name ? 0 : -ENOMEM;
}

static int open_dir(int dirfd, const char *path, DIR **out)
{
	int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	*out = fdopendir(fd);
	if (!*out) {
		close(fd);
		return -errno;
	}
	return 0;
}

static int containerd_ns(struct nsm_model *m, const struct nsm_engine *e,
			 int nsfd, const char *nsname)
{
	static const char *const keys[] = {
		"io.kubernetes.cri.container-name", NULL,
	};
	struct dirent *de;
	DIR *d;
	int err = 0;

	if (open_dir(nsfd, ".", &d))
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
		err = name_from(c, keys,
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

int nsm_engine_containerd(struct nsm_model *m, const struct nsm_engine *e)
{
	struct dirent *de;
	char path[4096];
	DIR *d;
	int err;

	snprintf(path, sizeof(path), "%s/io.containerd.runtime.v2.task",
		 e->path);
	err = open_dir(AT_FDCWD, path, &d);
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

int nsm_engine_crio(struct nsm_model *m, const struct nsm_engine *e)
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
	err = open_dir(AT_FDCWD, path, &d);
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
		err = name_from(c, keys, NULL);
		if (err) {
			nsm_container_free(c);
			break;
		}
		err = nsm_container_add(m, c);
	}
	closedir(d);
	return err;
}
