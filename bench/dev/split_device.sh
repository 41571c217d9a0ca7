#!/bin/bash
# The split path's device run (bench/NOTES.md, "Split path"). Prepare on the build
# machine (nvcc for the probe's cubins, a built tree for the test binary), then run this
# on the device machine with `.dev/split` and `.whl` carried:
#   python3 bench/dev/split_probe.py --build        # .dev/split/cubins (fails on spills)
#   cp bench/dev/split_probe.py bench/dev/linear_probe.py bench/dev/split_device.sh .dev/split/
#   cp -r examples .dev/split/ && strip -o .dev/split/AttnGpuTests build/bin/tests/AttnGpuTests
#   (device) bash .dev/split/split_device.sh
# It runs the compiler path's GPU tests and four parallel FLA warm-ups (Triton compiles
# and autotunes, which took more than 50 s per op on a fresh machine) first, then the
# timing alone; every log lands in $OUT.
cd "$(dirname "$0")/../.."  # the repository root when run from .dev/split
export ATTNC_EXAMPLES_DIR=$PWD/.dev/split/examples ATTNC_CACHE_DIR=/tmp/attnc-cache
T0=$(date +%s)
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl 2>&1 | tail -2
export PYTHONPATH=/tmp/site
( timeout ${GPUTEST_S:-75} .dev/split/AttnGpuTests --gtest_filter='LinearExamplesGpu.*' > $OUT/gputest.log 2>&1; echo "gputest rc $? after $(( $(date +%s) - T0 )) s" >> $OUT/gputest.log ) &
for k in none head token channel; do
  ( timeout ${WARM_S:-75} python3 .dev/split/split_probe.py --warm $k > $OUT/warm_$k.log 2>&1; echo "warm $k rc $? at $(( $(date +%s) - T0 )) s" >> $OUT/warm_$k.log ) &
done
wait
echo "warm-up and gpu test done at $(( $(date +%s) - T0 )) s"
timeout ${TIMING_S:-62} python3 .dev/split/split_probe.py --no-check > $OUT/timing.log 2>&1; echo "timing rc $? at $(( $(date +%s) - T0 )) s"
tail -1 $OUT/warm_*.log
echo "gpu test: $(grep -c '^split' $OUT/gputest.log) split checks; worst o / state rel err:"
awk '/^split/ {for (i=1;i<=NF;i++) {if ($i=="err" && $(i-1)=="rel") o=($(i+1)>o?$(i+1):o); if ($i=="state") s=($(i+1)>s?$(i+1):s)}} END {print o, s}' $OUT/gputest.log
grep -E "FAILED|PASSED|OK \]|rc |Failure|error|rel err" $OUT/gputest.log | head -30
cat $OUT/timing.log
