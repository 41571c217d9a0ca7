//===- Numeric.cuh - Named constants and element-type traits ----*- CUDA -*-===//
//
// The numeric vocabulary every template shares: log2(e), -inf, and how each storage
// element type (bf16, fp16) packs two floats into the 32-bit register an mma.sync
// operand fragment holds. No host includes: compiled by NVRTC only.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_NUMERIC_CUH
#define ATTNC_NUMERIC_CUH

#include <cuda_bf16.h>
#include <cuda_fp16.h>

namespace attnc {

constexpr float kLog2e = 1.4426950408889634f; ///< log2(e): exp(x) == exp2(x * kLog2e)
constexpr float kLn2 = 0.6931471805599453f;   ///< ln(2): log(x) == log2(x) * kLn2
constexpr float kNegInf = __builtin_bit_cast(float, 0xff800000u); ///< -infinity

/// 2^x in one MUFU instruction (ex2.approx, flush-to-zero): exp2f without fast-math is a
/// multi-instruction accurate sequence, and softmax needs only ~2 ulp here.
__device__ __forceinline__ float fastExp2(float x) {
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;\n" : "=f"(y) : "f"(x));
  return y;
}

/// Storage element traits: the mma.sync type name and float <-> packed-pair conversion.
template <typename T> struct ElementTraits;

template <> struct ElementTraits<__nv_bfloat16> {
  static constexpr bool kIsBF16 = true;
  static __device__ __forceinline__ unsigned pack(float lo, float hi) {
    __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
    return *reinterpret_cast<unsigned *>(&v);
  }
};

template <> struct ElementTraits<__half> {
  static constexpr bool kIsBF16 = false;
  static __device__ __forceinline__ unsigned pack(float lo, float hi) {
    __half2 v = __floats2half2_rn(lo, hi);
    return *reinterpret_cast<unsigned *>(&v);
  }
};

} // namespace attnc

#endif // ATTNC_NUMERIC_CUH
