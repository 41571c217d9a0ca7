//===- LinearDeltaPrepare.cuh - Chunk-parallel UT transform of the delta rule -*- CUDA -*-===//
//
// Stage one of the two-stage delta rule. Inside a chunk with b_t the cumulative log decay
// from its start, the corrected values the state update needs are U' = U - W S with
//   A[t][s] = beta_t exp(b_t - b_s) (k_t . k_s) (s < t),   Ai = (I + A)^{-1},
//   W = Ai diag(beta exp(b)) K,   U = Ai diag(beta) V
// (the WY / UT form of Yang et al. 2024), and the output
// needs the decayed causal scores P[t][s] = exp(b_t - b_s) (q_t . k_s) (s <= t). None of
// it depends on S, so one CTA per (chunk, head, sequence) computes it for all V columns at
// once: A and P by mma.sync; Ai diag(beta) by fp32 forward substitution, one thread per
// column, the column in registers, into the space of q (dead by then); W (from k's rows
// scaled by exp(b) in place) and U by mma.sync with the inverse split into bf16 hi + lo
// tiles (so it keeps ~16 bits); everything written to the workspace
// (LinearDeltaWorkspace.cuh) for the walk. Every exponent is a difference of decays of a
// later minus an earlier token, or b itself, so none is positive.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_LINEAR_DELTA_PREPARE_CUH
#define ATTNC_LINEAR_DELTA_PREPARE_CUH

#include "attnc/LinearDeltaSplitTraits.cuh"
#include "attnc/LinearDeltaWorkspace.cuh"
#include "attnc/LinearFragment.cuh"
#include "attnc/LinearGate.cuh"
#include "attnc/Prefill.cuh"

namespace attnc {

/// ldmatrix lane roles of the prepare stage.
template <typename Traits> struct PrepareLanes {
  LaneSwizzle<typename Traits::QKTile> rows;   ///< q or k rows as the A operand
  LaneSwizzle<typename Traits::QKTile> keys;   ///< k rows as the B operand ([s][k])
  LaneSwizzle<typename Traits::QKTile> kTrans; ///< k as transposed B ([s][k], k along n)
  LaneSwizzle<typename Traits::VTile> vTrans;  ///< v as transposed B
  LaneSwizzle<typename Traits::PTile> inverse; ///< rows of an inverse tile as the A operand
  __device__ __forceinline__ explicit PrepareLanes(int lane)
      : rows(lane % 16, lane / 16), keys((lane / 16) * 8 + lane % 8, (lane / 8) % 2),
        kTrans(((lane / 8) % 2) * 8 + lane % 8, lane / 16),
        vTrans(((lane / 8) % 2) * 8 + lane % 8, lane / 16), inverse(lane % 16, lane / 16) {}
};

/// acc[n8 tiles] = rows [r0, r0 + 16) of `rowsTile` (A operand) x the key tiles of the
/// chunk up to the stripe's diagonal (B operand): Q K^T or K K^T restricted to s <= t.
template <typename Traits>
__device__ __forceinline__ void stripeTimesKeys(float (&acc)[Traits::kChunkNTiles][4], int r0,
                                                unsigned rowsTile, unsigned keyTile,
                                                const PrepareLanes<Traits> &lanes) {
  using Element = typename Traits::Element;
#pragma unroll
  for (int nt = 0; nt < Traits::kChunkNTiles; ++nt)
#pragma unroll
    for (int e = 0; e < 4; ++e)
      acc[nt][e] = 0.f;
#pragma unroll
  for (int ks = 0; ks < Traits::kKSteps; ++ks) {
    unsigned a[4];
    ldmatrixX4(a, rowsTile + lanes.rows.at(r0, ks * 2));
#pragma unroll
    for (int np = 0; np < Traits::kChunkNTiles / 2; ++np) {
      if (np * kMmaM > r0)
        break;
      unsigned b[4];
      ldmatrixX4(b, keyTile + lanes.keys.at(np * kMmaM, ks * 2));
      mma16816<Element>(acc[2 * np], a, b[0], b[1]);
      mma16816<Element>(acc[2 * np + 1], a, b[2], b[3]);
    }
  }
}

/// Rows [r0, r0 + 16) of A (fp32, shared) and of P (16-bit, to the workspace rows `pRows`
/// of the chunk's real tokens).
template <typename Traits>
__device__ __forceinline__ void
systemAndScoresStripe(int r0, unsigned smemBase, unsigned char *smem,
                      const ChunkDecay<Traits> &decay, const PrepareLanes<Traits> &lanes,
                      int lane, typename Traits::Element *pRows, int valid) {
  using Element = typename Traits::Element;
  const float *beta = reinterpret_cast<const float *>(smem + Traits::kBetaOffset);
  float *a = reinterpret_cast<float *>(smem + Traits::kAOffset);
  float acc[Traits::kChunkNTiles][4];
  stripeTimesKeys<Traits>(acc, r0, smemBase + Traits::kKOffset, smemBase + Traits::kKOffset,
                          lanes);
#pragma unroll
  for (int half = 0; half < 2; ++half) {
    const int t = r0 + lane / 4 + 8 * half;
    const float betaT = beta[t];
    const float bT = decay.at(t, 0);
#pragma unroll
    for (int nt = 0; nt < Traits::kChunkNTiles; ++nt) {
      const int s = nt * kMmaN + 2 * (lane % 4);
      float x[2];
#pragma unroll
      for (int c = 0; c < 2; ++c)
        x[c] = s + c < t ? betaT * fastExp2(bT - decay.at(s + c, 0)) * acc[nt][2 * half + c] : 0.f;
      *reinterpret_cast<float2 *>(a + t * Traits::kARow + s) = make_float2(x[0], x[1]);
    }
  }
  stripeTimesKeys<Traits>(acc, r0, smemBase + Traits::kQOffset, smemBase + Traits::kKOffset,
                          lanes);
#pragma unroll
  for (int half = 0; half < 2; ++half) {
    const int t = r0 + lane / 4 + 8 * half;
    if (t >= valid)
      continue;
    const float bT = decay.at(t, 0);
#pragma unroll
    for (int nt = 0; nt < Traits::kChunkNTiles; ++nt) {
      const int s = nt * kMmaN + 2 * (lane % 4);
      float x[2];
#pragma unroll
      for (int c = 0; c < 2; ++c)
        x[c] = s + c <= t ? fastExp2(bT - decay.at(s + c, 0)) * acc[nt][2 * half + c] : 0.f;
      *reinterpret_cast<unsigned *>(pRows + static_cast<long long>(t) * Traits::CHUNK + s) =
          ElementTraits<Element>::pack(x[0], x[1]);
    }
  }
}

/// Column `col` of (I + A)^{-1}, times `columnScale`, into a hi and a lo 16-bit tile:
/// forward substitution with right-hand side e_col (rows above col stay exactly 0).
template <typename Traits>
__device__ __forceinline__ void invertColumn(const float *a, int col, float columnScale,
                                             unsigned char *hiTile, unsigned char *loTile) {
  using Element = typename Traits::Element;
  using PTile = typename Traits::PTile;
  constexpr int kLanesPerLoad = 4;
  float x[Traits::CHUNK];
#pragma unroll
  for (int i = 0; i < Traits::CHUNK; ++i) {
    float partial[kLanesPerLoad] = {};
#pragma unroll
    for (int j = 0; j < i; j += kLanesPerLoad) {
      const float4 row = *reinterpret_cast<const float4 *>(a + i * Traits::kARow + j);
      const float lanesA[kLanesPerLoad] = {row.x, row.y, row.z, row.w};
#pragma unroll
      for (int l = 0; l < kLanesPerLoad; ++l)
        if (j + l < i)
          partial[l] += lanesA[l] * x[j + l];
    }
    x[i] = (i == col ? 1.f : 0.f) - ((partial[0] + partial[1]) + (partial[2] + partial[3]));
  }
#pragma unroll
  for (int i = 0; i < Traits::CHUNK; ++i) {
    const float v = x[i] * columnScale;
    const Element hi = Element(v);
    const unsigned off = swizzledOffset<PTile>(i, col / PTile::kElemsPerChunk) +
                         (col % PTile::kElemsPerChunk) * sizeof(Element);
    *reinterpret_cast<Element *>(hiTile + off) = hi;
    *reinterpret_cast<Element *>(loTile + off) = Element(v - static_cast<float>(hi));
  }
}

/// k's rows times exp(b_s), in place, by CHUNK threads (`index` in [0, CHUNK)): each 16-byte
/// chunk stays in its (swizzled) place since a row's chunks all belong to that row.
template <typename Traits>
__device__ __forceinline__ void scaleKeyRows(unsigned char *kTile, const ChunkDecay<Traits> &decay,
                                             int index) {
  using Element = typename Traits::Element;
  using QKTile = typename Traits::QKTile;
  constexpr int kPairsPerChunk = kCopyBytes / sizeof(unsigned);
  constexpr int kChunks = Traits::CHUNK * QKTile::kChunksPerRow;
#pragma unroll 4
  for (int idx = index; idx < kChunks; idx += Traits::CHUNK) {
    const int row = idx / QKTile::kChunksPerRow;
    const float f = fastExp2(decay.at(row, 0));
    uint4 *chunk = reinterpret_cast<uint4 *>(kTile + idx * kCopyBytes);
    uint4 x = *chunk;
    unsigned *pairs = reinterpret_cast<unsigned *>(&x);
#pragma unroll
    for (int i = 0; i < kPairsPerChunk; ++i)
      pairs[i] = scalePair<Element>(pairs[i], f, f);
    *chunk = x;
  }
}

/// Rows [r0, r0 + 16) of (hi + lo) x `tile` (the chunk's K or V as transposed B, N_TILES
/// n8 tiles wide), stored as 16-bit rows of width N_TILES * 8 for the chunk's real tokens.
/// The inverse is lower triangular, so only k16 steps up to the diagonal contribute.
template <typename Traits, int N_TILES, typename Lanes>
__device__ __forceinline__ void inverseTimesTile(int r0, unsigned hiTile, unsigned loTile,
                                                 unsigned tile, const Lanes &tileLanes,
                                                 const PrepareLanes<Traits> &lanes, int lane,
                                                 typename Traits::Element *outRows, int valid) {
  using Element = typename Traits::Element;
  float acc[N_TILES][4];
#pragma unroll
  for (int nt = 0; nt < N_TILES; ++nt)
#pragma unroll
    for (int e = 0; e < 4; ++e)
      acc[nt][e] = 0.f;
  for (int s0 = 0; s0 <= r0; s0 += kMmaK) {
    unsigned hi[4], lo[4];
    ldmatrixX4(hi, hiTile + lanes.inverse.at(r0, s0 / 8));
    ldmatrixX4(lo, loTile + lanes.inverse.at(r0, s0 / 8));
#pragma unroll
    for (int np = 0; np < N_TILES / 2; ++np) {
      unsigned b[4];
      ldmatrixX4Trans(b, tile + tileLanes.at(s0, np * 2));
      mma16816<Element>(acc[2 * np], hi, b[0], b[1]);
      mma16816<Element>(acc[2 * np + 1], hi, b[2], b[3]);
      mma16816<Element>(acc[2 * np], lo, b[0], b[1]);
      mma16816<Element>(acc[2 * np + 1], lo, b[2], b[3]);
    }
  }
  constexpr int kWidth = N_TILES * kMmaN;
#pragma unroll
  for (int half = 0; half < 2; ++half) {
    const int t = r0 + lane / 4 + 8 * half;
    if (t >= valid)
      continue;
#pragma unroll
    for (int nt = 0; nt < N_TILES; ++nt)
      *reinterpret_cast<unsigned *>(outRows + static_cast<long long>(t) * kWidth + nt * kMmaN +
                                    2 * (lane % 4)) =
          ElementTraits<Element>::pack(acc[nt][2 * half], acc[nt][2 * half + 1]);
  }
}

/// The kernel body; the prelude wraps it in an extern "C" __global__ entry with
/// `Traits::kSmemBytes` of dynamic shared memory and the grid of deltaChunkOfBlock.
template <typename Traits>
__device__ __forceinline__ void linearDeltaPrepareKernel(const AttncLinearParams &p) {
  using Element = typename Traits::Element;
  using Workspace = DeltaWorkspace<Element, Traits::HEAD_K, Traits::HEAD_V, Traits::CHUNK>;
  extern __shared__ __align__(128) unsigned char smem[];
  const DeltaChunk where = deltaChunkOfBlock<Traits::CHUNK>(p);
  if (!where.exists)
    return;
  const unsigned smemBase = smemAddress(smem);
  const int warp = threadIdx.x / kWarpSize;
  const int lane = threadIdx.x % kWarpSize;
  const int head = blockIdx.y;
  const int t0 = where.chunk * Traits::CHUNK;
  const int valid = min(Traits::CHUNK, where.len - t0);
  auto at = [&](const AttncTensorArg &t) {
    return where.batchRow * t.stride[0] + head * t.stride[1] +
           static_cast<long long>(where.tokenBase + t0) * t.stride[2];
  };
  loadTileAsync<typename Traits::QKTile, Traits::CHUNK>(
      smemBase + Traits::kQOffset, static_cast<const Element *>(p.q.ptr) + at(p.q), p.q.stride[2],
      valid);
  loadTileAsync<typename Traits::QKTile, Traits::CHUNK>(
      smemBase + Traits::kKOffset, static_cast<const Element *>(p.k.ptr) + at(p.k), p.k.stride[2],
      valid);
  loadTileAsync<typename Traits::VTile, Traits::CHUNK>(
      smemBase + Traits::kVOffset, static_cast<const Element *>(p.v.ptr) + at(p.v), p.v.stride[2],
      valid);
  loadTokenFloatsAsync<Traits>(smemBase + Traits::kBetaOffset,
                               static_cast<const float *>(p.beta.ptr) + at(p.beta),
                               p.beta.stride[2], valid);
  if constexpr (Traits::kHasGate)
    loadTokenFloatsAsync<Traits>(smemBase + Traits::kGateOffset,
                                 static_cast<const float *>(p.g.ptr) + at(p.g), p.g.stride[2],
                                 valid);
  cpAsyncCommit();
  cpAsyncWait<0>();
  __syncthreads();
  float *gate = reinterpret_cast<float *>(smem + Traits::kGateOffset);
  if constexpr (Traits::kHasGate) {
    cumulateGates<Traits>(gate);
    __syncthreads();
  }
  const ChunkDecay<Traits> decay{gate, 0.f, valid - 1};
  const PrepareLanes<Traits> lanes(lane);
  const Workspace ws(p);
  const long long row0 = Workspace::row(p, where.batchRow, head, where.tokenBase + t0);

#pragma unroll 1
  for (int i = 0; i < Traits::kStripesPerWarp; ++i) {
    const int r0 = (i * Traits::NUM_WARPS + warp) * kMmaM;
    systemAndScoresStripe<Traits>(r0, smemBase, smem, decay, lanes, lane,
                                  ws.p + row0 * Traits::CHUNK, valid);
  }
  __syncthreads(); // A and P complete: q is dead

  // Threads [0, CHUNK): column c of Ai diag(beta) into q's space. With a gate, threads
  // [CHUNK, 2 CHUNK) meanwhile scale k's rows by exp(b_s), so that W = Ai diag(beta) (k
  // exp(b)) uses the same inverse as U (one more 16-bit rounding of k exp(b), as FLA's).
  constexpr int kTileBytes = Traits::kInverseTileBytes;
  if (threadIdx.x < Traits::CHUNK) {
    const int column = threadIdx.x;
    const float *beta = reinterpret_cast<const float *>(smem + Traits::kBetaOffset);
    unsigned char *hi = smem + Traits::kInverseOffset;
    invertColumn<Traits>(reinterpret_cast<const float *>(smem + Traits::kAOffset), column,
                         beta[column], hi, hi + kTileBytes);
  } else if constexpr (Traits::kHasGate) {
    scaleKeyRows<Traits>(smem + Traits::kKOffset, decay, threadIdx.x - Traits::CHUNK);
    if (threadIdx.x - Traits::CHUNK < valid)
      ws.decay[row0 + threadIdx.x - Traits::CHUNK] = gate[threadIdx.x - Traits::CHUNK];
  }
  __syncthreads(); // the inverse tiles and the scaled keys are complete

  const unsigned inverseHi = smemBase + Traits::kInverseOffset;
#pragma unroll 1
  for (int i = 0; i < Traits::kStripesPerWarp; ++i) {
    const int r0 = (i * Traits::NUM_WARPS + warp) * kMmaM;
    inverseTimesTile<Traits, Traits::HEAD_K / kMmaN>(r0, inverseHi, inverseHi + kTileBytes,
                                                     smemBase + Traits::kKOffset, lanes.kTrans,
                                                     lanes, lane, ws.w + row0 * Traits::HEAD_K,
                                                     valid);
    inverseTimesTile<Traits, Traits::HEAD_V / kMmaN>(r0, inverseHi, inverseHi + kTileBytes,
                                                     smemBase + Traits::kVOffset, lanes.vTrans,
                                                     lanes, lane, ws.u + row0 * Traits::HEAD_V,
                                                     valid);
  }
}

} // namespace attnc

#endif // ATTNC_LINEAR_DELTA_PREPARE_CUH
