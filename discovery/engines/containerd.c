// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * containerd.c - containerd, read through the state of its runtime v2
 * shims: STATE/io.containerd.runtime.v2.task/NAMESPACE/ID/{config.json,
 * init.pid}, one directory per containerd namespace ("default", "moby"
 * for Docker, "k8s.io" for the CRI plugin).  The shim makes the task's
 * directory (its OCI bundle) when the task is created, runc writes
 * init.pid (by a rename) once the init process exists, and the directory
 * goes (renamed to ".ID", then removed) when the task is deleted, not
 * when it exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"

static const char *const levels[] = {
	"io.containerd.runtime.v2.task", "*", "*", NULL,
};

/* One task directory (names: NAMESPACE, ID). */
static int task(struct nsm_model *m, const struct nsm_engine *e, int fd,
		const char *const *names, struct nsm_container **out)
{
	static const char *const keys[] = {
		"io.kubernetes.cri.container-name", NULL,
	};
	const char *nsname = names[0];
	struct nsm_container *c;
	int err;

	*out = NULL;
	c = nsm_oci_container(m, fd, "init.pid", names[1], e->kind);
	if (!c)
		return -ENOMEM;
	/* a task directory without init.pid: created, not started */
	if (!c->engine_pid) {
		nsm_container_free(c);
		return 0;
	}
	err = nsm_oci_name(c, keys, strcmp(nsname, "default") ? nsname : NULL);
	if (!err)
		err = nsm_container_add_label(c, "io.containerd.namespace",
					      nsname);
	if (err) {
		nsm_container_free(c);
		return err;
	}
	*out = c;
	return 0;
}

static int list(struct nsm_model *m, const struct nsm_engine *e)
{
	return nsm_oci_list(m, e, &nsm_engine_containerd_ops);
}

const struct nsm_engine_ops nsm_engine_containerd_ops = {
	.kind = NSM_ENGINE_CONTAINERD,
	.default_path = "/run/containerd",
	.list = list,
	.paused_by_freezer = true,
	.levels = levels,
	.read = task,
};
