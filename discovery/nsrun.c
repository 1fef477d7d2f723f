// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nsrun.c - entering namespaces (nsm_enter) and running a function inside
 * them without moving the caller (nsm_run_in); see nsm_run.h.
 *
 * What the kernel allows decides thread or child (setns(2)): net, uts,
 * ipc and cgroup are per thread; mnt too, once the thread has its own
 * fs_struct (unshare(CLONE_FS)); a user namespace (EINVAL) and a time
 * namespace (timens_install(): -EUSERS) need a single-threaded process;
 * a PID namespace only takes the caller's future children.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nsm_run.h"

/* nsenter(1)'s order: user first (pass 1 only), mnt late, time last */
static const enum nsm_type order[] = {
	NSM_USER, NSM_CGROUP, NSM_IPC, NSM_UTS, NSM_NET, NSM_PID, NSM_MNT,
	NSM_TIME,
};

/* The slot that shows what setns(2) of type changed in the caller. */
static const char *slot_of(enum nsm_type type)
{
	if (type == NSM_PID)
		return nsm_slot_name(NSM_SLOT_PID_FC);
	if (type == NSM_TIME)
		return nsm_slot_name(NSM_SLOT_TIME_FC);
	return nsm_type_name(type);
}

/*
 * setns(2) for target i; a pidfd takes with it every other target of the
 * same holder that this pass may enter (one call, several types).
 */
static int enter_one(struct nsm_target *v, size_t n, size_t i, bool *done,
		     bool user_ok)
{
	int flags = nsm_type_clone_flag(v[i].type);
	size_t j;

	if (v[i].way == NSM_WAY_PROCESS) {
		for (j = 0; j < n; j++)
			if (j != i && !done[j] && v[j].way == NSM_WAY_PROCESS &&
			    v[j].pid == v[i].pid &&
			    (user_ok || v[j].type != NSM_USER))
				flags |= nsm_type_clone_flag(v[j].type);
	}
	if (setns(v[i].fd, flags))
		return -errno;
	for (j = 0; j < n; j++)
		if (j == i || (v[i].way == NSM_WAY_PROCESS &&
			       v[j].way == NSM_WAY_PROCESS &&
			       v[j].pid == v[i].pid &&
			       (flags & nsm_type_clone_flag(v[j].type))))
			done[j] = true;
	return 0;
}

/* Whether what we are in now is each target (a holder may have moved). */
static int check(const struct nsm_target *v, size_t n, int nsdir,
		 size_t *failed)
{
	struct stat st;
	size_t i;

	for (i = 0; i < n; i++) {
		if (v[i].way == NSM_WAY_OURS)
			continue;
		if (fstatat(nsdir, slot_of(v[i].type), &st, 0) ||
		    st.st_ino != v[i].id) {
			*failed = i;
			return -ESTALE;
		}
	}
	return 0;
}

int nsm_enter(struct nsm_target *v, size_t n, size_t *failed)
{
	bool done[64] = { false }, mnt = false;
	int pass, err = 0, nsdir;
	size_t i, k;

	if (n > 64)
		return -E2BIG;
	for (i = 0; i < n; i++) {
		done[i] = v[i].way == NSM_WAY_OURS;
		mnt |= !done[i] && v[i].type == NSM_MNT;
	}
	/* our own ns links, whatever mount namespace we end up in */
	nsdir = open("/proc/thread-self/ns", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (nsdir < 0)
		return -errno;
	if (mnt && unshare(CLONE_FS)) {
		err = -errno;
		goto out;
	}
	for (pass = 0; pass < 2; pass++) {
		for (k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
			for (i = 0; i < n; i++) {
				if (done[i] || v[i].type != order[k] ||
				    (!pass && v[i].type == NSM_USER))
					continue;
				err = enter_one(v, n, i, done, pass);
				/* pass 0's refusals get a second chance */
				if (err && pass) {
					*failed = i;
					goto out;
				}
			}
		}
	}
	err = check(v, n, nsdir, failed);
out:
	close(nsdir);
	return err;
}

struct run_ctx {
	struct nsm_run *r;
	int (*fn)(void *arg);
	void *arg;
	int enter_err;
};

static void *run_thread(void *arg)
{
	struct run_ctx *c = arg;

	c->enter_err = nsm_enter(c->r->v, c->r->n, &c->r->failed);
	if (!c->enter_err) {
		errno = 0;
		c->r->result = c->fn(c->arg);
		c->r->err = errno;
	}
	return NULL;
}

/* What a child reports through its pipe. */
struct run_msg {
	int enter_err;
	size_t failed;
	int result, err;
};

/* Runs fn if run, hands msg to the parent through wfd, and exits. */
static void __attribute__((noreturn)) finish(struct run_ctx *c,
					    struct run_msg *msg, int wfd,
					    bool run)
{
	if (run) {
		errno = 0;
		msg->result = c->fn(c->arg);
		msg->err = errno;
	}
	if (write(wfd, msg, sizeof(*msg)) < 0)
		_exit(2);
	_exit(0);
}

/* In the child: enters, then runs fn (in a grandchild for pid). */
static void __attribute__((noreturn)) run_child(struct run_ctx *c, int wfd)
{
	struct run_msg msg = { 0 };
	bool pid = false;
	size_t i;
	pid_t gc;
	int st;

	msg.enter_err = nsm_enter(c->r->v, c->r->n, &msg.failed);
	for (i = 0; i < c->r->n; i++)
		pid |= c->r->v[i].type == NSM_PID &&
		       c->r->v[i].way != NSM_WAY_OURS;
	if (!msg.enter_err && pid) {
		gc = fork();
		if (gc == 0)
			finish(c, &msg, wfd, true);
		if (gc < 0)
			msg.enter_err = -errno;
		else if (waitpid(gc, &st, 0) == gc)
			_exit(0);
	}
	finish(c, &msg, wfd, !msg.enter_err && !pid);
}

static int run_forked(struct run_ctx *c)
{
	struct run_msg msg;
	int p[2], st;
	ssize_t got;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		close(p[0]);
		run_child(c, p[1]);
	}
	close(p[1]);
	do
		got = read(p[0], &msg, sizeof(msg));
	while (got < 0 && errno == EINTR);
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (got != sizeof(msg))
		return -ECHILD;	/* fn died, or did not return */
	c->r->failed = msg.failed;
	c->r->result = msg.result;
	c->r->err = msg.err;
	return msg.enter_err;
}

int nsm_run_in(struct nsm_run *r, int (*fn)(void *arg), void *arg)
{
	struct run_ctx c = { .r = r, .fn = fn, .arg = arg };
	bool fork_it = false;
	pthread_t th;
	size_t i;
	int err;

	r->result = r->err = 0;
	r->failed = 0;
	for (i = 0; i < r->n; i++)
		fork_it |= r->v[i].way != NSM_WAY_OURS &&
			   (r->v[i].type == NSM_USER ||
			    r->v[i].type == NSM_PID ||
			    r->v[i].type == NSM_TIME);
	if (fork_it)
		return run_forked(&c);
	err = pthread_create(&th, NULL, run_thread, &c);
	if (err)
		return -err;
	pthread_join(th, NULL);
	return c.enter_err;
}
