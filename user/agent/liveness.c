// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * liveness.c - when the agent checks whether namespaces still exist (the
 * steps after a hint, the safety net) and how (an nsfs file handle,
 * opened and closed at once: nothing held).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/types.h>

#include "liveness.h"

/* 6.18+: nsfs file handles, opened relative to this "mount fd" */
#ifndef FD_NSFS_ROOT
#define FD_NSFS_ROOT -10003
#endif
#define FILEID_NSFS 0xf1
#define NS_GET_ID_ _IOR(0xb7, 13, __u64)

static const int check_steps_ms[] = LIVENESS_STEPS_MS;
/* the time between two parts of the safety net */
#define PART_NS (LIVENESS_MS * MS_NS / LIVENESS_PARTS)
#define NSTEPS ((int)(sizeof(check_steps_ms) / sizeof(check_steps_ms[0])))

void liveness_init(struct liveness *lv, const struct liveness_ops *ops,
		   void *ctx, agent_clock_fn clock, struct rc *rc,
		   bool handles)
{
	*lv = (struct liveness){
		.ops = ops,
		.ctx = ctx,
		.clock = clock,
		.rc = rc,
		.handles = handles,
		.step = -1,
	};
}

void liveness_start(struct liveness *lv)
{
	lv->next_part = lv->clock() + PART_NS;
}

void liveness_hint(struct liveness *lv, unsigned hints)
{
	lv->hints |= hints;
	rc_hints(lv->rc, lv->hints);
	lv->hint_at = lv->clock();
	lv->step = 0;
}

void liveness_closed(struct liveness *lv, uint64_t id)
{
	lv->closed[lv->nclosed++ % LIVENESS_NCLOSED] = id;
}

static int64_t due_ms(const struct liveness *lv, int64_t now)
{
	int64_t at = lv->next_part;

	if (lv->step >= 0) {
		int64_t s = lv->hint_at + check_steps_ms[lv->step] * MS_NS;

		if (s < at)
			at = s;
	}
	return (at - now) / 1000000;
}

int64_t liveness_due_ms(const struct liveness *lv)
{
	return due_ms(lv, lv->clock());
}

static bool ns_closed(void *ctx, uint64_t id)
{
	const struct liveness *lv = ctx;
	unsigned i, n = lv->nclosed < LIVENESS_NCLOSED ? lv->nclosed
						       : LIVENESS_NCLOSED;

	for (i = 0; i < n; i++)
		if (lv->closed[i] == id)
			return true;
	return false;
}

static int ns_alive(void *ctx, enum nsm_type type, uint64_t id,
		    uint64_t ns_id)
{
	const struct liveness *lv = ctx;

	return lv->ops->alive(lv->ctx, type, id, ns_id);
}

/* Past the steps whose time has come; the last one ends the round. */
static void next_step(struct liveness *lv, int64_t now)
{
	while (lv->step < NSTEPS &&
	       lv->hint_at + check_steps_ms[lv->step] * MS_NS <= now)
		lv->step++;
	if (lv->step < NSTEPS)
		return;
	lv->step = -1;
	lv->hints = 0;
	rc_hints(lv->rc, 0);
	lv->nclosed = 0;
}

/*
 * After an exit, while its steps are early: a sweep finds the user and
 * PID namespaces that nothing holds any more.  Not more often than
 * GONE_DUTY times its own cost: a host whose containers exit all the
 * time must not keep the agent sweeping.
 */
static void gone_sweep(struct liveness *lv, int64_t now)
{
	int64_t end;

	if (!lv->ops->gone || lv->step < 0 || !(lv->hints & RC_HINT_EXIT) ||
	    check_steps_ms[lv->step] > GONE_UNTIL_MS || now < lv->gone_next)
		return;
	end = lv->ops->gone(lv->ctx) ? now + LIVENESS_MS * MS_NS : lv->clock();
	lv->gone_next = end + (end > now ? end - now : 0) * GONE_DUTY;
}

size_t liveness_run(struct liveness *lv)
{
	int64_t now = lv->clock();
	bool step, all, part;
	size_t n = 0;

	if (!lv->handles || due_ms(lv, now) > 0)
		return 0;
	step = lv->step >= 0 &&
	       lv->hint_at + check_steps_ms[lv->step] * MS_NS <= now;
	all = step && check_steps_ms[lv->step] == CHECK_ALL_AT_MS;
	part = now >= lv->next_part;
	/* what the feed reported comes first (an exit's destroys) */
	lv->ops->consume(lv->ctx);
	if (step) {
		gone_sweep(lv, now);
		n = rc_liveness(lv->rc, all, lv->hints, ns_alive, ns_closed,
				lv);
	}
	if (part && !all)
		n += rc_liveness_part(lv->rc, lv->part, LIVENESS_PARTS,
				      lv->hints, ns_alive, ns_closed, lv);
	if (part) {
		lv->part = (lv->part + 1) % LIVENESS_PARTS;
		lv->next_part = now + PART_NS;
	}
	if (step)
		next_step(lv, now);
	return n;
}

/*
 * Whether a namespace still exists, without holding it: open its nsfs
 * file handle (ns_id, type, inode number: 6.18's struct
 * nsfs_file_handle, built here, no fd needed) and close it at once.  A
 * namespace that is gone gives ESTALE.
 */
int liveness_ns_alive(void *ctx, enum nsm_type type, uint64_t id,
		      uint64_t ns_id)
{
	struct {
		struct file_handle fh;
		struct __attribute__((packed)) {
			uint64_t ns_id;
			uint32_t type, inum;
		} h;
	} f = {
		.fh = { .handle_bytes = sizeof(f.h), .handle_type = FILEID_NSFS },
		.h = { ns_id, (uint32_t)nsm_type_clone_flag(type), (uint32_t)id },
	};
	int fd;

	(void)ctx;
	fd = open_by_handle_at(FD_NSFS_ROOT, &f.fh, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	return errno == ESTALE ? 0 : -errno;
}

bool liveness_probe(void)
{
	struct stat st;
	__u64 id = 0;
	int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = !fstat(fd, &st) && !ioctl(fd, NS_GET_ID_, &id) && id &&
	     liveness_ns_alive(NULL, NSM_NET, st.st_ino, id) == 1;
	close(fd);
	return ok;
}
