#!/usr/bin/env python3
# oci_image.py ROOTFS NAME OUT - an OCI image archive (image layout 1.0:
# oci-layout, index.json, blobs/sha256/...) of the directory ROOTFS as one
# uncompressed layer, named NAME (io.containerd.image.name), written to the
# tar file OUT; for `ctr image import` in the tests of containerd
# (tests/integration/t_watch_containers.sh).  No registry, no tool beyond
# python3: the busybox root file system the tests make is the image.
import hashlib
import io
import json
import os
import platform
import sys
import tarfile

ARCH = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm",
        "ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64"}


def layer(rootfs):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for d, dirs, files in os.walk(rootfs):
            dirs.sort()
            for n in sorted(dirs) + sorted(files):
                p = os.path.join(d, n)
                t.add(p, arcname=os.path.relpath(p, rootfs), recursive=False)
    return buf.getvalue()


def blob(out, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    info = tarfile.TarInfo("blobs/sha256/" + digest[7:])
    info.size = len(data)
    out.addfile(info, io.BytesIO(data))
    return digest


def file(out, name, obj):
    data = json.dumps(obj).encode()
    info = tarfile.TarInfo(name)
    info.size = len(data)
    out.addfile(info, io.BytesIO(data))
    return data


def main():
    rootfs, name, path = sys.argv[1:4]
    arch = ARCH.get(platform.machine(), platform.machine())
    tar = layer(rootfs)
    with tarfile.open(path, "w") as out:
        ldig = blob(out, tar)
        config = json.dumps({
            "architecture": arch, "os": "linux",
            "config": {"Cmd": ["/bin/sh"]},
            "rootfs": {"type": "layers", "diff_ids": [ldig]},
        }).encode()
        cdig = blob(out, config)
        manifest = json.dumps({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": cdig, "size": len(config)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                        "digest": ldig, "size": len(tar)}],
        }).encode()
        mdig = blob(out, manifest)
        file(out, "oci-layout", {"imageLayoutVersion": "1.0.0"})
        file(out, "index.json", {
            "schemaVersion": 2,
            "manifests": [{
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": mdig, "size": len(manifest),
                "platform": {"architecture": arch, "os": "linux"},
                "annotations": {"io.containerd.image.name": name,
                                "org.opencontainers.image.ref.name": "latest"},
            }],
        })


if __name__ == "__main__":
    main()
