/* SPDX-License-Identifier: GPL-2.0-or-later */
/* engines.h - what the engine readers share; not part of the API. */
#ifndef NSM_ENGINES_H
#define NSM_ENGINES_H

#include <cjson/cJSON.h>

#include "nsm.h"

/* Appends a label (both strings copied); 0 or -ENOMEM. */
int nsm_container_add_label(struct nsm_container *c, const char *key,
			    const char *value);
/* Adds every string member of obj (labels, annotations) as a label. */
int nsm_container_add_labels(struct nsm_container *c, const cJSON *obj);
/*
 * Whether the container whose init is pid (in proc_root's PID namespace)
 * is frozen by its cgroup (v1 freezer.state FROZEN, v2 cgroup.freeze 1):
 * how containerd and CRI-O pause, without a record of it in their state.
 */
bool nsm_pid_frozen(struct nsm_model *m, pid_t pid);
/* A container from an OCI bundle directory (config.json, a pid file). */
struct nsm_container *nsm_oci_container(struct nsm_model *m, int dirfd,
					const char *pidfile, const char *id,
					enum nsm_engine_kind kind);

#endif
