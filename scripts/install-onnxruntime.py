#!/usr/bin/env python3
"""Installs the ONNX Runtime shared library that assay opens on first use of a
network (faces, text in photos): libonnxruntime.so.1.32.0, taken from PyPI's
onnxruntime 1.32.0 wheel (MIT), into a library directory, with its soname link.

Pinned: the wheel is checked against its SHA-256 and the library against its
own, and only the library is read out of the archive (no code from it runs).
The wheel is the CPython 3.11 one whatever Python runs this: the library in it
is the same for every Python. x86_64 only, the one platform pinned here.
Idempotent: a second run checks the installed file and returns.

    python3 scripts/install-onnxruntime.py [--dest /usr/local/lib]
"""

import argparse
import hashlib
import os
import pathlib
import platform
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "crates/extract/models"))
from wheels import read_members  # noqa: E402

VERSION = "1.32.0"
WHEEL = f"onnxruntime-{VERSION}-cp311-cp311-manylinux_2_28_x86_64.whl"
WHEEL_SHA256 = "5a34fc4dfeb5a7b4a74c95dcba1e773d722abda720b474edf1b0c419dc6d163d"
LIBRARY = f"libonnxruntime.so.{VERSION}"
LIBRARY_SHA256 = "6c1585d1bbf45b0712ea4a21b705c5fcb4ba04ff2e30f1fbf81a49faf658638f"
# What crates/extract/src/onnx.rs opens.
SONAME = "libonnxruntime.so.1"
PIP_PLATFORM = ("--platform", "manylinux_2_28_x86_64", "--python-version", "3.11",
                "--implementation", "cp", "--abi", "cp311")


def sha256(path: pathlib.Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dest", default="/usr/local/lib", type=pathlib.Path)
    dest = parser.parse_args().dest
    target = dest / LIBRARY
    if target.is_file() and sha256(target) == LIBRARY_SHA256 and (dest / SONAME).exists():
        print(f"install-onnxruntime: {target} is there")
        return
    if platform.machine() != "x86_64":
        sys.exit(f"install-onnxruntime: only x86_64 is pinned, not {platform.machine()}")
    member = f"onnxruntime/capi/{LIBRARY}"
    library = read_members(f"onnxruntime=={VERSION}", WHEEL, WHEEL_SHA256, [member],
                           PIP_PLATFORM)[member]
    digest = hashlib.sha256(library).hexdigest()
    if digest != LIBRARY_SHA256:
        sys.exit(f"install-onnxruntime: {LIBRARY} sha256 {digest}, expected {LIBRARY_SHA256}")
    dest.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    partial.write_bytes(library)
    partial.chmod(0o644)
    os.replace(partial, target)
    link = dest / SONAME
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(LIBRARY)
    # The dynamic loader's cache, where the directory is one it searches.
    if os.geteuid() == 0:
        subprocess.run(["ldconfig"], check=False)
    print(f"install-onnxruntime: {target} ({len(library)} bytes)")


if __name__ == "__main__":
    main()
