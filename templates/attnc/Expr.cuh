//===- Expr.cuh - Device helpers generated variant code calls -----*- CUDA -*-===//
//
// The vocabulary of generated score/mask/range code: the DSL's floor division and floor
// modulo on 64-bit ints, typed reads of extra inputs through their strides, and the
// math the DSL names (sigmoid, softplus) in single precision. Kept tiny and explicit so
// the emitted prelude stays readable.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_EXPR_CUH
#define ATTNC_EXPR_CUH

#include "attnc/KernelParams.h"
#include "attnc/Numeric.cuh"

namespace attnc {

/// a / b rounded toward negative infinity (the DSL's int `/`).
__device__ __forceinline__ long long floorDiv(long long a, long long b) {
  long long q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/// a - b * floorDiv(a, b): the result has the sign of b (the DSL's int `%`).
__device__ __forceinline__ long long floorMod(long long a, long long b) {
  return a - b * floorDiv(a, b);
}

template <typename T> struct InputElement;
template <> struct InputElement<float> {
  using Value = float;
  static __device__ __forceinline__ float read(const void *p, long long off) {
    return static_cast<const float *>(p)[off];
  }
};
template <> struct InputElement<int> {
  using Value = long long;
  static __device__ __forceinline__ long long read(const void *p, long long off) {
    return static_cast<const int *>(p)[off];
  }
};
template <> struct InputElement<__nv_bfloat16> {
  using Value = float;
  static __device__ __forceinline__ float read(const void *p, long long off) {
    return __bfloat162float(static_cast<const __nv_bfloat16 *>(p)[off]);
  }
};
template <> struct InputElement<__half> {
  using Value = float;
  static __device__ __forceinline__ float read(const void *p, long long off) {
    return __half2float(static_cast<const __half *>(p)[off]);
  }
};

/// An index variable (b, h, i, j, t: never negative) as a load index. On sm_90 as unsigned,
/// so each offset is a zero-extended 32 x 64-bit product (8 instead of ~11 instructions per
/// element of a masked tile); before sm_90 as it is, since the sm80 template's 255-register
/// document kernel (128x64) spills with the cheaper addresses' loads in flight.
__device__ __forceinline__ auto indexVariable(long long v) {
#if __CUDA_ARCH__ >= 900
  return static_cast<unsigned>(v);
#else
  return v;
#endif
}

/// Element (i0, i1, ...) of an extra input of storage type T, through its strides.
template <typename T, typename... Index>
__device__ __forceinline__ typename InputElement<T>::Value loadInput(const AttncTensorArg &t,
                                                                     Index... idx) {
  long long indices[] = {static_cast<long long>(idx)...};
  long long off = 0;
#pragma unroll
  for (int d = 0; d < static_cast<int>(sizeof...(Index)); ++d)
    off += indices[d] * t.stride[d];
  return InputElement<T>::read(t.ptr, off);
}

__device__ __forceinline__ float sigmoid(float x) { return 1.f / (1.f + __expf(-x)); }

} // namespace attnc

#endif // ATTNC_EXPR_CUH
