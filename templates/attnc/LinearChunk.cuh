//===- LinearChunk.cuh - Chunkwise linear attention, forward ------*- CUDA -*-===//
//
// One CTA owns one (sequence or segment of one, head, V slice) and walks its chunks in
// order (LinearSegment.cuh says how sequences are split), so the recurrent state S
// (HEAD_K x SLICE_V, fp32) never leaves the chip: each warp holds HEAD_K / NUM_WARPS rows
// of it as mma accumulators, and a bf16 copy in shared memory feeds the inter-chunk
// product. Per chunk of CHUNK tokens (loaded by cp.async while the
// previous chunk computes):
//   o_t = scale * ( (q_t . exp(b_t)) S  +  sum_{s <= t in chunk} (q_t . k_s exp(b_t - b_s)) v_s )
//   S  <- exp(b_last) S + sum_s (k_s exp(b_last - b_s)) v_s^T
// with b the cumulative log decay from the chunk start (LinearGate.cuh). The intra-chunk
// causal part is the second tiling level: each warp owns m16 query stripes and streams
// the key sub-tiles (SUB tokens) up to its diagonal, flash-attention style, so registers
// do not grow with CHUNK. Scalar decays scale the scores after Q K^T; per-channel gates
// scale the Q and K fragments around a reference token (the end of the key sub-tile, or
// the stripe's middle on the diagonal) so no factor exceeds exp(8 tokens of decay).
// Every exponent is a difference of cumulative decays, so nothing overflows as T grows.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_LINEAR_CHUNK_CUH
#define ATTNC_LINEAR_CHUNK_CUH

#include "attnc/ChunkPipeline.cuh"
#include "attnc/LinearFragment.cuh"
#include "attnc/LinearGate.cuh"
#include "attnc/LinearParams.h"
#include "attnc/LinearSegment.cuh"
#include "attnc/LinearTraits.cuh"
#include "attnc/Mbarrier.cuh"
#include "attnc/Prefill.cuh"

namespace attnc {

/// ldmatrix lane roles shared by every product of the kernel.
template <typename Traits> struct LinearLanes {
  LaneSwizzle<typename Traits::QKTile> q; ///< A operand rows (query stripes)
  LaneSwizzle<typename Traits::QKTile> k; ///< K as B ([s][k]) or, transposed, K^T as A
  LaneSwizzle<typename Traits::VTile> v;  ///< V and the state copy as transposed B
  __device__ __forceinline__ explicit LinearLanes(int lane)
      : q(lane % 16, lane / 16), k((lane / 16) * 8 + lane % 8, (lane / 8) % 2),
        v(((lane / 8) % 2) * 8 + lane % 8, lane / 16) {}
};

/// Shared-memory addresses of one chunk's operand tiles.
struct ChunkTiles {
  unsigned q, k, v, state;
};

/// acc[VTiles] += A (16 x 16k) x tile rows [row0, row0 + 16) of a transposed-B tile.
template <typename Traits>
__device__ __forceinline__ void mmaRowsTimesTile(float (&acc)[Traits::kVTiles][4],
                                                 const unsigned (&a)[4], unsigned tile,
                                                 const LinearLanes<Traits> &lanes, int row0) {
#pragma unroll
  for (int vp = 0; vp < Traits::kVTiles / 2; ++vp) {
    unsigned b[4];
    ldmatrixX4Trans(b, tile + lanes.v.at(row0, vp * 2));
    mma16816<typename Traits::Element>(acc[2 * vp], a, b[0], b[1]);
    mma16816<typename Traits::Element>(acc[2 * vp + 1], a, b[2], b[3]);
  }
}

__device__ __forceinline__ void copyFragment(unsigned (&to)[4], const unsigned (&from)[4]) {
#pragma unroll
  for (int r = 0; r < 4; ++r)
    to[r] = from[r];
}

/// Leaves q or K fragments as loaded.
struct KeepFragments {
  __device__ __forceinline__ void operator()(unsigned (&)[4], int, int) const {}
};

/// s = q K^T for one m16 query stripe against key sub-tile [s0, s0 + SUB) of a K tile, one
/// n8 accumulator tile per 8 keys. `queryFragment(a, ks)` gives the stripe's A fragment of
/// k16 step ks; `scaleQueries(a, 0, k0)` and `scaleKeys(b, n0, k0)` may scale each q
/// fragment (channels k0..) and K fragment (keys n0.., channels k0..) before its products.
template <typename Traits, typename QueryFragment, typename ScaleQueries = KeepFragments,
          typename ScaleKeys = KeepFragments>
__device__ __forceinline__ void
scoreSubTileFrom(float (&s)[Traits::kSubNTiles][4], const QueryFragment &queryFragment,
                 unsigned kTile, const LinearLanes<Traits> &lanes, int s0,
                 const ScaleQueries &scaleQueries = {}, const ScaleKeys &scaleKeys = {}) {
#pragma unroll
  for (int nt = 0; nt < Traits::kSubNTiles; ++nt)
#pragma unroll
    for (int e = 0; e < 4; ++e)
      s[nt][e] = 0.f;
#pragma unroll
  for (int ks = 0; ks < Traits::kKSteps; ++ks) {
    unsigned a[4];
    queryFragment(a, ks);
    scaleQueries(a, 0, ks * kMmaK);
#pragma unroll
    for (int np = 0; np < Traits::kSubNTiles / 2; ++np) {
      unsigned b[4];
      ldmatrixX4(b, kTile + lanes.k.at(s0 + np * 16, ks * 2));
      scaleKeys(b, s0 + np * 16, ks * kMmaK);
      mma16816<typename Traits::Element>(s[2 * np], a, b[0], b[1]);
      mma16816<typename Traits::Element>(s[2 * np + 1], a, b[2], b[3]);
    }
  }
}

/// scoreSubTileFrom with the stripe's q fragments held in registers (`qf`).
template <typename Traits>
__device__ __forceinline__ void scoreSubTile(float (&s)[Traits::kSubNTiles][4],
                                             const unsigned (&qf)[Traits::kKSteps][4],
                                             unsigned kTile, const LinearLanes<Traits> &lanes,
                                             int s0) {
  scoreSubTileFrom<Traits>(
      s, [&](unsigned (&a)[4], int ks) { copyFragment(a, qf[ks]); }, kTile, lanes, s0);
}

/// o += P V for key sub-tile [s0, s0 + SUB) of a V tile, P packed as A fragments (pairs
/// of n8 score tiles per k16 step).
template <typename Traits>
__device__ __forceinline__ void addScoresTimesV(float (&o)[Traits::kVTiles][4],
                                                const unsigned (&pPacked)[Traits::kSubNTiles][2],
                                                unsigned vTile, const LinearLanes<Traits> &lanes,
                                                int s0) {
#pragma unroll
  for (int pk = 0; pk < Traits::kSubKSteps; ++pk) {
    const unsigned pFrag[4] = {pPacked[2 * pk][0], pPacked[2 * pk][1], pPacked[2 * pk + 1][0],
                               pPacked[2 * pk + 1][1]};
    mmaRowsTimesTile<Traits>(o, pFrag, vTile, lanes, s0 + pk * kMmaK);
  }
}

/// Chunks of one tile: no earlier tiles to add.
struct NoPastTiles {
  template <typename Output> __device__ __forceinline__ void operator()(Output &) const {}
};

/// One m16 query stripe of one tile: inter-chunk q S plus the causal intra-chunk part,
/// scaled and stored for the stripe's real rows. With SPAN > 1 the state's copy is from
/// the chunk's start, `tileOffset` the log2 decay from there to the tile's start (one float,
/// or one per key channel), and
/// `pastTiles(o)` adds the products against the chunk's earlier tiles.
template <typename Traits, typename PastTiles = NoPastTiles>
__device__ __forceinline__ void
outputStripe(int r0, const ChunkTiles &tiles, const ChunkDecay<Traits> &decay,
             const LinearLanes<Traits> &lanes, int lane, typename Traits::Element *oChunk,
             long long oStride, int valid, float scale, const float *tileOffset = nullptr,
             const PastTiles &pastTiles = PastTiles{}) {
  using Element = typename Traits::Element;
  unsigned qf[Traits::kKSteps][4];
#pragma unroll
  for (int ks = 0; ks < Traits::kKSteps; ++ks)
    ldmatrixX4(qf[ks], tiles.q + lanes.q.at(r0, ks * 2));

  float o[Traits::kVTiles][4];
#pragma unroll
  for (int vt = 0; vt < Traits::kVTiles; ++vt)
#pragma unroll
    for (int e = 0; e < 4; ++e)
      o[vt][e] = 0.f;

      // Inter-chunk: (q . exp(b_t)) S_{chunk start}.
#pragma unroll
  for (int ks = 0; ks < Traits::kKSteps; ++ks) {
    unsigned a[4] = {qf[ks][0], qf[ks][1], qf[ks][2], qf[ks][3]};
    if constexpr (Traits::kVectorGate && Traits::kSpan > 1)
      scaleAFragment<Element>(a, r0, ks * kMmaK, lane, [&](int t, int k) {
        return fastExp2(decay.at(t, k) + tileOffset[k]);
      });
    else if constexpr (Traits::kVectorGate)
      scaleAFragment<Element>(a, r0, ks * kMmaK, lane,
                              [&](int t, int k) { return fastExp2(decay.at(t, k)); });
    mmaRowsTimesTile<Traits>(o, a, tiles.state, lanes, ks * kMmaK);
  }
  if constexpr (Traits::kScalarDecay) {
#pragma unroll
    for (int half = 0; half < 2; ++half) {
      float log2Decay = decay.at(r0 + lane / 4 + 8 * half, 0);
      if constexpr (Traits::kSpan > 1)
        log2Decay += tileOffset[0];
      const float f = fastExp2(log2Decay);
#pragma unroll
      for (int vt = 0; vt < Traits::kVTiles; ++vt) {
        o[vt][2 * half] *= f;
        o[vt][2 * half + 1] *= f;
      }
    }
  }

  if constexpr (Traits::kSpan > 1) {
    // The earlier tiles read q from shared memory; the fragments are loaded again after, so
    // they are not held through those products.
    pastTiles(o);
#pragma unroll
    for (int ks = 0; ks < Traits::kKSteps; ++ks)
      ldmatrixX4(qf[ks], tiles.q + lanes.q.at(r0, ks * 2));
  }

  // Intra-chunk: key sub-tiles up to the stripe's diagonal.
  const int lastSub = (r0 + kMmaM - 1) / Traits::SUB;
  for (int j = 0; j <= lastSub; ++j) {
    const int s0 = j * Traits::SUB;
    // Per-channel gates factor exp(b_t - b_s) around a reference token between s and t.
    const int ref = s0 + Traits::SUB - 1 < r0 ? s0 + Traits::SUB - 1 : r0 + kMmaM / 2 - 1;
    float s[Traits::kSubNTiles][4];
#pragma unroll
    for (int nt = 0; nt < Traits::kSubNTiles; ++nt)
#pragma unroll
      for (int e = 0; e < 4; ++e)
        s[nt][e] = 0.f;
#pragma unroll
    for (int ks = 0; ks < Traits::kKSteps; ++ks) {
      unsigned a[4] = {qf[ks][0], qf[ks][1], qf[ks][2], qf[ks][3]};
      if constexpr (Traits::kVectorGate)
        scaleAFragment<Element>(a, r0, ks * kMmaK, lane, [&](int t, int k) {
          return fastExp2(decay.at(t, k) - decay.at(ref, k));
        });
#pragma unroll
      for (int np = 0; np < Traits::kSubNTiles / 2; ++np) {
        unsigned b[4];
        ldmatrixX4(b, tiles.k + lanes.k.at(s0 + np * 16, ks * 2));
        if constexpr (Traits::kVectorGate)
          scaleBFragments<Element>(b, s0 + np * 16, ks * kMmaK, lane, [&](int n, int k) {
            return fastExp2(decay.at(ref, k) - decay.at(n, k));
          });
        mma16816<Element>(s[2 * np], a, b[0], b[1]);
        mma16816<Element>(s[2 * np + 1], a, b[2], b[3]);
      }
    }
    // Causal mask and scalar decay; pack P as A fragments (pairs of n8 tiles per k16).
    unsigned pPacked[Traits::kSubNTiles][2];
#pragma unroll
    for (int nt = 0; nt < Traits::kSubNTiles; ++nt)
#pragma unroll
      for (int half = 0; half < 2; ++half) {
        const int t = r0 + lane / 4 + 8 * half;
        float x[2];
#pragma unroll
        for (int c = 0; c < 2; ++c) {
          const int col = s0 + nt * kMmaN + 2 * (lane % 4) + c;
          float val = s[nt][2 * half + c];
          if constexpr (Traits::kScalarDecay)
            val *= fastExp2(decay.at(t, 0) - decay.at(col, 0));
          x[c] = col <= t ? val : 0.f;
        }
        pPacked[nt][half] = ElementTraits<Element>::pack(x[0], x[1]);
      }
    addScoresTimesV<Traits>(o, pPacked, tiles.v, lanes, s0);
  }

#pragma unroll
  for (int half = 0; half < 2; ++half) {
    const int t = r0 + lane / 4 + 8 * half;
    if (t >= valid)
      continue;
    Element *orow = oChunk + t * oStride;
#pragma unroll
    for (int vt = 0; vt < Traits::kVTiles; ++vt)
      *reinterpret_cast<unsigned *>(orow + vt * kMmaN + 2 * (lane % 4)) =
          ElementTraits<Element>::pack(o[vt][2 * half] * scale, o[vt][2 * half + 1] * scale);
  }
}

/// o += (q K^T, each pair decayed from its key to its query) V over a whole earlier tile of
/// the chunk (`past`: its k and V slice; every key precedes every query, so no mask), for
/// the stripe at row r0 of the q tile `qTile`. The
/// decay of query t (key s) from the chunk's start is its tile's offset (`qOffset`,
/// `kOffset`: rows as in outputStripe) plus its decay inside the tile. Per-channel gates
/// factor around the end of each 16-key sub-tile, as the causal part does.
template <typename Traits>
__device__ __forceinline__ void
addPastTile(float (&o)[Traits::kVTiles][4], unsigned qTile, int r0, const ChunkTiles &past,
            const ChunkDecay<Traits> &qDecay, const float *qOffset,
            const ChunkDecay<Traits> &kDecay, const float *kOffset,
            const LinearLanes<Traits> &lanes, int lane) {
  using Element = typename Traits::Element;
  // The q fragments come from shared memory at each use: the kernel's registers are spent.
  auto queryFragment = [&](unsigned (&a)[4], int ks) {
    ldmatrixX4(a, qTile + lanes.q.at(r0, ks * 2));
  };
  float rowLog2[2];
#pragma unroll
  for (int half = 0; half < 2; ++half)
    rowLog2[half] = qOffset[0] + qDecay.at(r0 + lane / 4 + 8 * half, 0) - kOffset[0];
  for (int j = 0; j < Traits::CHUNK / Traits::SUB; ++j) {
    const int s0 = j * Traits::SUB;
    float s[Traits::kSubNTiles][4];
    if constexpr (Traits::kVectorGate) {
      const int ref = s0 + Traits::SUB - 1;
      scoreSubTileFrom<Traits>(
          s, queryFragment, past.k, lanes, s0,
          [&](unsigned (&a)[4], int, int k0) {
            scaleAFragment<Element>(a, r0, k0, lane, [&](int t, int k) {
              return fastExp2(qOffset[k] + qDecay.at(t, k) - kOffset[k] - kDecay.at(ref, k));
            });
          },
          [&](unsigned (&b)[4], int n0, int k0) {
            scaleBFragments<Element>(b, n0, k0, lane, [&](int n, int k) {
              return fastExp2(kDecay.at(ref, k) - kDecay.at(n, k));
            });
          });
    } else {
      scoreSubTileFrom<Traits>(s, queryFragment, past.k, lanes, s0);
    }
    unsigned pPacked[Traits::kSubNTiles][2];
#pragma unroll
    for (int nt = 0; nt < Traits::kSubNTiles; ++nt)
#pragma unroll
      for (int half = 0; half < 2; ++half) {
        float x[2];
#pragma unroll
        for (int c = 0; c < 2; ++c) {
          const int col = s0 + nt * kMmaN + 2 * (lane % 4) + c;
          x[c] = s[nt][2 * half + c];
          if constexpr (Traits::kScalarDecay)
            x[c] *= fastExp2(rowLog2[half] - kDecay.at(col, 0));
        }
        pPacked[nt][half] = ElementTraits<Element>::pack(x[0], x[1]);
      }
    addScoresTimesV<Traits>(o, pPacked, past.v, lanes, s0);
  }
}

/// Byte offset of element (row, col) in a swizzled VTile (V slices, the state copy).
template <typename Traits> __device__ __forceinline__ unsigned vTileOffset(int row, int col) {
  using VTile = typename Traits::VTile;
  return swizzledOffset<VTile>(row, col / VTile::kElemsPerChunk) +
         (col % VTile::kElemsPerChunk) * sizeof(typename Traits::Element);
}

/// This warp's rows of S as mma accumulators: [m16 tile][n8 tile][4].
template <typename Traits> using StateRows = float[Traits::kStateMTiles][Traits::kVTiles][4];

/// Visits (row within the head's K, column within the slice, value) of a warp's S rows.
template <typename Traits, typename Fn>
__device__ __forceinline__ void forEachStatePair(StateRows<Traits> &acc, int warp, int lane,
                                                 const Fn &fn) {
#pragma unroll
  for (int mt = 0; mt < Traits::kStateMTiles; ++mt)
#pragma unroll
    for (int vt = 0; vt < Traits::kVTiles; ++vt)
#pragma unroll
      for (int half = 0; half < 2; ++half) {
        const int row = warp * Traits::kStateRows + mt * kMmaM + lane / 4 + 8 * half;
        const int col = vt * kMmaN + 2 * (lane % 4);
        fn(row, col, acc[mt][vt][2 * half], acc[mt][vt][2 * half + 1]);
      }
}

/// S <- exp(b_last) S + sum_s (k_s exp(b_last - b_s)) v_s^T over the chunk's real tokens.
template <typename Traits>
__device__ __forceinline__ void
updateState(StateRows<Traits> &acc, const ChunkTiles &tiles, const ChunkDecay<Traits> &decay,
            const LinearLanes<Traits> &lanes, int warp, int lane, int valid) {
  using Element = typename Traits::Element;
  if constexpr (Traits::kHasGate)
    forEachStatePair<Traits>(acc, warp, lane, [&](int row, int, float &x0, float &x1) {
      const float f = fastExp2(decay.last(row));
      x0 *= f;
      x1 *= f;
    });
  const int warpRow0 = warp * Traits::kStateRows;
  for (int ts = 0; ts < Traits::kTokenSteps; ++ts) {
    const int s0 = ts * kMmaK;
    if (s0 >= valid)
      break;
    // A scalar decay depends on the token only: the four token columns of this lane's
    // K^T fragment (A pairs r>>1 = 0, 1) share one factor pair across rows and m16 tiles.
    float tokenFactor[2][2];
    if constexpr (Traits::kScalarDecay) {
#pragma unroll
      for (int pair = 0; pair < 2; ++pair)
#pragma unroll
        for (int c = 0; c < 2; ++c)
          tokenFactor[pair][c] =
              fastExp2(decay.last(0) - decay.at(s0 + 2 * (lane % 4) + 8 * pair + c, 0));
    }
#pragma unroll
    for (int mt = 0; mt < Traits::kStateMTiles; ++mt) {
      const int k0 = warpRow0 + mt * kMmaM;
      unsigned a[4];
      ldmatrixX4Trans(a, tiles.k + lanes.k.at(s0, k0 / 8));
      if constexpr (Traits::kScalarDecay) {
#pragma unroll
        for (int r = 0; r < 4; ++r)
          a[r] = scalePair<Element>(a[r], tokenFactor[r >> 1][0], tokenFactor[r >> 1][1]);
      } else if constexpr (Traits::kVectorGate) {
        scaleAFragment<Element>(a, k0, s0, lane, [&](int k, int s) {
          return fastExp2(decay.last(k) - decay.at(s, k));
        });
      }
      float(&rows)[Traits::kVTiles][4] = acc[mt];
      mmaRowsTimesTile<Traits>(rows, a, tiles.v, lanes, s0);
    }
  }
}

/// Writes the bf16/fp16 copy of this warp's S rows that the next chunk's q S reads.
template <typename Traits>
__device__ __forceinline__ void storeStateCopy(StateRows<Traits> &acc, unsigned char *smem,
                                               unsigned stateOffset, int warp, int lane) {
  using VTile = typename Traits::VTile;
  forEachStatePair<Traits>(acc, warp, lane, [&](int row, int col, float &x0, float &x1) {
    const unsigned off = stateOffset + swizzledOffset<VTile>(row, col / VTile::kElemsPerChunk) +
                         (col % VTile::kElemsPerChunk) * sizeof(typename Traits::Element);
    *reinterpret_cast<unsigned *>(smem + off) =
        ElementTraits<typename Traits::Element>::pack(x0, x1);
  });
}

/// Where a per-head decay comes from when the prelude passes no gate of its own: the
/// natural-log decay of each head, read from `p.head_log_decay`.
struct HeadLogDecayFromParams {
  __device__ __forceinline__ static float headLogDecay(const AttncLinearParams &p, int head) {
    return p.head_log_decay[head];
  }
};

/// The dynamic shared memory of the linear kernels, as the extern symbol itself (so its
/// address costs no register).
__device__ __forceinline__ unsigned char *linearSmem() {
  extern __shared__ __align__(128) unsigned char smem[];
  return smem;
}

/// The global operands of one (segment, head, V slice) and the shared-memory stages their
/// chunks load into (kStages stages of q, k, the V slice and the gates, then the state copy).
/// Strides are read from the (constant-bank) params at each use rather than held here.
template <typename Traits> struct ChunkStream {
  using Element = typename Traits::Element;
  const Element *q, *k, *v;
  Element *o;
  const float *g;
  int len;

  __device__ __forceinline__ ChunkStream(const AttncLinearParams &p, const LinearSegment &seg,
                                         int head, int v0)
      : len(seg.len) {
    q = static_cast<const Element *>(p.q.ptr) + seg.origin(p.q, head);
    k = static_cast<const Element *>(p.k.ptr) + seg.origin(p.k, head);
    v = static_cast<const Element *>(p.v.ptr) + seg.origin(p.v, head) + v0;
    o = static_cast<Element *>(const_cast<void *>(p.o.ptr)) + seg.origin(p.o, head) + v0;
    g = Traits::kGateTile ? static_cast<const float *>(p.g.ptr) + seg.origin(p.g, head) : nullptr;
  }

  static constexpr unsigned kStateOffset = Traits::kStages * Traits::kStageBytes;
  /// SPAN > 1: the earlier tile's k, V slice and gates, then the tiles' chunk offsets.
  static constexpr unsigned kPastOffset = kStateOffset + Traits::kStateBytes;

  __device__ __forceinline__ static ChunkTiles tiles(int stage) {
    const unsigned smemBase = smemAddress(linearSmem());
    const unsigned base = smemBase + stage * Traits::kStageBytes;
    return ChunkTiles{base, base + Traits::kQKBytes, base + 2 * Traits::kQKBytes,
                      smemBase + kStateOffset};
  }
  __device__ __forceinline__ static float *gate(int stage) {
    return reinterpret_cast<float *>(linearSmem() + stage * Traits::kStageBytes +
                                     2 * Traits::kQKBytes + Traits::kVBytes);
  }
  __device__ __forceinline__ static ChunkTiles pastTiles() {
    const unsigned base = smemAddress(linearSmem()) + kPastOffset;
    return ChunkTiles{0u, base, base + Traits::kQKBytes, smemAddress(linearSmem()) + kStateOffset};
  }
  __device__ __forceinline__ static float *pastGate() {
    return reinterpret_cast<float *>(linearSmem() + kPastOffset + Traits::kQKBytes +
                                     Traits::kVBytes);
  }
  /// Log2 decay from the chunk's start to the start of its tile `inChunk`: one float, or a
  /// row of HEAD_K for per-channel gates.
  __device__ __forceinline__ static float *chunkOffset(int inChunk) {
    return reinterpret_cast<float *>(linearSmem() + kPastOffset + Traits::kQKBytes +
                                     Traits::kVBytes + Traits::kGateBytes) +
           inChunk * Traits::kOffsetRow;
  }
  /// After tile `inChunk` (decays `decay`): the next tile's offsets, or zeros when a chunk
  /// starts next.
  __device__ __forceinline__ static void advanceChunkOffset(int inChunk,
                                                            const ChunkDecay<Traits> &decay) {
    const bool last = inChunk + 1 == Traits::kSpan;
    const float *from = chunkOffset(inChunk);
    float *to = chunkOffset(last ? 0 : inChunk + 1);
    for (int k = threadIdx.x; k < Traits::kOffsetRow; k += Traits::kThreads)
      to[k] = last ? 0.f : from[k] + decay.last(k);
  }
  /// Loads tile c's k, V slice and gates into the past-tile buffer and waits for them (and
  /// for whatever the pipeline has in flight); the gates come back cumulated.
  __device__ __forceinline__ void loadPast(const AttncLinearParams &p, int c) const {
    const int t0 = c * Traits::CHUNK;
    const ChunkTiles t = pastTiles();
    loadTileAsync<typename Traits::QKTile, Traits::CHUNK>(t.k, k + t0 * p.k.stride[2],
                                                          p.k.stride[2], len - t0);
    loadTileAsync<typename Traits::VTile, Traits::CHUNK>(t.v, v + t0 * p.v.stride[2],
                                                         p.v.stride[2], len - t0);
    if constexpr (Traits::kGateTile)
      loadGatesAsync<Traits>(smemAddress(pastGate()), g + t0 * p.g.stride[2], p.g.stride[2],
                             len - t0);
    cpAsyncCommit();
    cpAsyncWait<0>();
    __syncthreads();
    if constexpr (Traits::kGateTile) {
      cumulateGates<Traits>(pastGate());
      __syncthreads();
    }
  }
  /// Issues the copies of chunk c into `stage`; the state pre-pass needs no queries.
  __device__ __forceinline__ void load(const AttncLinearParams &p, int c, int stage,
                                       bool withQueries) const {
    const int t0 = c * Traits::CHUNK;
    const int valid = len - t0;
    const ChunkTiles t = tiles(stage);
    if (withQueries)
      loadTileAsync<typename Traits::QKTile, Traits::CHUNK>(t.q, q + t0 * p.q.stride[2],
                                                            p.q.stride[2], valid);
    loadTileAsync<typename Traits::QKTile, Traits::CHUNK>(t.k, k + t0 * p.k.stride[2],
                                                          p.k.stride[2], valid);
    loadTileAsync<typename Traits::VTile, Traits::CHUNK>(t.v, v + t0 * p.v.stride[2],
                                                         p.v.stride[2], valid);
    if constexpr (Traits::kGateTile)
      loadGatesAsync<Traits>(smemAddress(gate(stage)), g + t0 * p.g.stride[2], p.g.stride[2],
                             valid);
  }
  /// Issues the first chunks of [begin, end) (ChunkPipeline.cuh).
  __device__ __forceinline__ void start(const AttncLinearParams &p, int begin, int end,
                                        bool withQueries) const {
    chunkPipelineStart<Traits::kStages>(
        begin, end, [&](int c, int stage) { load(p, c, stage, withQueries); });
  }
  /// Waits for chunk c (in `stage`; the state copy is visible too), starts loading the
  /// chunk kStages - 1 ahead (if below `end`), and cumulates chunk c's gates; returns its
  /// decay accessor.
  __device__ __forceinline__ ChunkDecay<Traits> advance(const AttncLinearParams &p, int c, int end,
                                                        int stage, bool withQueries,
                                                        float perTokenLog2) const {
    chunkPipelineAdvance<Traits::kStages>(
        c, end, stage, [&](int ahead, int into) { load(p, ahead, into, withQueries); });
    float *cum = gate(stage);
    if constexpr (Traits::kGateTile) {
      cumulateGates<Traits>(cum);
      __syncthreads();
    }
    return ChunkDecay<Traits>{cum, perTokenLog2, min(Traits::CHUNK, len - c * Traits::CHUNK) - 1};
  }
};

/// Log2 decay of one token for per-head decays (0 otherwise).
template <typename Traits, typename Gate>
__device__ __forceinline__ float perTokenLog2Decay(const AttncLinearParams &p, int head) {
  return Traits::GATE == LinearGate::kPerHead ? Gate::headLogDecay(p, head) * kLog2e : 0.f;
}

/// The segment's initial state: the user's (or zeros) for the first segment, else the one
/// the fold stage left in the workspace for it (LinearSegment.cuh).
template <typename Traits>
__device__ __forceinline__ void initialState(StateRows<Traits> &state, const AttncLinearParams &p,
                                             const LinearSegment &seg, int head, int v0,
                                             int warp, int lane) {
  const float *init =
      seg.index == 0
          ? (p.state_in == nullptr
                 ? nullptr
                 : p.state_in +
                       (static_cast<long long>(seg.seq) * p.heads + head) * Traits::HEAD_K *
                           Traits::HEAD_V +
                       v0)
          : SegmentRecords<Traits::HEAD_K, Traits::HEAD_V>(p).state(
                seg.seq, seg.index * statePieces(p) - 1, head) +
                v0;
  forEachStatePair<Traits>(state, warp, lane, [&](int row, int col, float &x0, float &x1) {
    float2 s = make_float2(0.f, 0.f);
    if (init != nullptr)
      s = *reinterpret_cast<const float2 *>(init + row * Traits::HEAD_V + col);
    x0 = s.x;
    x1 = s.y;
  });
}

/// SPAN > 1: the outputs of tile c, the `inChunk`-th of its chunk: every warp's stripe (rows
/// past the sequence compute on zero-filled q and store nothing, so every warp meets the
/// past-tile barriers) against the state's copy from the chunk's start, the chunk's
/// earlier tiles (loaded again, one at a time) and its own causal part.
template <typename Traits>
__device__ __forceinline__ void
linearChunkSpanTile(const AttncLinearParams &p, const ChunkStream<Traits> &stream, int inChunk,
                    int c, const ChunkTiles &tiles, const ChunkDecay<Traits> &decay,
                    float perTokenLog2, const LinearLanes<Traits> &lanes, int warp, int lane,
                    int valid) {
  const int r0 = warp * kMmaM;
  auto pastTiles = [&](float (&o)[Traits::kVTiles][4]) {
    for (int i = 0; i < inChunk; ++i) {
      __syncthreads(); // the past buffer's previous tile is consumed
      stream.loadPast(p, c - inChunk + i);
      const ChunkDecay<Traits> pastDecay{stream.pastGate(), perTokenLog2, Traits::CHUNK - 1};
      addPastTile<Traits>(o, tiles.q, r0, stream.pastTiles(), decay, stream.chunkOffset(inChunk),
                          pastDecay, stream.chunkOffset(i), lanes, lane);
    }
  };
  outputStripe<Traits>(r0, tiles, decay, lanes, lane, stream.o + c * Traits::CHUNK * p.o.stride[2],
                       p.o.stride[2], valid, p.scale, stream.chunkOffset(inChunk), pastTiles);
}

/// The kernel body; the prelude wraps it in an extern "C" __global__ entry. Grid
/// (V / SLICE_V, H, sequences x P): one CTA per (V slice, head, segment); with P = 1 each
/// CTA walks a whole sequence. `Gate` supplies the per-head log decay
/// (LinearGate::kPerHead) as `static float headLogDecay(const AttncLinearParams &, int
/// head)`; the generated preludes compute it from the DSL's decay expression (RetNet's
/// 1 - 2^(-5 - h), Lightning's exp(-slopes[h])).
template <typename Traits, typename Gate = HeadLogDecayFromParams>
__device__ __forceinline__ void linearChunkKernel(const AttncLinearParams &p) {
  unsigned char *smem = linearSmem();
  const int warp = threadIdx.x / kWarpSize;
  const int lane = threadIdx.x % kWarpSize;
  const int head = blockIdx.y;
  const int v0 = blockIdx.x * Traits::SLICE_V;
  const int count = segmentCount(p);
  const LinearSegment seg = LinearSegment::of<Traits::CHUNK>(p, blockIdx.z, count, count);
  const ChunkStream<Traits> stream(p, seg, head, v0);
  const float perTokenLog2 = perTokenLog2Decay<Traits, Gate>(p, head);

  stream.start(p, seg.chunkBegin, seg.chunkEnd, true);
  StateRows<Traits> state;
  initialState<Traits>(state, p, seg, head, v0, warp, lane);
  storeStateCopy<Traits>(state, smem, stream.kStateOffset, warp, lane);
  const LinearLanes<Traits> lanes(lane);

  if constexpr (Traits::kSpan > 1)
    stream.advanceChunkOffset(Traits::kSpan - 1, ChunkDecay<Traits>{}); // zeros: a chunk starts
  for (int c = seg.chunkBegin, stage = 0; c < seg.chunkEnd;
       ++c, stage = nextChunkStage<Traits::kStages>(stage)) {
    const ChunkDecay<Traits> decay =
        stream.advance(p, c, seg.chunkEnd, stage, true, perTokenLog2);
    const int t0 = c * Traits::CHUNK;
    const int valid = decay.lastRow + 1;
    const ChunkTiles tiles = stream.tiles(stage);
    if constexpr (Traits::kSpan > 1) {
      const int inChunk = (c - seg.chunkBegin) % Traits::kSpan;
      linearChunkSpanTile<Traits>(p, stream, inChunk, c, tiles, decay, perTokenLog2, lanes, warp,
                                  lane, valid);
      __syncthreads(); // every q S read of the state copy and the past buffer is done
      updateState<Traits>(state, tiles, decay, lanes, warp, lane, valid);
      stream.advanceChunkOffset(inChunk, decay);
      if (inChunk == Traits::kSpan - 1)
        storeStateCopy<Traits>(state, smem, stream.kStateOffset, warp, lane);
      continue;
    }

    // Stripes alternate direction across warps so short and long diagonals pair up.
#pragma unroll 1
    for (int i = 0; i < Traits::kStripesPerWarp; ++i) {
      const int stripe =
          i % 2 == 0 ? i * Traits::NUM_WARPS + warp : (i + 1) * Traits::NUM_WARPS - 1 - warp;
      const int r0 = stripe * kMmaM;
      if (r0 < valid)
        outputStripe<Traits>(r0, tiles, decay, lanes, lane, stream.o + t0 * p.o.stride[2],
                             p.o.stride[2], valid, p.scale);
    }
    __syncthreads(); // every q S read of the state copy is done
    updateState<Traits>(state, tiles, decay, lanes, warp, lane, valid);
    storeStateCopy<Traits>(state, smem, stream.kStateOffset, warp, lane);
  }
  cpAsyncWait<0>();

  // The last segment writes the final state; its indices are re-read rather than kept live
  // through the loop.
  const int segments = segmentCount(p);
  if (p.state_out != nullptr && blockIdx.z % segments == segments - 1) {
    const long long stateBase =
        (static_cast<long long>(blockIdx.z / segments) * p.heads + blockIdx.y) * Traits::HEAD_K *
            Traits::HEAD_V +
        blockIdx.x * Traits::SLICE_V;
    forEachStatePair<Traits>(state, warp, lane, [&](int row, int col, float &x0, float &x1) {
      *reinterpret_cast<float2 *>(p.state_out + stateBase + row * Traits::HEAD_V + col) =
          make_float2(x0, x1);
    });
  }
}

} // namespace attnc

#endif // ATTNC_LINEAR_CHUNK_CUH
