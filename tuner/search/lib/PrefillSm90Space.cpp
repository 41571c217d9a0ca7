//===- PrefillSm90Space.cpp - Search space of the sm_90a prefill template --===//
//
// templates/attnc/PrefillSm90.cuh's PrefillSm90Traits<Element, HEAD_DIM, BLOCK_N, STAGES,
// 2, OVERLAP_SOFTMAX>: bn (a wgmma N: 64 or 128), s (ring stages), overlap (P V of the
// previous block under this block's softmax). BLOCK_M (128) and the warps (one producer,
// two consumer warpgroups) are fixed by the template. Shared memory is the one pre-compile
// constraint; registers are partitioned by setmaxnreg and checked after compiling.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/Spaces.h"

namespace attnc::tuner {

SearchSpace prefillSm90Space(int headDim) {
  SearchSpace space("prefill-sm90");
  space.addDimension("bn", {64, 128})
      .addDimension("s", {2, 3, 4})
      .addDimension("overlap", {0, 1})
      .setThreadsPerBlock([](const Candidate &) { return cuda::kSm90Warps * 32; });
  space.addConstraint(prefillSharedMemoryConstraint(headDim));
  return space;
}

} // namespace attnc::tuner
