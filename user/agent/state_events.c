// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * state_events.c - see state_events.h.  What containerd and CRI-O do in
 * their state, as the engines lay it out (nsm_engine_state_levels()):
 * containerd's shim makes STATE/io.containerd.runtime.v2.task/NS/ID/ when
 * a task is created, runc renames init.pid into it once the init process
 * exists (before `task start`: the namespaces are made by then), nothing
 * changes there when the init exits, and the directory is renamed to
 * ".ID" and removed when the task is deleted; CRI-O's
 * overlay-containers/ID/userdata/ gets its pidfile the same way.  So:
 *
 * - every directory from the state directory down to the containers' is
 *   watched (inotify: a subdirectory made or moved in; a container's
 *   directory: a file written or moved in); a new one is watched first,
 *   then listed, so that nothing made meanwhile is missed;
 * - a container's directory is read again (nsm_engine_read_live(), the
 *   sweep's reading and the checks of its process) on each change until
 *   it names a process: that is the start, and a pidfd of it is kept;
 * - the pidfd readable (the init exited), or the directory gone (moved,
 *   removed, its file system unmounted): the stop.
 *
 * Directories are opened below the engine's state directory (an fd the
 * sweep opened inside the engine's root) with RESOLVE_BENEATH, never by
 * a path joined onto a root, and watched through /proc/self/fd/N, that
 * very directory.  The names come from the kernel (one path component
 * each); those starting with '.' (containerd's ".ID" of a task being
 * deleted) are not containers.
 *
 * Docker runs its containers through containerd, in containerd's
 * namespace "moby": while a Docker engine is followed, its events say it,
 * and containerd's tasks there are not reported twice.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "idmap.h"
#include "state_events.h"

/* directory levels below the state directory at most */
#define MAX_LEVELS 7
/* pidfds read at once */
#define MAX_EXITS 64

/* An engine whose state is followed. */
struct eng {
	struct nsm_engine e;	/* own copy: path, root and fd dup'ed */
	const char *const *levels;
	size_t nlevels;
	dev_t dev;		/* of its state directory */
	ino_t ino;
	int wd;			/* the state directory's watch; -1: none */
};

/* A directory watched: the state directory, a level below, a container's. */
struct dir {
	struct dir *prev, *next;
	int wd;
	struct eng *eng;
	size_t depth;		/* 0: the state directory; nlevels: a container's */
	char *rel;		/* below the state directory ("." for it) */
	bool done;		/* a container's: started, or not to be */
	struct nsm_container *c;	/* started: what was read */
	int pidfd;		/* its init's until it exits; -1 */
	unsigned gen;		/* the last listing that found it */
};

struct se {
	int ifd;		/* inotify; -1: none */
	int efd;		/* epoll of the pidfds */
	struct eng **engs;
	size_t nengs;
	struct nsm_idmap *by_wd;	/* wd -> struct dir */
	struct dir *dirs;	/* every one, to go through */
	size_t ndirs, nrunning;
	size_t max_running;	/* SE_MAX_RUNNING, or less for the fd limit */
	unsigned gen;
	/* during se_sync(): what runs in its model started before */
	const struct nsm_model *m;
	bool docker;		/* a Docker engine is followed */
	se_fn fn;
	void *ctx;
	FILE *warn;
	bool warned_dirs, warned_running, warned_watch;
};

struct se *se_new(se_fn fn, void *ctx, FILE *warn)
{
	struct se *se = calloc(1, sizeof(*se));
	struct rlimit rl;

	if (!se)
		return NULL;
	/* a pidfd each: a quarter of the fds at most, the sweeps need theirs */
	se->max_running = SE_MAX_RUNNING;
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur / 4 < se->max_running)
		se->max_running = rl.rlim_cur / 4;
	se->by_wd = nsm_idmap_new();
	se->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	se->efd = epoll_create1(EPOLL_CLOEXEC);
	if (!se->by_wd || se->efd < 0) {
		se_free(se);
		return NULL;
	}
	/* no inotify (a kernel without, too many instances): sweeps only */
	if (se->ifd < 0 && warn)
		fprintf(warn, "nsmon watch: inotify: %s: containerd's and "
			      "CRI-O's containers are seen at sweeps only\n",
			strerror(errno));
	se->fn = fn;
	se->ctx = ctx;
	se->warn = warn;
	return se;
}

static void eng_free(struct eng *g)
{
	nsm_engine_close(&g->e);
	free(g);
}

/* Once, on stderr: a limit that leaves containers to the sweeps. */
static void warn_once(struct se *se, bool *warned, const char *what)
{
	if (*warned || !se->warn)
		return;
	*warned = true;
	fprintf(se->warn, "nsmon watch: %s: the rest of containerd's and "
			  "CRI-O's containers are seen at sweeps only\n", what);
	fflush(se->warn);
}

/* ------------------------------------------------------------ containers */

/* Its init exited, or its directory went: the stop, once. */
static void stop(struct se *se, struct dir *d)
{
	if (d->pidfd < 0)
		return;
	epoll_ctl(se->efd, EPOLL_CTL_DEL, d->pidfd, NULL);
	close(d->pidfd);
	d->pidfd = -1;
	se->nrunning--;
	se->fn(se->ctx, "stop", d->c);
	nsm_container_free(d->c);
	d->c = NULL;
}

/* Whether m (the sweep this follows from) lists c: it ran before. */
static bool listed(const struct nsm_model *m, const struct nsm_container *c)
{
	size_t i;

	for (i = 0; m && i < m->ncontainers; i++)
		if (m->containers[i]->engine == c->engine &&
		    !strcmp(m->containers[i]->id, c->id))
			return true;
	return false;
}

/* Whether c is Docker's, through its containerd: Docker says it. */
static bool dockers(const struct se *se, const struct nsm_container *c)
{
	const char *ns = nsm_container_label(c, "io.containerd.namespace");

	return se->docker && c->engine == NSM_ENGINE_CONTAINERD && ns &&
	       (!strcmp(ns, "moby") || !strcmp(ns, "plugins.moby"));
}

/*
 * The names of d's "*" levels, from its path below the state directory
 * (in buf); how many.
 */
static size_t star_names(const struct dir *d, char *buf, size_t size,
			 const char **names)
{
	char *p, *save = NULL;
	size_t lvl = 0, n = 0;

	names[0] = NULL;
	if (snprintf(buf, size, "%s", d->rel) >= (int)size)
		return 0;
	/* rel is "./LEVEL0/LEVEL1/..." */
	strtok_r(buf, "/", &save);
	while ((p = strtok_r(NULL, "/", &save)) && lvl < d->eng->nlevels) {
		if (!strcmp(d->eng->levels[lvl++], "*"))
			names[n++] = p;
	}
	names[n] = NULL;
	return n;
}

/*
 * A container's directory once it has started (or is not to be): what is
 * written there (containerd's log.json at every command of the engine)
 * need not wake us; only its going does.
 */
static void quiet(struct se *se, int fd)
{
	char self[40];

	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	/* the same inode: its watch (wd) is kept, with this mask instead */
	inotify_add_watch(se->ifd, self, IN_ONLYDIR | IN_MOVE_SELF);
}

/* A container's directory (fd) changed: has it started? */
static void ctr_read(struct se *se, struct dir *d, int fd)
{
	const char *names[MAX_LEVELS + 1];
	struct nsm_container *c = NULL;
	char buf[PATH_MAX];
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = d->wd };
	int pidfd = -1;

	if (d->done)
		return;
	/* every layout has a "*" level: the container's id */
	if (!star_names(d, buf, sizeof(buf), names))
		return;
	if (nsm_engine_read_live(NULL, &d->eng->e, fd, names, &c, &pidfd) ||
	    !c)
		return;
	if (dockers(se, c))
		goto not_followed;
	if (se->nrunning >= se->max_running) {
		warn_once(se, &se->warned_running,
			  "more containers than watch follows at once");
		goto out;
	}
	if (epoll_ctl(se->efd, EPOLL_CTL_ADD, pidfd, &ev))
		goto out;
	d->done = true;
	d->c = c;
	d->pidfd = pidfd;
	se->nrunning++;
	quiet(se, fd);
	if (!listed(se->m, c))
		se->fn(se->ctx, "start", c);
	return;
not_followed:
	d->done = true;
	quiet(se, fd);
out:
	nsm_container_free(c);
	close(pidfd);
}

/* ----------------------------------------------------------- directories */

static bool matches(const char *level, const char *name)
{
	return strcmp(level, "*") ? !strcmp(level, name) : name[0] != '.';
}

static uint32_t mask_of(const struct eng *g, size_t depth)
{
	uint32_t m = IN_ONLYDIR | IN_MOVE_SELF;

	return m | (depth < g->nlevels ? IN_CREATE | IN_MOVED_TO
				       : IN_CLOSE_WRITE | IN_MOVED_TO);
}

/* Lets go of d: its container stops; rm: its watch is still there. */
static void dir_drop(struct se *se, struct dir *d, bool rm)
{
	stop(se, d);
	if (rm && se->ifd >= 0)
		inotify_rm_watch(se->ifd, d->wd);
	nsm_idmap_del(se->by_wd, (uint64_t)d->wd);
	if (d->eng->wd == d->wd && !d->depth)
		d->eng->wd = -1;
	if (d->prev)
		d->prev->next = d->next;
	else
		se->dirs = d->next;
	if (d->next)
		d->next->prev = d->prev;
	se->ndirs--;
	free(d->rel);
	free(d);
}

/* d and what was watched below it (moved away: their paths are stale). */
static void subtree_drop(struct se *se, struct dir *d)
{
	size_t len = strlen(d->rel);
	struct dir *x, *next;

	for (x = se->dirs; x; x = next) {
		next = x->next;
		if (x != d && x->eng == d->eng && !strncmp(x->rel, d->rel, len) &&
		    x->rel[len] == '/')
			dir_drop(se, x, true);
	}
	dir_drop(se, d, true);
}

static struct dir *dir_new(struct se *se, struct eng *g, size_t depth,
			   const char *rel, int wd)
{
	struct dir *d = calloc(1, sizeof(*d));

	if (!d || !(d->rel = strdup(rel)) ||
	    nsm_idmap_put(se->by_wd, (uint64_t)wd, d)) {
		if (d)
			free(d->rel);
		free(d);
		inotify_rm_watch(se->ifd, wd);
		return NULL;
	}
	d->wd = wd;
	d->eng = g;
	d->depth = depth;
	d->pidfd = -1;
	d->next = se->dirs;
	if (se->dirs)
		se->dirs->prev = d;
	se->dirs = d;
	se->ndirs++;
	if (!depth)
		g->wd = wd;
	return d;
}

static void dir_add(struct se *se, struct eng *g, size_t depth,
		    const char *rel);

/* Whatever is in d (fd) now, as if it had just come. */
static void dir_list(struct se *se, struct dir *d, int fd)
{
	char rel[PATH_MAX];
	struct dirent *de;
	DIR *dp;
	int dup;

	if (d->depth == d->eng->nlevels) {
		/* dir_add() gave its watch the full mask again */
		if (d->done)
			quiet(se, fd);
		else
			ctr_read(se, d, fd);
		return;
	}
	dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	dp = dup < 0 ? NULL : fdopendir(dup);
	if (!dp) {
		if (dup >= 0)
			close(dup);
		return;
	}
	while ((de = readdir(dp))) {
		if (!matches(d->eng->levels[d->depth], de->d_name) ||
		    (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN))
			continue;
		if (snprintf(rel, sizeof(rel), "%s/%s", d->rel, de->d_name) <
		    (int)sizeof(rel))
			dir_add(se, d->eng, d->depth + 1, rel);
	}
	closedir(dp);
}

/* Watches the directory rel at depth (if new), then lists it. */
static void dir_add(struct se *se, struct eng *g, size_t depth,
		    const char *rel)
{
	char self[40];
	struct dir *d;
	int fd, wd;

	if (se->ifd < 0)
		return;
	fd = nsm_open_beneath(g->e.fd, rel, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return;
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	d = NULL;
	wd = se->ndirs < SE_MAX_DIRS
		     ? inotify_add_watch(se->ifd, self, mask_of(g, depth))
		     : -1;
	if (wd < 0 && se->ndirs >= SE_MAX_DIRS) {
		warn_once(se, &se->warned_watch,
			  "more directories than watch follows at once");
	} else if (wd < 0 && errno == ENOSPC) {
		warn_once(se, &se->warned_watch,
			  "inotify: fs.inotify.max_user_watches reached");
	} else if (wd >= 0) {
		/* the same directory again (a listing, an event after it) */
		d = nsm_idmap_get(se->by_wd, (uint64_t)wd);
		/* another engine's too (one directory named twice): its own */
		if (d && d->eng != g)
			goto out;
		/*
		 * moved here from elsewhere (its MOVE_SELF is still queued):
		 * what is below it was watched under its old path
		 */
		if (d && strcmp(d->rel, rel)) {
			subtree_drop(se, d);
			d = NULL;
			wd = inotify_add_watch(se->ifd, self, mask_of(g, depth));
		}
		if (!d && wd >= 0)
			d = dir_new(se, g, depth, rel, wd);
	}
	if (d) {
		d->gen = se->gen;
		dir_list(se, d, fd);
	}
out:
	close(fd);
}

/* A container's directory changed: read it again (not started yet). */
static void dir_changed(struct se *se, struct dir *d)
{
	int fd;

	if (d->done)
		return;
	fd = nsm_open_beneath(d->eng->e.fd, d->rel, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return;
	ctr_read(se, d, fd);
	close(fd);
}

/* ---------------------------------------------------------------- engines */

/* Every directory listed again (events were lost): what went, went. */
static void relist(struct se *se)
{
	struct dir *d, *next;
	size_t i;

	se->gen++;
	for (i = 0; i < se->nengs; i++)
		dir_add(se, se->engs[i], 0, ".");
	for (d = se->dirs; d; d = next) {
		next = d->next;
		if (d->gen != se->gen)
			dir_drop(se, d, true);
	}
}

static struct eng *eng_find(struct se *se, const struct nsm_engine *e,
			    const struct stat *st)
{
	size_t i;

	for (i = 0; i < se->nengs; i++)
		if (se->engs[i]->e.kind == e->kind &&
		    se->engs[i]->dev == st->st_dev &&
		    se->engs[i]->ino == st->st_ino)
			return se->engs[i];
	return NULL;
}

/* A copy of e to keep: its root and state directory fds dup'ed. */
static struct eng *eng_new(const struct nsm_engine *e, const struct stat *st)
{
	struct eng *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->e = *e;
	g->e.root = e->root == AT_FDCWD ? AT_FDCWD
					: fcntl(e->root, F_DUPFD_CLOEXEC, 0);
	g->e.fd = fcntl(e->fd, F_DUPFD_CLOEXEC, 0);
	g->e.path = strdup(e->path);
	g->levels = nsm_engine_state_levels(e->kind);
	while (g->levels[g->nlevels])
		g->nlevels++;
	g->dev = st->st_dev;
	g->ino = st->st_ino;
	g->wd = -1;
	if (g->e.path && g->e.fd >= 0 && g->nlevels <= MAX_LEVELS &&
	    (g->e.root >= 0 || g->e.root == AT_FDCWD))
		return g;
	eng_free(g);
	return NULL;
}

static void follow(struct se *se, const struct nsm_engine *e)
{
	struct eng **v, *g;
	struct stat st;

	if (!nsm_engine_state_levels(e->kind) || e->fd < 0 || fstat(e->fd, &st))
		return;
	g = eng_find(se, e, &st);
	if (g) {
		if (e->pid)
			g->e.pid = e->pid;
	} else {
		v = reallocarray(se->engs, se->nengs + 1, sizeof(*v));
		if (!v)
			return;
		se->engs = v;
		g = eng_new(e, &st);
		if (!g)
			return;
		v[se->nengs++] = g;
	}
	/* new, or its state directory went and is there again */
	if (g->wd < 0)
		dir_add(se, g, 0, ".");
}

/*
 * Whether g is an engine in another root whose process is gone: an fd on
 * a directory in a container's file system keeps it (and its mounts)
 * busy, so it is let go (as engine_events.c's conn_release()).
 */
static bool eng_gone(const struct eng *g)
{
	struct stat a, b;
	char proc[32];

	if (g->e.root == AT_FDCWD || !g->e.pid)
		return false;
	if (!fstat(g->e.root, &a) && !stat("/", &b) && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino)
		return false;
	snprintf(proc, sizeof(proc), "/proc/%d", (int)g->e.pid);
	return access(proc, F_OK) != 0;
}

static void eng_release(struct se *se, size_t i)
{
	struct eng *g = se->engs[i];
	struct dir *d, *next;

	for (d = se->dirs; d; d = next) {
		next = d->next;
		if (d->eng == g)
			dir_drop(se, d, true);
	}
	eng_free(g);
	se->engs[i] = se->engs[--se->nengs];
}

void se_sync(struct se *se, const struct nsm_model *m)
{
	size_t i;

	se->m = m;
	se->docker = false;
	for (i = 0; i < m->nengines; i++)
		se->docker |= m->engines[i].kind == NSM_ENGINE_DOCKER;
	for (i = 0; i < m->nengines; i++)
		follow(se, &m->engines[i]);
	for (i = se->nengs; i-- > 0;)
		if (eng_gone(se->engs[i]))
			eng_release(se, i);
	se->m = NULL;
}

void se_free(struct se *se)
{
	size_t i;

	if (!se)
		return;
	/* no callback from here on: the caller is going */
	se->fn = NULL;
	while (se->dirs) {
		struct dir *d = se->dirs;

		if (d->pidfd >= 0)
			close(d->pidfd);
		nsm_container_free(d->c);
		se->dirs = d->next;
		free(d->rel);
		free(d);
	}
	for (i = 0; i < se->nengs; i++)
		eng_free(se->engs[i]);
	free(se->engs);
	nsm_idmap_free(se->by_wd);
	if (se->ifd >= 0)
		close(se->ifd);
	if (se->efd >= 0)
		close(se->efd);
	free(se);
}

/* ---------------------------------------------------------------- events */

int se_pollfds(struct se *se, struct pollfd *p, int max)
{
	int n = 0;

	if (se->ifd >= 0 && se->nengs && n < max)
		p[n++] = (struct pollfd){ .fd = se->ifd, .events = POLLIN };
	if (se->nrunning && n < max)
		p[n++] = (struct pollfd){ .fd = se->efd, .events = POLLIN };
	return n;
}

/* One inotify event. */
static void on_inotify(struct se *se, const struct inotify_event *ev)
{
	struct dir *d;
	char rel[PATH_MAX];

	if (ev->mask & IN_Q_OVERFLOW) {
		relist(se);
		return;
	}
	d = nsm_idmap_get(se->by_wd, (uint64_t)ev->wd);
	if (!d)
		return;
	if (ev->mask & IN_IGNORED) {
		dir_drop(se, d, false);
	} else if (ev->mask & IN_MOVE_SELF) {
		subtree_drop(se, d);
	} else if (d->depth == d->eng->nlevels) {
		dir_changed(se, d);
	} else if (ev->len && (ev->mask & IN_ISDIR) &&
		   matches(d->eng->levels[d->depth], ev->name) &&
		   snprintf(rel, sizeof(rel), "%s/%s", d->rel, ev->name) <
			   (int)sizeof(rel)) {
		dir_add(se, d->eng, d->depth + 1, rel);
	}
}

static void read_inotify(struct se *se)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	ssize_t n;
	char *p;

	while ((n = read(se->ifd, buf, sizeof(buf))) > 0) {
		for (p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			on_inotify(se, ev);
		}
	}
}

static void read_exits(struct se *se)
{
	struct epoll_event ev[MAX_EXITS];
	struct dir *d;
	int i, n;

	do {
		n = epoll_wait(se->efd, ev, MAX_EXITS, 0);
		for (i = 0; i < n; i++) {
			d = nsm_idmap_get(se->by_wd, ev[i].data.u64);
			if (d)
				stop(se, d);
		}
	} while (n == MAX_EXITS);
}

void se_read(struct se *se, const struct pollfd *p, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (!(p[i].revents & POLLIN))
			continue;
		if (p[i].fd == se->ifd)
			read_inotify(se);
		else if (p[i].fd == se->efd)
			read_exits(se);
	}
}
