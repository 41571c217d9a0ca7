#!/usr/bin/env bash
# Chunks of several tiles (issue 5, `--span`) on the device machine in one call: their GPU
# test against the float64 recurrence, then the same problem timed at span 1 and at each
# span that fits (`attnc run --bench`, B2 H16 T16k, K = V = 128: the issue's bench shape),
# then a 60 s tune of simple GLA over the whole space, span included. Prints the table last.
# Binaries prebuilt in $ATTNC_BIN (default .dev/bin, the layout bench/gpu_tests.sh reads).
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN="${ATTNC_BIN:-.dev/bin}"
OUT="${OUT:-/tmp/attnc-out}"; mkdir -p "$OUT"
export ATTNC_CACHE_DIR="${ATTNC_CACHE_DIR:-/tmp/attnc-cache}"
export ATTNC_EXAMPLES_DIR="${ATTNC_EXAMPLES_DIR:-$PWD/examples}"
"$BIN/tests/AttnGpuTests" --gtest_filter='LinearExamplesGpu.ChunksOf*' > "$OUT/span_test.log" 2>&1
T="$OUT/span_times.log"; : > "$T"
SHAPE="B=2,H=16,N=16384"
for ex in simple_gla retnet linear gla; do
  for cfg in "--chunk 64 --sub 16 --slice-v 64 --warps 4" \
             "--chunk 64 --sub 16 --slice-v 64 --warps 4 --span 4" \
             "--chunk 64 --sub 16 --slice-v 64 --warps 4 --span 16" \
             "--chunk 128 --sub 16 --slice-v 64 --warps 8" \
             "--chunk 128 --sub 16 --slice-v 64 --warps 8 --span 8"; do
    ms=$("$BIN/attnc" run "examples/$ex.attn" --shape "$SHAPE" --bench --iters 50 $cfg 2>&1 |
         grep -o 'median [0-9.]* ms' | cut -d' ' -f2)
    printf "%-11s %-58s %s ms\n" "$ex" "$cfg" "${ms:-n/a}" >> "$T"
  done
done
"$BIN/attnc" tune examples/simple_gla.attn --shapes "$SHAPE" --time-budget 60 --top 8 \
  --db "$OUT/span_tune.db" > "$OUT/span_tune.log" 2>&1
echo "=== span GPU test"; grep -E '^\[  (PASSED|FAILED)|Failure' "$OUT/span_test.log" | head
echo "checks: $(grep -c '^span ' "$OUT/span_test.log"); worst rel err:"
grep '^span ' "$OUT/span_test.log" |
  awk '{for (i = 1; i < NF; i++) if ($i == "err") { print $(i + 1), $0; break }}' | sort -g | tail -2
echo "=== times (B2 H16 T16k, K=V=128)"; cat "$T"
echo "=== tune (top)"; tail -12 "$OUT/span_tune.log"
