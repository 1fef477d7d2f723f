#!/usr/bin/env python3
"""check_events.py [--live FILE] [--stats] [STREAM] - checks an `nsmon watch
--json` stream against what docs/events.md promises (SPEC "Events").

  - every line is one JSON object with the common fields: seq (1, 2, 3, ...
    without gaps or repeats), time (RFC 3339 in UTC with nanoseconds), event
  - the fields of each event, with the values SPEC allows (container
    events: action, container {id, name, engine, pid}; creates: container)
  - every destroy follows exactly one earlier create of the same namespace
    (id and ns_id), and a create is never repeated while its namespace lives
  - every lost is followed by its own sync (reason lost): only that
    sync's corrections (creates and destroys via sweep) come between them,
    so no other event and no second lost; shed, where the lost has it,
    counts some of its count
  - a sync's corrected counts are the sweep creates (and at most the sweep
    destroys) right before it
  - creates via start only before the start sync, which comes first
  - with --no-initial (no creates before a start sync that counts
    namespaces), a destroy of a namespace the stream never created is
    allowed, once: it existed at the start

Exit status 0 if the stream keeps all of it, else 1 with one line per
problem on stderr (the first 20).  --live FILE writes the namespaces alive
at the end of the stream (replaying creates and destroys) as a JSON array
of {id, ns_id, type}; --stats prints a one-line JSON summary on stdout.
"""

import json
import re
import sys

TYPES = {"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"}
CREATE_VIA = {"start", "clone", "unshare", "sweep"}
SWITCH_VIA = {"setns", "unshare"}
DESTROY_VIA = {"exit", "switch", "close", "umount", "sweep"}
SYNC_REASONS = {"start", "lost", "interval", "signal"}
CONTAINER_ACTIONS = {"start", "stop", "pause", "unpause"}
ENGINES = {"docker", "podman", "containerd", "crio"}
TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$")


def is_uint(v):
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


class Checker:
    def __init__(self):
        self.problems = []
        self.live = {}  # (id, ns_id) -> type
        self.seq = 0
        self.counts = {}
        self.lost_total = 0
        self.shed_total = 0
        self.pending_lost = None  # seq of a lost not yet followed by its sync
        self.sweep_created = 0  # sweep corrections since the last sync
        self.sweep_destroyed = 0
        self.start_synced = False
        self.no_ns_id = 0  # creates without ns_id
        self.seen = set()  # every namespace created or destroyed so far
        self.start_creates = 0
        self.no_initial = False  # --no-initial: no creates via start

    def bad(self, seq, msg):
        self.problems.append(f"seq {seq}: {msg}")

    def ns_key(self, e, seq, need_owner):
        ns = e.get("ns")
        if not isinstance(ns, dict):
            self.bad(seq, f"{e['event']} without an ns object")
            return None
        if not is_uint(ns.get("id")) or ns["id"] == 0:
            self.bad(seq, f"ns.id is not a positive integer: {ns.get('id')!r}")
            return None
        if "ns_id" in ns and not is_uint(ns["ns_id"]):
            self.bad(seq, f"ns.ns_id is not an integer: {ns['ns_id']!r}")
        if ns.get("type") not in TYPES:
            self.bad(seq, f"ns.type {ns.get('type')!r}")
        for k in ("owner", "parent"):
            if k in ns and ns[k] is not None and not is_uint(ns[k]):
                self.bad(seq, f"ns.{k} is not an integer: {ns[k]!r}")
        return (ns["id"], ns.get("ns_id"))

    def task_fields(self, e, seq):
        for k in ("pid", "tid"):
            if k in e and not is_uint(e[k]):
                self.bad(seq, f"{k} is not an integer: {e[k]!r}")
        if "comm" in e and not isinstance(e["comm"], str):
            self.bad(seq, f"comm is not a string: {e['comm']!r}")

    def line(self, n, text):
        try:
            e = json.loads(text)
        except ValueError as err:
            self.problems.append(f"line {n}: not JSON ({err}): {text[:120]!r}")
            return
        if not isinstance(e, dict):
            self.problems.append(f"line {n}: not an object")
            return
        seq = e.get("seq")
        self.seq += 1
        if seq != self.seq:
            self.bad(seq, f"line {n}: seq {seq!r}, want {self.seq}")
            if is_uint(seq):
                self.seq = seq
        if not isinstance(e.get("time"), str) or not TIME_RE.match(e["time"]):
            self.bad(seq, f"time {e.get('time')!r} is not RFC 3339 with ns")
        ev = e.get("event")
        self.counts[ev] = self.counts.get(ev, 0) + 1
        correction = ev in ("create", "destroy") and e.get("via") == "sweep"
        if ev != "sync" and not correction:
            # a sync's corrections come right before it
            self.sweep_created = self.sweep_destroyed = 0
        if self.pending_lost is not None and ev != "sync" and not correction:
            self.bad(seq, f"{ev} between lost (seq {self.pending_lost}) and its sync")
        if seq == 1 and ev not in ("create", "sync"):
            self.bad(seq, f"the stream starts with {ev}")
        getattr(self, "ev_" + str(ev), self.ev_unknown)(e, seq)

    def ev_unknown(self, e, seq):
        self.bad(seq, f"unknown event {e.get('event')!r}")

    def ev_create(self, e, seq):
        via = e.get("via")
        if via not in CREATE_VIA:
            self.bad(seq, f"create via {via!r}")
        if via == "start" and self.start_synced:
            self.bad(seq, "create via start after the start sync")
        if via == "sweep":
            self.sweep_created += 1
        self.task_fields(e, seq)
        if via in ("clone", "unshare"):
            for k in ("pid", "tid", "comm"):
                if k not in e:
                    self.bad(seq, f"create via {via} without {k}")
        if "container" in e and (not isinstance(e["container"], str) or
                                 not e["container"]):
            self.bad(seq, f"create container {e['container']!r}")
        key = self.ns_key(e, seq, True)
        if key is None:
            return
        if key[1] is None:
            self.no_ns_id += 1
        if key in self.live:
            self.bad(seq, f"create of {e['ns'].get('type')}:{key} again, while it lives")
        self.live[key] = e["ns"].get("type")
        self.seen.add(key)
        if via == "start":
            self.start_creates += 1

    def ev_destroy(self, e, seq):
        via = e.get("via")
        if via not in DESTROY_VIA:
            self.bad(seq, f"destroy via {via!r}")
        if via == "sweep":
            self.sweep_destroyed += 1
        self.task_fields(e, seq)
        key = self.ns_key(e, seq, False)
        if key is None:
            return
        if key not in self.live:
            # a create or destroy without ns_id (SPEC: omitted where the
            # kernel has none) is the namespace of that inode number
            alt = [k for k in self.live if k[0] == key[0] and
                   (k[1] is None or key[1] is None)]
            if len(alt) == 1:
                key = alt[0]
        if key not in self.live and self.no_initial and key not in self.seen:
            # --no-initial: a namespace of before the start, once
            self.seen.add(key)
            return
        if key not in self.live:
            self.bad(seq, f"destroy of {e['ns'].get('type')}:{key} without a create")
            return
        if self.live[key] != e["ns"].get("type"):
            self.bad(seq, f"destroy of {key} as {e['ns'].get('type')}, created as {self.live[key]}")
        del self.live[key]

    def ev_switch(self, e, seq):
        if e.get("via") not in SWITCH_VIA:
            self.bad(seq, f"switch via {e.get('via')!r}")
        self.task_fields(e, seq)
        ch = e.get("changes")
        if not isinstance(ch, list) or not ch:
            self.bad(seq, "switch without changes")
            return
        for c in ch:
            if not isinstance(c, dict) or c.get("type") not in TYPES or \
                    not is_uint(c.get("from")) or not is_uint(c.get("to")) or \
                    c.get("from") == c.get("to"):
                self.bad(seq, f"switch change {c!r}")

    def ev_sync(self, e, seq):
        reason = e.get("reason")
        if reason not in SYNC_REASONS:
            self.bad(seq, f"sync reason {reason!r}")
        if not isinstance(e.get("complete"), bool):
            self.bad(seq, f"sync complete {e.get('complete')!r}")
        if reason == "start":
            if self.start_synced:
                self.bad(seq, "a second start sync")
            self.start_synced = True
            # the start sync counts namespaces that had no create: the
            # stream of --no-initial
            self.no_initial = self.start_creates == 0 and e.get("namespaces", 0) > 0
        elif not self.start_synced:
            self.bad(seq, f"sync {reason!r} before the start sync")
        if self.pending_lost is not None and reason != "lost":
            self.bad(seq, f"lost (seq {self.pending_lost}) followed by a sync {reason!r}")
        if self.pending_lost is None and reason == "lost":
            self.bad(seq, "sync lost without a lost event before it")
        self.pending_lost = None
        if not is_uint(e.get("namespaces")):
            self.bad(seq, f"sync namespaces {e.get('namespaces')!r}")
        cor = e.get("corrected")
        if not isinstance(cor, dict) or not is_uint(cor.get("created")) or \
                not is_uint(cor.get("destroyed")):
            self.bad(seq, f"sync corrected {cor!r}")
        elif reason != "start" and (cor["created"] != self.sweep_created or
                                    cor["destroyed"] > self.sweep_destroyed):
            # (a destroy via sweep of the feed's own liveness check may
            # come right before a sync too: not a correction of it)
            self.bad(seq, f"sync corrected {cor}, but {self.sweep_created} creates and "
                     f"{self.sweep_destroyed} destroys via sweep came right before it")
        self.sweep_created = self.sweep_destroyed = 0

    def ev_lost(self, e, seq):
        if not is_uint(e.get("count")) or e["count"] == 0:
            self.bad(seq, f"lost count {e.get('count')!r}")
        else:
            self.lost_total += e["count"]
        if "shed" in e:
            if not is_uint(e["shed"]) or not is_uint(e.get("count")) or \
                    e["shed"] > e["count"]:
                self.bad(seq, f"lost shed {e['shed']!r} of count {e.get('count')!r}")
            else:
                self.shed_total += e["shed"]
        self.pending_lost = seq

    def ev_container(self, e, seq):
        if e.get("action") not in CONTAINER_ACTIONS:
            self.bad(seq, f"container action {e.get('action')!r}")
        c = e.get("container")
        if not isinstance(c, dict):
            self.bad(seq, f"container {c!r}")
            return
        for k in ("id", "name"):
            if not isinstance(c.get(k), str) or not c[k]:
                self.bad(seq, f"container.{k} {c.get(k)!r}")
        if c.get("engine") not in ENGINES:
            self.bad(seq, f"container.engine {c.get('engine')!r}")
        if "pid" not in c or (c["pid"] is not None and
                              (not is_uint(c["pid"]) or c["pid"] == 0)):
            self.bad(seq, f"container.pid {c.get('pid')!r}")

    def finish(self):
        if self.pending_lost is not None:
            self.bad(self.pending_lost, "lost is not followed by a sync")


def main(argv):
    live_out = None
    stats = False
    args = []
    it = iter(argv)
    for a in it:
        if a == "--live":
            live_out = next(it)
        elif a == "--stats":
            stats = True
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            args.append(a)
    f = open(args[0]) if args and args[0] != "-" else sys.stdin
    c = Checker()
    n = 0
    for n, text in enumerate(f, 1):
        if text.strip():
            c.line(n, text)
    c.finish()
    if live_out:
        with open(live_out, "w") as out:
            json.dump([{"id": k[0], "ns_id": k[1], "type": t}
                       for k, t in sorted(c.live.items(), key=lambda kv: kv[0][0])], out)
    if stats:
        print(json.dumps({"lines": n, "events": c.counts, "lost": c.lost_total,
                          "shed": c.shed_total,
                          "live": len(c.live),
                          "creates_without_ns_id": c.no_ns_id}, sort_keys=True))
    for p in c.problems[:20]:
        print("check_events: " + p, file=sys.stderr)
    if len(c.problems) > 20:
        print(f"check_events: ... and {len(c.problems) - 20} more", file=sys.stderr)
    return 1 if c.problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
