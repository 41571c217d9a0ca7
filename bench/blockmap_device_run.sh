#!/usr/bin/env bash
# Device run for the block-map work (issue 3; binaries prebuilt into .dev/bm, old attnc in
# .dev/bm/old, `.dev/bm` carried): block-map GPU test, ncu times of the map and the
# attention kernel (old vs new binaries), the document row of the bench, all GPU tests.
set -uo pipefail
export ATTNC_CACHE_DIR=/tmp/attnc-cache ATTNC_EXAMPLES_DIR=$PWD/examples
B=.dev/bm; O=${OUT:-/tmp/o}; mkdir -p $O
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
echo "== block-map test"; timeout 60 $B/tests/AttnGpuTests --gtest_filter='BlockMap*' > $O/blockmap_test.log 2>&1; echo rc=$?
grep -E "document.*N=2049|OK|FAIL|Failure|SKIP" $O/blockmap_test.log | head -12
echo "== bench (new)"; PYTHONUNBUFFERED=1 timeout 120 python3 bench/softmax_bench.py --attnc $B/attnc --only document 2>&1 | grep -v Warning | tee $O/bench.log | tail -3
S="examples/document_mask.attn --bench --iters 20 --head-dim 128 --shape B=2,H=16,N=16384 --input=doc=/tmp/attnc_doc_ids.bin"
for v in old new; do bin=$B/attnc; [ $v = old ] && bin=$B/old/attnc
  echo "== $v total"; $bin run $S 2>&1 | tail -1
  timeout 60 ncu --clock-control none --metrics gpu__time_duration.sum --launch-skip 10 --launch-count 4 $bin run $S > $O/ncu_$v.log 2>&1
  grep -E "^  attnc_|gpu__time_duration" $O/ncu_$v.log | sed 's/  */ /g' | tail -8
done
echo "== all GPU tests"; timeout 150 $B/tests/AttnGpuTests > $O/gpu_tests.log 2>&1; echo rc=$?
grep -E "rel err" $O/gpu_tests.log | awk '{print $(NF-4), $0}' | sort -g | tail -2
grep -cE " ok$" $O/gpu_tests.log; grep -E "FAIL|Failure" $O/gpu_tests.log | head -5; tail -3 $O/gpu_tests.log
timeout 60 $B/tests/AttnRuntimeTests --gtest_brief=1 > $O/rt.log 2>&1; echo "runtime rc=$?"; tail -2 $O/rt.log
