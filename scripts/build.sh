#!/usr/bin/env bash
# Installs dependencies (scripts/setup.sh) and builds attnc into ./build (or $ATTNC_BUILD_DIR)
# with Ninja. Used by quickstart.sh and test.sh; safe to re-run (incremental).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${ATTNC_BUILD_DIR:-$root/build}"
bash "$root/scripts/setup.sh"
jobs="${ATTNC_JOBS:-$(nproc)}"
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release
fi
cmake --build "$build" -j "$jobs"
