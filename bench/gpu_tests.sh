#!/usr/bin/env bash
# Every GPU test on the device machine, fast: the softmax and linear example grids
# (AttnGpuTests' SoftmaxExamplesGpu and LinearExamplesGpu) split by example into parallel
# processes ($ATTNC_GPU_EXAMPLES), since their time is NVRTC compiles and float64 references
# on the CPU, not GPU work; the other suites as they are.
# All logs in one file, $OUT/gpu_tests.log (the device tool returns at most 8 files);
# prints per suite pass/fail and the worst relative errors, then exits non-zero if
# anything failed. Binaries come prebuilt (static) in $ATTNC_BIN (.dev/bin).
set -uo pipefail
BIN="${ATTNC_BIN:-.dev/bin}"
OUT="${OUT:-/tmp/attnc-out}"; mkdir -p "$OUT"
LOGS="$(mktemp -d)"
export ATTNC_CACHE_DIR="${ATTNC_CACHE_DIR:-/tmp/attnc-cache}"
export ATTNC_EXAMPLES_DIR="${ATTNC_EXAMPLES_DIR:-$PWD/examples}"
EXAMPLES="full causal sliding_window alibi softcap prefix_lm chunked_local document_mask neighborhood_1d neighborhood_2d gqa_decode"
fail=0
pids=()
for ex in $EXAMPLES; do
  ATTNC_GPU_EXAMPLES=$ex "$BIN/tests/AttnGpuTests" --gtest_filter='SoftmaxExamplesGpu.*' \
    > "$LOGS/softmax_$ex.log" 2>&1 & pids+=($!)
done
LINEAR="linear lightning retnet simple_gla gla mlstm mlstm_sig deltanet gated_deltanet"
for ex in $LINEAR; do
  ATTNC_GPU_EXAMPLES=$ex "$BIN/tests/AttnGpuTests" --gtest_filter='LinearExamplesGpu.*' \
    > "$LOGS/linear_$ex.log" 2>&1 & pids+=($!)
done
"$BIN/tests/AttnGpuTests" --gtest_filter='-SoftmaxExamplesGpu.*:LinearExamplesGpu.*' \
  > "$LOGS/other.log" 2>&1 & pids+=($!)
"$BIN/tests/AttnRuntimeTests" > "$LOGS/runtime.log" 2>&1 & pids+=($!)
"$BIN/tests/AttnTunerGpuTests" > "$LOGS/tuner.log" 2>&1 & pids+=($!)
for p in "${pids[@]}"; do wait "$p" || fail=1; done
for log in "$LOGS"/*.log; do
  printf "%-28s %s\n" "$(basename "$log" .log)" "$(grep -E '^\[  (PASSED|FAILED)  \]' "$log" | tr '\n' ' ')"
done
echo "softmax example checks: $(cat "$LOGS"/softmax_*.log | grep -c ' ok$') ok, $(cat "$LOGS"/softmax_*.log | grep -c ' FAIL$') FAIL"
echo "worst softmax rel err (bf16 / f16):"
for dt in bf16 f16; do
  cat "$LOGS"/softmax_*.log | grep " $dt " | grep "rel err" | \
    awk '{for (i = 1; i <= NF; i++) if ($i == "err") { print $(i + 1), $0; break }}' | sort -g | tail -1
done
echo "linear example checks: $(cat "$LOGS"/linear_*.log | grep -c ' rel err ') (worst o / state rel err):"
cat "$LOGS"/linear_*.log | grep ' rel err ' |
  awk '{for (i = 1; i < NF; i++) if ($i == "err" && $(i - 1) == "rel") { print $(i + 1), $NF, $0; break }}' |
  sort -g | tail -1
cat "$LOGS"/linear_*.log | grep ' rel err ' | awk '{print $NF, $0}' | sort -g | tail -1
grep -hE "Failure|FAILED" "$LOGS"/*.log | head -10
for log in "$LOGS"/*.log; do echo "==== $(basename "$log")"; cat "$log"; done > "$OUT/gpu_tests.log"
exit $fail
