#!/usr/bin/env python3
"""k8s_podman.py MANIFEST CAPABILITIES - checks contrib/k8s/daemonset.yaml
against what the image test runs, and prints that run as JSON: the podman
options that do what the DaemonSet's pod spec says, and the container's
arguments with $(POD_IP):PORT made 127.0.0.1:0 (the test runs on the
host's network and lets the kernel pick a port).  Exit 1 with one line
per mismatch; the checks are what keeps the manifest and the tested run
from drifting apart:

- the capabilities added are exactly contrib/capabilities, all others
  dropped; not privileged, no privilege escalation, a read-only root;
- hostPID; every volume a read-only hostPath mounted at the same path;
- args: serve, --events-stdout, --listen on the pod IP at the port the
  probes, the container port and the scrape annotation name, and
  --no-auth or --token-file;
- probes on /healthz (liveness) and /readyz (readiness); memory request
  and limit set, the limit above the request.
"""
import json
import re
import sys

import yaml


def caps_file(path):
    with open(path) as f:
        return [l.strip() for l in f if l.strip() and not l.startswith("#")]


def mem_bytes(q):
    m = re.fullmatch(r"(\d+)(Ki|Mi|Gi)?", str(q))
    if not m:
        raise ValueError(f"memory quantity {q!r}")
    return int(m.group(1)) * {None: 1, "Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30}[m.group(2)]


def check(ds, caps, errs):
    spec = ds["spec"]["template"]["spec"]
    meta = ds["spec"]["template"]["metadata"]
    (c,) = spec["containers"]
    sc = c.get("securityContext", {})
    want = [x.removeprefix("CAP_") for x in caps]
    if sc.get("capabilities", {}).get("add") != want:
        errs.append(f"capabilities.add {sc.get('capabilities', {}).get('add')} != contrib/capabilities {want}")
    if sc.get("capabilities", {}).get("drop") != ["ALL"]:
        errs.append("capabilities.drop is not [ALL]")
    for key, val in (("privileged", False), ("allowPrivilegeEscalation", False),
                     ("readOnlyRootFilesystem", True)):
        if sc.get(key) is not val:
            errs.append(f"securityContext.{key} is not {val}")
    if spec.get("hostPID") is not True:
        errs.append("hostPID is not true")
    args = c["args"]
    if args[0] != "serve" or "--events-stdout" not in args:
        errs.append(f"args {args}: want serve ... --events-stdout")
    if ("--no-auth" in args) == ("--token-file" in args):
        errs.append("args: want one of --no-auth, --token-file")
    listen = args[args.index("--listen") + 1] if "--listen" in args else ""
    m = re.fullmatch(r"\$\(POD_IP\):(\d+)", listen)
    if not m:
        errs.append(f"--listen {listen!r}: want $(POD_IP):PORT")
        return None
    port = int(m.group(1))
    env = {e["name"]: e for e in c.get("env", [])}
    if env.get("POD_IP", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") != "status.podIP":
        errs.append("env POD_IP is not status.podIP")
    ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
    if ports.get("http") != port:
        errs.append(f"containerPort http {ports.get('http')} != --listen port {port}")
    ann = meta.get("annotations", {})
    if ann.get("prometheus.io/scrape") != "true" or ann.get("prometheus.io/port") != str(port) \
            or ann.get("prometheus.io/path") != "/metrics":
        errs.append(f"prometheus.io annotations {ann} do not scrape /metrics on {port}")
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        get = c.get(probe, {}).get("httpGet", {})
        if get.get("path") != path or get.get("port") not in ("http", port):
            errs.append(f"{probe} is not GET {path} on the http port")
    res = c.get("resources", {})
    req, lim = res.get("requests", {}).get("memory"), res.get("limits", {}).get("memory")
    if not req or not lim or mem_bytes(lim) <= mem_bytes(req):
        errs.append(f"memory request {req} and limit {lim}: want both, the limit above")
    vols = {v["name"]: v for v in spec.get("volumes", [])}
    mounts = []
    for vm in c.get("volumeMounts", []):
        host = vols.get(vm["name"], {}).get("hostPath", {}).get("path")
        if host != vm["mountPath"] or vm.get("readOnly") is not True:
            errs.append(f"volume {vm['name']}: want a read-only hostPath at the same path")
        mounts.append(vm["mountPath"])
    return {"port": port, "args": args, "caps": caps, "mounts": mounts,
            "memory_request": mem_bytes(req) if req else 0}


def podman(run):
    """The podman options for the pod spec checked above."""
    opts = ["--pid=host", "--read-only", "--security-opt=no-new-privileges",
            "--user=0:0", "--cap-drop=all"]
    opts += [f"--cap-add={c}" for c in run["caps"]]
    opts += [f"--volume={p}:{p}:ro" for p in run["mounts"]]
    args = [re.sub(r"^\$\(POD_IP\):\d+$", "127.0.0.1:0", a) for a in run["args"]]
    return {"podman": opts, "args": args, "port": run["port"],
            "memory_request": run["memory_request"]}


def main():
    manifest, capsf = sys.argv[1:3]
    with open(manifest) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    ds = [d for d in docs if d.get("kind") == "DaemonSet"]
    errs = []
    if len(ds) != 1:
        errs.append(f"{len(ds)} DaemonSets, want 1")
        run = None
    else:
        run = check(ds[0], caps_file(capsf), errs)
    for e in errs:
        print(f"{manifest}: {e}", file=sys.stderr)
    if errs or run is None:
        return 1
    json.dump(podman(run), sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
