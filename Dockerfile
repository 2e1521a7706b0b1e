# syntax=docker/dockerfile:1
# One image, three binaries: `upload-api` and `admin-api` (the production
# services, one Deployment each) and `assay` (CLI: analyze, serve, migrate).
#   docker build -t assay .
#   docker run -p 8080:8080 assay            # `assay serve`, SQLite under /var/lib/assay

# The release the machines here build with (see README: no rust-toolchain.toml).
ARG RUST_VERSION=1.95.0
ARG DEBIAN_RELEASE=bookworm

FROM rust:${RUST_VERSION}-${DEBIAN_RELEASE} AS builder
# A failing command inside a pipe (the package lists are piped) fails the build.
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# The build's Debian packages, from the one list `make run`/`make test` install too.
COPY scripts/packages/build.txt /tmp/build-packages.txt
RUN apt-get update \
 && sed -e 's/#.*//' -e '/^\s*$/d' /tmp/build-packages.txt | xargs apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# ONNX Runtime (faces, text in photos): the pinned library from PyPI's wheel,
# read out by the same script `make run` uses; copied into the runtime image.
RUN apt-get update && apt-get install -y --no-install-recommends python3-pip \
 && rm -rf /var/lib/apt/lists/* \
 && python3 scripts/install-onnxruntime.py --dest /out-lib
# Cache mounts keep the registry and build artefacts between builds; the
# binaries are copied out because the target cache is not part of the layer.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p cli -p upload-api -p admin-api \
 && install -D -t /out target/release/assay target/release/upload-api target/release/admin-api

FROM debian:${DEBIAN_RELEASE}-slim AS runtime
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# Runtime libraries of the build deps above, the OCR data and CA certificates
# for HTTPS to S3 and remote-URL uploads: scripts/packages/runtime.txt.
COPY scripts/packages/runtime.txt /tmp/runtime-packages.txt
RUN apt-get update \
 && sed -e 's/#.*//' -e '/^\s*$/d' /tmp/runtime-packages.txt | xargs apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/*
# A numeric user, so Kubernetes' runAsNonRoot can verify it without /etc/passwd.
RUN groupadd --system --gid 10001 assay \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/assay --create-home assay
COPY --from=builder /out/ /usr/local/bin/
COPY --from=builder /out-lib/ /usr/local/lib/
# Fail the build, not the first pod, if a shared library (all three binaries
# link the same ones; libtesseract is opened on first OCR, libonnxruntime on
# first face or scene-text scan) or OCR data is missing.
RUN ldconfig \
 && assay --version \
 && ldconfig -p | grep -q 'libtesseract\.so\.5 ' \
 && ldconfig -p | grep -q 'libonnxruntime\.so\.1 ' \
 && test -f /usr/share/tesseract-ocr/5/tessdata/eng.traineddata \
 && test -f /usr/share/tesseract-ocr/5/tessdata/osd.traineddata \
 && test -f /usr/share/tesseract-ocr/5/tessdata/Latin.traineddata
USER 10001:10001
# `assay serve`'s embedded defaults (SQLite, blobs) are relative to here.
WORKDIR /var/lib/assay
# Inside a container the services must be reachable from outside it.
ENV ASSAY_LISTEN=0.0.0.0:8080
EXPOSE 8080
CMD ["assay", "serve"]
