//===- LinearDelta.cuh - Chunkwise (gated) delta rule, forward ------*- CUDA -*-===//
//
// DeltaNet's S_t = exp(g_t) (I - beta_t k_t k_t^T) S_{t-1} + beta_t k_t v_t^T, o_t = scale q_t S_t
// (g = 0 for the plain delta rule), chunkwise in the WY / UT form. Like LinearChunk.cuh,
// one CTA owns one (sequence, head, V slice) and walks its chunks in order with the fp32
// state in mma accumulators and a 16-bit copy in shared memory. Per chunk (loaded by
// cp.async while the previous one computes):
//   1. each warp builds its stripes' rows of A and R against the state copy
//      (LinearDeltaSolve.cuh);
//   2. one thread per V column solves (I + A) U' = R by forward substitution;
//   3. o and S <- exp(b_last) S + (K . exp(b_last - b))^T U' are the decay family's
//      outputStripe / updateState with U' in V's place (per-token gates as scalar decays).
// The CTAs of a head's V slices each rebuild the same A in step 1 (R and U' are per slice).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_LINEAR_DELTA_CUH
#define ATTNC_LINEAR_DELTA_CUH

#include "attnc/LinearDeltaSolve.cuh"

namespace attnc {

/// Issues the copies of one chunk's beta values; `src` points at token t0 of (seq, head).
/// Tokens past the sequence end get beta = 0: they write nothing.
template <typename Traits>
__device__ __forceinline__ void loadBetaAsync(unsigned smemBeta, const float *src,
                                              long long tokenStride, int validRows) {
  for (int t = threadIdx.x; t < Traits::CHUNK; t += Traits::kThreads)
    cpAsync4(smemBeta + t * sizeof(float), src + (t < validRows ? t * tokenStride : 0),
             t < validRows);
}

/// The stripes warp `warp` owns, alternating direction across warps as in LinearChunk.
template <typename Traits, typename Fn>
__device__ __forceinline__ void forEachOwnStripe(int warp, int valid, const Fn &fn) {
#pragma unroll 1
  for (int i = 0; i < Traits::kStripesPerWarp; ++i) {
    const int stripe =
        i % 2 == 0 ? i * Traits::NUM_WARPS + warp : (i + 1) * Traits::NUM_WARPS - 1 - warp;
    const int r0 = stripe * kMmaM;
    if (r0 < valid)
      fn(r0);
  }
}

/// The kernel body; the prelude wraps it in an extern "C" __global__ entry with
/// `Traits::kSmemBytes` of dynamic shared memory and grid (HEAD_V / SLICE_V, H, N).
template <typename Traits> __device__ __forceinline__ void linearDeltaKernel(const AttncLinearParams &p) {
  using Element = typename Traits::Element;
  extern __shared__ __align__(128) unsigned char smem[];
  const unsigned smemBase = smemAddress(smem);
  const int warp = threadIdx.x / kWarpSize;
  const int lane = threadIdx.x % kWarpSize;
  const int slice = blockIdx.x;
  const int head = blockIdx.y;
  const int seq = blockIdx.z;

  // Packed sequences live in batch row 0 from their offset on.
  int batchRow = seq, tokenBase = 0, len = p.seq_len;
  if (p.cu_seqlens != nullptr) {
    batchRow = 0;
    tokenBase = p.cu_seqlens[seq];
    len = p.cu_seqlens[seq + 1] - tokenBase;
  }
  auto origin = [&](const AttncTensorArg &t) {
    return batchRow * t.stride[0] + head * t.stride[1] + tokenBase * t.stride[2];
  };
  const int v0 = slice * Traits::SLICE_V;
  const Element *qBase = static_cast<const Element *>(p.q.ptr) + origin(p.q);
  const Element *kBase = static_cast<const Element *>(p.k.ptr) + origin(p.k);
  const Element *vBase = static_cast<const Element *>(p.v.ptr) + origin(p.v) + v0;
  Element *oBase = static_cast<Element *>(const_cast<void *>(p.o.ptr)) + origin(p.o) + v0;
  const float *betaBase = static_cast<const float *>(p.beta.ptr) + origin(p.beta);
  const float *gBase =
      Traits::kGateTile ? static_cast<const float *>(p.g.ptr) + origin(p.g) : nullptr;
  const long long stateBase =
      (static_cast<long long>(seq) * p.heads + head) * Traits::HEAD_K * Traits::HEAD_V + v0;

  auto stageOf = [&](int stage) { return smem + stage * Traits::kStageBytes; };
  auto tilesOf = [&](int stage) {
    const unsigned base = smemBase + stage * Traits::kStageBytes;
    return ChunkTiles{base, base + Traits::kQKBytes, base + 2 * Traits::kQKBytes,
                      smemBase + Traits::kStateOffset};
  };
  auto loadChunk = [&](int c, int stage) {
    const int t0 = c * Traits::CHUNK;
    const int valid = len - t0;
    const ChunkTiles tiles = tilesOf(stage);
    loadTileAsync<typename Traits::QKTile, Traits::CHUNK>(tiles.q, qBase + t0 * p.q.stride[2],
                                                          p.q.stride[2], valid);
    loadTileAsync<typename Traits::QKTile, Traits::CHUNK>(tiles.k, kBase + t0 * p.k.stride[2],
                                                          p.k.stride[2], valid);
    loadTileAsync<typename Traits::VTile, Traits::CHUNK>(tiles.v, vBase + t0 * p.v.stride[2],
                                                         p.v.stride[2], valid);
    loadBetaAsync<Traits>(smemAddress(stageOf(stage) + Traits::kBetaOffset),
                          betaBase + t0 * p.beta.stride[2], p.beta.stride[2], valid);
    if constexpr (Traits::kGateTile)
      loadGatesAsync<Traits>(smemAddress(stageOf(stage) + Traits::kGateOffset),
                             gBase + t0 * p.g.stride[2], p.g.stride[2], valid);
  };

  const int numChunks = (len + Traits::CHUNK - 1) / Traits::CHUNK;
  if (numChunks > 0)
    loadChunk(0, 0);
  cpAsyncCommit();

  StateRows<Traits> state;
  forEachStatePair<Traits>(state, warp, lane, [&](int row, int col, float &x0, float &x1) {
    float2 init = make_float2(0.f, 0.f);
    if (p.state_in != nullptr)
      init = *reinterpret_cast<const float2 *>(p.state_in + stateBase + row * Traits::HEAD_V + col);
    x0 = init.x;
    x1 = init.y;
  });
  storeStateCopy<Traits>(state, smem, Traits::kStateOffset, warp, lane);
  const LinearLanes<Traits> lanes(lane);

  for (int c = 0; c < numChunks; ++c) {
    const int stage = c % Traits::kStages;
    cpAsyncWait<0>();
    __syncthreads(); // chunk c and the state copy are visible; stage c+1 is free
    if (c + 1 < numChunks)
      loadChunk(c + 1, (c + 1) % Traits::kStages);
    cpAsyncCommit();

    const int t0 = c * Traits::CHUNK;
    const int valid = min(Traits::CHUNK, len - t0);
    float *gate = reinterpret_cast<float *>(stageOf(stage) + Traits::kGateOffset);
    if constexpr (Traits::kGateTile) {
      cumulateGates<Traits>(gate);
      __syncthreads();
    }
    const ChunkDecay<Traits> decay{gate, 0.f, valid - 1};
    const ChunkTiles loaded = tilesOf(stage);
    const DeltaSystem<Traits> sys{
        reinterpret_cast<float *>(smem + Traits::kAOffset),
        reinterpret_cast<float *>(smem + Traits::kRhsOffset),
        reinterpret_cast<const float *>(stageOf(stage) + Traits::kBetaOffset),
        stageOf(stage) + 2 * Traits::kQKBytes, smem + Traits::kUOffset};

    // Every stripe, past the sequence end too: those rows solve to exact zeros (zero-filled
    // k and v, beta = 0), which the key sub-tiles of the last real stripe may read.
    forEachOwnStripe<Traits>(warp, Traits::CHUNK, [&](int r0) {
      buildSystemStripe<Traits>(r0, loaded, sys, decay, lanes, lane);
    });
    __syncthreads(); // A and R complete
    if (threadIdx.x < Traits::SLICE_V)
      solveColumn<Traits>(sys, threadIdx.x);
    __syncthreads(); // U' complete

    const ChunkTiles corrected{loaded.q, loaded.k, smemBase + Traits::kUOffset, loaded.state};
    forEachOwnStripe<Traits>(warp, valid, [&](int r0) {
      outputStripe<Traits>(r0, corrected, decay, lanes, lane, oBase + t0 * p.o.stride[2],
                           p.o.stride[2], valid, p.scale);
    });
    __syncthreads(); // every read of the state copy is done
    updateState<Traits>(state, corrected, decay, lanes, warp, lane, valid);
    storeStateCopy<Traits>(state, smem, Traits::kStateOffset, warp, lane);
  }
  cpAsyncWait<0>();

  if (p.state_out != nullptr)
    forEachStatePair<Traits>(state, warp, lane, [&](int row, int col, float &x0, float &x1) {
      *reinterpret_cast<float2 *>(p.state_out + stateBase + row * Traits::HEAD_V + col) =
          make_float2(x0, x1);
    });
}

} // namespace attnc

#endif // ATTNC_LINEAR_DELTA_CUH
