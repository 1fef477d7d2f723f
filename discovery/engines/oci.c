// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * oci.c - what the engines read through their runtime state share (an
 * OCI bundle: config.json with its annotations as labels, the pid file of
 * the init process).  No API call, no daemon needed: what is on disk is
 * what runs.  containerd.c and crio.c are the two engines read this way.
 *
 * The state directory is opened inside its engine's root (containers.c);
 * everything below it is opened relative to the directory at hand with
 * RESOLVE_BENEATH (nsm_open_beneath()), not by joining its path onto the
 * root again for RESOLVE_IN_ROOT: what the engine makes there (namespace
 * and task directories, config.json, the pid file) are plain files and
 * directories, so refusing a link that is absolute or climbs above the
 * directory loses nothing real, and a link a container planted to "/" or
 * "../../.." fails (-EXDEV) instead of being followed to anywhere in its
 * root.  The walk stays on the fds it opened: a container cannot swap a
 * directory of the path between two reads, and no path is rebuilt.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"

static pid_t read_pidfile(int dirfd, const char *name)
{
	char *text = NULL;
	size_t len;
	long v = 0;

	if (nsm_read_file_beneath(dirfd, name, &text, &len))
		return 0;
	v = strtol(text, NULL, 10);
	free(text);
	return v > 0 && v < 1 << 30 ? (pid_t)v : 0;
}

/* config.json's root.path, as written: where the container's root is. */
static int bundle_root(struct nsm_container *c, const cJSON *cfg)
{
	const cJSON *root = cJSON_GetObjectItemCaseSensitive(cfg, "root");
	const cJSON *path = cJSON_GetObjectItemCaseSensitive(root, "path");

	if (!cJSON_IsString(path) || !*path->valuestring)
		return 0;
	c->rootfs = strdup(path->valuestring);
	return c->rootfs ? 0 : -ENOMEM;
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
	if (!nsm_read_file_beneath(dirfd, "config.json", &text, &len)) {
		cfg = cJSON_ParseWithLength(text, len);
		if (!cfg)
			nsm_warn(m, "%s %s: config.json: not JSON",
				 nsm_engine_name(kind), id);
	}
	if (cfg && nsm_container_add_labels(
			   c, cJSON_GetObjectItemCaseSensitive(cfg,
							       "annotations")))
		goto fail;
	if (cfg && bundle_root(c, cfg))
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

int nsm_oci_name(struct nsm_container *c, const char *const *keys,
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

int nsm_oci_opendir(int dirfd, const char *path)
{
	return nsm_open_beneath(dirfd, path, O_RDONLY | O_DIRECTORY);
}

int nsm_oci_open_state(struct nsm_model *m, const struct nsm_engine *e,
		       const char *sub)
{
	int fd = nsm_oci_opendir(e->fd, sub);
	char desc[512];

	if (fd < 0 && (fd != -ENOENT || e->explicit))
		nsm_warn(m, "%s/%s: %s", nsm_engine_desc(e, desc, sizeof(desc)),
			 sub, nsm_in_root_strerror(fd));
	return fd;
}

int nsm_oci_each_dir(struct nsm_model *m, const struct nsm_engine *e,
		     int dir, const char *sub,
		     int (*fn)(void *ctx, int fd, const char *name),
		     void *ctx)
{
	DIR *d = fdopendir(dir);
	char rel[512], desc[512];
	struct dirent *de;
	int err = 0, fd;

	if (!d) {
		err = -errno;
		close(dir);
		return err;
	}
	while (!err && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (sub)
			snprintf(rel, sizeof(rel), "%s/%s", de->d_name, sub);
		fd = nsm_open_beneath(dirfd(d), sub ? rel : de->d_name,
				      O_RDONLY | O_DIRECTORY);
		if (fd == -EXDEV || fd == -ELOOP)
			nsm_warn(m, "%s: %s: %s",
				 nsm_engine_desc(e, desc, sizeof(desc)),
				 de->d_name, nsm_in_root_strerror(fd));
		if (fd < 0)
			continue;
		err = fn(ctx, fd, de->d_name);
		close(fd);
	}
	closedir(d);
	return err;
}

/* Where nsm_oci_list() is: the directory levels still to go down. */
struct walk {
	struct nsm_model *m;
	const struct nsm_engine *e;
	const struct nsm_engine_ops *ops;
	const char *const *level;	/* the next one; NULL: containers */
	const char *names[8];		/* of the "*" levels above */
	size_t nnames;
};

static int walk_level(struct walk *w, int dir);

/* One directory of a "*" level (and its fixed name below, if any). */
static int walk_entry(void *ctx, int fd, const char *name)
{
	struct walk w = *(const struct walk *)ctx;
	struct nsm_container *c;
	int err, dir;

	if (w.nnames + 1 >= sizeof(w.names) / sizeof(w.names[0]))
		return 0;
	w.names[w.nnames++] = name;
	if (*w.level) {
		dir = nsm_oci_opendir(fd, ".");
		return dir < 0 ? 0 : walk_level(&w, dir);
	}
	w.names[w.nnames] = NULL;
	err = w.ops->read(w.m, w.e, fd, w.names, &c);
	return err || !c ? err : nsm_container_add(w.m, c);
}

/* The directory dir (taken over) holds the "*" level w->level. */
static int walk_level(struct walk *w, int dir)
{
	const char *sub = NULL;

	w->level++;
	if (*w->level && strcmp(*w->level, "*"))
		sub = *w->level++;
	return nsm_oci_each_dir(w->m, w->e, dir, sub, walk_entry, w);
}

int nsm_oci_list(struct nsm_model *m, const struct nsm_engine *e,
		 const struct nsm_engine_ops *ops)
{
	struct walk w = { .m = m, .e = e, .ops = ops, .level = ops->levels + 1 };
	int fd = nsm_oci_open_state(m, e, ops->levels[0]);

	return fd < 0 ? 0 : walk_level(&w, fd);
}
