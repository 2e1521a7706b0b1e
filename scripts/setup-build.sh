#!/usr/bin/env bash
# Installs what building and running assay needs: the Debian packages listed in
# scripts/packages/build.txt and runtime.txt (the Dockerfile reads the same lists)
# and the ONNX Runtime library (scripts/install-onnxruntime.py, as the Dockerfile).
# Idempotent and quick when everything is there: it only asks dpkg.
set -euo pipefail
cd "$(dirname "$0")/.."

# Packages of the given lists (comments and blank lines skipped) plus any extra names, installed if missing.
install_packages() {
  local wanted=() missing=()
  for list in "$@"; do
    if [ -f "$list" ]; then
      while read -r p; do wanted+=("$p"); done < <(sed -e 's/#.*//' -e '/^\s*$/d' "$list")
    else
      wanted+=("$list")
    fi
  done
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# ONNX Runtime, which the face and scene-text networks run on: not a Debian
# package, so the pinned library from PyPI's wheel (scripts/install-onnxruntime.py).
install_onnxruntime() {
  python3 -m pip --version >/dev/null 2>&1 || install_packages python3-pip
  local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo python3 scripts/install-onnxruntime.py
}

# Sourced by setup.sh for its own list; run directly (make run) for the build's.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  install_packages scripts/packages/build.txt scripts/packages/runtime.txt
  install_onnxruntime
  echo "setup-build: ok"
fi
