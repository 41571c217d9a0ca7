//===- LinearGate.cuh - Cumulative log decays inside a chunk ------*- CUDA -*-===//
//
// The decay family multiplies the state by exp(g_t) (a scalar or a per-key-channel
// vector) at every token. Inside a chunk the kernel needs b_t = g_{t0} + ... + g_t, the
// log decay from the chunk start through token t; every factor it applies is exp2 of a
// difference of two such values whose sign is known (later minus earlier <= 0), so long
// sequences with strong decay never overflow. This file streams the gates of a chunk
// into shared memory, turns them into b (in log2 units, in place), and reads b back
// through `ChunkDecay`, the one accessor the kernel's tile algebra uses. Tokens past the
// end of a sequence load a gate of 0 (no decay), and
// padding tokens add nothing to the last real token's decay.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_LINEAR_GATE_CUH
#define ATTNC_LINEAR_GATE_CUH

#include "attnc/LinearParams.h"
#include "attnc/LinearTraits.cuh"
#include "attnc/Numeric.cuh"

namespace attnc {

/// 4-byte global -> shared copy (cp.async.ca); `valid == false` writes zero.
__device__ __forceinline__ void cpAsync4(unsigned dst, const void *src, bool valid) {
  int srcBytes = valid ? static_cast<int>(sizeof(float)) : 0;
  asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;\n" ::"r"(dst), "l"(src),
               "r"(srcBytes));
}

/// Issues the copies of one chunk's log gates; `src` points at token t0 of (seq, head).
template <typename Traits>
__device__ __forceinline__ void loadGatesAsync(unsigned smemGate, const float *src,
                                               long long tokenStride, int validRows) {
  if constexpr (Traits::GATE == LinearGate::kPerToken) {
    for (int t = threadIdx.x; t < Traits::CHUNK; t += Traits::kThreads)
      cpAsync4(smemGate + t * sizeof(float), src + (t < validRows ? t * tokenStride : 0),
               t < validRows);
  } else if constexpr (Traits::kVectorGate) {
    constexpr int kFloatsPerCopy = kCopyBytes / sizeof(float);
    constexpr int kCopiesPerRow = Traits::HEAD_K / kFloatsPerCopy;
    constexpr int kCopies = Traits::CHUNK * kCopiesPerRow;
#pragma unroll 4
    for (int idx = threadIdx.x; idx < kCopies; idx += Traits::kThreads) {
      const int t = idx / kCopiesPerRow;
      const int c = idx % kCopiesPerRow;
      const bool valid = t < validRows;
      cpAsync16(smemGate + (t * Traits::kGateRow + c * kFloatsPerCopy) * sizeof(float),
                src + (valid ? t * tokenStride : 0) + c * kFloatsPerCopy, valid);
    }
  }
}

/// Issues the copies of one chunk's fp32 per-token values (the delta rule's beta, its
/// cumulative decays); `src` points at token t0 of (sequence, head). Tokens past the
/// sequence end read 0.
template <typename Traits>
__device__ __forceinline__ void loadTokenFloatsAsync(unsigned dst, const float *src,
                                                     long long tokenStride, int validRows) {
  for (int t = threadIdx.x; t < Traits::CHUNK; t += Traits::kThreads)
    cpAsync4(dst + t * sizeof(float), src + (t < validRows ? t * tokenStride : 0), t < validRows);
}

/// Inclusive prefix sum of the chunk's gates in place, scaled to log2 units. Per-token:
/// warp 0, each lane a run of consecutive tokens, then a shuffle scan of the run totals.
/// Per-channel: one thread per key channel walks the chunk.
template <typename Traits> __device__ __forceinline__ void cumulateGates(float *gate) {
  if constexpr (Traits::GATE == LinearGate::kPerToken) {
    constexpr int kRun = Traits::CHUNK / kWarpSize;
    if (threadIdx.x < kWarpSize) {
      const int lane = threadIdx.x;
      float run[kRun];
      float total = 0.f;
#pragma unroll
      for (int i = 0; i < kRun; ++i) {
        total += gate[lane * kRun + i] * kLog2e;
        run[i] = total;
      }
      float prefix = total;
#pragma unroll
      for (int offset = 1; offset < kWarpSize; offset *= 2) {
        const float other = __shfl_up_sync(0xffffffffu, prefix, offset);
        if (lane >= offset)
          prefix += other;
      }
      const float before = prefix - total;
#pragma unroll
      for (int i = 0; i < kRun; ++i)
        gate[lane * kRun + i] = run[i] + before;
    }
  } else if constexpr (Traits::kVectorGate) {
    if (threadIdx.x < Traits::HEAD_K) {
      float *col = gate + threadIdx.x;
      float total = 0.f;
#pragma unroll 8
      for (int t = 0; t < Traits::CHUNK; ++t) {
        total += col[t * Traits::kGateRow] * kLog2e;
        col[t * Traits::kGateRow] = total;
      }
    }
  }
}

/// b[t][k]: log2 decay from the chunk start through token t (key channel k).
template <typename Traits> struct ChunkDecay {
  const float *cum;   ///< cumulated gate tile (per-token and per-channel gates)
  float perTokenLog2; ///< log2 decay of one token (per-head decays)
  int lastRow;        ///< the chunk's last real token

  __device__ __forceinline__ float at(int t, int k) const {
    if constexpr (Traits::GATE == LinearGate::kNone)
      return 0.f;
    else if constexpr (Traits::GATE == LinearGate::kPerHead)
      return (t + 1) * perTokenLog2;
    else if constexpr (Traits::GATE == LinearGate::kPerToken)
      return cum[t];
    else
      return cum[t * Traits::kGateRow + k];
  }
  /// The whole chunk's decay, through its last real token.
  __device__ __forceinline__ float last(int k) const { return at(lastRow, k); }
};

} // namespace attnc

#endif // ATTNC_LINEAR_GATE_CUH
