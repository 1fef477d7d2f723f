// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * containerd.c - containerd, read through the state of its runtime v2
 * shims: STATE/io.containerd.runtime.v2.task/NAMESPACE/ID/{config.json,
 * init.pid}, one directory per containerd namespace ("default", "moby"
 * for Docker, "k8s.io" for the CRI plugin).
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
	const char *nsname;
};

/* One task directory (ID/) of a containerd namespace. */
static int task(void *ctx, int fd, const char *id)
{
	static const char *const keys[] = {
		"io.kubernetes.cri.container-name", NULL,
	};
	const struct walk *w = ctx;
	struct nsm_container *c;
	int err;

	c = nsm_oci_container(w->m, fd, "init.pid", id, w->e->kind);
	if (!c)
		return -ENOMEM;
	/* a task directory without init.pid: created, not started */
	if (!c->engine_pid) {
		nsm_container_free(c);
		return 0;
	}
	err = nsm_oci_name(c, keys,
			   strcmp(w->nsname, "default") ? w->nsname : NULL);
	if (!err)
		err = nsm_container_add_label(c, "io.containerd.namespace",
					      w->nsname);
	if (err) {
		nsm_container_free(c);
		return err;
	}
	return nsm_container_add(w->m, c);
}

/* One containerd namespace's directory of tasks. */
static int containerd_ns(void *ctx, int fd, const char *nsname)
{
	struct walk w = *(const struct walk *)ctx;
	int dfd = nsm_oci_opendir(fd, ".");

	w.nsname = nsname;
	return dfd < 0 ? 0 : nsm_oci_each_dir(w.m, w.e, dfd, NULL, task, &w);
}

static int list(struct nsm_model *m, const struct nsm_engine *e)
{
	struct walk w = { .m = m, .e = e };
	int fd = nsm_oci_open_state(m, e, "io.containerd.runtime.v2.task");

	return fd < 0 ? 0 : nsm_oci_each_dir(m, e, fd, NULL, containerd_ns, &w);
}

const struct nsm_engine_ops nsm_engine_containerd_ops = {
	.kind = NSM_ENGINE_CONTAINERD,
	.default_path = "/run/containerd",
	.list = list,
	.paused_by_freezer = true,
};
