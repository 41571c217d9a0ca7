#!/usr/bin/env bash
# Issue 4 on the device machine: the tuner's GPU test (a real small tune, then a deploy
# database served by a fresh process with zero NVRTC compiles), a full-space tune of one
# prefill kernel (timed: target under 2 minutes), budgeted tunes of the bench cases
# (tuned vs per-arch default), a deploy export, and fresh processes launching from it.
# Binaries come prebuilt (static) in .dev/bin, as for bench/device_run.sh.
set -uo pipefail
BIN="${ATTNC_BIN:-.dev/bin}"
OUT="${OUT:-/tmp/attnc-out}"; mkdir -p "$OUT"
export ATTNC_CACHE_DIR=/tmp/attnc-tune-cache
export ATTNC_EXAMPLES_DIR="$PWD/examples"
DB="$OUT/tune.db"
BUDGET="${TUNE_BUDGET:-12}"
# Budgeted cases: "example shape head-dim" separated by ';'.
CASES="${TUNE_CASES:-full B=2,H=16,N=16384 128;causal B=2,H=16,N=16384 128;sliding_window B=2,H=16,N=16384 128;causal B=2,H=16,N=16384 64}"

echo "== tuner GPU tests"
"$BIN/tests/AttnTunerGpuTests" --gtest_brief=1 2>&1 | tail -4

echo "== full space: causal D128 B2 H16 N4096"
start=$(date +%s)
"$BIN/attnc" tune examples/causal.attn --shapes "B=2,H=16,N=4096" --db "$DB" --top 6 \
  --svg "$OUT/tune_causal_n4k.svg" 2> "$OUT/tune_progress.log"
echo "full-space tune wall time: $(( $(date +%s) - start )) s"
tail -2 "$OUT/tune_progress.log"

echo "== budgeted tunes of the bench cases (--budget $BUDGET)"
IFS=';' read -ra cases <<< "$CASES"
for case in "${cases[@]}"; do
  IFS=' ' read -r example shape dim <<< "$case"
  set -- "$example" "$shape" "$dim"
  "$BIN/attnc" tune "examples/$1.attn" --shapes "$2" --head-dim "$3" --budget "$BUDGET" \
    --db "$DB" --top 3 2>/dev/null | grep -E "^== |^problem|^ +1 |tuning gains|no per-arch"
done

echo "== deploy database, then fresh processes with an empty cubin cache"
"$BIN/attnc" db export --db "$DB" --device H100 -o "$OUT/deploy.db"
"$BIN/attnc" db list --db "$OUT/deploy.db" | head -8
ATTNC_CACHE_DIR=/tmp/attnc-empty-1 "$BIN/attnc" run examples/causal.attn \
  --shape B=2,H=16,N=4000 --shipped-db "$OUT/deploy.db" --bench
ATTNC_CACHE_DIR=/tmp/attnc-empty-2 "$BIN/attnc" check examples/causal.attn \
  --shape B=2,H=16,N=4000 --shipped-db "$OUT/deploy.db"
"$BIN/attnc" explain examples/causal.attn --N 4000 --summary --db "$DB" --shape B=2,H=16,N=4000 \
  | sed -n '/tuning lookup/,$p'

# Issue 5, part 3: the linear family through `attnc tune` (LinearTuner): simple_gla
# (per-token gate) at the bench shape, budgeted, then served from an exported deploy
# database by fresh processes with an empty cubin cache (the "tuning:" line reports the
# NVRTC compiles: expect 0). LINEAR_BUDGET=0 searches the whole space.
LINEAR_BUDGET="${LINEAR_BUDGET:-$BUDGET}"
LINEAR_DB="$OUT/tune_linear.db"
echo "== linear: simple_gla K=V=128 B8 H16 T4096 (--budget $LINEAR_BUDGET)"
start=$(date +%s)
"$BIN/attnc" tune examples/simple_gla.attn --shapes "B=8,H=16,N=4096" --budget "$LINEAR_BUDGET" \
  --db "$LINEAR_DB" --top 6 --svg "$OUT/tune_simple_gla.svg" 2> "$OUT/tune_linear_progress.log"
echo "linear tune wall time: $(( $(date +%s) - start )) s"
tail -2 "$OUT/tune_linear_progress.log"
"$BIN/attnc" db export --db "$LINEAR_DB" --device H100 -o "$OUT/deploy_linear.db"
ATTNC_CACHE_DIR=/tmp/attnc-empty-3 "$BIN/attnc" run examples/simple_gla.attn \
  --shape B=8,H=16,N=4000 --shipped-db "$OUT/deploy_linear.db" --bench
ATTNC_CACHE_DIR=/tmp/attnc-empty-4 "$BIN/attnc" check examples/simple_gla.attn \
  --shape B=8,H=16,N=4000 --shipped-db "$OUT/deploy_linear.db"
