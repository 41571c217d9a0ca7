#!/usr/bin/env bash
# Installs every build and test dependency of attnc from Debian's packages, idempotently,
# and checks that the CUDA toolkit (NVRTC, driver API headers) is present under CUDA_HOME.
# Safe to run repeatedly: packages already installed are skipped without touching apt.
set -euo pipefail

PACKAGES=(
  cmake ninja-build g++ git python3
  llvm-19-dev llvm-19-tools libmlir-19-dev mlir-19-tools
  libfmt-dev libboost-program-options-dev libsqlite3-dev sqlite3
  libgtest-dev googletest libzstd-dev zlib1g-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: all Debian packages present"
fi

CUDA_HOME="${CUDA_HOME:-/usr/local/cuda}"
for f in include/nvrtc.h include/cuda.h include/cuda_bf16.h; do
  if [ ! -e "$CUDA_HOME/$f" ]; then
    echo "setup: error: the CUDA toolkit is missing: $CUDA_HOME/$f not found." >&2
    echo "setup: install CUDA Toolkit 13 (NVRTC and the driver API headers) or set CUDA_HOME." >&2
    exit 1
  fi
done
if ! ls "$CUDA_HOME"/lib64/libnvrtc.so* >/dev/null 2>&1; then
  echo "setup: error: libnvrtc not found under $CUDA_HOME/lib64; install CUDA Toolkit 13's NVRTC." >&2
  exit 1
fi
echo "setup: CUDA toolkit found at $CUDA_HOME ($("$CUDA_HOME/bin/nvcc" --version 2>/dev/null | tail -1 || echo 'nvcc absent'))"
