//===- LinearDeltaSolve.cuh - The UT transform of one delta-rule chunk -*- CUDA -*-===//
//
// Inside a chunk with state S at its start and b_t the cumulative log decay from the
// chunk start (0 for the plain delta rule), the delta rule's corrected values
//   u_t = beta_t (v_t - exp(b_t) S^T k_t - sum_{s<t} exp(b_t - b_s) (k_t . k_s) u_s)
// solve the unit lower-triangular system (I + A) U' = R with
//   A[t][s] = beta_t exp(b_t - b_s) (k_t . k_s) for s < t,   R_t = beta_t (v_t - exp(b_t) S^T k_t).
// This is the WY / UT form of DeltaNet (Yang et al. 2024): U' = T (V - diag(exp b) K S)
// with T = (I + A)^{-1} diag(beta), i.e. U - W S for FLA's u = T V and w = T diag(exp b) K,
// but W never materialises: K S is one mma per stripe against the state copy the
// output already reads. After the solve, o and the state update are the decay family's
// products with U' in V's place. Each warp builds its query stripes' rows of A and R
// with mma.sync; the forward substitution then runs in fp32 with one thread per V
// column and the column in registers, reading rows of A as float4 broadcasts.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_LINEAR_DELTA_SOLVE_CUH
#define ATTNC_LINEAR_DELTA_SOLVE_CUH

#include "attnc/LinearChunk.cuh"
#include "attnc/LinearDeltaTraits.cuh"

namespace attnc {

/// Shared-memory views of one chunk's UT transform (generic pointers; the mma operands
/// go through ChunkTiles' shared addresses).
template <typename Traits> struct DeltaSystem {
  float *a;               ///< [CHUNK][kARow] strictly-lower A (rows of each stripe)
  float *rhs;             ///< [CHUNK][kRhsRow] R, then read column by column
  const float *beta;      ///< [CHUNK] write strengths, 0 past the sequence end
  const unsigned char *v; ///< the chunk's swizzled V tile
  unsigned char *u;       ///< the swizzled tile U' is written to
};

/// Rows [r0, r0 + 16) of A and R. The stripe's key fragments feed both K K^T (only key
/// tiles up to the diagonal) and K S; they are re-read per k16 step rather than held for
/// the whole key dim, since the state accumulators already fill most registers.
template <typename Traits>
__device__ __forceinline__ void buildSystemStripe(int r0, const ChunkTiles &tiles,
                                                  const DeltaSystem<Traits> &sys,
                                                  const ChunkDecay<Traits> &decay,
                                                  const LinearLanes<Traits> &lanes, int lane) {
  using Element = typename Traits::Element;
  float kk[Traits::kChunkNTiles][4] = {};
#pragma unroll
  for (int ks = 0; ks < Traits::kKSteps; ++ks) {
    unsigned kf[4];
    ldmatrixX4(kf, tiles.k + lanes.q.at(r0, ks * 2));
#pragma unroll
    for (int np = 0; np < Traits::kChunkNTiles / 2; ++np) {
      if (np * kMmaM > r0)
        break;
      unsigned b[4];
      ldmatrixX4(b, tiles.k + lanes.k.at(np * kMmaM, ks * 2));
      mma16816<Element>(kk[2 * np], kf, b[0], b[1]);
      mma16816<Element>(kk[2 * np + 1], kf, b[2], b[3]);
    }
  }
#pragma unroll
  for (int half = 0; half < 2; ++half) {
    const int t = r0 + lane / 4 + 8 * half;
    const float betaT = sys.beta[t];
    const float bT = decay.at(t, 0);
#pragma unroll
    for (int nt = 0; nt < Traits::kChunkNTiles; ++nt) {
      const int s = nt * kMmaN + 2 * (lane % 4);
      float x[2];
#pragma unroll
      for (int c = 0; c < 2; ++c)
        x[c] = s + c < t ? betaT * fastExp2(bT - decay.at(s + c, 0)) * kk[nt][2 * half + c] : 0.f;
      *reinterpret_cast<float2 *>(sys.a + t * Traits::kARow + s) = make_float2(x[0], x[1]);
    }
  }

  float ks[Traits::kVTiles][4] = {};
#pragma unroll
  for (int step = 0; step < Traits::kKSteps; ++step) {
    unsigned kf[4];
    ldmatrixX4(kf, tiles.k + lanes.q.at(r0, step * 2));
    mmaRowsTimesTile<Traits>(ks, kf, tiles.state, lanes, step * kMmaK);
  }
#pragma unroll
  for (int half = 0; half < 2; ++half) {
    const int t = r0 + lane / 4 + 8 * half;
    const float betaT = sys.beta[t];
    const float decayT = fastExp2(decay.at(t, 0));
#pragma unroll
    for (int vt = 0; vt < Traits::kVTiles; ++vt) {
      const int col = vt * kMmaN + 2 * (lane % 4);
      const float2 v =
          unpackPair<Element>(*reinterpret_cast<const unsigned *>(sys.v + vTileOffset<Traits>(t, col)));
      *reinterpret_cast<float2 *>(sys.rhs + t * Traits::kRhsRow + col) =
          make_float2(betaT * (v.x - decayT * ks[vt][2 * half]),
                      betaT * (v.y - decayT * ks[vt][2 * half + 1]));
    }
  }
}

/// Column `col` of U' = (I + A)^{-1} R by forward substitution, stored into the U' tile.
/// Rows go in blocks of kSolveBlock held in registers (the state accumulators already
/// fill most of them): a block first subtracts the solved rows above it, read back from
/// its R column, then substitutes within itself and writes its rows back for the blocks
/// below. Four partial sums per row shorten the dependent FMA chains; rows past the
/// sequence end have A = 0 and R = 0, so they solve to 0 and add nothing to the state.
template <typename Traits>
__device__ __forceinline__ void solveColumn(const DeltaSystem<Traits> &sys, int col) {
  using Element = typename Traits::Element;
  constexpr int kLanesPerLoad = 4;
  constexpr int kSolveBlock = Traits::CHUNK < kDeltaSolveBlock ? Traits::CHUNK : kDeltaSolveBlock;
  static_assert(Traits::CHUNK % kSolveBlock == 0, "the chunk splits into whole solve blocks");
  float *column = sys.rhs + col;
#pragma unroll 1
  for (int b0 = 0; b0 < Traits::CHUNK; b0 += kSolveBlock) {
    float x[kSolveBlock];
#pragma unroll
    for (int i = 0; i < kSolveBlock; ++i)
      x[i] = column[(b0 + i) * Traits::kRhsRow];
#pragma unroll 1
    for (int j = 0; j < b0; j += kLanesPerLoad) {
      float solved[kLanesPerLoad];
#pragma unroll
      for (int l = 0; l < kLanesPerLoad; ++l)
        solved[l] = column[(j + l) * Traits::kRhsRow];
#pragma unroll
      for (int i = 0; i < kSolveBlock; ++i) {
        const float4 a = *reinterpret_cast<const float4 *>(sys.a + (b0 + i) * Traits::kARow + j);
        x[i] -= (a.x * solved[0] + a.y * solved[1]) + (a.z * solved[2] + a.w * solved[3]);
      }
    }
#pragma unroll
    for (int i = 1; i < kSolveBlock; ++i) {
      float partial[kLanesPerLoad] = {};
#pragma unroll
      for (int j = 0; j < i; j += kLanesPerLoad) {
        const float4 a =
            *reinterpret_cast<const float4 *>(sys.a + (b0 + i) * Traits::kARow + b0 + j);
        const float lanesA[kLanesPerLoad] = {a.x, a.y, a.z, a.w};
#pragma unroll
        for (int l = 0; l < kLanesPerLoad; ++l)
          if (j + l < i)
            partial[l] += lanesA[l] * x[j + l];
      }
      x[i] -= (partial[0] + partial[1]) + (partial[2] + partial[3]);
    }
#pragma unroll
    for (int i = 0; i < kSolveBlock; ++i) {
      column[(b0 + i) * Traits::kRhsRow] = x[i];
      *reinterpret_cast<Element *>(sys.u + vTileOffset<Traits>(b0 + i, col)) = Element(x[i]);
    }
  }
}

} // namespace attnc

#endif // ATTNC_LINEAR_DELTA_SOLVE_CUH
