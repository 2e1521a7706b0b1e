"""`assay analyze` over a folder of distinct 12 MP photos against a sequential
`djpeg` loop over the same files (issue 34, target 1: <= 0.7x).

The photos are made once from the corpus JPEGs (each resized to 4000x3000 and
saved at q90 with Pillow, so each file is distinct), in `--workdir`. Runs are
paired (djpeg loop, then assay) so machine noise hits both sides; prints the
medians of wall time, CPU time and the per-pair wall ratio.

usage: cli_folder.py --assay target/release/assay --workdir DIR [--runs 5] CORPUS_JPEG...
"""

import argparse
import os
import statistics
import subprocess
import time

ANALYSES = ["--colors", "--phash", "--media-metadata", "--faces"]
TARGET = 0.7


def make_photos(sources, workdir, count):
    from PIL import Image

    os.makedirs(workdir, exist_ok=True)
    made = []
    for i, source in enumerate(sources[:count]):
        out = os.path.join(workdir, f"photo_{i:02d}.jpg")
        if not os.path.exists(out):
            Image.open(source).convert("RGB").resize((4000, 3000), Image.Resampling.LANCZOS).save(out, quality=90)
        made.append(out)
    return made


def timed(argv_list):
    """Wall and CPU seconds of running the commands one after another."""
    started = time.perf_counter()
    cpu = 0.0
    for argv in argv_list:
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{' '.join(argv)} failed: {process.stderr.read().decode()}")
        cpu += usage.ru_utime + usage.ru_stime
    return time.perf_counter() - started, cpu


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--assay", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--count", type=int, default=12)
    parser.add_argument("sources", nargs="+")
    args = parser.parse_args()

    photos = make_photos(args.sources, args.workdir, args.count)
    djpeg = [["djpeg", "-outfile", "/dev/null", photo] for photo in photos]
    assay = [[args.assay, "analyze", *ANALYSES, *photos]]
    assay_one_job = [[args.assay, "analyze", "--jobs", "1", *ANALYSES, *photos]]
    rows = {"djpeg loop": [], "assay analyze (all cores)": [], "assay analyze --jobs 1": []}
    ratios = []
    for _ in range(args.runs):
        base = timed(djpeg)
        rows["djpeg loop"].append(base)
        run = timed(assay)
        rows["assay analyze (all cores)"].append(run)
        rows["assay analyze --jobs 1"].append(timed(assay_one_job))
        ratios.append(run[0] / base[0])
    print(f"{len(photos)} distinct 4000x3000 q90 JPEGs, {' '.join(ANALYSES)}, {args.runs} paired runs")
    for name, values in rows.items():
        wall = statistics.median(v[0] for v in values) * 1e3
        cpu = statistics.median(v[1] for v in values) * 1e3
        print(f"  {name:28s} wall {wall:8.1f} ms   cpu {cpu:8.1f} ms")
    ratio = statistics.median(ratios)
    print(f"  ratio assay / djpeg loop (median of pairs): {ratio:.2f}x (target <= {TARGET}x: {'met' if ratio <= TARGET else 'not met'})")


if __name__ == "__main__":
    main()
