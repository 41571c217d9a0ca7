//===- PrefillSm90Space.cpp - Search space of the sm_90a prefill template --===//
//
// templates/attnc/PrefillSm90.cuh's PrefillSm90Traits<Element, HEAD_DIM, BLOCK_N, STAGES,
// consumers, OVERLAP_SOFTMAX, CTAS_PER_SM, PERSISTENT, PINGPONG>: bn (a wgmma N: 64 or 128), s (ring
// stages), overlap (P V of the previous block under this block's softmax), ctas (CTAs per SM:
// 1 with two consumer warpgroups and BLOCK_M 128, or 2 with one and BLOCK_M 64), persist (0:
// a CTA per query block; 1 or 2: persistent CTAs with that many Q buffers), pingpong (the two
// consumers issue their products in turns; one CTA per SM only). Shared memory (per CTA, so
// halved at two per SM) and ping-pong's two consumers are the pre-compile constraints;
// registers are partitioned by setmaxnreg and checked after compiling.
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
      .addDimension("pingpong", {0, 1})
      .setThreadsPerBlock([](const Candidate &c) { return cuda::sm90Warps(c.get("ctas")) * 32; });
  space.addConstraint(prefillSharedMemoryConstraint(headDim));
  space.addConstraint([](const Candidate &c, const DeviceLimits &) -> std::optional<std::string> {
    if (c.get("pingpong") != 0 && c.get("ctas") != 1)
      return std::string("ping-pong needs the two consumer warpgroups of one CTA per SM");
    return std::nullopt;
  });
  return space;
}

} // namespace attnc::tuner
