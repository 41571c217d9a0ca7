#!/usr/bin/env bash
# Device check of v9 (bench/NOTES.md): the mask's per-element part branch-free over a row.
# Masked examples on both templates against the float64 reference, then the document row
# against Flex and against $ATTNC_OLD, a static attnc built from the commit before v9
# (277be12), in the same run. Carry .dev/bin holding both binaries (stripped).
set -u
A=${ATTNC:-.dev/bin/attnc}; O=${ATTNC_OLD:-.dev/bin/attnc_old}
export ATTNC_CACHE_DIR=/tmp/attnc-cache
nvidia-smi --query-gpu=name --format=csv,noheader
python3 bench/softmax_bench.py --attnc $A --only document 2>&1 | tail -1 &
BP=$!
for a in "examples/document_mask.attn --shape B=2,Hq=8,Hkv=2,N=1000" \
         "examples/document_mask.attn --template sm80 --shape B=3,Hq=8,Hkv=1,N=777" \
         "examples/document_mask.attn --head-dim 64 --shape B=2,H=4,N=1031" \
         "examples/prefix_lm.attn --param prefix=100 --shape B=2,H=4,N=999" \
         "examples/neighborhood_2d.attn --shape B=1,H=4,N=1024" \
         "examples/chunked_local.attn --param chunk=200 --shape B=2,H=4,N=1000" \
         "examples/sliding_window.attn --param window=100 --template sm80 --shape B=2,H=4,N=1500" \
         "examples/alibi.attn --shape B=2,H=4,N=700"; do
  r=$(timeout 60 $A check $a 2>&1 | tail -1)
  printf "%-90s %s %s\n" "$a" "$(echo "$r" | cut -c1-40)" "$(echo "$r" | grep -o 'PASS\|FAIL')"
done
wait $BP
D="examples/document_mask.attn --shape B=2,H=16,N=16384 --input doc=/tmp/attnc_doc_ids.bin"
for i in 1 2; do
  echo "new: $($A run $D --bench --iters 100 | grep -o 'median [0-9.]* ms')   old: $($O run $D --persistent 1 --pingpong false --bench --iters 100 | grep -o 'median [0-9.]* ms')"
done
echo "new sm80 doc: $($A run $D --template sm80 --bench --iters 50 | grep -o 'median [0-9.]* ms')  old: $($O run $D --template sm80 --bench --iters 50 | grep -o 'median [0-9.]* ms')"
