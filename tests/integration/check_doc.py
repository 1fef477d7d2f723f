#!/usr/bin/env python3
"""check_doc.py DOC.json - what must hold in any discover document (SPEC:
"The discover document"), checked over the whole of it: shapes and types,
every namespace held by at least one ref, refs of the right shape naming
known processes and mount namespaces, parent/children and owner links that
agree and point at known namespaces, every process in the namespaces it
names.  Prints the violations (at most 30); exit 1 if any.
"""
import json
import re
import sys

TYPES = {"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"}
SLOTS = {t: t for t in TYPES}
SLOTS.update({"pid_for_children": "pid", "time_for_children": "time"})
REF_KEYS = {
    "process": {"pid"},
    "task": {"pid", "tid"},
    "children": {"pid"},
    "fd": {"pid", "fd"},
    "socket": {"pid", "fd"},
    "bindmount": {"path", "mntns"},
    "hierarchy": set(),
    "owner": set(),
}
OPTIONS = ("tasks", "fds", "sockets", "bindmounts", "hierarchy", "owners",
           "mounts", "containers")


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def main():
    with open(sys.argv[1]) as f:
        d = json.load(f)
    bad = []

    def err(msg):
        bad.append(msg)

    if d.get("schema") != 1:
        err(f"schema is {d.get('schema')!r}, want 1")
    if not isinstance(d.get("version"), str):
        err("version is not a string")
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)",
                        str(d.get("time"))):
        err(f"time {d.get('time')!r} is not RFC 3339")
    host = d.get("host") or {}
    for k in ("hostname", "kernel", "boot_id"):
        if not isinstance(host.get(k), str):
            err(f"host.{k} missing")
    opts = d.get("options") or {}
    for k in OPTIONS:
        if not isinstance(opts.get(k), bool):
            err(f"options.{k} is not a boolean")
    if not isinstance(d.get("warnings"), list):
        err("warnings is not a list")

    procs = {}
    for p in d.get("processes") or []:
        if not is_int(p.get("pid")) or p["pid"] <= 0:
            err(f"process with pid {p.get('pid')!r}")
            continue
        if p["pid"] in procs:
            err(f"process {p['pid']} twice")
        procs[p["pid"]] = p
        for k in ("ppid", "uid", "starttime"):
            if not is_int(p.get(k)):
                err(f"process {p['pid']}: {k} is {p.get(k)!r}")
        if not isinstance(p.get("comm"), str):
            err(f"process {p['pid']}: comm is not a string")
        nspid = p.get("nspid")
        if nspid is not None and (not nspid or nspid[0] != p["pid"]):
            err(f"process {p['pid']}: nspid {nspid} does not start with its pid")

    nss = {}
    for n in d.get("namespaces") or []:
        if not is_int(n.get("id")) or n["id"] <= 0:
            err(f"namespace with id {n.get('id')!r}")
            continue
        if n["id"] in nss:
            err(f"namespace {n['id']} twice")
        nss[n["id"]] = n

    ns_ids = [n["ns_id"] for n in nss.values() if n.get("ns_id") is not None]
    if len(ns_ids) != len(set(ns_ids)):
        err("ns_id values are not unique")

    for i, n in nss.items():
        t = n.get("type")
        name = f"{t}:[{i}]"
        if t not in TYPES:
            err(f"{name}: unknown type")
            continue
        if not isinstance(n.get("initial"), bool):
            err(f"{name}: initial is not a boolean")
        refs = n.get("refs")
        if not refs:
            err(f"{name}: no refs: how is it held?")
            refs = []
        for r in refs:
            via = r.get("via")
            if via not in REF_KEYS:
                err(f"{name}: ref via {via!r}")
                continue
            missing = REF_KEYS[via] - set(r)
            if missing:
                err(f"{name}: {via} ref lacks {sorted(missing)}: {r}")
                continue
            if "pid" in REF_KEYS[via] and r["pid"] not in procs:
                err(f"{name}: {via} ref to pid {r['pid']}, not a process of the document")
            if via == "socket" and t != "net":
                err(f"{name}: socket ref on a {t} namespace")
            if via == "bindmount":
                m = nss.get(r["mntns"])
                if not m or m.get("type") != "mnt":
                    err(f"{name}: bindmount in mntns {r['mntns']}, not a mnt namespace of the document")
                if not str(r["path"]).startswith("/"):
                    err(f"{name}: bindmount path {r['path']!r}")
            if via == "process" and r["pid"] not in (n.get("processes") or []):
                err(f"{name}: process ref to {r['pid']}, not in its processes")
        members = n.get("processes") or []
        for pid in members:
            p = procs.get(pid)
            if not p:
                err(f"{name}: process {pid} not in the document")
            elif (p.get("namespaces") or {}).get(t) != i:
                err(f"{name}: lists process {pid}, whose {t} is {(p.get('namespaces') or {}).get(t)}")
        leaders = n.get("leaders") or []
        if not set(leaders) <= set(members):
            err(f"{name}: leaders {leaders} not among its processes")
        if members and not leaders:
            err(f"{name}: processes but no leader")
        e = n.get("ealdorman")
        if (e is None) != (not leaders) or (e is not None and e not in leaders):
            err(f"{name}: ealdorman {e} not one of the leaders {leaders}")
        if t in ("user", "pid"):
            par = n.get("parent")
            if par is not None:
                pn = nss.get(par)
                if not pn or pn.get("type") != t:
                    err(f"{name}: parent {par} is not a {t} namespace of the document")
                elif i not in (pn.get("children") or []):
                    err(f"{name}: not among the children of its parent {par}")
            elif opts.get("hierarchy") and not n.get("initial"):
                err(f"{name}: no parent, and not initial")
            for c in n.get("children") or []:
                cn = nss.get(c)
                if not cn or cn.get("parent") != i:
                    err(f"{name}: child {c} does not name it as parent")
        else:
            if "parent" in n and n["parent"] is not None:
                err(f"{name}: a {t} namespace with a parent")
        own = n.get("owner")
        if own is not None:
            on = nss.get(own)
            if not on or on.get("type") != "user":
                err(f"{name}: owner {own} is not a user namespace of the document")
        elif opts.get("owners") and not (t == "user" and n.get("initial")):
            err(f"{name}: no owner")
        if t == "user" and own != n.get("parent"):
            err(f"{name}: owner {own} is not its parent {n.get('parent')}")
        if t == "user" and opts.get("owners") and not is_int(n.get("owner_uid")):
            err(f"{name}: owner_uid is {n.get('owner_uid')!r}")

    for pid, p in procs.items():
        for slot, v in (p.get("namespaces") or {}).items():
            if slot not in SLOTS:
                err(f"process {pid}: unknown namespace slot {slot}")
                continue
            if v is None:
                continue
            n = nss.get(v)
            if not n:
                err(f"process {pid}: {slot} {v} is not in namespaces")
            elif n.get("type") != SLOTS[slot]:
                err(f"process {pid}: {slot} {v} is a {n.get('type')} namespace")
            elif slot in TYPES and pid not in (n.get("processes") or []):
                err(f"process {pid}: not among the processes of its {slot} {v}")

    print(f"{len(nss)} namespaces, {len(procs)} processes; {len(bad)} violations")
    for b in bad[:30]:
        print("  " + b)
    if len(bad) > 30:
        print(f"  ... and {len(bad) - 30} more")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
