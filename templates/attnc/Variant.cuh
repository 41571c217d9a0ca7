//===- Variant.cuh - The hooks a softmax-attention variant provides -*- CUDA -*-===//
//
// A variant is a small struct the code generator writes into the prelude (FlashInfer's
// functor design): a score modifier, a mask predicate, and the block-level facts mask
// analysis derived (which key range a query block visits, and whether a tile is full,
// partial or empty). The kernel template calls only these hooks, so every variant shares
// one hand-written kernel. `DenseVariant` is the no-mask, no-modifier reference shape.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_VARIANT_CUH
#define ATTNC_VARIANT_CUH

#include "attnc/KernelParams.h"

namespace attnc {

/// How much of a (query block, key block) tile the mask lets through.
enum TileKind : int { kTileEmpty = 0, kTilePartial = 1, kTileFull = 2 };

/// Where a thread's scores live: batch, query head, and the kernel's parameters.
struct ScoreContext {
  int batch;
  int head;
  const AttncSoftmaxParams *params;
};

/// Key range [begin, end) of a query block, in key positions.
struct KeyRange {
  int begin;
  int end;
};

/// Full attention: every hook is the identity. Generated variants follow this shape.
struct DenseVariant {
  static constexpr bool HAS_SCORE_MOD = false;
  static constexpr bool HAS_MASK = false;
  __device__ __forceinline__ float score(float s, int, int, const ScoreContext &) const {
    return s;
  }
  __device__ __forceinline__ bool mask(int, int, const ScoreContext &) const { return true; }
  __device__ __forceinline__ KeyRange keyRange(int, int, const ScoreContext &ctx) const {
    return {0, ctx.params->seq_k};
  }
  __device__ __forceinline__ int tileKind(int, int, int, int, const ScoreContext &) const {
    return kTileFull;
  }
};

} // namespace attnc

#endif // ATTNC_VARIANT_CUH
