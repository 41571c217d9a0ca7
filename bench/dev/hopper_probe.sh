#!/usr/bin/env bash
# Builds the sm_90a probe cubins of templates/attnc/PrefillSm90.cuh (bench/dev/hopper_probe.cu)
# into .dev/hopper/, one per config, and writes each one's ptxas report next to it; fails on
# any spill. Run here (nvcc only, no GPU), then carry .dev/hopper to the device machine for
# bench/dev/hopper_probe.py. Config name: <dtype>_d<HD>_n<BN>_s<ST>_w<CWG>_o<OV>.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OUTDIR="$ROOT/.dev/hopper"
NVCC="${NVCC:-/usr/local/cuda/bin/nvcc}"
mkdir -p "$OUTDIR"
CONFIGS=(
  "bf16 128 128 2 2 0" "bf16 128 128 3 2 0" "bf16 128 128 3 2 1" "fp16 128 128 2 2 1"
  "bf16 64 128 3 2 1" "bf16 128 64 4 2 1" "fp16 64 128 3 2 1" "bf16 256 64 2 2 1"
)
status=0
for cfg in "${CONFIGS[@]}"; do
  read -r dt hd bn st cwg ov <<<"$cfg"
  name="${dt}_d${hd}_n${bn}_s${st}_w${cwg}_o${ov}"
  fp16=$([ "$dt" = fp16 ] && echo 1 || echo 0)
  "$NVCC" -std=c++17 -cubin -gencode=arch=compute_90a,code=sm_90a -Xptxas -v \
    -I"$ROOT/templates" -DELEM_FP16="$fp16" -DHD="$hd" -DBN="$bn" -DST="$st" -DCWG="$cwg" \
    -DOV="$ov" "$ROOT/bench/dev/hopper_probe.cu" -o "$OUTDIR/$name.cubin" \
    >"$OUTDIR/$name.ptxas" 2>&1 || { cat "$OUTDIR/$name.ptxas"; exit 1; }
  spills=$(grep -o '[0-9]* bytes spill stores' "$OUTDIR/$name.ptxas" | awk '{s+=$1} END {print s+0}')
  serial=$(grep -c C7515 "$OUTDIR/$name.ptxas" || true)
  echo "$name: spill stores $spills B, wgmma serialisation warnings $serial"
  [ "$spills" = 0 ] && [ "$serial" = 0 ] || status=1
done
exit $status
