#!/usr/bin/env bash
# Builds the sm_90a probe cubins of templates/attnc/PrefillSm90.cuh (bench/dev/hopper_probe.cu)
# into OUTDIR (default .dev/hopper/), one per config, and writes each one's ptxas report next
# to it; fails on any spill. Run here (nvcc only, no GPU), then carry OUTDIR to the device
# machine for bench/dev/hopper_probe.py. With OUTDIR outside .dev/hopper the script copies
# hopper_probe.py next to the cubins, so `python3 OUTDIR/hopper_probe.py` runs on its own.
# Config name: <dtype>_d<HD>_n<BN>_s<ST>_w<CWG>_o<OV>, with _c2 for two CTAs per SM and _p1 / _p2
# for persistent CTAs with one / two Q buffers.
# CONFIGS (env, space-separated names' substrings) keeps only the matching configs.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OUTDIR="${OUTDIR:-$ROOT/.dev/hopper}"
NVCC="${NVCC:-/usr/local/cuda/bin/nvcc}"
mkdir -p "$OUTDIR"
# dtype, head dim, BLOCK_N, stages, consumer warpgroups, overlap, CTAs per SM[, persistent]
ALL=(
  "bf16 128 128 2 2 0 1" "bf16 128 128 3 2 1 1"
  "bf16 128 64 2 1 0 2" "bf16 128 64 2 1 1 2" "bf16 128 64 3 1 0 2" "bf16 128 64 3 1 1 2"
  "fp16 128 64 3 1 1 2" "bf16 64 128 3 1 1 2" "bf16 64 128 2 1 0 2"
  "bf16 128 128 3 2 0 1" "fp16 128 128 2 2 1 1" "bf16 64 128 3 2 1 1" "bf16 128 64 4 2 1 1"
  "fp16 64 128 3 2 1 1" "bf16 256 64 2 2 1 1"
  "bf16 128 128 2 2 0 1 1" "bf16 128 128 2 2 0 1 2" "bf16 128 128 3 2 1 1 1"
  "bf16 128 128 2 2 1 1 2" "fp16 128 128 3 2 1 1 1" "bf16 64 128 3 2 1 1 1"
)
status=0
for cfg in "${ALL[@]}"; do
  read -r dt hd bn st cwg ov ctas persist <<<"$cfg"
  persist="${persist:-0}"
  name="${dt}_d${hd}_n${bn}_s${st}_w${cwg}_o${ov}$([ "$ctas" = 1 ] || echo "_c$ctas")"
  name="$name$([ "$persist" = 0 ] || echo "_p$persist")"
  if [ -n "${CONFIGS:-}" ]; then
    keep=0
    for want in $CONFIGS; do [[ "$name" == *"$want"* ]] && keep=1; done
    [ "$keep" = 1 ] || continue
  fi
  fp16=$([ "$dt" = fp16 ] && echo 1 || echo 0)
  "$NVCC" -std=c++17 -cubin -gencode=arch=compute_90a,code=sm_90a -Xptxas -v \
    -I"$ROOT/templates" -DELEM_FP16="$fp16" -DHD="$hd" -DBN="$bn" -DST="$st" -DCWG="$cwg" \
    -DOV="$ov" -DCTAS="$ctas" -DPERSIST="$persist" "$ROOT/bench/dev/hopper_probe.cu" -o "$OUTDIR/$name.cubin" \
    >"$OUTDIR/$name.ptxas" 2>&1 || { cat "$OUTDIR/$name.ptxas"; exit 1; }
  spills=$(grep -o '[0-9]* bytes spill stores' "$OUTDIR/$name.ptxas" | awk '{s+=$1} END {print s+0}')
  serial=$(grep -c C7515 "$OUTDIR/$name.ptxas" || true)
  regs=$(grep -o 'Used [0-9]* registers' "$OUTDIR/$name.ptxas" | awk '{print $2}' | sort -un | tr '\n' '/')
  echo "$name: registers ${regs%/}, spill stores $spills B, wgmma serialisation warnings $serial"
  [ "$spills" = 0 ] && [ "$serial" = 0 ] || status=1
done
if [ "$OUTDIR" != "$ROOT/.dev/hopper" ]; then
  cp "$ROOT/bench/dev/hopper_probe.py" "$OUTDIR/"
fi
exit $status
