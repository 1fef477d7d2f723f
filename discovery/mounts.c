// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mounts.c - pass 7: the mount table of every mount namespace, and which
 * mounts are hidden (over-mounted).
 *
 * A table is read once per mount namespace (nsm_mntns_read(), mntns.c):
 * the mountinfo of a process in it where there is one (one read, the
 * cheapest); else by namespace id with listmount(2) and statmount(2)
 * (listmount.c); else the mountinfo of a thread that entered it.  When
 * the bind-mount pass runs, it reads the tables and this pass only reads
 * those of the namespaces it did not (and marks what is hidden).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nsm.h"
#include "pass.h"

/* Sorted views of one table, for lookups by id and by (parent, path). */
struct hctx {
	struct nsm_mountinfo *v;
	size_t n;
	size_t *by_id;		/* indexes sorted by mount_id */
	size_t *by_pp;		/* indexes sorted by parent_id, path */
};

static struct hctx *qctx;	/* qsort has no context argument */

static int cmp_id(const void *a, const void *b)
{
	int x = qctx->v[*(const size_t *)a].mount_id;
	int y = qctx->v[*(const size_t *)b].mount_id;

	return x < y ? -1 : x > y;
}

static int cmp_pp(const void *a, const void *b)
{
	const struct nsm_mountinfo *x = &qctx->v[*(const size_t *)a];
	const struct nsm_mountinfo *y = &qctx->v[*(const size_t *)b];

	if (x->parent_id != y->parent_id)
		return x->parent_id < y->parent_id ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* The index of the mount with this id, or n. */
static size_t find_id(const struct hctx *c, int id)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int x = c->v[c->by_id[mid]].mount_id;

		if (x == id)
			return c->by_id[mid];
		if (x < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return c->n;
}

/* (parent, the first plen bytes of path) against a mount: strcmp order. */
static int cmp_key(int parent, const char *path, size_t plen,
		   const struct nsm_mountinfo *mi)
{
	int r;

	if (parent != mi->parent_id)
		return parent < mi->parent_id ? -1 : 1;
	r = strncmp(path, mi->path, plen);
	if (r)
		return r;
	return mi->path[plen] ? -1 : 0;
}

/* Whether a mount other than except has this parent and path. */
static bool has_child_at(const struct hctx *c, int parent, const char *path,
			 size_t plen, size_t except)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_key(parent, path, plen, &c->v[c->by_pp[mid]]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < c->n; lo++) {
		const struct nsm_mountinfo *mi = &c->v[c->by_pp[lo]];

		if (cmp_key(parent, path, plen, mi))
			return false;
		/* a namespace's root may be its own parent: not its child */
		if (c->by_pp[lo] != except && mi->mount_id != mi->parent_id)
			return true;
	}
	return false;
}

/*
 * Whether a sibling (a mount with the same parent) sits on a directory
 * above mi's mount point: path lookup crosses into the sibling there and
 * never reaches mi.  The kernel keeps at most one mount per (parent mount,
 * mount point dentry) (4.11+: a second one is mounted on top of the first,
 * its parent being the first), so siblings never share a path.
 */
static bool under_sibling(const struct hctx *c, size_t i)
{
	const struct nsm_mountinfo *mi = &c->v[i];
	size_t len = strlen(mi->path), k;

	if (len <= 1)
		return false;
	if (has_child_at(c, mi->parent_id, "/", 1, i))
		return true;
	for (k = 1; k < len; k++)
		if (mi->path[k] == '/' &&
		    has_child_at(c, mi->parent_id, mi->path, k, i))
			return true;
	return false;
}

enum { R_UNKNOWN, R_BUSY, R_NO, R_YES };

/*
 * reach[i]: mi's mount point can be reached by path: it is a root of the
 * table, or its parent's is and no sibling covers the way to it.
 */
static void mark_reach(const struct hctx *c, unsigned char *reach,
		       size_t *stack)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		size_t sp = 0, cur = i;

		/* up to the first known ancestor, or a root */
		while (reach[cur] == R_UNKNOWN) {
			size_t p = find_id(c, c->v[cur].parent_id);

			reach[cur] = R_BUSY;
			stack[sp++] = cur;
			if (p == c->n || p == cur)
				break;
			cur = p;
		}
		/* down again: each parent is known by then */
		while (sp--) {
			size_t k = stack[sp];
			size_t p = find_id(c, c->v[k].parent_id);

			/* a root, or a loop in a hostile table: a root */
			if (p == c->n || p == k || reach[p] == R_BUSY)
				reach[k] = R_YES;
			else if (reach[p] == R_YES && !under_sibling(c, k))
				reach[k] = R_YES;
			else
				reach[k] = R_NO;
		}
	}
}

void nsm_mounts_mark_hidden(struct nsm_mounts *mt)
{
	struct hctx c = { .v = mt->v, .n = mt->n };
	unsigned char *reach = NULL;
	size_t i, *stack = NULL;

	for (i = 0; i < mt->n; i++)
		mt->v[i].hidden = false;
	if (!mt->n)
		return;
	c.by_id = malloc(mt->n * sizeof(*c.by_id));
	c.by_pp = malloc(mt->n * sizeof(*c.by_pp));
	stack = malloc(mt->n * sizeof(*stack));
	reach = calloc(mt->n, 1);
	if (!c.by_id || !c.by_pp || !stack || !reach)
		goto out;	/* nothing marked: the table is still right */
	for (i = 0; i < mt->n; i++)
		c.by_id[i] = c.by_pp[i] = i;
	qctx = &c;
	qsort(c.by_id, c.n, sizeof(*c.by_id), cmp_id);
	qsort(c.by_pp, c.n, sizeof(*c.by_pp), cmp_pp);
	qctx = NULL;
	mark_reach(&c, reach, stack);
	for (i = 0; i < mt->n; i++) {
		struct nsm_mountinfo *mi = &mt->v[i];

		/* or something is mounted on its own root: a stack */
		mi->hidden = reach[i] != R_YES ||
			     has_child_at(&c, mi->mount_id, mi->path,
					  strlen(mi->path), i);
	}
out:
	free(c.by_id);
	free(c.by_pp);
	free(stack);
	free(reach);
}

const char *nsm_mount_propagation(const struct nsm_mountinfo *mi, char *buf,
				  size_t len)
{
	const char *t = mi->tags;
	bool shared = false, slave = false, unbindable = false;

	while (t && *t) {
		size_t n = strcspn(t, " ");

		if (!strncmp(t, "shared:", 7))
			shared = true;
		else if (!strncmp(t, "master:", 7))
			slave = true;
		else if (n == 10 && !strncmp(t, "unbindable", 10))
			unbindable = true;
		t += n;
		t += strspn(t, " ");
	}
	/* as findmnt(8) prints PROPAGATION */
	snprintf(buf, len, "%s%s%s", shared ? "shared" : "private",
		 slave ? ",slave" : "", unbindable ? ",unbindable" : "");
	return buf;
}

int nsm_scan_mounts(struct nsm_model *m)
{
	size_t i;
	int err = 0;

	for (i = 0; i < m->nns && !err; i++) {
		struct nsm_ns *ns = m->ns[i];

		if (ns->type != NSM_MNT || ns->mounts)
			continue;
		err = nsm_mntns_read(m, ns, NULL);
	}
	for (i = 0; i < m->nns; i++) {
		if (m->ns[i]->fd >= 0) {
			close(m->ns[i]->fd);
			m->ns[i]->fd = -1;
		}
		if (m->ns[i]->mounts)
			nsm_mounts_mark_hidden(m->ns[i]->mounts);
	}
	return err;
}
