#!/usr/bin/env bash
# The benchmarks of `make bench` that need the whole product rather than one
# crate: assay against the Python stack a user would otherwise script, and the
# service under load on loopback. Run after `cargo bench -p extract`, whose
# analyze bench makes the 12 MP JPEG used here.
#   Python stack (Pillow, imagehash, OpenCV; exiftool comes from Debian through
#   scripts/setup.sh) pinned in bench/requirements.txt, installed into .venv here
#   so that `make test` never pays for it.
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO=${CARGO:-cargo}
target=${CARGO_TARGET_DIR:-target}
python=.venv/bin/python

if ! "$python" -c 'import PIL, imagehash, cv2' 2>/dev/null; then
  .venv/bin/pip install -q -r bench/requirements.txt
fi
$CARGO build --release -p cli
assay=$target/release/assay

jpeg_12mp=$target/bench-inputs/jpeg_plain_jfif_4000x3000_q90.jpg
if [ ! -f "$jpeg_12mp" ]; then
  echo "bench: $jpeg_12mp is missing: run cargo bench -p extract --bench analyze first" >&2
  exit 1
fi
# 1 MP: the same photo at 1155x866 (same JPEG quality).
jpeg_1mp=$target/bench-inputs/jpeg_plain_jfif_1155x866_q90.jpg
if [ ! -f "$jpeg_1mp" ]; then
  "$python" -c 'import sys; from PIL import Image
Image.open(sys.argv[1]).resize((1155, 866), Image.Resampling.LANCZOS).save(sys.argv[2], quality=90)' \
    "$jpeg_12mp" "$jpeg_1mp"
fi

corpus=${ASSAY_SHARED:-../shared}/corpus
jpegs=()
for f in "$corpus"/*.jpg; do
  case "$(basename "$f")" in bad_*) ;; *) jpegs+=("$f") ;; esac
done

echo "== whole processes on the 12 MP JPEG against one djpeg decode"
python3 bench/whole_process.py --assay "$assay" --runs 9 "$jpeg_12mp"
echo
echo "== a folder of 12 distinct 12 MP photos through the CLI against a djpeg loop"
"$python" bench/cli_folder.py --assay "$assay" --workdir "$target/bench-inputs/folder" --runs 5 "${jpegs[@]}"
echo
echo "== colors + pHash + metadata + faces: assay vs the Python stack"
"$python" bench/python_stack.py --assay "$assay" --runs 5 "$jpeg_12mp" "${jpegs[@]}"
echo
echo "== the service under load"
"$python" bench/service_load.py --assay "$assay" --jpeg-12mp "$jpeg_12mp" --jpeg-1mp "$jpeg_1mp"
echo
echo "== the hostile campaign of issue 14, re-run (both databases)"
python3 bench/hostile.py --assay "$assay" --backend sqlite
python3 bench/hostile.py --assay "$assay" --backend postgres
