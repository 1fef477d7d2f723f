#!/usr/bin/env python3
"""holders.py MODE ... - the helper of t_exact.sh: namespace holders that
`nsmon watch` did not see in its sweep, the ids of namespaces, and the
latencies of their destroys.

  serve CMD_FIFO RESP_FIFO
      reads commands (one a line) from CMD_FIFO, answers on RESP_FIFO:
        fork K XPID   a process opens /proc/XPID/ns/net, forks a child
                      that keeps the fd and exits: the child holds it
        scm K XPID    A opens /proc/XPID/ns/net, sends it to B over a unix
                      socket (SCM_RIGHTS) and exits: B holds it
        late K XPID   a process opens /proc/XPID/ns/uts and keeps it
        sock K XPID   a process goes into XPID's net namespace, makes a
                      socket, comes back (closing every nsfs fd): only the
                      socket holds the namespace
        fd K XPID TYPE  a process opens /proc/XPID/ns/TYPE and keeps it
          answer: "held K NS_ID INODE" once the holder is the only one
          besides XPID (the helper processes have exited)
        ids SPEC...   answer: "ids NS_ID INODE..." (as the mode ids below)
        release K     the holder lets go: fork, scm and late exit, sock
                      and fd close theirs and live on.  Answer:
                      "released K T0", T0 the CLOCK_REALTIME ns taken
                      right before the exit or close.
      A holder process exits when it reads EOF: when serve is gone (it
      holds the only write end of each holder's command pipe).
  ids SPEC...
      SPEC is PID:TYPE or PID:user:N (N levels up from the process's user
      namespace, NS_GET_PARENT): prints "NS_ID INODE" per SPEC.
  alive STREAM STAMPS GRACE_MS EXPECT
      prints the destroys in a watch --json STREAM, read (STAMPS) more
      than GRACE_MS ago, whose namespace still exists (an nsfs file
      handle by ns_id still opens), saying whether it is one of EXPECT's;
      exit status 1 if there is one.
  latency STREAM STAMPS EXPECT
      EXPECT lines: "KIND NS_ID T0 BOUND_MS [GROUP RANK]": the destroy of
      NS_ID must be read (STAMPS: "ns seq" per line of STREAM) at most
      BOUND_MS after T0, and within a GROUP by increasing RANK of seq.
      Prints worst and median per KIND and one line per miss; exit
      status 1 on a miss.
"""

import ctypes
import fcntl
import json
import os
import socket
import struct
import sys
import time

NS_GET_ID = 0x8008B70D
NS_GET_PARENT = 0xB702
CLONE_NEWNET = 0x40000000
FD_NSFS_ROOT = -10003
FILEID_NSFS = 0xF1
CLONE_FLAG = {"mnt": 0x20000, "uts": 0x04000000, "ipc": 0x08000000,
              "user": 0x10000000, "pid": 0x20000000, "net": 0x40000000,
              "cgroup": 0x02000000, "time": 0x80}

libc = ctypes.CDLL(None, use_errno=True)


def ns_id(fd):
    return struct.unpack("Q", fcntl.ioctl(fd, NS_GET_ID, bytes(8)))[0]


def ns_key(fd):
    return "%d %d" % (ns_id(fd), os.fstat(fd).st_ino)


def setns(fd, flag):
    if libc.setns(fd, flag) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


# ------------------------------------------------------------ serve

class Server:
    def __init__(self, cmd, resp):
        self.resp = os.open(resp, os.O_WRONLY)
        self.cmd = open(cmd, "r")
        self.pipes = {}  # K -> write end of the holder's command pipe

    def say(self, line, fd=None):
        os.write(self.resp if fd is None else fd, (line + "\n").encode())

    def child(self, keep, fn):
        """fork; in the child close every fd but keep (and stderr), run
        fn, exit"""
        pid = os.fork()
        if pid:
            return pid
        try:
            keep = set(keep) | {2}
            for f in map(int, os.listdir("/proc/self/fd")):
                if f not in keep:
                    try:
                        os.close(f)
                    except OSError:
                        pass
            fn()
        except BaseException as e:  # noqa: the child must not return
            sys.stderr.write("holders.py child: %r\n" % (e,))
            os._exit(1)
        os._exit(0)

    def hold(self, k, cmd_r, ready_w, fd, close=None):
        """a holder of fd: says it is ready, then waits for release (an
        exit, or close(): a close of fd) or EOF"""
        self.say("%s" % ns_key(fd), ready_w)
        os.close(ready_w)
        self.wait_release(k, cmd_r, close)

    def wait_release(self, k, cmd_r, close=None):
        f = os.fdopen(cmd_r, "r")
        for line in f:
            if line.strip() != "release":
                continue
            if not close:
                t0 = time.time_ns()
                self.say("released %s %d" % (k, t0))
                os._exit(0)
            t0 = time.time_ns()
            close()
            self.say("released %s %d" % (k, t0))
        os._exit(0)

    def do_fork(self, k, x, cmd_r, ready_w):
        def opener():
            fd = os.open("/proc/%d/ns/net" % x, os.O_RDONLY)
            if os.fork() == 0:
                self.hold(k, cmd_r, ready_w, fd)
            os._exit(0)
        return [opener]

    def do_late(self, k, x, cmd_r, ready_w):
        def opener():
            fd = os.open("/proc/%d/ns/uts" % x, os.O_RDONLY)
            self.hold(k, cmd_r, ready_w, fd)
        return [opener]

    def do_fd(self, k, x, cmd_r, ready_w, t):
        def opener():
            fd = os.open("/proc/%d/ns/%s" % (x, t), os.O_RDONLY)
            self.hold(k, cmd_r, ready_w, fd, lambda: os.close(fd))
        return [opener]

    def do_sock(self, k, x, cmd_r, ready_w):
        def opener():
            own = os.open("/proc/self/ns/net", os.O_RDONLY)
            fd = os.open("/proc/%d/ns/net" % x, os.O_RDONLY)
            key = ns_key(fd)
            setns(fd, CLONE_NEWNET)
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            setns(own, CLONE_NEWNET)
            os.close(fd)
            os.close(own)
            self.say(key, ready_w)
            os.close(ready_w)
            self.wait_release(k, cmd_r, s.close)
        return [opener]

    def setup(self, kind, k, x, *rest):
        cmd_r, cmd_w = os.pipe()
        ready_r, ready_w = os.pipe()
        pids = []
        if kind == "scm":
            sa, sb = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)

            def receiver():
                _, fds, _, _ = socket.recv_fds(sb, 16, 1)
                sb.close()
                self.hold(k, cmd_r, ready_w, fds[0])

            def sender():
                fd = os.open("/proc/%d/ns/net" % x, os.O_RDONLY)
                socket.send_fds(sa, [b"x"], [fd])
                os._exit(0)
            pids.append(self.child([cmd_r, ready_w, sb.fileno(), self.resp], receiver))
            pids.append(self.child([sa.fileno()], sender))
            sa.close()
            sb.close()
        else:
            fn = getattr(self, "do_" + kind)(k, x, cmd_r, ready_w, *rest)[0]
            pids.append(self.child([cmd_r, ready_w, self.resp], fn))
        os.close(cmd_r)
        os.close(ready_w)
        key = os.read(ready_r, 100).decode().strip()
        os.close(ready_r)
        # the helpers (the opener of fork, A of scm) are gone before the
        # answer: from here only the holder and XPID hold the namespace
        if kind in ("fork", "scm"):
            os.waitpid(pids[-1], 0)
        if not key:
            os.close(cmd_w)
            self.say("error %s %s %s" % (kind, k, x))
            return
        self.pipes[k] = cmd_w
        self.say("held %s %s" % (k, key))

    def release(self, k):
        os.write(self.pipes[k], b"release\n")
        os.close(self.pipes.pop(k))

    def reap(self):
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass

    def run(self):
        for line in self.cmd:
            w = line.split()
            if not w:
                continue
            if w[0] == "release":
                self.release(w[1])
            elif w[0] == "quit":
                break
            elif w[0] == "ids":
                try:
                    self.say("ids " + " ".join(ids(w[1:])))
                except OSError as e:
                    self.say("error ids %s" % e)
            else:
                self.setup(w[0], w[1], int(w[2]), *w[3:])
            self.reap()


# ------------------------------------------------------------ ids, alive

def ids(specs):
    """ "NS_ID INODE" of each spec"""
    out = []
    for spec in specs:
        p = spec.split(":")
        fd = os.open("/proc/%s/ns/%s" % (p[0], p[1]), os.O_RDONLY)
        for _ in range(int(p[2]) if len(p) > 2 else 0):
            up = fcntl.ioctl(fd, NS_GET_PARENT)
            os.close(fd)
            fd = up
        out.append(ns_key(fd))
        os.close(fd)
    return out


class FileHandle(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("handle_bytes", ctypes.c_uint), ("handle_type", ctypes.c_int),
                ("ns_id", ctypes.c_uint64), ("type", ctypes.c_uint32),
                ("inum", ctypes.c_uint32)]


def exists(ns):
    h = FileHandle(16, FILEID_NSFS, ns["ns_id"], CLONE_FLAG[ns["type"]], ns["id"])
    fd = libc.open_by_handle_at(FD_NSFS_ROOT, ctypes.byref(h), os.O_RDONLY)
    if fd >= 0:
        os.close(fd)
        return True
    e = ctypes.get_errno()
    if e != 116:  # ESTALE: gone
        raise OSError(e, os.strerror(e))
    return False


def alive(stream, stamps, grace_ms, ours):
    """destroys read more than grace_ms ago of namespaces that exist"""
    read = dict(map(int, l.split()[::-1]) for l in open(stamps))
    ours = set(int(l.split()[1]) for l in open(ours)) if ours else set()
    now, bad = time.time_ns(), 0
    for line in open(stream, "rb"):
        e = json.loads(line)
        if e["event"] != "destroy" or "ns_id" not in e["ns"] or \
                now - read.get(e["seq"], now) < grace_ms * 1000000:
            continue
        if exists(e["ns"]):
            print("seq %d: destroy of %s:[%d] (ns_id %d) via %s, but it lives (%s)" %
                  (e["seq"], e["ns"]["type"], e["ns"]["id"], e["ns"]["ns_id"], e["via"],
                   "this test's" if e["ns"]["ns_id"] in ours else "not this test's"))
            bad += 1
    return 1 if bad else 0


# ------------------------------------------------------------ latency

def latency(stream, stamps, expect):
    read = dict(map(int, l.split()[::-1]) for l in open(stamps))
    seq_of = {}
    for line in open(stream, "rb"):
        e = json.loads(line)
        if e["event"] == "destroy" and "ns_id" in e["ns"]:
            seq_of.setdefault(e["ns"]["ns_id"], e["seq"])
    kinds, groups, misses = {}, {}, []
    for line in open(expect):
        w = line.split()
        kind, nsid, t0, bound = w[0], int(w[1]), int(w[2]), int(w[3])
        seq = seq_of.get(nsid)
        ms = (read[seq] - t0) / 1e6 if seq in read else None
        kinds.setdefault(kind, []).append(ms)
        if ms is None:
            misses.append("%s ns_id %d: no destroy read" % (kind, nsid))
        elif ms < 0:
            misses.append("%s ns_id %d: destroy (seq %d) read %.1f ms before its last reference went" %
                          (kind, nsid, seq, -ms))
        elif ms > bound:
            misses.append("%s ns_id %d: destroy (seq %d) read %.1f ms after, bound %d ms" %
                          (kind, nsid, seq, ms, bound))
        if len(w) > 5:
            groups.setdefault(w[4], []).append((int(w[5]), nsid, seq))
    disorder = 0
    for g, v in sorted(groups.items()):
        seqs = [s for _, _, s in sorted(v)]
        if None not in seqs and seqs != sorted(seqs):
            disorder += 1
            misses.append("order %s: destroys by rank have seqs %s (children first)" % (g, seqs))
    if groups:
        print("order: %d of %d nested namespaces' destroys not children first" %
              (disorder, len(groups)))
    for kind, v in kinds.items():
        got = sorted(x for x in v if x is not None)
        worst = "missing" if None in v else "%.1f ms" % got[-1]
        med = sorted(v, key=lambda x: float("inf") if x is None else x)[len(v) // 2]
        print("%s: n=%d worst=%s median=%s over=%d" %
              (kind, len(v), worst, "missing" if med is None else "%.1f ms" % med,
               sum(1 for m in misses if m.startswith(kind + " "))))
    for m in misses:
        print("MISS " + m)
    return 1 if misses else 0


def main(argv):
    if len(argv) == 4 and argv[1] == "serve":
        Server(argv[2], argv[3]).run()
        return 0
    if len(argv) >= 3 and argv[1] == "ids":
        print("\n".join(ids(argv[2:])))
        return 0
    if len(argv) == 6 and argv[1] == "alive":
        return alive(argv[2], argv[3], int(argv[4]), argv[5])
    if len(argv) == 5 and argv[1] == "latency":
        return latency(argv[2], argv[3], argv[4])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
