# assay: the two commands that matter are `make run` and `make test`.
CARGO ?= cargo
export ASSAY_SHARED ?= $(abspath ../shared)
# Tesseract parallelises with OpenMP, whose idle threads spin: on a busy
# 2-core machine a scanned page (text_unlv_8071_093.tif) took 20-22 s instead
# of 4.2 s. One thread per OCR call; concurrent requests supply the parallelism.
export OMP_THREAD_LIMIT ?= 1
# ONNX Runtime otherwise keeps a device id under ~/.cache/Microsoft and readies
# usage telemetry; the binaries set this too (crates/common/src/process.rs).
export ORT_DISABLE_TELEMETRY ?= 1

.PHONY: run test setup setup-build deploy-check build bench lint fmt fuzz fuzz-smoke

## Start both APIs on 127.0.0.1:8080 on the embedded default (SQLite + ./data).
run: setup-build
	$(CARGO) build --release -p cli
	./target/release/assay serve

## The whole suite, exactly what .ci/run runs: formatting and lints first
## (both fail the run), then every test, then a bounded fuzz run.
test: setup deploy-check
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) test --workspace --no-fail-fast
	$(MAKE) fuzz-smoke

## Every fuzz target (fuzz/) on stable Rust for FUZZ_SECONDS (60) in all:
## seeds from the shared corpus, then seeded mutations; fails on any panic.
## Shares the workspace's target dir, so the decoders are not rebuilt.
FUZZ_SECONDS ?= 60
fuzz-smoke:
	CARGO_TARGET_DIR=$(CURDIR)/target $(CARGO) run --manifest-path fuzz/Cargo.toml \
		--no-default-features --bin replay -- --seconds $(FUZZ_SECONDS)

## The longer run: 30 minutes of the same. libFuzzer (coverage-guided) runs
## are `cargo fuzz run <target>`: see fuzz/README.md.
fuzz:
	$(MAKE) fuzz-smoke FUZZ_SECONDS=1800

## Install the Debian packages the build and the binaries need (idempotent, quick when done).
setup-build:
	bash scripts/setup-build.sh

## Install and start what the tests need (idempotent).
setup:
	bash scripts/setup.sh

## Render every deploy/ overlay and validate it against the Kubernetes schemas.
deploy-check:
	bash scripts/deploy-check.sh

build:
	$(CARGO) build --workspace --release

## Benchmarks: medians and ratios against baselines measured in the same run.
bench: setup
	$(CARGO) bench -p extract
	$(CARGO) bench -p store --bench phash_index
	$(CARGO) bench -p store --bench search
	CARGO=$(CARGO) bash bench/run.sh

lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all
