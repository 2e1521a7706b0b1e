# assay: the two commands that matter are `make run` and `make test`.
CARGO ?= cargo
export ASSAY_SHARED ?= $(abspath ../shared)
# Tesseract parallelises with OpenMP, whose idle threads spin: on a busy
# 2-core machine a scanned page (text_unlv_8071_093.tif) took 20-22 s instead
# of 4.2 s. One thread per OCR call; concurrent requests supply the parallelism.
export OMP_THREAD_LIMIT ?= 1

.PHONY: run test setup deploy-check build bench lint fmt

## Start both APIs on 127.0.0.1:8080 on the embedded default (SQLite + ./data).
run:
	$(CARGO) build --release -p cli
	./target/release/assay serve

## The whole suite, exactly what .ci/run runs.
test: setup deploy-check
	$(CARGO) test --workspace --no-fail-fast

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

lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all
