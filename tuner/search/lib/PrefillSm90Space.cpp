//===- PrefillSm90Space.cpp - Search space of the sm_90a prefill template --===//
//
// templates/attnc/PrefillSm90.cuh's PrefillSm90Traits<Element, HEAD_DIM, BLOCK_N, STAGES,
// consumers, OVERLAP_SOFTMAX, CTAS_PER_SM, PERSISTENT>: bn (a wgmma N: 64 or 128), s (ring
// stages), overlap (P V of the previous block under this block's softmax), ctas (CTAs per SM:
// 1 with two consumer warpgroups and BLOCK_M 128, or 2 with one and BLOCK_M 64), persist (0:
// a CTA per query block; 1 or 2: persistent CTAs with that many Q buffers). Shared memory
// (per CTA, so halved at two per SM) is the one pre-compile constraint; registers are
// partitioned by setmaxnreg and checked after compiling.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/Spaces.h"

namespace attnc::tuner {

SearchSpace prefillSm90Space(int headDim) {
  SearchSpace space("prefill-sm90");
  space.addDimension("bn", {64, 128})
      .addDimension("s", {2, 3, 4})
      .addDimension("overlap", {0, 1})
      .addDimension("ctas", {1, 2})
      .addDimension("persist", {0, 1, 2})
      .setThreadsPerBlock([](const Candidate &c) { return cuda::sm90Warps(c.get("ctas")) * 32; });
  space.addConstraint(prefillSharedMemoryConstraint(headDim));
  return space;
}

} // namespace attnc::tuner
