#!/usr/bin/env bash
# Issue 5 on the device machine in one call: the linear family's GPU tests (one-kernel and
# split paths, mLSTM, delta rule), `attnc check` of the delta examples and of packed
# sequences through the CLI, then — each timed alone — the split path vs FLA
# (bench/dev/split_probe.py), the two-stage delta rule vs FLA (bench/dev/delta_probe.py) and
# the mLSTM vs TFLA (bench/mlstm_bench.py). FLA's and TFLA's Triton kernels compile and
# autotune for over 50 s per op on a fresh machine, so their warm-ups run in parallel with
# the tests first. Logs land in $OUT; the ratio tables print last.
#
# Prepare here (nvcc and a built tree):  bash bench/linear_device.sh prepare [BUILD_DIR]
# Then on the device, carrying .dev/bin .dev/split .dev/gdelta .dev/mlstm and .whl
# (FLA 0.6.0, mlstm_kernels 2.0.6, einops wheels):  bash bench/linear_device.sh
# (SKIP_TIMING=1: the checks alone, without the FLA/TFLA warm-ups and timings).
# .dev/bin has the layout bench/gpu_tests.sh reads (attnc, tests/<suite>), so one carry
# serves both scripts: `bash bench/gpu_tests.sh; bash bench/linear_device.sh`.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = prepare ]; then
  BUILD="${2:-build}"
  set -e
  mkdir -p .dev/bin/tests
  for b in attnc tests/AttnGpuTests tests/AttnRuntimeTests tests/AttnTunerGpuTests; do
    strip -o ".dev/bin/$b" "$BUILD/bin/$b"
  done
  python3 bench/dev/split_probe.py --build
  python3 bench/dev/delta_probe.py --build
  python3 bench/mlstm_bench.py --build "$BUILD/bin/attnc"
  du -sh .dev/bin .dev/split .dev/gdelta .dev/mlstm .whl
  exit 0
fi
OUT="${OUT:-/tmp/attnc-out}"; mkdir -p "$OUT"
T0=$(date +%s); since() { echo "$(( $(date +%s) - T0 )) s"; }
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
  --target /tmp/site .whl/*.whl 2>&1 | tail -2
export PYTHONPATH=/tmp/site PYTHONUNBUFFERED=1 ATTNC_CACHE_DIR=/tmp/attnc-cache
export ATTNC_EXAMPLES_DIR="$PWD/examples"
B="${ATTNC_BIN:-.dev/bin}"
( timeout 150 $B/tests/AttnGpuTests --gtest_filter='LinearExamplesGpu.*' > "$OUT/linear_tests.log" 2>&1
  echo "linear tests rc $? at $(since)" >> "$OUT/linear_tests.log" ) &
( timeout 100 $B/tests/AttnRuntimeTests --gtest_brief=1 > "$OUT/runtime_tests.log" 2>&1
  echo "runtime tests rc $? at $(since)" >> "$OUT/runtime_tests.log" ) &
( for args in "deltanet --shape B=2,H=3,N=1000" "gated_deltanet --shape B=2,H=3,N=1000" \
              "deltanet --shape B=2,H=3,N=1000 --head-dim 64 --head-dim-v 128" \
              "gla --shape H=4 --seqlens 300,1,699,537" "mlstm --shape H=4 --seqlens 300,1,699,537"; do
    set -- $args
    echo "$args: $(timeout 60 $B/attnc check "examples/$1.attn" "${@:2}" 2>&1 |
                   grep -E 'rel err|error' | tr '\n' ' ')"
  done > "$OUT/cli_checks.log" 2>&1 ) &
( timeout 120 python3 bench/dev/delta_probe.py --no-timing > "$OUT/delta_checks.log" 2>&1
  echo "delta probe checks rc $? at $(since)" >> "$OUT/delta_checks.log" ) &
TIMING=$([ "${SKIP_TIMING:-0}" = 1 ] && echo 0 || echo 1)
[ $TIMING = 1 ] && for k in plain gated; do
  ( timeout 100 python3 bench/dev/delta_probe.py --warm $k > "/tmp/warm_delta_$k.log" 2>&1
    echo "delta warm-up $k rc $? at $(since)" >> "/tmp/warm_delta_$k.log" ) &
done
[ $TIMING = 1 ] && for k in none head token channel; do
  ( timeout 100 python3 bench/dev/split_probe.py --warm $k > "/tmp/warm_split_$k.log" 2>&1
    echo "split warm-up $k rc $? at $(since)" >> "/tmp/warm_split_$k.log" ) &
done
wait
echo "tests and warm-ups done at $(since)"; tail -qn1 /tmp/warm_*.log | tr '\n' ';'; echo
grep -hE "^\[  (PASSED|FAILED)|Failure|rc " "$OUT/linear_tests.log" "$OUT/runtime_tests.log" | head -20
echo "linear GPU checks: $(grep -c 'rel err' "$OUT/linear_tests.log"); worst o / state rel err:"
awk '/rel err/ {for (i = 1; i <= NF; i++) {
       if ($i == "err" && $(i - 1) == "rel" && $(i + 1) > w[$1" "$2]) w[$1" "$2] = $(i + 1)
       if ($i == "state" && $(i + 1) > s[$1" "$2]) s[$1" "$2] = $(i + 1)}}
     END {for (x in w) print "  ", x, w[x], s[x]}' "$OUT/linear_tests.log" | sort
cat "$OUT/cli_checks.log"; grep -E "rc |worst|: [0-9.e-]+ \(" "$OUT/delta_checks.log" | tail -12
[ $TIMING = 1 ] || exit 0
timeout 80 python3 bench/dev/split_probe.py --no-check > "$OUT/split_timing.log" 2>&1
echo "split timing rc $? at $(since)"; tail -22 "$OUT/split_timing.log"
timeout 70 python3 bench/dev/delta_probe.py --no-check > "$OUT/delta_timing.log" 2>&1
echo "delta timing rc $? at $(since)"; tail -10 "$OUT/delta_timing.log"
OUT="$OUT" timeout 150 python3 bench/mlstm_bench.py --quick > "$OUT/mlstm.log" 2>&1
echo "mlstm bench rc $? at $(since)"; tail -12 "$OUT/mlstm.log"
