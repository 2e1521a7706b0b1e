#!/usr/bin/env bash
# Installs and starts what the build and the tests need, on this machine or a
# bare Debian one. Idempotent: a second run only checks.
#   system packages: the build's and the binaries' (scripts/packages/*.txt, through
#   scripts/setup-build.sh), avifenc (AVIF test files), exiftool (oracle), djpeg (the
#   bench's yardstick), PostgreSQL.
#   SDKs of record: Python `cloudinary` (pinned) in .venv, Node `cloudinary`
#   (pinned) in tests/sdk/node/node_modules.
set -euo pipefail
cd "$(dirname "$0")/.."

# What the tests use beyond the build's packages (scripts/packages/*.txt):
# avifenc (AVIF test files), exiftool (oracle), djpeg (make bench), tiffcp (TIFF variants), PostgreSQL (the production database).
apt_packages=(
  libavif-bin libimage-exiftool-perl libjpeg-turbo-progs
  # OCR language tests: a page rendered in each script (ImageMagick, DejaVu fonts).
  imagemagick fonts-dejavu-core
  # The TIFF conformance test writes its variants with tiffcp and checks them with tiffinfo.
  libtiff-tools
  # The decoding conformance test shows each AVIF as libheif does (heif-convert).
  libheif-examples
  postgresql postgresql-contrib
  # The CORS test: a headless browser uploads from a page on another origin.
  chromium
)
# The SDKs' runtimes, when the machine has none of its own (a bare Debian).
command -v node >/dev/null || apt_packages+=(nodejs npm)
command -v python3 >/dev/null || apt_packages+=(python3)
python3 -c 'import venv, ensurepip' 2>/dev/null || apt_packages+=(python3-venv)
source scripts/setup-build.sh
install_packages scripts/packages/build.txt scripts/packages/runtime.txt "${apt_packages[@]}"
install_onnxruntime

# PostgreSQL at 127.0.0.1:5432 with trust auth for local tests.
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  version=$(ls /etc/postgresql | sort -V | tail -1)
  hba=/etc/postgresql/$version/main/pg_hba.conf
  if ! grep -q "assay-test" "$hba"; then
    # Loopback-only trust, for the throwaway test databases.
    sed -i '1i host all all 127.0.0.1/32 trust # assay-test\nhost all all ::1/128 trust # assay-test\nlocal all all trust # assay-test' "$hba"
  fi
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || pg_ctlcluster "$version" main start
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi

# Official Python SDK, pinned.
if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
if ! .venv/bin/python -c 'import cloudinary' 2>/dev/null; then
  .venv/bin/pip install -q -r tests/sdk/python/requirements.txt
fi

# Pillow, a reference writer and reader for the decoding conformance test
# (crates/extract/tests/decode_conformance.rs), pinned.
if ! .venv/bin/python -c 'import PIL' 2>/dev/null; then
  .venv/bin/pip install -q -r crates/extract/tests/requirements.txt
fi

# S3-compatible server for the S3 blob store's tests, pinned: moto's stand-in,
# because no real S3 server installs from our registries (tests/s3-server/requirements.txt
# says what was tried and why each failed).
if [ ! -x .venv/bin/moto_server ]; then
  .venv/bin/pip install -q -r tests/s3-server/requirements.txt
fi

# Official Node SDK, pinned by package-lock.json.
if [ -f tests/sdk/node/package.json ] && [ ! -d tests/sdk/node/node_modules/cloudinary ]; then
  (cd tests/sdk/node && npm ci --silent --no-audit --no-fund)
fi
echo "setup: ok"
