#!/usr/bin/env python3
"""check_mounts.py DOC MNTNS MOUNTINFO [IGNORE] - compares the mount table that
`nsmon discover` (DOC, a file) reports for mount namespace MNTNS with a
mountinfo file the kernel wrote (proc_pid_mountinfo(5)): the same mounts
by id, and for each the same parent, dev, root, path, options, tags,
fstype, source and super options.  Mounts whose path matches the regex
IGNORE (other test runs' churn) are left out on both sides.  Prints the
differences; exit 1 if any.
"""
import json
import re
import sys


def unescape(s):
    return re.sub(r"\\([0-3][0-7][0-7])", lambda m: chr(int(m.group(1), 8)), s)


def parse(path):
    out = {}
    with open(path) as f:
        for line in f:
            a = line.rstrip("\n").split(" ")
            sep = a.index("-", 6)
            out[int(a[0])] = {
                "parent_id": int(a[1]), "dev": a[2], "root": unescape(a[3]),
                "path": unescape(a[4]), "options": a[5], "tags": a[6:sep],
                "fstype": a[sep + 1], "source": unescape(a[sep + 2]),
                "super_options": a[sep + 3] if len(a) > sep + 3 else "",
            }
    return out


def main():
    doc = json.load(open(sys.argv[1]))
    table = doc["mounts"].get(sys.argv[2])
    if table is None:
        print(f"no mount table for {sys.argv[2]}; have {list(doc['mounts'])}")
        return 1
    kernel = parse(sys.argv[3])
    ours = {m["mount_id"]: m for m in table}
    if len(sys.argv) > 4:
        ign = re.compile(sys.argv[4])
        kernel = {i: m for i, m in kernel.items() if not ign.match(m["path"])}
        ours = {i: m for i, m in ours.items() if not ign.match(m["path"])}
    bad = 0
    for i in sorted(set(kernel) | set(ours)):
        if i not in ours:
            print(f"mount {i} {kernel[i]['path']}: missing in nsmon's table")
            bad += 1
            continue
        if i not in kernel:
            print(f"mount {i} {ours[i]['path']}: not in the kernel's mountinfo")
            bad += 1
            continue
        for k, v in kernel[i].items():
            if ours[i].get(k) != v:
                print(f"mount {i} {kernel[i]['path']}: {k}: nsmon {ours[i].get(k)!r}, kernel {v!r}")
                bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
