#!/usr/bin/env python3
"""signal_start.py NSMON watch|discover INT|TERM DIR - sends the signal to
`NSMON watch --json` (or `NSMON discover`) at 20 moments of its start-up
and checks every run (issue 16, "seen once": a watch ran on after a
SIGINT).

The moments: first one run measures how long the start takes (until the
start sync, or until discover exits) and is stopped there; then 16
moments spread evenly from 0 to that time (before the handler is set,
while the BPF programs load, during the start sweep) and 4 after it.

Each run must end within BOUND seconds of the signal (a run that does
not is a hang: that bound is the behaviour under test), and:

  - exit 0, or be killed by that signal with nothing on stdout (its
    default action, before nsmon has set its handler, or discover, which
    sets none); watch: at least one run stopped during the start-up by
    its handler (0, no output) and one after its first line, so that the
    test covers both (up to 10 more moments, should a slower start-up
    than the first run's need them)
  - no sanitizer report, no fallback to the /proc sweep, no error on
    stderr; a watch stream that has lines has its start sync and passes
    check_events.py; a discover that exited 0 wrote a whole document
  - afterwards, no BPF program of nsmon's (bpf/events.bpf.c nsm_*,
    bpf/sweep.bpf.c sweep_*) or link to one, loaded since the first
    run, that no live process holds: other nsmon processes may run on
    this host, so a program counts as left behind only if no fd of any
    process refers to it (/proc/*/fdinfo: prog_id, link_id)

Prints one line per run on stdout; exit status 0, or 1 with the problems
on stderr.
"""

import glob
import json
import os
import re
import select
import signal
import subprocess
import sys
import time

BOUND = 1.0
SPREAD = 16
AFTER = (0.05, 0.15, 0.3, 0.6)
EXTRA = 10
SANITIZER = re.compile(
    rb"ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: .*Sanitizer")
BAD_STDERR = re.compile(
    rb"using the /proc sweep|Interrupted system call|discovery failed|"
    rb"cannot (load|attach|open)|not allowed")
OURS = re.compile(r"^(nsm_|sweep_)")
HERE = os.path.dirname(os.path.abspath(__file__))


def default_signals():
    # A shell starts a background job with SIGINT ignored, and the kernel
    # drops a signal that is ignored when it is sent: the moments before
    # nsmon sets its handler are tested as a program started from a
    # terminal has them, with the default action.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


class Run:
    def __init__(self, argv, path):
        self.path = path
        self.out = open(path + ".out", "wb")
        self.err = open(path + ".err", "wb")
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
        self.t0 = time.monotonic()
        self.p = subprocess.Popen(argv, stdout=self.out, stderr=self.err,
                                  stdin=subprocess.DEVNULL, env=env,
                                  preexec_fn=default_signals)

    def stop(self, sig):
        """Sends sig; (seconds to the exit or None, exit status)."""
        fd = os.pidfd_open(self.p.pid)
        sent = time.monotonic()
        self.at = sent - self.t0
        self.p.send_signal(sig)
        try:
            ready, _, _ = select.select([fd], [], [], BOUND)
            took = time.monotonic() - sent if ready else None
        finally:
            os.close(fd)
        if took is None:
            self.p.kill()
        rc = self.p.wait()
        self.out.close()
        self.err.close()
        return took, rc

    def stdout(self):
        with open(self.path + ".out", "rb") as f:
            return f.read()

    def stderr(self):
        with open(self.path + ".err", "rb") as f:
            return f.read()


def wait_start(run, cmd):
    """Until the start sync (watch) or the exit (discover), 60 s at most."""
    if cmd == "discover":
        try:
            run.p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            return None
        return time.monotonic() - run.t0
    while time.monotonic() - run.t0 < 60:
        if b'"event":"sync"' in run.stdout():
            return time.monotonic() - run.t0
        if run.p.poll() is not None:
            return None
        time.sleep(0.005)
    return None


def check_run(cmd, sig, run, took, rc, problems):
    what = "%s: SIG%s %.3f s after start" % (os.path.basename(run.path),
                                           sig.name[3:], run.at)
    out, err = run.stdout(), run.stderr()
    if took is None:
        problems.append("%s: still running %.1f s later (killed)" %
                        (what, BOUND))
    if rc not in (0, -sig) or (rc == -sig and out and cmd == "watch"):
        problems.append("%s: exit status %d with %d bytes out" %
                        (what, rc, len(out)))
    m = SANITIZER.search(err) or BAD_STDERR.search(err)
    if m:
        line = err[err.rfind(b"\n", 0, m.start()) + 1:].split(b"\n")[0]
        problems.append("%s: stderr: %s" % (what, line.decode(errors="replace")))
    if cmd == "watch" and out:
        if not re.search(rb'"event":"sync".*"reason":"start"|'
                         rb'"reason":"start".*"event":"sync"', out):
            problems.append("%s: %d lines but no start sync" %
                            (what, out.count(b"\n")))
        chk = subprocess.run([sys.executable,
                              os.path.join(HERE, "check_events.py"),
                              run.path + ".out"],
                             capture_output=True, text=True)
        if chk.returncode:
            problems.append("%s: stream: %s" %
                            (what, (chk.stderr or chk.stdout).split("\n")[0]))
    if cmd == "discover" and rc == 0:
        try:
            json.loads(out)
        except ValueError:
            problems.append("%s: exit 0 but not a JSON document" % what)
    print("%s: exit %d, ended %s, %d lines out" %
          (what, rc, "%.3f s after" % took if took is not None else "NOT",
           out.count(b"\n")), flush=True)


def bpf_list(kind):
    r = subprocess.run(["bpftool", "-j", kind, "show"], capture_output=True,
                       check=True)
    return json.loads(r.stdout or b"[]")


def held():
    """The ids of the BPF programs and links some process has an fd of."""
    progs, links = set(), set()
    for path in glob.glob("/proc/[0-9]*/fdinfo/*"):
        try:
            with open(path) as f:
                text = f.read()
        except OSError:
            continue
        for kind, n in re.findall(r"^(prog|link)_id:\s+(\d+)", text, re.M):
            (progs if kind == "prog" else links).add(int(n))
    return progs, links


def newest(kind):
    return max((x["id"] for x in bpf_list(kind)), default=0)


def left_behind(prog_floor, link_floor):
    """Programs and links of ours above the floors that no process holds."""
    progs = {p["id"]: p.get("name", "") for p in bpf_list("prog")
             if p["id"] > prog_floor and OURS.match(p.get("name", ""))}
    links = {ln["id"]: ln.get("prog_id") for ln in bpf_list("link")
             if ln["id"] > link_floor and ln.get("prog_id") in progs}
    hp, hl = held()
    # listed again: what another process freed meanwhile is gone
    still = {p["id"] for p in bpf_list("prog")}
    stray = {i: n for i, n in progs.items() if i not in hp and i in still}
    stray_links = {i: p for i, p in links.items() if i not in hl}
    return stray, stray_links


def check_bpf(prog_floor, link_floor, problems):
    # the kernel frees a program when its last reference goes; give the
    # frees of this and other processes' exits a moment
    for _ in range(15):
        stray, stray_links = left_behind(prog_floor, link_floor)
        if not stray and not stray_links:
            return
        time.sleep(0.2)
    problems.append("BPF left attached or loaded after the runs: programs %s,"
                    " links %s" % (sorted(stray.items()),
                                   sorted(stray_links.items())))


def main(argv):
    nsmon, cmd, signame, out_dir = argv
    sig = signal.Signals["SIG" + signame]
    argv = [nsmon, cmd, "--json"] if cmd == "watch" else [nsmon, cmd]
    problems = []
    prog_floor, link_floor = newest("prog"), newest("link")

    first = Run(argv, os.path.join(out_dir, "run0"))
    start = wait_start(first, cmd)
    if start is None:
        first.p.kill()
        first.p.wait()
        print("nsmon %s did not start in 60 s" % cmd, file=sys.stderr)
        return 1
    if cmd == "watch":
        took, rc = first.stop(sig)
        check_run(cmd, sig, first, took, rc, problems)
    print("start: %.3f s" % start, flush=True)

    moments = [start * i / SPREAD for i in range(SPREAD)]
    moments += [start + a for a in AFTER]
    # the start-up of a later run may take longer than the first's (the
    # host's load): more moments, until both kinds of stop were seen
    extra = [start * (0.5 + 0.1 * k) for k in range(EXTRA)]
    early = late = 0
    for n, at in enumerate(moments + extra, 1):
        if n > len(moments) and (cmd != "watch" or (early and late)):
            break
        run = Run(argv, os.path.join(out_dir, "run%d" % n))
        time.sleep(max(0.0, at - (time.monotonic() - run.t0)))
        took, rc = run.stop(sig)
        check_run(cmd, sig, run, took, rc, problems)
        early += rc == 0 and not run.stdout()
        late += rc == 0 and bool(run.stdout())
    if cmd == "watch" and not (early and late):
        problems.append("the runs did not cover the start-up: %d stopped "
                        "before their first line, %d after" % (early, late))
    check_bpf(prog_floor, link_floor, problems)
    for p in problems[:20]:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
