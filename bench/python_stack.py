"""Colors + pHash + metadata + faces over the same JPEGs, twice in one run:
with the Python stack a user would otherwise script (Pillow, imagehash,
exiftool, OpenCV's Haar cascade) and with `assay analyze`. Prints per-file
medians over several runs and the speed-up.

The Python side is written the way a careful user would: one decode per file,
colours from a 256 px thumbnail, faces on a copy shrunk to 1280 px (as assay
does), exiftool kept running (-stay_open, as PyExifTool does) so Perl starts
once. Both sides run in one process each, file after file; assay's per-file
time is the gap between the JSON lines it prints (a warm-up file absorbs its
start-up).

usage: python_stack.py --assay target/release/assay [--runs 5] FILE...
"""

import argparse
import statistics
import subprocess
import sys
import time

import cv2
import imagehash
import numpy as np
from PIL import Image, ImageOps

FACE_SCAN_LONG_SIDE = 1280
COLOR_THUMBNAIL = 256


class ExifTool:
    """One exiftool process answering request after request (-stay_open)."""

    def __init__(self):
        self.process = subprocess.Popen(
            ["exiftool", "-stay_open", "True", "-@", "-"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def metadata(self, path):
        self.process.stdin.write(f"-j\n-G\n{path}\n-execute\n")
        self.process.stdin.flush()
        lines = []
        for line in self.process.stdout:
            if line.strip() == "{ready}":
                return "".join(lines)
            lines.append(line)
        raise RuntimeError("exiftool exited")

    def close(self):
        self.process.stdin.write("-stay_open\nFalse\n")
        self.process.stdin.flush()
        self.process.wait()


CASCADE = cv2.CascadeClassifier(
    cv2.data.haarcascades + "haarcascade_frontalface_default.xml"
)


def python_stack(path, exiftool):
    image = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
    phash = imagehash.phash(image)
    thumbnail = image.copy()
    thumbnail.thumbnail((COLOR_THUMBNAIL, COLOR_THUMBNAIL))
    colors = thumbnail.quantize(colors=32).convert("RGB").getcolors(COLOR_THUMBNAIL**2)
    gray = np.asarray(image.convert("L"))
    height, width = gray.shape
    factor = FACE_SCAN_LONG_SIDE / max(width, height)
    if factor < 1:
        size = (round(width * factor), round(height * factor))
        gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    faces = CASCADE.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(20, 20))
    metadata = exiftool.metadata(path)
    return phash, colors, faces, metadata


def time_python(files, runs):
    exiftool = ExifTool()
    python_stack(files[0], exiftool)  # warm-up: imports, cascade, exiftool start
    seconds = {f: [] for f in files}
    for _ in range(runs):
        for f in files:
            started = time.perf_counter()
            python_stack(f, exiftool)
            seconds[f].append(time.perf_counter() - started)
    exiftool.close()
    return seconds


def time_assay(assay, files, runs):
    sequence = [files[0]] + files * runs  # the first absorbs process start-up
    process = subprocess.Popen(
        [assay, "analyze", "--colors", "--phash", "--media-metadata", "--faces", *sequence],
        stdout=subprocess.PIPE,
        text=True,
    )
    seconds = {f: [] for f in files}
    previous = None
    for index, line in enumerate(process.stdout):
        now = time.perf_counter()
        if '"error"' in line:
            raise RuntimeError(f"assay failed on {sequence[index]}: {line}")
        if previous is not None:
            seconds[sequence[index]].append(now - previous)
        previous = now
    if process.wait() != 0:
        raise RuntimeError("assay analyze failed")
    return seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--assay", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()

    python = time_python(args.files, args.runs)
    assay = time_assay(args.assay, args.files, args.runs)

    print(f"{'file':48} {'python ms':>10} {'assay ms':>10} {'speed-up':>9}")
    ratios = []
    for f in args.files:
        p, a = statistics.median(python[f]), statistics.median(assay[f])
        ratios.append(p / a)
        print(f"{f.rsplit('/', 1)[-1][:48]:48} {p * 1e3:10.1f} {a * 1e3:10.1f} {p / a:8.1f}x")
    python_total = sum(statistics.median(python[f]) for f in args.files)
    assay_total = sum(statistics.median(assay[f]) for f in args.files)
    print(
        f"colors+phash+metadata+faces, {len(args.files)} JPEGs, medians of {args.runs} runs: "
        f"Python stack {python_total * 1e3:.0f} ms, assay {assay_total * 1e3:.0f} ms in total "
        f"-> {python_total / assay_total:.1f}x faster (median per file {statistics.median(ratios):.1f}x; "
        f"target >= 10x)"
    )


if __name__ == "__main__":
    sys.exit(main())
