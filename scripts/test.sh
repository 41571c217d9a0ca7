#!/usr/bin/env bash
# Sets up, builds and runs every test: GoogleTest suites (each case a ctest test), the lit
# suite (FileCheck tests of every pass, DSL diagnostics, CLI behaviour, NVRTC compiles of
# every example) and the static-linking check. GPU tests skip themselves without a GPU.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${ATTNC_BUILD_DIR:-$root/build}"
bash "$root/scripts/build.sh"
cd "$build"
ctest --output-on-failure -j "${ATTNC_JOBS:-$(nproc)}"
