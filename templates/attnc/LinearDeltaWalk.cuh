//===- LinearDeltaWalk.cuh - The serial part of the two-stage delta rule -*- CUDA -*-===//
//
// Stage two of the delta rule (after LinearDeltaPrepare.cuh). Like LinearChunk.cuh, one CTA
// owns one (sequence, head, V slice) and walks its chunks in order with the fp32 state in
// mma accumulators and a 16-bit copy in shared memory; q, k and the prepare stage's W, U,
// P and decays of chunk c + 1 load by cp.async while chunk c computes. The slice may be
// shared by groups of warps, each owning its own V columns (LinearDeltaWalkTraits). Per
// chunk, each warp of a group owns one m16 stripe:
//   1. o = exp(b_t) q S and U' = U - W S against the state copy (U' to shared memory);
//   2. after one barrier of its group, o += P U' is scaled and stored, and
//      S <- exp(b_last) S + (K . exp(b_last - b))^T U' (LinearChunk's updateState with U'
//      in V's place) refreshes the copy, which the next chunk's barrier publishes.
// The UT transform, the key-key products and the intra-chunk scores are not repeated per
// V slice or serialised here: they were all computed chunk-parallel by the prepare stage.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_LINEAR_DELTA_WALK_CUH
#define ATTNC_LINEAR_DELTA_WALK_CUH

#include "attnc/LinearChunk.cuh"
#include "attnc/LinearDeltaSplitTraits.cuh"
#include "attnc/LinearDeltaWorkspace.cuh"

namespace attnc {

/// Where one chunk's tiles live in shared memory.
struct WalkTiles {
  unsigned q, k, w, u, p, state, newV;
  float *decay;
};

/// q S (scaled by exp(b_t)) into `o` and U' = U - W S into the U' tile, rows [r0, r0 + 16).
template <typename Traits>
__device__ __forceinline__ void stateProducts(float (&o)[Traits::kVTiles][4], int r0,
                                              const WalkTiles &tiles,
                                              const ChunkDecay<Traits> &decay,
                                              const LinearLanes<Traits> &lanes,
                                              unsigned char *smem, int lane) {
  using Element = typename Traits::Element;
  // W S first: it is consumed here, while o stays live across the caller's barrier.
  float ws[Traits::kVTiles][4];
#pragma unroll
  for (int vt = 0; vt < Traits::kVTiles; ++vt)
#pragma unroll
    for (int e = 0; e < 4; ++e)
      o[vt][e] = ws[vt][e] = 0.f;
#pragma unroll
  for (int ks = 0; ks < Traits::kKSteps; ++ks) {
    unsigned a[4];
    ldmatrixX4(a, tiles.w + lanes.q.at(r0, ks * 2));
    mmaRowsTimesTile<Traits>(ws, a, tiles.state, lanes, ks * kMmaK);
  }
  const unsigned uBase = tiles.u - smemAddress(smem);
  const unsigned newVBase = tiles.newV - smemAddress(smem);
#pragma unroll
  for (int half = 0; half < 2; ++half) {
    const int t = r0 + lane / 4 + 8 * half;
#pragma unroll
    for (int vt = 0; vt < Traits::kVTiles; ++vt) {
      const unsigned off = vTileOffset<Traits>(t, vt * kMmaN + 2 * (lane % 4));
      const float2 u = unpackPair<Element>(*reinterpret_cast<const unsigned *>(smem + uBase + off));
      *reinterpret_cast<unsigned *>(smem + newVBase + off) =
          ElementTraits<Element>::pack(u.x - ws[vt][2 * half], u.y - ws[vt][2 * half + 1]);
    }
  }
#pragma unroll
  for (int ks = 0; ks < Traits::kKSteps; ++ks) {
    unsigned a[4];
    ldmatrixX4(a, tiles.q + lanes.q.at(r0, ks * 2));
    mmaRowsTimesTile<Traits>(o, a, tiles.state, lanes, ks * kMmaK);
  }
  if constexpr (Traits::kHasGate) {
#pragma unroll
    for (int half = 0; half < 2; ++half) {
      const float f = fastExp2(decay.at(r0 + lane / 4 + 8 * half, 0));
#pragma unroll
      for (int vt = 0; vt < Traits::kVTiles; ++vt) {
        o[vt][2 * half] *= f;
        o[vt][2 * half + 1] *= f;
      }
    }
  }
}

/// o += P U' over the key steps up to the stripe's diagonal; stores scale * o for the
/// stripe's real rows.
template <typename Traits>
__device__ __forceinline__ void finishOutput(float (&o)[Traits::kVTiles][4], int r0,
                                             const WalkTiles &tiles,
                                             const LinearLanes<Traits> &lanes,
                                             const LaneSwizzle<typename Traits::PTile> &pLanes,
                                             int lane, typename Traits::Element *oChunk,
                                             long long oStride, int valid, float scale) {
  using Element = typename Traits::Element;
  for (int s0 = 0; s0 <= r0; s0 += kMmaK) {
    unsigned a[4];
    ldmatrixX4(a, tiles.p + pLanes.at(r0, s0 / 8));
    mmaRowsTimesTile<Traits>(o, a, tiles.newV, lanes, s0);
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

/// The kernel body; the prelude wraps it in an extern "C" __global__ entry with
/// `Traits::kSmemBytes` of dynamic shared memory and grid (HEAD_V / SLICE_V, H, N). Needs
/// the prepare stage's workspace for the same launch. Warp w belongs to group
/// w / kGroupWarps (its V columns) and owns stripe w % kGroupWarps of every chunk.
template <typename Traits>
__device__ __forceinline__ void linearDeltaWalkKernel(const AttncLinearParams &p) {
  using Element = typename Traits::Element;
  using Workspace = DeltaWorkspace<Element, Traits::HEAD_K, Traits::HEAD_V, Traits::CHUNK>;
  extern __shared__ __align__(128) unsigned char smem[];
  const unsigned smemBase = smemAddress(smem);
  const int warp = threadIdx.x / kWarpSize;
  const int lane = threadIdx.x % kWarpSize;
  const int group = warp / Traits::kGroupWarps;
  const int groupWarp = warp % Traits::kGroupWarps;
  const int slice = blockIdx.x;
  const int head = blockIdx.y;
  const int seq = blockIdx.z;

  int batchRow = seq, tokenBase = 0, len = p.seq_len;
  if (p.cu_seqlens != nullptr) {
    batchRow = 0;
    tokenBase = p.cu_seqlens[seq];
    len = p.cu_seqlens[seq + 1] - tokenBase;
  }
  auto origin = [&](const AttncTensorArg &t) {
    return batchRow * t.stride[0] + head * t.stride[1] + tokenBase * t.stride[2];
  };
  const int v0 = slice * Traits::kCtaV;
  const int groupV0 = v0 + group * Traits::SLICE_V;
  const Element *qBase = static_cast<const Element *>(p.q.ptr) + origin(p.q);
  const Element *kBase = static_cast<const Element *>(p.k.ptr) + origin(p.k);
  Element *oBase = static_cast<Element *>(const_cast<void *>(p.o.ptr)) + origin(p.o) + groupV0;
  const Workspace ws(p);
  const long long row0 = Workspace::row(p, batchRow, head, tokenBase);
  const Element *wBase = ws.w + row0 * Traits::HEAD_K;
  const Element *uBase = ws.u + row0 * Traits::HEAD_V + v0;
  const Element *pBase = ws.p + row0 * Traits::CHUNK;
  const float *decayBase = ws.decay + row0;
  const long long stateBase =
      (static_cast<long long>(seq) * p.heads + head) * Traits::HEAD_K * Traits::HEAD_V + groupV0;

  auto tilesOf = [&](int stage) {
    const unsigned base = smemBase + stage * Traits::kStageBytes;
    return WalkTiles{base,
                     base + Traits::kQKBytes,
                     base + Traits::kWOffset,
                     base + Traits::kUOffset + group * Traits::kVBytes,
                     base + Traits::kPOffset,
                     smemBase + Traits::kStateOffset + group * Traits::kStateBytes,
                     smemBase + Traits::kNewVOffset + group * Traits::kVBytes,
                     reinterpret_cast<float *>(smem + stage * Traits::kStageBytes +
                                               Traits::kDecayOffset)};
  };
  auto loadChunk = [&](int c, int stage) {
    const int t0 = c * Traits::CHUNK;
    const int valid = len - t0;
    const unsigned base = smemBase + stage * Traits::kStageBytes;
    using QKLoad = typename Traits::QKLoad;
    loadTileAsync<QKLoad, Traits::CHUNK>(base, qBase + t0 * p.q.stride[2], p.q.stride[2], valid);
    loadTileAsync<QKLoad, Traits::CHUNK>(base + Traits::kQKBytes, kBase + t0 * p.k.stride[2],
                                         p.k.stride[2], valid);
    loadTileAsync<QKLoad, Traits::CHUNK>(base + Traits::kWOffset,
                                         wBase + static_cast<long long>(t0) * Traits::HEAD_K,
                                         Traits::HEAD_K, valid);
#pragma unroll
    for (int g = 0; g < Traits::kGroups; ++g)
      loadTileAsync<typename Traits::VLoad, Traits::CHUNK>(
          base + Traits::kUOffset + g * Traits::kVBytes,
          uBase + static_cast<long long>(t0) * Traits::HEAD_V + g * Traits::SLICE_V,
          Traits::HEAD_V, valid);
    loadTileAsync<typename Traits::PLoad, Traits::CHUNK>(
        base + Traits::kPOffset, pBase + static_cast<long long>(t0) * Traits::CHUNK,
        Traits::CHUNK, valid);
    if constexpr (Traits::kHasGate)
      loadTokenFloatsAsync<Traits>(base + Traits::kDecayOffset, decayBase + t0, 1, valid);
  };

  const int numChunks = (len + Traits::CHUNK - 1) / Traits::CHUNK;
  chunkPipelineStart<Traits::kStages>(0, numChunks, loadChunk);

  StateRows<Traits> state;
  forEachStatePair<Traits>(state, groupWarp, lane, [&](int row, int col, float &x0, float &x1) {
    float2 init = make_float2(0.f, 0.f);
    if (p.state_in != nullptr)
      init = *reinterpret_cast<const float2 *>(p.state_in + stateBase + row * Traits::HEAD_V + col);
    x0 = init.x;
    x1 = init.y;
  });
  storeStateCopy<Traits>(state, smem, Traits::kStateOffset + group * Traits::kStateBytes,
                         groupWarp, lane);
  const LinearLanes<Traits> lanes(lane);
  const LaneSwizzle<typename Traits::PTile> pLanes(lane % 16, lane / 16);
  const int r0 = groupWarp * kMmaM; // kStripesPerWarp == 1

  for (int c = 0; c < numChunks; ++c) {
    const int stage = c % Traits::kStages;
    // Chunk c and the state copies are visible; chunk c - 1's stage is refilled.
    chunkPipelineAdvance<Traits::kStages>(c, numChunks, stage, loadChunk);

    const int t0 = c * Traits::CHUNK;
    const int valid = min(Traits::CHUNK, len - t0);
    const WalkTiles tiles = tilesOf(stage);
    const ChunkDecay<Traits> decay{tiles.decay, 0.f, valid - 1};
    float o[Traits::kVTiles][4];
    // Stripes past the sequence end too: their U' rows are exact zeros (W and U zero-filled),
    // which the last real key step of the state update may read.
    stateProducts<Traits>(o, r0, tiles, decay, lanes, smem, lane);
    // The group's U' is complete and every read of its state copy is done.
    if constexpr (Traits::kGroups == 1)
      __syncthreads();
    else
#pragma unroll
      for (int g = 0; g < Traits::kGroups; ++g)
        if (g == group) // a compile-time id per group: ptxas reserves only those barriers
          namedBarrierSync(1 + g, Traits::kGroupWarps * kWarpSize);
    if (r0 < valid)
      finishOutput<Traits>(o, r0, tiles, lanes, pLanes, lane, oBase + t0 * p.o.stride[2],
                           p.o.stride[2], valid, p.scale);
    const ChunkTiles update{tiles.q, tiles.k, tiles.newV, tiles.state};
    updateState<Traits>(state, update, decay, lanes, groupWarp, lane, valid);
    storeStateCopy<Traits>(state, smem, Traits::kStateOffset + group * Traits::kStateBytes,
                           groupWarp, lane);
  }
  cpAsyncWait<0>();

  if (p.state_out != nullptr)
    forEachStatePair<Traits>(state, groupWarp, lane, [&](int row, int col, float &x0, float &x1) {
      *reinterpret_cast<float2 *>(p.state_out + stateBase + row * Traits::HEAD_V + col) =
          make_float2(x0, x1);
    });
}

} // namespace attnc

#endif // ATTNC_LINEAR_DELTA_WALK_CUH
