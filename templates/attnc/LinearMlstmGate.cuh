//===- LinearMlstmGate.cuh - mLSTM gate scan into per-chunk tables -*- CUDA -*-===//
//
// The mLSTM weighs key s in query row t by exp(F_t - F_s + i_s), with F the cumulative
// log forget gate logsigmoid(f) and i the log input gate (igate itself for the exponential
// gate, logsigmoid(igate) for the sigmoid one). In log2 units relative to the chunk start
// (b_t = sum of the chunk's log forget gates through t) that exponent is
// b_t + a_s with a_s = i_s - b_s, and the state carried in from the previous chunk
// (stored as C~ = C 2^-m, n~ = n 2^-m) enters row t with exponent b_t + m. Each row t
// takes a reference ref_t and every factor the kernel applies is 2^(x - ref_t):
//   exponential gate: ref_t = max(m, a_0 .. a_t), the running max of TFLA / mlstm_kernels,
//     so every factor is <= 1 and the row's stabiliser is m_t = b_t + ref_t;
//   sigmoid gate: ref_t = -b_t, the plain decay (weights are <= 1 already, m stays 0).
// The output is (scale q C~ 2^(m-ref_t) + sum_s P_ts v_s) / max(|den_t|, 2^-m_t), which
// is exactly the unstabilised (q C) / max(|q n|, 1) (numerator and denominator both scale
// by 2^-m_t). One warp scans each chunk's gates into shared tables (`MlstmTables`) the rest
// of the CTA reads: a, ref, 2^(m - ref_t) (inter), 2^-m_t (floor), the state-update weights
// w_s = 2^(a_s - ref_last), the state's factor 2^(m - ref_last) (carry), and the next m.
// Tokens past the sequence end get a = -inf, so they weigh exactly nothing.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_LINEAR_MLSTM_GATE_CUH
#define ATTNC_LINEAR_MLSTM_GATE_CUH

#include "attnc/LinearGate.cuh"
#include "attnc/LinearMlstmTraits.cuh"

namespace attnc {

/// Issues the copies of one chunk's gate pre-activations (forget and input, [T] each with
/// `tokenStride`) into the stage's two float rows; tokens past the end read 0.
template <typename Traits>
__device__ __forceinline__ void loadMlstmGatesAsync(unsigned smemStage, const float *forget,
                                                    const float *input, long long forgetStride,
                                                    long long inputStride, int validRows) {
  for (int t = threadIdx.x; t < Traits::CHUNK; t += Traits::kThreads) {
    const bool valid = t < validRows;
    cpAsync4(smemStage + Traits::kForgetOffset + t * sizeof(float),
             forget + (valid ? t * forgetStride : 0), valid);
    cpAsync4(smemStage + Traits::kInputOffset + t * sizeof(float),
             input + (valid ? t * inputStride : 0), valid);
  }
}

/// log(sigmoid(x)) without overflow for either sign of x.
__device__ __forceinline__ float logSigmoid(float x) {
  return fminf(x, 0.f) - log1pf(__expf(-fabsf(x)));
}

/// The per-chunk tables in shared memory (layout: MlstmTableLayout).
template <typename Traits> struct MlstmTables {
  float *base;
  __device__ __forceinline__ float *row(int r) const {
    return base + Traits::kScalarFloats + r * Traits::CHUNK;
  }
  __device__ __forceinline__ float *a() const { return row(0); }     ///< i_s - b_s
  __device__ __forceinline__ float *ref() const { return row(1); }   ///< row reference
  __device__ __forceinline__ float *inter() const { return row(2); } ///< 2^(m - ref_t)
  __device__ __forceinline__ float *normFloor() const { return row(3); } ///< 2^-(b_t + ref_t)
  __device__ __forceinline__ float *w() const { return row(4); }     ///< 2^(a_s - ref_last)
  __device__ __forceinline__ float &carry() const { return base[MlstmTableLayout::kCarry]; }
  __device__ __forceinline__ float &maxState() const {
    return base[MlstmTableLayout::kMaxState];
  }
  /// SPAN > 1: tile `inChunk`'s key exponents from the chunk's start, a_s - o.
  __device__ __forceinline__ float *chunkA(int inChunk) const {
    return row(MlstmTableLayout::kRows + inChunk);
  }
  __device__ __forceinline__ float &chunkMaxState() const {
    return base[MlstmTableLayout::kChunkMaxState];
  }
  __device__ __forceinline__ float &nextOffset() const {
    return base[MlstmTableLayout::kNextOffset];
  }
  __device__ __forceinline__ float &offset() const { return base[MlstmTableLayout::kOffset]; }
};

/// Warp 0 turns the stage's gate rows into the chunk's tables and advances m. Each lane
/// owns a run of CHUNK / 32 consecutive tokens; the cumulative sum (and, stabilised, the
/// running max) across runs are shuffle scans. With SPAN > 1 the table is the `inChunk`-th
/// tile of a chunk whose state copy (scale m_c) is from the chunk's start, o the log2
/// decay from there to the tile: rows scale that copy by 2^(m_c + o - ref_t), and the
/// tile's key exponents from the chunk's start, a_s - o, go to its row of chunkA, for the
/// later tiles of the chunk (LinearMlstm.cuh). ref_t itself is unchanged: the running
/// state's m is max(m_c + o, a_s - o_i + o over the chunk's earlier keys).
template <typename Traits>
__device__ __forceinline__ void scanMlstmGates(const float *forget, const float *input,
                                               const MlstmTables<Traits> &tab, int valid,
                                               int lane, int inChunk = 0) {
  constexpr int kRun = Traits::CHUNK / kWarpSize;
  const float mPrev = tab.maxState();
  float offset = 0.f, interFrom = mPrev;
  if constexpr (Traits::kSpan > 1) {
    offset = inChunk == 0 ? 0.f : tab.nextOffset();
    interFrom = (inChunk == 0 ? mPrev : tab.chunkMaxState()) + offset;
  }
  float b[kRun], a[kRun], ref[kRun];
  float total = 0.f;
#pragma unroll
  for (int i = 0; i < kRun; ++i) {
    total += logSigmoid(forget[lane * kRun + i]) * kLog2e;
    b[i] = total;
  }
  float prefix = total;
#pragma unroll
  for (int offset = 1; offset < kWarpSize; offset *= 2) {
    const float other = __shfl_up_sync(0xffffffffu, prefix, offset);
    if (lane >= offset)
      prefix += other;
  }
  const float before = prefix - total;
  float runMax = kNegInf;
#pragma unroll
  for (int i = 0; i < kRun; ++i) {
    const int t = lane * kRun + i;
    b[i] += before;
    const float x = input[t];
    const float logInput = Traits::kStabilised ? x * kLog2e : logSigmoid(x) * kLog2e;
    a[i] = t < valid ? logInput - b[i] : kNegInf;
    runMax = fmaxf(runMax, a[i]);
    ref[i] = Traits::kStabilised ? runMax : -b[i];
  }
  if constexpr (Traits::kStabilised) {
    float inclusive = runMax;
#pragma unroll
    for (int offset = 1; offset < kWarpSize; offset *= 2) {
      const float other = __shfl_up_sync(0xffffffffu, inclusive, offset);
      if (lane >= offset)
        inclusive = fmaxf(inclusive, other);
    }
    float earlier = __shfl_up_sync(0xffffffffu, inclusive, 1);
    earlier = fmaxf(mPrev, lane == 0 ? kNegInf : earlier);
#pragma unroll
    for (int i = 0; i < kRun; ++i)
      ref[i] = fmaxf(earlier, ref[i]);
  }
#pragma unroll
  for (int i = 0; i < kRun; ++i) {
    tab.a()[lane * kRun + i] = a[i];
    tab.ref()[lane * kRun + i] = ref[i];
  }
  __syncwarp();
  const float refLast = tab.ref()[valid - 1];
#pragma unroll
  for (int i = 0; i < kRun; ++i) {
    const int t = lane * kRun + i;
    tab.inter()[t] = fastExp2(interFrom - ref[i]);
    if constexpr (Traits::kStabilised)
      tab.normFloor()[t] = fastExp2(-(b[i] + ref[i]));
    tab.w()[t] = fastExp2(a[i] - refLast);
    if (Traits::kStabilised && t == valid - 1)
      tab.maxState() = b[i] + refLast;
    if constexpr (Traits::kSpan > 1) {
      tab.chunkA(inChunk)[t] = a[i] - offset;
      if (t == valid - 1)
        tab.nextOffset() = offset + b[i];
    }
  }
  if (lane == 0) {
    tab.carry() = fastExp2(mPrev - refLast);
    if constexpr (Traits::kSpan > 1) {
      tab.offset() = offset;
      if (inChunk == 0)
        tab.chunkMaxState() = mPrev;
    }
  }
}

} // namespace attnc

#endif // ATTNC_LINEAR_MLSTM_GATE_CUH
