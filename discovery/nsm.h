/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsm.h - the nsmon discovery library: one model of every namespace on a
 * host, filled by independent passes (processes, tasks, fds, sockets, bind
 * mounts, hierarchy and owners), each switchable.
 *
 * The model owns all memory reachable from it.  Functions return 0 or a
 * negative errno; a process that vanished or refused is never an error, it
 * becomes a warning in the model.
 */
#ifndef NSM_H
#define NSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define NSM_VERSION "0.1.0"
#define NSM_SCHEMA 1

/* enum nsm_type and enum nsm_slot: the ABI header the BPF programs share */
#include "nsm_abi.h"

const char *nsm_type_name(enum nsm_type t);
enum nsm_type nsm_type_from_name(const char *name, size_t len);
const char *nsm_slot_name(int slot); /* "pid_for_children", ... */
enum nsm_type nsm_slot_type(int slot);
int nsm_type_clone_flag(enum nsm_type t);	/* CLONE_NEW* */
enum nsm_type nsm_type_from_clone_flag(int flag);
/* Parses "net:[4026531840]" (an nsfs readlink or mountinfo root). */
int nsm_parse_nslink(const char *s, enum nsm_type *type, uint64_t *id);
/* A decimal 64-bit number, the whole string (no sign, no space). */
int nsm_parse_u64(const char *s, uint64_t *out);
/* Mask of NSM_* types parsed from "net,uts"; -EINVAL on an unknown name. */
int nsm_parse_types(const char *list, unsigned *mask);

/*
 * Output encoding of untrusted bytes (encode.c; SPEC "Untrusted input,
 * encoding"): every printer of a comm, command line, path, mount field or
 * container string goes through nsm_encode().
 */
enum nsm_enc {
	NSM_ENC_JSON,	/* JSON string content: U+FFFD per bad byte, \uXXXX */
	NSM_ENC_UTF8,	/* U+FFFD per bad byte, nothing else */
	NSM_ENC_TEXT,	/* \xHH for control and invalid bytes: one line */
};
/* At most this many output bytes per input byte (\u00XX). */
#define NSM_ENC_RATIO 6
/* What dst must hold for n input bytes, the NUL included. */
#define NSM_ENC_SIZE(n) ((n) * NSM_ENC_RATIO + 1)
/* Encodes n bytes of src into dst (NSM_ENC_SIZE(n)); returns the length. */
size_t nsm_encode(char *dst, enum nsm_enc how, const char *src, size_t n);
/* The same, malloc'ed; NULL on ENOMEM. */
char *nsm_encode_dup(enum nsm_enc how, const char *src, size_t n);

/* How a namespace is held alive; SPEC's refs[].via. */
enum nsm_via {
	NSM_VIA_PROCESS,	/* a thread-group leader is attached: pid */
	NSM_VIA_TASK,		/* a loose thread is attached: pid, tid */
	NSM_VIA_CHILDREN,	/* pid/time_for_children of: pid */
	NSM_VIA_FD,		/* an open nsfs fd: pid, fd */
	NSM_VIA_SOCKET,		/* a socket fd (net only): pid, fd */
	NSM_VIA_BINDMOUNT,	/* an nsfs bind mount: path, mntns */
	NSM_VIA_HIERARCHY,	/* only a parent of another namespace */
	NSM_VIA_OWNER,		/* only the owner of another namespace */
	NSM_NVIAS,
};

const char *nsm_via_name(enum nsm_via v);

struct nsm_ref {
	enum nsm_via via;
	pid_t pid;		/* process, task, children, fd, socket */
	pid_t tid;		/* task; fd, socket in a thread's own table */
	int fd;			/* fd, socket */
	char *path;		/* bindmount: mount point in mntns */
	uint64_t mntns;		/* bindmount */
};

/* Growable arrays; the model frees them. */
struct nsm_pids {
	pid_t *v;
	size_t n, cap;
};

struct nsm_ids {
	uint64_t *v;
	size_t n, cap;
};

struct nsm_ns {
	uint64_t id;		/* nsfs inode number */
	uint64_t ns_id;		/* kernel ns id (NS_GET_ID), 0 = unknown */
	enum nsm_type type;
	bool initial;
	bool resolved;		/* owner/parent/ns_id looked up */
	bool has_owner_uid;
	uint64_t owner;		/* owning user ns id; 0 = unknown/none */
	uint64_t parent;	/* user/pid parent id; 0 = none/unknown */
	uid_t owner_uid;	/* user ns only */
	struct nsm_pids procs;	/* thread-group leaders attached */
	struct nsm_pids tasks;	/* loose threads attached */
	struct nsm_pids leaders;
	pid_t ealdorman;	/* 0 = none */
	struct nsm_container **ctrs;	/* containers with processes here */
	size_t nctrs;
	struct nsm_ids children;
	struct nsm_ref *refs;
	size_t nrefs, refs_cap;
	/* library-private: a cached fd while a pass holds one, else -1 */
	int fd;
	/* mnt only: its mount table (opts.mounts), NULL if not read */
	struct nsm_mounts *mounts;
};

struct nsm_proc {
	pid_t pid;
	pid_t ppid;
	uid_t uid;
	uint64_t starttime;	/* clock ticks after boot, /proc/PID/stat #22 */
	long nthreads;		/* 0 = unknown */
	char comm[17];
	char *cmdline;		/* NUL-separated argv, cmdline_len bytes */
	size_t cmdline_len;
	char *cgroup;		/* unified (v2) cgroup path, or first line */
	uint64_t ns[NSM_NSLOTS];	/* 0 = unknown (unreadable, zombie) */
	pid_t *nspid;		/* NSpid: outermost first */
	size_t nnspid;
	struct nsm_container *container;	/* NULL = none found */
	unsigned details;	/* NSM_DETAIL_* read already */
};

/*
 * How pass 7 reads a mount table.  AUTO: a process's mountinfo where the
 * namespace has one (the kernel writes it in one go), else by namespace id
 * with listmount/statmount (no thread has to enter it), else a thread that
 * enters it.  The other two force one way, for tests and benchmarks.
 */
enum nsm_mount_reader {
	NSM_MOUNTS_AUTO,
	NSM_MOUNTS_BY_ID,	/* listmount/statmount first, for every namespace */
	NSM_MOUNTS_MOUNTINFO,	/* never listmount/statmount */
};

struct nsm_opts {
	const char *proc_root;	/* "/proc" unless a fixture tree */
	bool tasks;
	bool fds;
	bool sockets;
	bool bindmounts;
	bool hierarchy;
	bool owners;
	bool mounts;
	bool containers;
	bool details;		/* read cmdline/cgroup of every process */
	/*
	 * Container engines to ask besides those found on their own, as
	 * "KIND=PATH" (nsm_engine_parse); the strings must outlive the model.
	 */
	const char *const *engines;
	size_t nengines;
	bool engines_auto;	/* also look for engines (default true) */
	/*
	 * Passes 1-3 from one read of the BPF iterators where they load
	 * (default true; a fixture proc_root never uses them), else /proc.
	 */
	bool bpf;
	enum nsm_mount_reader mount_reader;	/* default AUTO */
	int verbose;		/* > 0: timings and libbpf logs on stderr */
};

void nsm_opts_default(struct nsm_opts *o);

struct nsm_idmap;

struct nsm_model {
	struct nsm_ns **ns;
	size_t nns, ns_cap;
	struct nsm_proc **procs;
	size_t nprocs, procs_cap;
	char **warnings;
	size_t nwarnings, warnings_cap;
	struct nsm_idmap *ns_by_id;
	struct nsm_idmap *proc_by_pid;
	struct nsm_container **containers;	/* sorted by engine, name */
	size_t ncontainers, containers_cap;
	/* the engines the container pass asked (found or asked for) */
	struct nsm_engine *engines;
	size_t nengines;
	struct nsm_opts opts;	/* what was asked, proc_root strdup'ed */
	bool live;		/* proc_root is a real procfs of this kernel */
	bool used_bpf;		/* passes 1-4 came from the BPF iterator */
	/* opts.bpf but the iterators could not be used: why (static text) */
	const char *bpf_fallback;
	int proc_fd;		/* O_PATH dirfd of proc_root */
	/*
	 * The answer misses what it should hold for a reason of ours, not
	 * the host's (SPEC "Exit status"): out of fds or memory, a missing
	 * capability, an unreadable proc root.  The reasons are warnings;
	 * nsm_read_error() and nsm_incomplete() set it.
	 */
	bool incomplete;
	/*
	 * The capabilities this sweep needed and lacked (bit CAP_X each;
	 * nsm_privs[]), each said in a warning "without CAP_X: ..."; 0: a
	 * refusal is then the process's own (a warning).
	 */
	uint64_t caps_missing;
	unsigned gaps_warned;	/* library-private: causes warned once */
	size_t gaps_more;	/* library-private: further ones, counted */
	struct timespec_ns {
		int64_t sec, nsec;
	} time;			/* when the sweep started (realtime) */
};

/*
 * Model life cycle and building blocks for the passes.  nsm_model_new
 * fails with -EMEDIUMTYPE for a proc_root that is neither a procfs nor a
 * tree with process directories (a fixture).
 */
int nsm_model_new(struct nsm_model **out, const struct nsm_opts *o);
void nsm_model_free(struct nsm_model *m);
struct nsm_ns *nsm_ns_get(const struct nsm_model *m, uint64_t id);
/* Finds or adds; a type mismatch on an existing id is -EEXIST. */
int nsm_ns_add(struct nsm_model *m, uint64_t id, enum nsm_type type,
	       struct nsm_ns **out);
struct nsm_proc *nsm_proc_get(const struct nsm_model *m, pid_t pid);
int nsm_proc_add(struct nsm_model *m, pid_t pid, struct nsm_proc **out);
/*
 * Adds the namespace entries for every known slot of p->ns[], links p into
 * their procs lists and adds "children" refs for pid/time_for_children that
 * differ from p's own.  Call once per process, after p->ns[] is filled.
 */
int nsm_proc_attach(struct nsm_model *m, struct nsm_proc *p);
/* Adds a ref unless an identical one is there. path is copied. */
int nsm_ns_add_ref(struct nsm_ns *ns, enum nsm_via via, pid_t pid, int fd,
		   const char *path, uint64_t mntns);
/* The same for refs through one thread (task, or an fd table of its own). */
int nsm_ns_add_tref(struct nsm_ns *ns, enum nsm_via via, pid_t pid,
		    pid_t tid, int fd);
int nsm_pids_add(struct nsm_pids *p, pid_t pid);
int nsm_ids_add(struct nsm_ids *p, uint64_t id);
/* A warning in m; m NULL (the agent's live reads): dropped. */
void nsm_warn(struct nsm_model *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * An error reading what a process shows (fmt names the file): nothing for
 * one that vanished (ENOENT, ESRCH); else a warning "WHAT: reason".  Out
 * of fds or memory (EMFILE, ENFILE, ENOMEM) also makes the answer
 * incomplete (warned once per cause, the rest counted).  A refusal
 * (EACCES, EPERM) is a warning: while we lack a capability the passes
 * need, nsm_discover() has already said so (m->caps_missing).
 */
void nsm_read_error(struct nsm_model *m, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* How the warnings that made an answer incomplete end. */
#define NSM_INCOMPLETE "; the answer is incomplete"
/* The answer is incomplete: a warning saying why. */
void nsm_incomplete(struct nsm_model *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Whether err (negative) is a want of fds or memory. */
bool nsm_err_is_resource(int err);
/* Whether the initial namespace of its type (fixed inums, else kthreadd's). */
bool nsm_id_is_initial(enum nsm_type t, uint64_t id);

/*
 * The passes, in the order nsm_discover() runs them.  scan_procs fills
 * processes and their namespaces (pass 1); scan_tasks adds loose threads;
 * scan_fds adds nsfs fds and, with opts.sockets, the net ns of sockets.
 * A BPF iterator sweep may replace these three.
 */
int nsm_scan_procs(struct nsm_model *m);
int nsm_scan_tasks(struct nsm_model *m);
int nsm_scan_fds(struct nsm_model *m);
/* nsfs bind mounts in every mount namespace, to a fixed point. */
int nsm_scan_bindmounts(struct nsm_model *m);
/* ns_id, owners, parents/children (ioctls on a live procfs). */
int nsm_scan_hierarchy(struct nsm_model *m);
/* Reads cmdline and/or cgroup of one process (or of all with pid 0). */
enum {
	NSM_DETAIL_CMDLINE = 1,
	NSM_DETAIL_CGROUP = 2,
	NSM_DETAIL_ALL = 3,
};
int nsm_read_details(struct nsm_model *m, pid_t pid, unsigned what);
/* Derives processes/leaders/ealdorman, initial flags, sorts everything. */
int nsm_finish(struct nsm_model *m);
/*
 * All of it: with opts.bpf on a live procfs first the BPF iterator sweep
 * (m->used_bpf; where it cannot run, m->bpf_fallback says why and the
 * /proc passes do its work), then the remaining passes.
 */
int nsm_discover(struct nsm_model *m);

/*
 * The capabilities nsmon uses instead of root (privs.c): the one table
 * of what each enables and what is missed without it.  need says when a
 * capability is needed; alt is one that implies it for our use (-1:
 * none): CAP_SYS_ADMIN passes bpf_capable() and perfmon_capable().
 */
enum {
	NSM_NEED_LIVE = 1,		/* any sweep of this kernel */
	NSM_NEED_FDS = 2,		/* fds, sockets, fd-held mount ns */
	NSM_NEED_MNTNS = 4,		/* entering mount ns: bind mounts, mounts */
	NSM_NEED_BPF = 8,		/* BPF programs: iterator sweep, feed */
	NSM_NEED_PROC_SOCKETS = 16,	/* sockets read by the /proc sweep */
	/* engines: needed only where an engine's socket refuses us */
	NSM_NEED_ENGINE_SOCKETS = 32,
};
struct nsm_priv {
	int cap;		/* CAP_X */
	const char *name;	/* "CAP_X" */
	int alt;
	const char *alt_name;
	unsigned need;		/* NSM_NEED_* */
	const char *enables;	/* what it lets nsmon do */
	const char *lost;	/* what is missed without it */
};
extern const struct nsm_priv nsm_privs[];
extern const size_t nsm_nprivs;
/* Our effective capabilities, bit CAP_X set for each; ~0 if unknown. */
uint64_t nsm_effective_caps(void);
/*
 * What a run with o needs (NSM_NEED_*): bpf, whether it loads BPF
 * programs; proc_sweep, whether the /proc sweep reads the processes.
 */
unsigned nsm_priv_needs(const struct nsm_opts *o, bool bpf, bool proc_sweep);
/* p's capability, or its alt, is in caps. */
bool nsm_priv_held(const struct nsm_priv *p, uint64_t caps);
/*
 * The capabilities of need that caps lacks (bit CAP_X each), but for
 * NSM_NEED_ENGINE_SOCKETS: that is known only when a socket refuses.
 */
uint64_t nsm_privs_missing(unsigned need, uint64_t caps);
/* Of caps, those need uses (a capability, or where absent its alt). */
uint64_t nsm_privs_keep(unsigned need, uint64_t caps);
/*
 * What lacking cap refused (what: the engine...): the answer incomplete,
 * "without CAP_X: WHAT: ..." once, cap in m->caps_missing.
 */
void nsm_priv_refused(struct nsm_model *m, int cap, const char *what);
/* m->bpf_fallback when it is for want of capabilities (said per cap) */
#define NSM_BPF_CAPS_WHY "without CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN)"
/*
 * Keeps the BPF sweep's programs loaded between discoveries of this
 * process (an agent that sweeps often: a load is 25-50 ms of the
 * kernel's verifier, a read 1-2 ms); false unloads them.
 */
void nsm_bpf_keep(bool keep);

/* Resolves ns_id, owner and parent from an nsfs fd that refers to ns. */
int nsm_resolve_fd(struct nsm_model *m, struct nsm_ns *ns, int fd);

/* mountinfo (proc_pid_mountinfo(5)) */
struct nsm_mountinfo {
	int mount_id;
	int parent_id;
	unsigned major, minor;
	char *root;		/* unescaped */
	char *path;		/* mount point, unescaped */
	char *options;		/* per-mount options */
	char *tags;		/* optional fields, space-separated, or "" */
	char *fstype;
	char *source;		/* unescaped */
	char *super_options;
	bool hidden;		/* covered: not reachable by path */
};

struct nsm_mounts {
	struct nsm_mountinfo *v;
	size_t n, cap;
	char *buf;		/* owns the strings */
};

/*
 * Parses a whole mountinfo text.  On malformed input returns -EINVAL and
 * sets *bad_line to the 1-based line number (nothing is kept).
 */
int nsm_mountinfo_parse(const char *text, size_t len, struct nsm_mounts *out,
			size_t *bad_line);
void nsm_mounts_free(struct nsm_mounts *mi);

/*
 * Pass 7 (opts.mounts): the mount table of every mount namespace of the
 * model, in ns->mounts, read once each: listmount(2)/statmount(2) by
 * namespace id where the kernel has them (6.11+), else the mountinfo of
 * a process in it or of a thread that entered it.  Marks hidden mounts.
 */
int nsm_scan_mounts(struct nsm_model *m);
/*
 * Sets mi->hidden for every mount of one namespace's table: covered by a
 * mount on its own root (stacked), or under a sibling mounted on the same
 * or a parent directory, or inside a hidden mount.
 */
void nsm_mounts_mark_hidden(struct nsm_mounts *mt);
/* "shared", "private", "slave", "unbindable", or combined ("shared,slave") */
const char *nsm_mount_propagation(const struct nsm_mountinfo *mi, char *buf,
				  size_t len);

/* Small /proc helpers shared by the passes. */
/* Reads a whole file at dirfd/path into a NUL-terminated malloc'ed buffer. */
int nsm_read_file_at(int dirfd, const char *path, char **buf, size_t *len);
/* What pass 1 takes from /proc/PID/stat (proc_pid_stat(5)). */
struct nsm_stat {
	char comm[17];		/* at most 15 characters, as task->comm */
	pid_t ppid;		/* field 4 */
	long nthreads;		/* field 20 */
	uint64_t starttime;	/* field 22 */
};

/* Parses /proc/PID/stat; -EINVAL on malformed text. */
int nsm_parse_stat(const char *text, struct nsm_stat *st);
/*
 * Parses /proc/PID/status: Uid (real) and NSpid (absent before 4.1: then
 * *nnspid is 0).  On malformed text -EINVAL with *bad_line 1-based.
 */
int nsm_parse_status(const char *text, uid_t *uid, pid_t **nspid,
		     size_t *nnspid, size_t *bad_line);

/*
 * Paths another process named (discovery/inroot.c): an engine's socket,
 * config file, state directory.  They are resolved as that process sees
 * them, inside its root (openat2 RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS
 * on a dirfd of PROC/PID/root), never by joining strings onto
 * /proc/PID/root, where absolute links and ".." lead to our root.
 */
/* An O_PATH dirfd of process pid's root (proc_fd: the proc root), -errno. */
int nsm_root_open(int proc_fd, pid_t pid);
/*
 * Opens path (flags as open(2)'s, O_CLOEXEC added) inside the root
 * rootfd (nsm_root_open()); AT_FDCWD: a path of our own (asked for on the
 * command line, the host's default), resolved as any.  -errno; -EXDEV:
 * nothing there inside the root, through a link on the way that leads out
 * of it (absolute, or ".." above it; a string joined onto /proc/PID/root
 * would have named our file); -ELOOP: through a /proc magic link (or a
 * loop); -ENOSYS: no openat2 (Linux < 5.6), so nothing is opened.
 */
int nsm_open_in_root(int rootfd, const char *path, int flags);
/* Opens path below dirfd: a link absolute or above it is -EXDEV. */
int nsm_open_beneath(int dirfd, const char *path, int flags);
/* What nsm_open_in_root()'s error means, in words. */
const char *nsm_in_root_strerror(int err);
/* nsm_read_file_at() of a regular file inside the root rootfd
 * (nsm_open_in_root()): a FIFO or device is -EINVAL, never opened. */
int nsm_read_file_in_root(int rootfd, const char *path, char **buf,
			  size_t *len);
/* The same below dirfd (nsm_open_beneath()). */
int nsm_read_file_beneath(int dirfd, const char *path, char **buf,
			  size_t *len);

/*
 * Containers (discovery/containers.c and discovery/engines/, one file per
 * engine behind one interface: engines/engine.h).
 *
 * An engine is asked where it keeps its answer: Docker and podman over
 * their Engine API socket, containerd and CRI-O through their runtime state
 * directories.  Engines are found by their default paths, and by their
 * processes (dockerd, containerd, podman, crio), through /proc/PID/root, so
 * that an engine inside a container is found too; the pids such an engine
 * reports are in its own PID namespace and are translated to ours.
 */
enum nsm_engine_kind {
	NSM_ENGINE_DOCKER,
	NSM_ENGINE_PODMAN,
	NSM_ENGINE_CONTAINERD,
	NSM_ENGINE_CRIO,
	NSM_NENGINE_KINDS,
};

const char *nsm_engine_name(enum nsm_engine_kind k);

/* Where to ask one engine. */
struct nsm_engine {
	enum nsm_engine_kind kind;
	/*
	 * docker, podman: the API socket; containerd: its state directory
	 * (holding io.containerd.runtime.v2.task/NAMESPACE/ID); crio: the
	 * c/storage run root (holding overlay-containers/ID/userdata).
	 * As its process named it, inside root; or as asked for.
	 */
	char *path;
	/*
	 * An O_PATH dirfd of the root of the process that named path
	 * (nsm_root_open()); AT_FDCWD: ours (asked for, a default path).
	 */
	int root;
	int fd;			/* O_PATH: path, opened inside root; -1 */
	pid_t pid;		/* its process, 0 = unknown (then: our pid ns) */
	bool explicit;		/* asked for: failing to reach it is a warning */
};

/* Parses "KIND=PATH" (KIND: docker podman containerd crio); -EINVAL. */
int nsm_engine_parse(const char *s, struct nsm_engine *e);
/* Frees what e holds: its path, its fds. */
void nsm_engine_close(struct nsm_engine *e);
/* "docker /run/docker.sock"; "docker (pid N) /run/docker.sock" if found
 * through a process, inside its root: for messages. */
const char *nsm_engine_desc(const struct nsm_engine *e, char *buf,
			    size_t size);

struct nsm_label {
	char *key;
	char *value;
};

struct nsm_container {
	char *id;
	char *name;
	enum nsm_engine_kind engine;
	pid_t pid;		/* init process, in our PID namespace; 0 = none */
	pid_t engine_pid;	/* the pid as the engine reported it */
	bool paused;
	struct nsm_label *labels;	/* sorted by key */
	size_t nlabels;
	/* "compose" (com.docker.compose.project), "pod" (Kubernetes), NULL */
	const char *group_kind;
	char *group_name;	/* pod: "NAMESPACE/NAME" */
	/*
	 * containerd, CRI-O: its OCI bundle's root.path (config.json) as
	 * written, relative to the bundle or absolute in the engine's root;
	 * NULL: not said.  Not output: the live checks compare it with the
	 * root of the process the engine names (nsm_engine_read_live()).
	 */
	char *rootfs;
};

/* Adds a container to m, taking over c (freed on error). */
int nsm_container_add(struct nsm_model *m, struct nsm_container *c);
void nsm_container_free(struct nsm_container *c);
/* The value of a label, or NULL. */
const char *nsm_container_label(const struct nsm_container *c,
				const char *key);
/* "docker:web": malloc'ed. */
char *nsm_container_ref(const struct nsm_container *c);

/*
 * containerd and CRI-O as their state directory lays them out, for
 * following it as it changes (the agent): the names of the directory
 * levels from e->fd down to one container's directory, NULL-terminated,
 * "*" where any name goes (one not starting with '.'; those names make
 * the container's key); NULL for an engine that has none (Docker, podman:
 * their event streams).
 */
const char *const *nsm_engine_state_levels(enum nsm_engine_kind k);
/*
 * One container of e, read now from its directory dirfd (at the levels
 * above; names: those of its "*" levels, in order, NULL-terminated) as
 * the container pass reads it, then checked before the agent names its
 * process (discovery/ctrlive.c): 0 and *out NULL if it is none (not
 * started, another engine's) or its process does not check out; else
 * *out (c->pid: its init in our PID namespace) and *pidfd, a pidfd of
 * that init, both the caller's.  m (may be NULL) takes the warnings.
 */
int nsm_engine_read_live(struct nsm_model *m, const struct nsm_engine *e,
			 int dirfd, const char *const *names,
			 struct nsm_container **out, int *pidfd);

/*
 * The container pass: finds the engines (opts.engines, and with
 * opts.engines_auto by default paths and processes), asks them, translates
 * pids, groups containers and relates processes and namespaces to them.
 * Runs after nsm_finish().
 */
int nsm_scan_containers(struct nsm_model *m);
/* Frees the containers and the engines of m. */
void nsm_containers_free(struct nsm_model *m);

/*
 * The Docker Engine API client for the agent (discovery/engines/docker.c):
 * Docker's and podman's event streams (GET /events) and their inspects
 * (GET /containers/ID/json), all at once and never blocking, on libcurl's
 * multi interface.  The caller waits on nsm_dk_pollfds() (their .events
 * as given: POLLIN, POLLOUT or both), calls nsm_dk_ready() with the
 * result and nsm_dk_tick() often (connect and answer timeouts run from
 * it); the callbacks run from those two, never from the start calls.
 */
struct nsm_dk;

struct nsm_dk_stream_ops {
	/* status 200 came: lines follow; peer: the engine's pid as our
	 * PID namespace numbers it (SO_PEERCRED), 0 if unknown */
	void (*open)(void *tag, pid_t peer);
	/* one non-empty line of the body, without its end; nonzero: stop */
	int (*line)(void *tag, const char *line, size_t len);
	/*
	 * The stream is over (after this, no call for it): -EPIPE (it
	 * ended), -EPROTO (not HTTP 200, or a line longer than 64 KiB),
	 * -ECANCELED (line() said stop), another -errno (no connection);
	 * why says it in words.
	 */
	void (*end)(void *tag, int err, const char *why);
};

/*
 * An inspect's answer: err 0 with name (never NULL) and pid (as the
 * engine numbers it, 0: none), -ENOENT (no such container), -EIO (no
 * answer in time, not JSON, down).
 */
typedef void (*nsm_dk_inspect_fn)(void *tag, int err, const char *name,
				  pid_t pid);

struct nsm_dk *nsm_dk_new(void);
/* Ends every transfer, without callbacks. */
void nsm_dk_free(struct nsm_dk *dk);
/*
 * Follows the container events of engine e (its path looked up inside its
 * root, nsm_open_in_root(), at each call); since_ns (realtime, 0: none)
 * replays what happened since.  0 or -errno (then no callback).
 */
int nsm_dk_events(struct nsm_dk *dk, const struct nsm_engine *e,
		  int64_t since_ns, const struct nsm_dk_stream_ops *ops,
		  void *tag);
/* Asks e for container id; fn answers once, within timeout_ms. 0, -errno. */
int nsm_dk_inspect(struct nsm_dk *dk, const struct nsm_engine *e,
		   const char *id, long timeout_ms, nsm_dk_inspect_fn fn,
		   void *tag);
/* The sockets to wait for, at most max; how many. */
struct pollfd;
int nsm_dk_pollfds(struct nsm_dk *dk, struct pollfd *p, int max);
/* After the wait: the transfers whose sockets are ready go on. */
void nsm_dk_ready(struct nsm_dk *dk, const struct pollfd *p, int n);
/* Runs the timeouts that are due. */
void nsm_dk_tick(struct nsm_dk *dk);

#endif /* NSM_H */
