#!/bin/bash
# The delta rule's device run (bench/NOTES.md, "Delta rule in two stages"). Prepare on the
# build machine, from the repository root:
#   python3 bench/dev/delta_probe.py --build --out .dev/delta2  # cubins + probe, no spills
#   strip -o .dev/delta2/attnc build/bin/attnc
#   strip -o .dev/delta2/AttnGpuTests build/bin/tests/AttnGpuTests
#   cp -r examples bench/dev/delta_device.sh .dev/delta2/
# then on the device machine, with `.dev/delta2` and `.whl` carried (it runs from the
# copies, so a tree without this branch works too):
#   bash .dev/delta2/delta_device.sh            # checks, then the timing against FLA
#   MODE=check bash .dev/delta2/delta_device.sh # only the checks (no FLA, ~1 minute)
# First, in parallel: the compiler path (attnc check of both examples at K = 128 and
# K = 64, both layouts; the packed-sequence GPU test), the probe's correctness checks of
# the two stages, and two FLA warm-ups (Triton compiles and autotunes for over 50 s per op
# on a fresh machine). Then, alone: attnc run --bench at the timing shapes and the probe's
# timing, ending in the ratio table. Every log lands in $OUT.
cd "$(dirname "$0")/../.."
D=.dev/delta2
export ATTNC_EXAMPLES_DIR=$PWD/$D/examples ATTNC_CACHE_DIR=/tmp/attnc-cache
T0=$(date +%s)
since() { echo "$(( $(date +%s) - T0 )) s"; }
nvidia-smi --query-gpu=name,clocks.max.sm --format=csv,noheader
compiler_path() {
  for args in "deltanet.attn" "gated_deltanet.attn" "deltanet.attn --head-dim 64 --head-dim-v 128" \
              "gated_deltanet.attn --head-dim 64 --head-dim-v 128"; do
    set -- $args
    $D/attnc check $D/examples/$1 --shape B=2,H=3,N=1000 "${@:2}" 2>&1 | tail -3
  done
  $D/AttnGpuTests --gtest_filter='LinearExamplesGpu.Delta*' 2>&1 | grep -E "^delta|OK \]|FAILED|Failure" | head -20
  echo "compiler path done at $(since)"
}
# Timed alone, after the parallel part: the CLI's own timing at the probe's shapes.
compiler_bench() {
  for shape in B=8,H=16,N=4096 B=2,H=16,N=16384; do
    for e in deltanet gated_deltanet; do
      $D/attnc run $D/examples/$e.attn --shape $shape --bench 2>&1 | tail -1 | sed "s/^/$e $shape: /"
    done
  done
}
( compiler_path > $OUT/compiler.log 2>&1 ) &
( timeout ${CHECK_S:-80} python3 $D/delta_probe.py --no-timing > $OUT/check.log 2>&1;
  echo "probe checks rc $? at $(since)" >> $OUT/check.log ) &
if [ "${MODE:-all}" != check ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl 2>&1 | tail -2
  export PYTHONPATH=/tmp/site
  for kind in plain gated; do
    ( timeout ${WARM_S:-80} python3 $D/delta_probe.py --warm $kind > $OUT/warm_$kind.log 2>&1;
      echo "warm $kind rc $? at $(since)" >> $OUT/warm_$kind.log ) &
  done
fi
wait
cat $OUT/compiler.log
grep -E "^  |rc " $OUT/check.log
compiler_bench
if [ "${MODE:-all}" != check ]; then
  tail -1 $OUT/warm_*.log
  timeout ${TIMING_S:-60} python3 $D/delta_probe.py --no-check > $OUT/timing.log 2>&1
  echo "timing rc $? at $(since)"
  cat $OUT/timing.log
fi
