#!/usr/bin/env python3
"""compare_docs.py A.json B.json - whether two discover documents of the same
host, taken one after the other, describe the same model.

Processes come and go between two sweeps, so the comparison is restricted to
what both could see alike:
  - processes present in both documents, not kernel threads (pid 2 or
    ppid 2: their comm changes), not named in either document's warnings
    (a process the /proc sweep could not read, the BPF sweep can);
  - namespaces: id, type, owner, parent, children, ns_id, initial, and refs
    and processes restricted to those processes; a namespace is compared if
    either document has a ref for it that survives the restriction.
`time` and `warnings` are dropped.

With --t0 TICKS (CLOCK_BOOTTIME in USER_HZ ticks, taken before A was
swept; both documents are of this host, B swept after A), a process that
one document lacks is a difference too when it must have been there during
both sweeps: in B but started before A began, or in A and still running
now, with the same start time.

Prints the differences; exit 1 if any.
"""
import argparse
import json
import os
import re
import sys

NS_FIELDS = ("id", "type", "owner", "parent", "ns_id", "initial")


def load(path):
    with open(path) as f:
        d = json.load(f)
    d.pop("time", None)
    return d


def warned_pids(doc):
    pids = set()
    for w in doc.get("warnings") or []:
        for m in re.finditer(r"(?:\bpid |/proc/|/)(\d+)(?=[/: ,)]|$)", str(w)):
            pids.add(int(m.group(1)))
    return pids


def kthread(p):
    return p.get("pid") == 2 or p.get("ppid") == 2


def norm_ns(ns, common, ids):
    n = {k: ns.get(k) for k in NS_FIELDS}
    n["children"] = sorted(c for c in ns.get("children") or [] if c in ids)
    refs = []
    for r in ns.get("refs") or []:
        if "pid" in r and r["pid"] not in common:
            continue
        refs.append(json.dumps(r, sort_keys=True))
    n["refs"] = sorted(refs)
    n["processes"] = sorted(p for p in ns.get("processes") or [] if p in common)
    return n


def starttime_now(pid):
    """Field 22 of /proc/PID/stat now, or None if pid is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    return int(text[text.rindex(")") + 2:].split()[19])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("la", nargs="?", default="A")
    ap.add_argument("lb", nargs="?", default="B")
    ap.add_argument("--t0", type=int)
    args = ap.parse_args()
    a, b = load(args.a), load(args.b)
    la, lb = args.la, args.lb
    diffs = []

    # options name the sweep that ran ("sweep": "bpf" or "proc"): not a
    # difference in the model
    oa = {k: v for k, v in (a.get("options") or {}).items() if k != "sweep"}
    ob = {k: v for k, v in (b.get("options") or {}).items() if k != "sweep"}
    if oa != ob:
        diffs.append(f"options: {la} {oa!r} != {lb} {ob!r}")
    if a.get("schema") != b.get("schema"):
        diffs.append(f"schema: {la} {a.get('schema')!r} != {lb} {b.get('schema')!r}")

    bad = warned_pids(a) | warned_pids(b)
    pa = {p["pid"]: p for p in a.get("processes") or []}
    pb = {p["pid"]: p for p in b.get("processes") or []}
    common = {pid for pid in set(pa) & set(pb)
              if not kthread(pa[pid]) and not kthread(pb[pid]) and pid not in bad}
    for pid in sorted(common):
        x, y = pa[pid], pb[pid]
        for k in sorted(set(x) | set(y)):
            if x.get(k) != y.get(k):
                diffs.append(f"process {pid} ({x.get('comm')}): .{k}: "
                             f"{la} {json.dumps(x.get(k))} != {lb} {json.dumps(y.get(k))}")

    if args.t0 is not None:
        # presence: a process alive through both sweeps is in both
        for pid in sorted(set(pb) - set(pa)):
            st = pb[pid].get("starttime")
            if st is not None and st < args.t0 - 2:
                diffs.append(f"process {pid} ({pb[pid].get('comm')}, started "
                             f"{st} < {args.t0}) only in {lb}")
        for pid in sorted(set(pa) - set(pb)):
            st = pa[pid].get("starttime")
            if st is not None and starttime_now(pid) == st:
                diffs.append(f"process {pid} ({pa[pid].get('comm')}) only in "
                             f"{la}, still running")

    na = {n["id"]: n for n in a.get("namespaces") or []}
    nb = {n["id"]: n for n in b.get("namespaces") or []}
    ids = set(na) & set(nb)
    for nsid in sorted(set(na) | set(nb)):
        x = norm_ns(na[nsid], common, ids) if nsid in na else None
        y = norm_ns(nb[nsid], common, ids) if nsid in nb else None
        if x is None or y is None:
            have = x if x is not None else y
            if have["refs"]:
                who = la if x is not None else lb
                diffs.append(f"namespace {have['type']}:[{nsid}] only in {who}: "
                             f"refs {have['refs']}")
            continue
        if not x["refs"] and not y["refs"]:
            continue
        for k in x:
            if x[k] != y[k]:
                diffs.append(f"namespace {x['type']}:[{nsid}]: .{k}: "
                             f"{la} {x[k]} != {lb} {y[k]}")

    print(f"compared {len(common)} processes, {len(ids)} namespaces in both "
          f"({len(na)} in {la}, {len(nb)} in {lb}); {len(diffs)} differences")
    for d in diffs[:30]:
        print("  " + d)
    if len(diffs) > 30:
        print(f"  ... and {len(diffs) - 30} more")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
