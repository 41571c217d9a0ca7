#!/usr/bin/env bash
# One device-machine session: the GPU tests, `attnc check` on examples through the CLI, then
# the benchmark against the peers; full logs under $OUT, a short table last.
# Binaries come prebuilt (static) in .dev/bin (see bench/NOTES.md for the carry command).
set -uo pipefail
BIN="${ATTNC_BIN:-.dev/bin}"
OUT="${OUT:-/tmp/attnc-out}"; mkdir -p "$OUT"
export ATTNC_CACHE_DIR=/tmp/attnc-cache
export ATTNC_EXAMPLES_DIR="$PWD/examples"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader

echo "== runtime GPU tests"
"$BIN/tests/AttnRuntimeTests" --gtest_brief=1 > "$OUT/runtime_tests.log" 2>&1; echo "rc=$?"; tail -3 "$OUT/runtime_tests.log"
echo "== softmax examples vs float64 reference"
"$BIN/tests/AttnGpuTests" > "$OUT/gpu_tests.log" 2>&1; echo "rc=$?"
grep -E "rel err" "$OUT/gpu_tests.log" | awk '{print $1, $2, $3, $NF, $(NF-4), $(NF-3)}' | sort -k5 -g | tail -4
grep -cE " ok$" "$OUT/gpu_tests.log"; grep -E "FAIL|Failure" "$OUT/gpu_tests.log" | head -5; tail -3 "$OUT/gpu_tests.log"
echo "== runtime API example (C++)"
"$BIN/attnc-example-runtime" examples/sliding_window.attn 256; echo "rc=$?"
echo "== attnc check through the CLI"
for ex in causal alibi softcap document_mask; do "$BIN/attnc" check "examples/$ex.attn" --shape B=2,Hq=8,Hkv=2,N=1000 2>&1 | tail -1; done
if [ "${SKIP_BENCH:-0}" != 1 ]; then
  echo "== benchmark"
  PYTHONUNBUFFERED=1 python3 bench/softmax_bench.py --attnc "$BIN/attnc" ${BENCH_ARGS:-} 2>&1 | tee "$OUT/bench.log" | grep -v Warning
fi
