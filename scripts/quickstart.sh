#!/usr/bin/env bash
# The main job on an example: set up, build, then compile examples/causal.attn for sm_90a
# and show what each stage produced: the attn dialect after the passes (with the mask
# analysis), the analysis as a block table, the generated CUDA prelude, and the cubin
# NVRTC built from it with its register/spill report.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${ATTNC_BUILD_DIR:-$root/build}"
bash "$root/scripts/build.sh"
attnc="$build/bin/attnc"
example="$root/examples/causal.attn"
out="$build/quickstart"
mkdir -p "$out"

echo; echo "== 1. attn dialect after the pass pipeline: attnc compile $example --emit=mlir-opt"
"$attnc" compile "$example" --emit=mlir-opt -o "$out/causal.mlir"
cat "$out/causal.mlir"

echo; echo "== 2. mask analysis: attnc explain $example --N 4096 --block 128x128"
"$attnc" explain "$example" --N 4096 --block 128x128 --rows 8

echo; echo "== 3. generated CUDA for sm_90a (prelude over templates/attnc/PrefillSm90.cuh): $out/causal.cu"
"$attnc" compile "$example" --emit=cu -o "$out/causal.cu"
cat "$out/causal.cu"

echo; echo "== 4. cubin for sm_90a via NVRTC: attnc compile $example --arch sm_90a --no-spills -o $out/causal.sm_90a.cubin"
"$attnc" compile "$example" --arch sm_90a --no-spills -o "$out/causal.sm_90a.cubin"
ls -l "$out/causal.sm_90a.cubin"
echo; echo "On a machine with a GPU: $attnc check $example --shape B=2,H=8,N=1000"
echo "  and: $attnc tune $example --shapes B=2,H=16,N=4096 --db tune.db --svg tune.svg"
