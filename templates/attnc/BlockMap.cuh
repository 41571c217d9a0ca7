//===- BlockMap.cuh - Tile classes of a data-dependent mask ------*- CUDA -*-===//
//
// Masks that read data (document ids) or are not affine in (i, j) cannot be classified
// at compile time. Before the attention kernel runs, `buildBlockMap` evaluates the mask
// on every (i, j) of every tile in the affine key range and stores one byte per tile:
// full (the attention kernel skips the mask), partial, or empty (it skips the tile). One
// CTA per query block; the map has one plane per batch and/or head only when the mask
// reads `b` or `h`, so a document mask over 16 heads is classified once per batch.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_BLOCKMAP_CUH
#define ATTNC_BLOCKMAP_CUH

#include "attnc/KernelParams.h"
#include "attnc/Variant.cuh"

namespace attnc {

constexpr int kBlockMapThreads = 128; ///< threads of one block-map CTA

/// Index of tile (qb, kb) of (batch, head) in the map; `block_map_stride` is the number
/// of key blocks.
template <int BLOCK_M, bool PER_BATCH, bool PER_HEAD>
__device__ __forceinline__ long long blockMapIndex(const AttncSoftmaxParams &p, int batch,
                                                   int head, int qb, int kb) {
  const long long queryBlocks = (p.seq_q + BLOCK_M - 1) / BLOCK_M;
  const long long planeHeads = PER_HEAD ? p.heads_q : 1;
  const long long plane = (PER_BATCH ? batch : 0) * planeHeads + (PER_HEAD ? head : 0);
  return (plane * queryBlocks + qb) * p.block_map_stride + kb;
}

/// The class the map holds for the tile starting at (i0, j0).
template <int BLOCK_M, int BLOCK_N, bool PER_BATCH, bool PER_HEAD>
__device__ __forceinline__ int readBlockMap(const AttncSoftmaxParams &p, int batch, int head,
                                            int i0, int j0) {
  const unsigned char *map = static_cast<const unsigned char *>(p.block_map);
  return map[blockMapIndex<BLOCK_M, PER_BATCH, PER_HEAD>(p, batch, head, i0 / BLOCK_M,
                                                         j0 / BLOCK_N)];
}

/// Classifies every tile of one query block (blockIdx.x) of one map plane (blockIdx.y =
/// batch when PER_BATCH, blockIdx.z = head when PER_HEAD). The variant's affine hooks
/// (keyRange, affineTileKind) rule tiles out first; the rest are evaluated exactly.
template <int BLOCK_M, int BLOCK_N, bool PER_BATCH, bool PER_HEAD, typename Variant>
__device__ __forceinline__ void buildBlockMap(const AttncSoftmaxParams &p) {
  const int qb = blockIdx.x;
  const int batch = PER_BATCH ? blockIdx.y : 0;
  const int head = PER_HEAD ? blockIdx.z : 0;
  const ScoreContext ctx{batch, head, &p};
  const Variant variant{};
  const int q0 = qb * BLOCK_M;
  const int qEnd = min(q0 + BLOCK_M, p.seq_q);
  KeyRange keys = variant.keyRange(q0, qEnd, ctx);
  unsigned char *map = static_cast<unsigned char *>(const_cast<void *>(p.block_map));
  for (int kb = 0; kb < p.block_map_stride; ++kb) {
    const int k0 = kb * BLOCK_N;
    const int kEnd = min(k0 + BLOCK_N, p.seq_k);
    bool visit = k0 < keys.end && kEnd > keys.begin &&
                 variant.affineTileKind(q0, qEnd, k0, kEnd, ctx) != kTileEmpty;
    int kind = kTileEmpty;
    if (visit) { // uniform across the CTA: every thread computed the same bounds
      const int cols = kEnd - k0;
      const int pairs = (qEnd - q0) * cols;
      int any = 0, all = 1;
      for (int e = threadIdx.x; e < pairs; e += kBlockMapThreads) {
        const int m = variant.mask(q0 + e / cols, k0 + e % cols, ctx) ? 1 : 0;
        any |= m;
        all &= m;
      }
      any = __syncthreads_or(any);
      all = __syncthreads_and(all);
      kind = all ? kTileFull : (any ? kTilePartial : kTileEmpty);
    }
    if (threadIdx.x == 0)
      map[blockMapIndex<BLOCK_M, PER_BATCH, PER_HEAD>(p, batch, head, qb, kb)] =
          static_cast<unsigned char>(kind);
  }
}

} // namespace attnc

#endif // ATTNC_BLOCKMAP_CUH
