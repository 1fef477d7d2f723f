/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * engine.h - the one interface every container engine reader has, and
 * the helpers they share; private to the container pass, not the API.
 *
 * The direction of calls is one way: containers.c (finding engines, the
 * pass) -> an engine (engines/docker.c, containerd.c, crio.c) -> the
 * shared helpers (engines/record.c: the container record and its
 * labels; engines/oci.c: OCI bundles).  No engine calls back up.
 */
#ifndef NSM_ENGINE_H
#define NSM_ENGINE_H

#include <dirent.h>

#include <cjson/cJSON.h>

#include "nsm.h"

struct nsm_engine_ops {
	enum nsm_engine_kind kind;
	/* where the engine keeps its socket or state when not told */
	const char *default_path;
	/*
	 * Appends what the engine says runs to m, each with engine_pid as
	 * the engine numbers it; an engine that is down or answers garbage
	 * is a warning (and 0), not an error; -ENOMEM is.
	 */
	int (*list)(struct nsm_model *m, const struct nsm_engine *e);
	/* its state does not record a pause: the cgroup freezer tells */
	bool paused_by_freezer;
	/*
	 * Engines read through their state directory (containerd, CRI-O):
	 * the names of the directory levels from it down to one
	 * container's, NULL-terminated (nsm_engine_state_levels()); and
	 * the one container whose directory is fd (names: those of its
	 * "*" levels, in order, NULL-terminated), as list() lists it: 0
	 * with *out NULL if it is none (not started, another engine's),
	 * -ENOMEM.  NULL for the others.
	 */
	const char *const *levels;
	int (*read)(struct nsm_model *m, const struct nsm_engine *e, int fd,
		    const char *const *names, struct nsm_container **out);
};

/* The ops of engine kind k (containers.c's table). */
const struct nsm_engine_ops *nsm_engine_ops_of(enum nsm_engine_kind k);

extern const struct nsm_engine_ops nsm_engine_docker_ops;
extern const struct nsm_engine_ops nsm_engine_podman_ops;
extern const struct nsm_engine_ops nsm_engine_containerd_ops;
extern const struct nsm_engine_ops nsm_engine_crio_ops;

/* engines/record.c: appends a label (both strings copied); 0 or -ENOMEM. */
int nsm_container_add_label(struct nsm_container *c, const char *key,
			    const char *value);
/* Adds every string member of obj (labels, annotations) as a label. */
int nsm_container_add_labels(struct nsm_container *c, const cJSON *obj);

/*
 * engines/oci.c: list() of an engine with levels and read: every
 * container below its state directory.  The levels are a fixed name, then
 * "*" levels, each of which may be followed by one fixed name (CRI-O's
 * "overlay-containers", "*", "userdata").
 */
int nsm_oci_list(struct nsm_model *m, const struct nsm_engine *e,
		 const struct nsm_engine_ops *ops);
/* A container from an OCI bundle (config.json, pid file). */
struct nsm_container *nsm_oci_container(struct nsm_model *m, int dirfd,
					const char *pidfile, const char *id,
					enum nsm_engine_kind kind);
/* The container's name: the first of keys among its labels, else its id
 * (after "prefix/" when prefix is not NULL). */
int nsm_oci_name(struct nsm_container *c, const char *const *keys,
		 const char *prefix);
/*
 * Calls fn for every directory in the directory dir of engine e (its name
 * not starting with '.'), with an fd of that directory, or of its
 * subdirectory sub when sub is not NULL (one that has none is passed
 * over, one that leads out of dir is a warning in m); stops at fn's first
 * non-zero return and returns it.  Takes dir over (closes it); -errno if
 * it cannot be read.
 */
int nsm_oci_each_dir(struct nsm_model *m, const struct nsm_engine *e,
		     int dir, const char *sub,
		     int (*fn)(void *ctx, int fd, const char *name),
		     void *ctx);
/* An O_DIRECTORY fd of path under dirfd (never above it), or -errno. */
int nsm_oci_opendir(int dirfd, const char *path);
/*
 * An O_DIRECTORY fd of sub in e's state directory, or -errno.  A failure
 * is a warning in m, but for a sub that is not there in an engine not
 * asked for (one that has run nothing yet has none).
 */
int nsm_oci_open_state(struct nsm_model *m, const struct nsm_engine *e,
		       const char *sub);

#endif
