//===- BlockMap.cuh - Tile classes of a data-dependent mask ------*- CUDA -*-===//
//
// Masks that read data (document ids) or are not affine in (i, j) cannot be classified
// at compile time. Before the attention kernel runs, `buildBlockMap` stores one byte per
// tile — full (the attention kernel skips the mask), partial, row keys (partial, decided by
// the row's key bounds alone), or empty (it skips the tile) — and, per query block, the range of key positions that holds a non-empty tile,
// which becomes the attention kernel's `keyRange` (so it neither loads nor waits on
// tiles outside it). One CTA per query block; the map has one plane per batch and/or
// head only when the mask reads `b` or `h`, so a document mask over 16 heads is
// classified once per batch.
//
// Classification is conservative (a tile may read partial when it is really full or
// empty; the attention kernel evaluates the mask exactly there) and cheap: the affine
// hooks rule tiles out first; id-equality conjuncts `x[.., i] == x[.., j]` compare the
// [min, max] of the ids over the query block's rows with that over each key block's
// columns (disjoint: empty; both one equal value: the rest of the mask decides, and when
// that rest is key bounds only, a partial tile is marked row keys: the attention kernel
// then skips the id loads); other data-dependent atoms are evaluated exactly, one warp per
// tile, stopping as soon as a tile has shown an allowed and a masked pair.
//
// The map also orders each plane's query blocks by cost (visited tiles, partial ones
// weighing more), heaviest first: persistent sm_90 CTAs claim tiles in that order from a
// counter (PrefillSm90.cuh), longest-processing-time first, so the uneven rows of a
// document mask end together. The last CTA of a plane to finish sorts it (a counting sort
// over kOrderBuckets cost buckets).
//
// Layout of the map buffer (mirrored by runtime::blockMapBytes): `rows` = planes x query
// blocks rows of `block_map_stride` bytes, then, at the next kBlockMapRangeAlign
// boundary, one int2 {first key, end key} per row, one int cost per row, one int per row
// holding the plane's query blocks in claim order, and the counters: one per plane (map
// CTAs done), then the tile claim counter and the count of CTAs done claiming. The
// counters are zero before the map kernel runs (the runtime clears them) and after every
// launch (the last CTA of a plane, and of the attention kernel, resets its own).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_BLOCKMAP_CUH
#define ATTNC_BLOCKMAP_CUH

#include "attnc/KernelParams.h"
#include "attnc/Variant.cuh"

namespace attnc {

constexpr int kBlockMapThreads = 128; ///< threads of one block-map CTA
constexpr int kMapLanes = 32;         ///< threads of a warp
constexpr int kBlockMapWarps = kBlockMapThreads / kMapLanes;
constexpr unsigned kMapFullWarp = 0xffffffffu;
/// Key blocks classified per pass of a CTA: one per thread.
constexpr int kMapChunkBlocks = kBlockMapThreads;
/// Key blocks whose ids one warp loads together (their loads are in flight at once).
constexpr int kMapSpanBlocksPerStep = 4;
/// Byte alignment of the per-row key ranges after the tile bytes.
constexpr long long kBlockMapRangeAlign = 16;
constexpr int kIdMaxInit = -2147483647 - 1; ///< identity of a running maximum
constexpr int kIdMinInit = 2147483647;      ///< identity of a running minimum
/// Cost buckets of the claim order: costs are scaled to the plane's maximum.
constexpr int kOrderBuckets = 1024;
constexpr int kOrderBucketsPerThread = kOrderBuckets / kBlockMapThreads;
/// A query block's cost in half tiles: one tile's worth for its prologue and epilogue, two
/// per visited tile, one more per tile that evaluates the mask.
constexpr int kCostPerTile = 2;
constexpr int kCostPerMaskedTile = 1;
/// The claim counters after the per-plane ones.
constexpr int kClaimCounter = 0;
constexpr int kClaimsDoneCounter = 1;

/// The [lo, hi] of the ids of one id atom over a block of positions (lo > hi: none).
struct IdSpan {
  int lo, hi;
};

/// Planes x query blocks: the rows of the map.
template <int BLOCK_M, bool PER_BATCH, bool PER_HEAD>
__device__ __forceinline__ long long blockMapRows(const AttncSoftmaxParams &p) {
  const long long queryBlocks = (p.seq_q + BLOCK_M - 1) / BLOCK_M;
  return (PER_BATCH ? p.batch : 1) * (PER_HEAD ? p.heads_q : 1) * queryBlocks;
}

/// The row of query block qb of (batch, head).
template <int BLOCK_M, bool PER_BATCH, bool PER_HEAD>
__device__ __forceinline__ long long blockMapRow(const AttncSoftmaxParams &p, int batch,
                                                 int head, int qb) {
  const long long queryBlocks = (p.seq_q + BLOCK_M - 1) / BLOCK_M;
  const long long planeHeads = PER_HEAD ? p.heads_q : 1;
  const long long plane = (PER_BATCH ? batch : 0) * planeHeads + (PER_HEAD ? head : 0);
  return plane * queryBlocks + qb;
}

/// Index of tile (qb, kb) of (batch, head) in the map; `block_map_stride` is the number
/// of key blocks.
template <int BLOCK_M, bool PER_BATCH, bool PER_HEAD>
__device__ __forceinline__ long long blockMapIndex(const AttncSoftmaxParams &p, int batch,
                                                   int head, int qb, int kb) {
  return blockMapRow<BLOCK_M, PER_BATCH, PER_HEAD>(p, batch, head, qb) * p.block_map_stride + kb;
}

/// The per-row key ranges that follow the tile bytes.
template <int BLOCK_M, bool PER_BATCH, bool PER_HEAD>
__device__ __forceinline__ int2 *blockMapRanges(const AttncSoftmaxParams &p) {
  const long long tiles = blockMapRows<BLOCK_M, PER_BATCH, PER_HEAD>(p) * p.block_map_stride;
  const long long offset = (tiles + kBlockMapRangeAlign - 1) / kBlockMapRangeAlign *
                           kBlockMapRangeAlign;
  unsigned char *base = static_cast<unsigned char *>(const_cast<void *>(p.block_map));
  return reinterpret_cast<int2 *>(base + offset);
}

/// Each row's cost (kCostPerTile units), after the key ranges.
template <int BLOCK_M, bool PER_BATCH, bool PER_HEAD>
__device__ __forceinline__ int *blockMapCosts(const AttncSoftmaxParams &p) {
  return reinterpret_cast<int *>(blockMapRanges<BLOCK_M, PER_BATCH, PER_HEAD>(p) +
                                 blockMapRows<BLOCK_M, PER_BATCH, PER_HEAD>(p));
}

/// Per plane, its query blocks heaviest first (entry blockMapRow(b, h, rank)).
template <int BLOCK_M, bool PER_BATCH, bool PER_HEAD>
__device__ __forceinline__ int *blockMapOrder(const AttncSoftmaxParams &p) {
  return blockMapCosts<BLOCK_M, PER_BATCH, PER_HEAD>(p) +
         blockMapRows<BLOCK_M, PER_BATCH, PER_HEAD>(p);
}

/// One counter per plane (map CTAs done), then kClaimCounter and kClaimsDoneCounter.
template <int BLOCK_M, bool PER_BATCH, bool PER_HEAD>
__device__ __forceinline__ int *blockMapPlaneCounters(const AttncSoftmaxParams &p) {
  return blockMapOrder<BLOCK_M, PER_BATCH, PER_HEAD>(p) +
         blockMapRows<BLOCK_M, PER_BATCH, PER_HEAD>(p);
}

template <int BLOCK_M, bool PER_BATCH, bool PER_HEAD>
__device__ __forceinline__ int *blockMapClaimCounters(const AttncSoftmaxParams &p) {
  const long long planes = (PER_BATCH ? p.batch : 1) * (PER_HEAD ? p.heads_q : 1);
  return blockMapPlaneCounters<BLOCK_M, PER_BATCH, PER_HEAD>(p) + planes;
}

/// Whether a variant reads a block map (generated variants of data-dependent masks
/// declare MAP_PER_BATCH).
template <typename Variant, typename = void> struct UsesBlockMap {
  static constexpr bool value = false;
};
template <typename Variant>
struct UsesBlockMap<Variant, decltype(void(Variant::MAP_PER_BATCH))> {
  static constexpr bool value = true;
};

/// The class the map holds for the tile starting at (i0, j0).
template <int BLOCK_M, int BLOCK_N, bool PER_BATCH, bool PER_HEAD>
__device__ __forceinline__ int readBlockMap(const AttncSoftmaxParams &p, int batch, int head,
                                            int i0, int j0) {
  const unsigned char *map = static_cast<const unsigned char *>(p.block_map);
  return map[blockMapIndex<BLOCK_M, PER_BATCH, PER_HEAD>(p, batch, head, i0 / BLOCK_M,
                                                         j0 / BLOCK_N)];
}

/// The keys of the query block starting at i0 that hold a non-empty tile.
template <int BLOCK_M, bool PER_BATCH, bool PER_HEAD>
__device__ __forceinline__ KeyRange readBlockMapKeyRange(const AttncSoftmaxParams &p, int batch,
                                                         int head, int i0) {
  const int2 r = blockMapRanges<BLOCK_M, PER_BATCH, PER_HEAD>(
      p)[blockMapRow<BLOCK_M, PER_BATCH, PER_HEAD>(p, batch, head, i0 / BLOCK_M)];
  return {r.x, r.y};
}

/// Minimum over aligned runs of WIDTH lanes (WIDTH a power of two up to a warp).
template <int WIDTH> __device__ __forceinline__ int laneRunMin(int v) {
#pragma unroll
  for (int d = WIDTH / 2; d > 0; d /= 2)
    v = min(v, __shfl_xor_sync(kMapFullWarp, v, d));
  return v;
}

/// Maximum over aligned runs of WIDTH lanes.
template <int WIDTH> __device__ __forceinline__ int laneRunMax(int v) {
#pragma unroll
  for (int d = WIDTH / 2; d > 0; d /= 2)
    v = max(v, __shfl_xor_sync(kMapFullWarp, v, d));
  return v;
}

/// spans[g - gBase] = the ids of `atom` over positions [g * GROUP, (g + 1) * GROUP) ∩
/// [0, posEnd), for groups g in [gBegin, gEnd). A group is reduced by a run of
/// min(GROUP, 32) lanes of one warp; each warp step covers kMapSpanBlocksPerStep rows of
/// groups so their loads overlap; 32-bit positions.
template <int GROUP, typename Variant>
__device__ __forceinline__ void reduceIdSpans(const Variant &variant, int atom, int gBase,
                                              int gBegin, int gEnd, int posEnd, IdSpan *spans,
                                              const ScoreContext &ctx) {
  constexpr int kRun = GROUP < kMapLanes ? GROUP : kMapLanes; ///< lanes per group
  constexpr int kGroupsPerRow = kMapLanes / kRun;
  constexpr int kPerLane = GROUP / kRun;
  constexpr int kGroupsPerStep = kMapSpanBlocksPerStep * kGroupsPerRow;
  static_assert(kMapLanes % kRun == 0 && GROUP % kRun == 0,
                "a block of positions must split into whole runs of lanes");
  const int lane = threadIdx.x % kMapLanes, warp = threadIdx.x / kMapLanes;
  const int sub = lane / kRun, offset = lane % kRun;
  for (int g0 = gBegin + warp * kGroupsPerStep; g0 < gEnd;
       g0 += kBlockMapWarps * kGroupsPerStep) {
    int ids[kMapSpanBlocksPerStep][kPerLane];
#pragma unroll
    for (int s = 0; s < kMapSpanBlocksPerStep; ++s)
#pragma unroll
      for (int u = 0; u < kPerLane; ++u) {
        const int g = g0 + s * kGroupsPerRow + sub;
        const int pos = g * GROUP + u * kRun + offset;
        ids[s][u] = g < gEnd && pos < posEnd ? variant.idKey(atom, pos, ctx) : 0;
      }
#pragma unroll
    for (int s = 0; s < kMapSpanBlocksPerStep; ++s) {
      const int g = g0 + s * kGroupsPerRow + sub;
      int lo = kIdMinInit, hi = kIdMaxInit;
#pragma unroll
      for (int u = 0; u < kPerLane; ++u)
        if (g * GROUP + u * kRun + offset < posEnd) {
          lo = min(lo, ids[s][u]);
          hi = max(hi, ids[s][u]);
        }
      lo = laneRunMin<kRun>(lo);
      hi = laneRunMax<kRun>(hi);
      if (offset == 0 && g < gEnd)
        spans[g - gBase] = {lo, hi};
    }
  }
}

/// The exact class of one tile, by one warp: every pair until the tile has shown both an
/// allowed and a masked pair. Rows are the loop variable, so no division per element.
template <typename Variant>
__device__ __forceinline__ int exactTileKind(const Variant &variant, int i0, int i1, int j0,
                                             int j1, const ScoreContext &ctx) {
  const int lane = threadIdx.x % kMapLanes;
  bool any = false, all = true;
  for (int i = i0; i < i1; ++i) {
    for (int j = j0 + lane; j < j1; j += kMapLanes) {
      const bool m = variant.mask(i, j, ctx);
      any = any || m;
      all = all && m;
    }
    any = __any_sync(kMapFullWarp, any);
    all = __all_sync(kMapFullWarp, all);
    if (any && !all)
      return kTilePartial;
  }
  return all ? kTileFull : kTileEmpty;
}

/// The class of tile (i0..i1, j0..j1) from the affine hooks and the id spans; partial
/// tiles of masks with other data-dependent atoms are refined later by exactTileKind.
template <typename Variant>
__device__ __forceinline__ int spanTileKind(const Variant &variant, int i0, int i1, int j0,
                                            int j1, const IdSpan *rowSpans,
                                            const IdSpan *colSpans, int colStride,
                                            const ScoreContext &ctx) {
  const int affine = variant.affineTileKind(i0, i1, j0, j1, ctx);
  if constexpr (Variant::ID_ATOMS == 0) {
    return affine;
  } else {
    if (affine == kTileEmpty)
      return kTileEmpty;
    bool single = true;
#pragma unroll
    for (int a = 0; a < Variant::ID_ATOMS; ++a) {
      const IdSpan r = rowSpans[a], c = colSpans[a * colStride];
      if (r.hi < c.lo || c.hi < r.lo) // no row shares an id with any column
        return kTileEmpty;
      single = single && r.lo == r.hi && c.lo == c.hi;
    }
    if (!single)
      return kTilePartial;
    // Every id matches on the tile: the rest of the mask decides.
    if (variant.restTileKind(i0, i1, j0, j1, ctx) == kTileFull)
      return kTileFull;
    return Variant::ROW_KEYS_DECIDE_MATCHED_IDS ? kTileRowKeys : kTilePartial;
  }
}

/// Writes order[rank] = the query blocks of one plane by cost, heaviest first: a counting
/// sort of costs[0, n) over kOrderBuckets buckets scaled to the plane's maximum, by the
/// whole CTA. Costs are read through L2 (other CTAs wrote them).
__device__ __forceinline__ void orderQueryBlocks(const int *costs, int *order, int n) {
  __shared__ int bucketNext[kOrderBuckets];
  __shared__ int warpTotals[kBlockMapWarps];
  __shared__ int maxCost;
  const int t = threadIdx.x, lane = t % kMapLanes, warp = t / kMapLanes;
  if (t == 0)
    maxCost = 1;
  for (int b = t; b < kOrderBuckets; b += kBlockMapThreads)
    bucketNext[b] = 0;
  __syncthreads();
  for (int i = t; i < n; i += kBlockMapThreads)
    atomicMax(&maxCost, __ldcg(costs + i));
  __syncthreads();
  // Bucket 0 holds the heaviest query blocks.
  auto bucketOf = [&](int cost) {
    return (kOrderBuckets - 1) -
           static_cast<int>(static_cast<long long>(cost) * (kOrderBuckets - 1) / maxCost);
  };
  for (int i = t; i < n; i += kBlockMapThreads)
    atomicAdd(&bucketNext[bucketOf(__ldcg(costs + i))], 1);
  __syncthreads();
  // Exclusive prefix sum: each thread owns kOrderBucketsPerThread consecutive buckets.
  int counts[kOrderBucketsPerThread], own = 0;
#pragma unroll
  for (int u = 0; u < kOrderBucketsPerThread; ++u) {
    counts[u] = bucketNext[t * kOrderBucketsPerThread + u];
    own += counts[u];
  }
  int inclusive = own;
#pragma unroll
  for (int d = 1; d < kMapLanes; d *= 2) {
    const int x = __shfl_up_sync(kMapFullWarp, inclusive, d);
    if (lane >= d)
      inclusive += x;
  }
  if (lane == kMapLanes - 1)
    warpTotals[warp] = inclusive;
  __syncthreads();
  int start = inclusive - own;
  for (int w = 0; w < warp; ++w)
    start += warpTotals[w];
#pragma unroll
  for (int u = 0; u < kOrderBucketsPerThread; ++u) {
    bucketNext[t * kOrderBucketsPerThread + u] = start;
    start += counts[u];
  }
  __syncthreads();
  for (int i = t; i < n; i += kBlockMapThreads)
    order[atomicAdd(&bucketNext[bucketOf(__ldcg(costs + i))], 1)] = i;
}

/// Classifies every tile of one query block (blockIdx.x) of one map plane (blockIdx.y =
/// batch when PER_BATCH, blockIdx.z = head when PER_HEAD), kMapChunkBlocks key blocks per
/// pass, one thread per tile, records the query block's non-empty key range and cost, and,
/// in the plane's last CTA to finish, the plane's claim order.
template <int BLOCK_M, int BLOCK_N, bool PER_BATCH, bool PER_HEAD, typename Variant>
__device__ __forceinline__ void buildBlockMap(const AttncSoftmaxParams &p) {
  constexpr int kAtoms = Variant::ID_ATOMS > 0 ? Variant::ID_ATOMS : 1;
  __shared__ IdSpan rowSpans[kAtoms];
  __shared__ IdSpan colSpans[kAtoms][kMapChunkBlocks];
  __shared__ int exactTiles[kMapChunkBlocks];
  __shared__ int exactCount, visitedFirst, visitedLast, cost;
  __shared__ bool lastOfPlane;

  const int qb = blockIdx.x;
  const int batch = PER_BATCH ? blockIdx.y : 0;
  const int head = PER_HEAD ? blockIdx.z : 0;
  const ScoreContext ctx{batch, head, &p};
  const Variant variant{};
  const int q0 = qb * BLOCK_M;
  const int qEnd = min(q0 + BLOCK_M, p.seq_q);
  const int queryBlocks = (p.seq_q + BLOCK_M - 1) / BLOCK_M;
  const int stride = static_cast<int>(p.block_map_stride);
  KeyRange keys = variant.affineKeyRange(q0, qEnd, ctx);
  keys.begin = max(keys.begin, 0);
  keys.end = min(keys.end, p.seq_k);
  const int kbBegin = keys.begin / BLOCK_N;
  const int kbEnd = keys.end > keys.begin ? (keys.end + BLOCK_N - 1) / BLOCK_N : kbBegin;
  const long long row = blockMapRow<BLOCK_M, PER_BATCH, PER_HEAD>(p, batch, head, qb);
  unsigned char *map = static_cast<unsigned char *>(const_cast<void *>(p.block_map)) +
                       row * p.block_map_stride;
  if (threadIdx.x == 0) {
    exactCount = 0;
    visitedFirst = stride;
    visitedLast = -1;
    cost = kCostPerTile;
  }
  if constexpr (Variant::ID_ATOMS > 0)
    for (int a = 0; a < Variant::ID_ATOMS; ++a)
      reduceIdSpans<BLOCK_M>(variant, a, qb, qb, qb + 1, p.seq_q, &rowSpans[a], ctx);

  for (int c0 = 0; c0 < stride; c0 += kMapChunkBlocks) {
    if constexpr (Variant::ID_ATOMS > 0) {
      const int gBegin = max(kbBegin, c0), gEnd = min(kbEnd, c0 + kMapChunkBlocks);
      for (int a = 0; a < Variant::ID_ATOMS; ++a)
        reduceIdSpans<BLOCK_N>(variant, a, c0, gBegin, gEnd, p.seq_k, colSpans[a], ctx);
    }
    __syncthreads(); // spans (and the counters, on the first pass) are visible
    const int t = threadIdx.x, kb = c0 + t;
    int kind = kTileEmpty;
    if (kb < stride && kb >= kbBegin && kb < kbEnd)
      kind = spanTileKind(variant, q0, qEnd, kb * BLOCK_N, min(kb * BLOCK_N + BLOCK_N, p.seq_k),
                          rowSpans, &colSpans[0][t], kMapChunkBlocks, ctx);
    if (Variant::EXACT_PARTIAL && kind == kTilePartial) {
      exactTiles[atomicAdd(&exactCount, 1)] = kb;
    } else if (kb < stride) {
      map[kb] = static_cast<unsigned char>(kind);
      if (kind != kTileEmpty) {
        atomicMin(&visitedFirst, kb);
        atomicMax(&visitedLast, kb);
        atomicAdd(&cost, kCostPerTile + (kind == kTileFull ? 0 : kCostPerMaskedTile));
      }
    }
    if constexpr (Variant::EXACT_PARTIAL) {
      __syncthreads(); // the list of tiles to evaluate is complete
      const int lane = threadIdx.x % kMapLanes;
      for (int e = threadIdx.x / kMapLanes; e < exactCount; e += kBlockMapWarps) {
        const int x = exactTiles[e];
        const int exact = exactTileKind(variant, q0, qEnd, x * BLOCK_N,
                                        min(x * BLOCK_N + BLOCK_N, p.seq_k), ctx);
        if (lane == 0) {
          map[x] = static_cast<unsigned char>(exact);
          if (exact != kTileEmpty) {
            atomicMin(&visitedFirst, x);
            atomicMax(&visitedLast, x);
            atomicAdd(&cost, kCostPerTile + (exact == kTileFull ? 0 : kCostPerMaskedTile));
          }
        }
      }
      __syncthreads(); // every warp has read exactCount
      if (threadIdx.x == 0)
        exactCount = 0;
    }
    __syncthreads(); // spans and the tile list are free for the next pass
  }
  if (threadIdx.x == 0) {
    int2 range = make_int2(0, 0);
    if (visitedLast >= 0)
      range = make_int2(max(visitedFirst * BLOCK_N, keys.begin),
                        min(visitedLast * BLOCK_N + BLOCK_N, keys.end));
    blockMapRanges<BLOCK_M, PER_BATCH, PER_HEAD>(p)[row] = range;
    blockMapCosts<BLOCK_M, PER_BATCH, PER_HEAD>(p)[row] = cost;
    __threadfence(); // the cost is visible before the plane's count says so
    lastOfPlane = atomicAdd(&blockMapPlaneCounters<BLOCK_M, PER_BATCH, PER_HEAD>(
                                p)[row / queryBlocks],
                            1) == queryBlocks - 1;
  }
  __syncthreads();
  if (lastOfPlane) {
    __threadfence();
    const long long plane0 = row - qb;
    orderQueryBlocks(blockMapCosts<BLOCK_M, PER_BATCH, PER_HEAD>(p) + plane0,
                     blockMapOrder<BLOCK_M, PER_BATCH, PER_HEAD>(p) + plane0, queryBlocks);
    if (threadIdx.x == 0)
      blockMapPlaneCounters<BLOCK_M, PER_BATCH, PER_HEAD>(p)[row / queryBlocks] = 0;
  }
}

} // namespace attnc

#endif // ATTNC_BLOCKMAP_CUH
