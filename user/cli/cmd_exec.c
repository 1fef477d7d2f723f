// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_exec.c - `nsmon exec (--ns ID[,ID...] | --pid PID [-t TYPES]) --
 * CMD [ARGS]`: nsenter(1) by nsmon's ids, wherever a namespace is held
 * (libnsm's nsm_run.h: a process, a thread, an fd, a socket, a bind mount
 * in any mount namespace, the nsfs file handle).
 *
 * An id is looked for among the processes first (the newest, then one
 * pass over /proc, no discovery); only one held otherwise costs a
 * discovery.  Options and
 * order of entering are nsenter's; the command's exit code is ours, a
 * death by signal N is 128+N.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "nsm_run.h"
#include "parse.h"

#define MAX_TARGETS 16
#ifndef NS_GET_PARENT
#define NS_GET_PARENT _IO(0xb7, 0x2)
#endif

enum {
	OPT_NS = CLI_OPT_END + 1,
	OPT_PRESERVE,
	OPT_KEEP_CAPS,
	OPT_USER_PARENT,
	OPT_VIA,
};

struct exec_ctl {
	struct cli_common common;
	uint64_t ids[MAX_TARGETS];	/* --ns */
	size_t nids;
	pid_t pid;			/* --pid */
	unsigned types;			/* -t, as 1 << NSM_* */
	const char *which;		/* --ns or --pid */
	const char *root, *wd;		/* --root=DIR, --wd=DIR */
	bool do_root, do_wd;
	bool preserve, keep_caps, user_parent, no_fork;
	unsigned ways;			/* --via */
	struct nsm_target t[MAX_TARGETS];
	size_t n;
	int rootfd, wdfd;		/* --pid: opened before entering */
	int back[2];			/* our mnt, pid ns: the parent's way back */
};

static void usage(FILE *out)
{
	/* clang-format off */
	fputs("Usage: nsmon exec (--ns ID[,ID...] | --pid PID [-t TYPES]) [OPTIONS]\n"
	      "                  -- CMD [ARGS]\n"
	      "\n"
	      "Runs CMD inside namespaces given by nsmon's ids (inode number or\n"
	      "ns_id), wherever they are held: a process, a thread, an open fd,\n"
	      "a socket, a bind mount in any mount namespace (also one that no\n"
	      "process is in), or on Linux 6.18+ the namespace's file handle.\n"
	      "The exit code is CMD's; a death by signal N is 128+N.\n"
	      "\n"
	      "Options:\n"
	      "     --ns ID[,ID...]      the namespaces to enter (repeatable)\n"
	      " -p, --pid PID            the namespaces of process PID\n"
	      " -t, --type TYPES         with --pid: only these types (net,uts,...);\n"
	      "                          default: each that differs from ours\n"
	      " -r, --root[=DIR]         set the root directory: DIR inside the\n"
	      "                          target; default the process's root, or\n"
	      "                          the root of the mount namespace entered\n"
	      " -w, --wd[=DIR]           set the working directory: DIR inside the\n"
	      "                          target; default the process's, or /\n"
	      "     --preserve-credentials  keep our uid and gids in a user namespace\n"
	      "                          (default: become its root, as nsenter)\n"
	      "     --keep-caps          keep the capabilities a user namespace gives\n"
	      "                          across the exec (ambient set)\n"
	      "     --user-parent        enter the parent of the user namespace\n"
	      " -F, --no-fork            do not fork before exec, also not for a PID\n"
	      "                          namespace (then CMD's children are in it)\n"
	      "     --via WAYS           open namespaces only these ways: process,\n"
	      "                          task, fd, socket, bindmount, handle\n"
	      " -v, --verbose            say which way each namespace was opened\n"
	      " -h, --help               this text\n"
	      "\n"
	      "Exit status: CMD's; 1 if a namespace is not found, went away or\n"
	      "cannot be entered; 2 for bad usage; 126/127 if CMD cannot run.\n",
	      out);
	/* clang-format on */
}

/* --ns ID[,ID...]: 0 or a usage error (2) */
static int add_ids(struct exec_ctl *c, const char *arg)
{
	char buf[32];
	const char *p = arg, *end;
	size_t len;

	do {
		end = strchrnul(p, ',');
		len = (size_t)(end - p);
		if (len >= sizeof(buf) || c->nids == MAX_TARGETS)
			return cli_bad_value("exec", "--ns", "namespace id", arg,
					     "at most 16 ids");
		memcpy(buf, p, len);
		buf[len] = '\0';
		if (cli_parse_nsid(buf, &c->ids[c->nids]))
			return cli_bad_value("exec", "--ns", "namespace id",
					     buf, NULL);
		c->nids++;
		p = end + 1;
	} while (*end);
	return 0;
}

static int exec_opt(void *ctl, int code, const char *arg)
{
	struct exec_ctl *c = ctl;

	switch (code) {
	case OPT_NS:
		return cli_exclusive("exec", &c->which, "--ns") ?:
		       add_ids(c, arg);
	case 'p':
		if (cli_exclusive("exec", &c->which, "--pid"))
			return EXIT_USAGE;
		return cli_parse_pid(arg, &c->pid)
			       ? cli_bad_value("exec", "--pid", "process id",
					       arg, NULL)
			       : 0;
	case 't':
		return nsm_parse_types(arg, &c->types)
			       ? cli_bad_value("exec", "--type", "type list",
					       arg, "cgroup ipc mnt net pid "
						    "time user uts")
			       : 0;
	case 'r':
		c->do_root = true;
		c->root = arg;
		return 0;
	case 'w':
		c->do_wd = true;
		c->wd = arg;
		return 0;
	case OPT_PRESERVE:
		c->preserve = true;
		return 0;
	case OPT_KEEP_CAPS:
		c->keep_caps = true;
		return 0;
	case OPT_USER_PARENT:
		c->user_parent = true;
		return 0;
	case 'F':
		c->no_fork = true;
		return 0;
	case OPT_VIA:
		return nsm_parse_ways(arg, &c->ways)
			       ? cli_bad_value("exec", "--via", "way list", arg,
					       "process task fd socket "
					       "bindmount handle")
			       : 0;
	case CLI_OPERAND:
		return 0;	/* CMD and its ARGS: from optind on */
	}
	return CLI_NOT_MINE;
}

/* "net:[4026532177]" */
static const char *ns_name(const struct nsm_target *t, char *buf, size_t len)
{
	if (t->id)
		snprintf(buf, len, "%s:[%llu]", nsm_type_name(t->type),
			 (unsigned long long)t->id);
	else	/* not opened: what it was to be */
		snprintf(buf, len, "%s of process %d", nsm_type_name(t->type),
			 (int)t->pid);
	return buf;
}

/* Why a namespace could not be opened or entered, in words. */
static const char *reason(const struct nsm_target *t, int err)
{
	switch (-err) {
	case ESTALE:
	case ESRCH:
		return "it went away (its holder exited or moved)";
	case EPERM:
		return "not permitted (it needs CAP_SYS_ADMIN in its owning "
		       "user namespace)";
	case EINVAL:
		if (t->type == NSM_USER)
			return "a user namespace cannot be entered from a "
			       "multi-threaded process, nor an ancestor of ours";
		break;
	case EUSERS:
		return "a time namespace cannot be entered from a "
		       "multi-threaded process";
	}
	return strerror(-err);
}

static int fail(const struct nsm_target *t, const char *what, int err)
{
	char name[64];

	fprintf(stderr, "nsmon exec: %s: %s: %s\n", ns_name(t, name,
		sizeof(name)), what, reason(t, err));
	return 1;
}

/* --pid: one target per type asked for (default all that are not ours). */
static int open_pid(struct exec_ctl *c)
{
	unsigned types = c->types ? c->types : (1u << NSM_NTYPES) - 1;
	int type, err;

	for (type = 0; type < NSM_NTYPES; type++) {
		if (!(types & (1u << type)))
			continue;
		err = nsm_target_of_pid(&c->t[c->n], c->pid, type);
		if (err == -ESRCH) {
			fprintf(stderr, "nsmon exec: process %d: no such "
					"process\n", (int)c->pid);
			return 1;
		}
		if (err == -ENOENT && !c->types)
			continue;	/* a kernel without this type */
		if (err)
			return fail(&c->t[c->n], "cannot open", err);
		c->n++;
	}
	return 0;
}

/* --ns: the fast pass over /proc, then a discovery for the rest. */
static int open_ids(struct exec_ctl *c)
{
	struct nsm_model *m = NULL;
	size_t i, left = c->nids;
	int err, rc = 0;

	c->n = c->nids;
	if (c->ways & (1u << NSM_WAY_PROCESS))
		left = (size_t)nsm_targets_scan(c->t, c->ids, c->nids);
	else
		for (i = 0; i < c->n; i++)
			nsm_target_init(&c->t[i]);
	if (!left)
		return 0;
	c->common.opts.mounts = false;
	c->common.opts.containers = false;
	if (cli_sweep_quiet(&c->common.opts, &m)) {
		fprintf(stderr, "nsmon exec: discovery failed\n");
		return 1;
	}
	for (i = 0; i < c->n && !rc; i++) {
		if (c->t[i].type != NSM_TYPE_NONE)
			continue;
		err = nsm_target_open(m, c->ids[i], c->ways, &c->t[i]);
		if (err == -ENOENT && c->t[i].type == NSM_TYPE_NONE) {
			fprintf(stderr, "nsmon exec: namespace %llu: not found "
					"on this host\n",
				(unsigned long long)c->ids[i]);
			rc = 1;
		} else if (err) {
			rc = fail(&c->t[i], "cannot open", err);
		}
	}
	nsm_model_free(m);
	return rc;
}

/* Two targets of one type cannot both be entered. */
static int check_types(struct exec_ctl *c)
{
	unsigned seen = 0;
	size_t i;

	for (i = 0; i < c->n; i++) {
		if (seen & (1u << c->t[i].type)) {
			fprintf(stderr, "nsmon exec: two %s namespaces given\n",
				nsm_type_name(c->t[i].type));
			return 1;
		}
		seen |= 1u << c->t[i].type;
	}
	return 0;
}

/* --user-parent: the user target becomes its parent (NS_GET_PARENT). */
static int to_user_parent(struct exec_ctl *c)
{
	struct nsm_target *t = NULL;
	char path[64];
	struct stat st;
	size_t i;
	int fd, pfd;

	for (i = 0; i < c->n; i++)
		if (c->t[i].type == NSM_USER)
			t = &c->t[i];
	if (!t) {
		fprintf(stderr, "nsmon exec: --user-parent: no user namespace "
				"among the targets\n");
		return 1;
	}
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)t->pid);
	fd = t->way == NSM_WAY_PROCESS || t->way == NSM_WAY_OURS
		     ? open(t->way == NSM_WAY_OURS ? "/proc/self/ns/user" : path,
			    O_RDONLY | O_CLOEXEC)
		     : dup(t->fd);
	pfd = fd < 0 ? -1 : ioctl(fd, NS_GET_PARENT);
	if (pfd < 0 || fstat(pfd, &st)) {
		int err = -errno;

		if (fd >= 0)
			close(fd);
		return fail(t, "no parent to enter", err);
	}
	close(fd);
	nsm_target_close(t);
	t->fd = pfd;
	t->id = st.st_ino;
	t->pid = 0;	/* an nsfs fd now, not the holder's pidfd */
	if (t->way == NSM_WAY_OURS)
		t->way = NSM_WAY_TASK;
	strncat(t->how, ", its parent (NS_GET_PARENT)",
		sizeof(t->how) - strlen(t->how) - 1);
	/* our own user namespace: setns(2) would refuse it (EINVAL) */
	if (!stat("/proc/self/ns/user", &st) && st.st_ino == t->id) {
		nsm_target_close(t);
		t->way = NSM_WAY_OURS;
	}
	return 0;
}

static bool entered(const struct exec_ctl *c, enum nsm_type type)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->t[i].type == type && c->t[i].way != NSM_WAY_OURS)
			return true;
	return false;
}

/* A directory of process pid: DIR as it sees it, else its own (name). */
static int pid_dir(pid_t pid, const char *dir, const char *name)
{
	struct nsm_place at = { .pid = pid, .mntns = -1 };
	char path[64];
	int fd;

	if (dir)
		return nsm_open_in(&at, dir, O_PATH | O_DIRECTORY);
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* --pid's root and cwd, opened as that process sees them, before setns. */
static int open_dirs(struct exec_ctl *c)
{
	const char *what = "root";
	int fd = 0;

	c->rootfd = c->wdfd = -1;
	if (!c->pid)
		return 0;
	if (c->do_root)
		fd = c->rootfd = pid_dir(c->pid, c->root, "root");
	if (fd >= 0 && c->do_wd) {
		what = "working directory";
		fd = c->wdfd = pid_dir(c->pid, c->wd, "cwd");
	}
	if (fd < 0) {
		fprintf(stderr, "nsmon exec: %s of process %d: %s\n", what,
			(int)c->pid, nsm_in_root_strerror(fd));
		return 1;
	}
	return 0;
}

/*
 * --ns: inside the mount namespace entered (setns made its root ours),
 * DIR is resolved there; without DIR the root is that namespace's.
 */
static int ns_dir(const char *dir, int *fd)
{
	*fd = nsm_open_in_root(AT_FDCWD, dir ? dir : "/",
			       O_PATH | O_DIRECTORY);
	return *fd < 0 ? *fd : 0;
}

static int set_dirs(struct exec_ctl *c)
{
	const char *what = "root";
	int err = 0;

	if (!c->pid && c->do_root && c->root)
		err = ns_dir(c->root, &c->rootfd);
	if (!err && c->rootfd >= 0 && (fchdir(c->rootfd) || chroot(".")))
		err = -errno;
	if (!err && !c->pid && c->do_wd) {
		what = "working directory";
		err = ns_dir(c->wd, &c->wdfd);
	}
	if (!err && c->wdfd >= 0 && fchdir(c->wdfd))
		err = -errno;
	if (!err && c->do_root && !c->do_wd && chdir("/"))
		err = -errno;
	if (err)
		fprintf(stderr, "nsmon exec: %s: %s\n", what,
			nsm_in_root_strerror(err));
	return err ? 1 : 0;
}

/* What the user namespace gives: nsenter's root in it, unless kept. */
static int set_creds(struct exec_ctl *c)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	int cap;

	if (!c->preserve) {
		if (setgroups(0, NULL) && errno != EPERM)
			goto err;
		if (setresgid(0, 0, 0) || setresuid(0, 0, 0))
			goto err;
	}
	if (!c->keep_caps)
		return 0;
	/* permitted -> inheritable -> ambient: they survive execve(2) */
	if (syscall(SYS_capget, &h, d))
		goto err;
	d[0].inheritable = d[0].permitted;
	d[1].inheritable = d[1].permitted;
	if (syscall(SYS_capset, &h, d))
		goto err;
	for (cap = 0; cap < 64; cap++)
		if (d[cap / 32].permitted & (1u << (cap % 32)))
			prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
	return 0;
err:
	fprintf(stderr, "nsmon exec: credentials in the user namespace: %s%s\n",
		strerror(errno), errno == EINVAL && !c->preserve
		? " (no uid or gid 0 mapped there; --preserve-credentials "
		  "keeps ours)" : "");
	return 1;
}

/* Never returns on success; 126 or 127 as a shell says it. */
static int run_cmd(char **argv)
{
	int err;

	execvp(argv[0], argv);
	err = errno;
	fprintf(stderr, "nsmon exec: %s: %s\n", argv[0], strerror(err));
	return err == ENOENT ? 127 : 126;
}

/*
 * Forks so that CMD is inside the PID namespace; CMD's status is ours.
 * The waiting parent then goes back to our own mount namespace and PID
 * namespace for children (back, when no user namespace was entered; our
 * own active PID namespace is always allowed): whatever it still starts
 * or reads (LeakSanitizer's tracer at exit reads /proc/PID/task) sees it.
 */
static int fork_and_wait(char **argv, const int back[2])
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, oint, oquit;
	pid_t pid;
	int st;

	sigaction(SIGINT, &ign, &oint);
	sigaction(SIGQUIT, &ign, &oquit);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "nsmon exec: fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		sigaction(SIGINT, &oint, NULL);
		sigaction(SIGQUIT, &oquit, NULL);
		_exit(run_cmd(argv));
	}
	if (back[0] >= 0)
		(void)!setns(back[0], CLONE_NEWNS);
	if (back[1] >= 0)
		(void)!setns(back[1], CLONE_NEWPID);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 1;
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

static void say_ways(const struct exec_ctl *c)
{
	char name[64];
	size_t i;

	for (i = 0; i < c->n; i++)
		fprintf(stderr, "nsmon exec: %s: %s%s\n",
			ns_name(&c->t[i], name, sizeof(name)),
			c->t[i].way == NSM_WAY_OURS ? "" : "via ", c->t[i].how);
}

static int enter_and_run(struct exec_ctl *c, char **argv)
{
	size_t failed = 0;
	int err;

	if (check_types(c) || (c->user_parent && to_user_parent(c)) ||
	    open_dirs(c))
		return 1;
	if (c->common.verbose)
		say_ways(c);
	if (entered(c, NSM_PID) && !c->no_fork) {
		c->back[0] = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
		c->back[1] = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	}
	err = nsm_enter(c->t, c->n, &failed);
	if (err)
		return fail(&c->t[failed], "cannot enter", err);
	if (set_dirs(c) || (entered(c, NSM_USER) && set_creds(c)))
		return 1;
	if (entered(c, NSM_PID) && !c->no_fork)
		return fork_and_wait(argv, c->back);
	return run_cmd(argv);
}

int cmd_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ns", required_argument, NULL, OPT_NS },
		{ "pid", required_argument, NULL, 'p' },
		{ "type", required_argument, NULL, 't' },
		{ "root", optional_argument, NULL, 'r' },
		{ "wd", optional_argument, NULL, 'w' },
		{ "preserve-credentials", no_argument, NULL, OPT_PRESERVE },
		{ "keep-caps", no_argument, NULL, OPT_KEEP_CAPS },
		{ "user-parent", no_argument, NULL, OPT_USER_PARENT },
		{ "no-fork", no_argument, NULL, 'F' },
		{ "via", required_argument, NULL, OPT_VIA },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct exec_ctl c = { .ways = NSM_WAYS_ALL, .back = { -1, -1 } };
	const struct cli_getopt g = {
		.cmd = "exec", .optstr = "+:p:t:r::w::Fvh",
		.longopts = longopts, .usage = usage, .common = &c.common,
		.opt = exec_opt, .ctl = &c, .nargs = argc,
	};
	size_t i;
	int rc;

	cli_common_init(&c.common);
	if (cli_getopt(&g, argc, argv, &rc))
		return rc;
	if (!c.which)
		return cli_usage_error("exec", "--ns ID or --pid PID is needed");
	if (c.types && !c.pid)
		return cli_usage_error("exec", "--type goes with --pid");
	if (optind >= argc)
		return cli_usage_error("exec", "no command given (-- CMD)");
	rc = c.pid ? open_pid(&c) : open_ids(&c);
	if (!rc)
		rc = enter_and_run(&c, argv + optind);
	for (i = 0; i < c.n; i++)
		nsm_target_close(&c.t[i]);
	return rc;
}
