//===- LinearFragment.cuh - Decay factors applied to mma fragments -*- CUDA -*-===//
//
// Per-channel (GLA) gates scale operands element by element, so the kernel multiplies
// ldmatrix fragments in registers instead of writing scaled copies of Q and K to shared
// memory. The coordinates each register pair holds follow the PTX ISA's m16n8k16
// figures: an A fragment's pair r covers row lane/4 + 8*(r&1), columns 2*(lane%4) +
// 8*(r>>1) (+0, +1); a B fragment loaded as two n8 tiles (ldmatrix.x4 of row-major
// [n][k] rows) holds pair r at n = lane/4 + 8*(r>>1), k = 2*(lane%4) + 8*(r&1).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_LINEAR_FRAGMENT_CUH
#define ATTNC_LINEAR_FRAGMENT_CUH

#include "attnc/Mma.cuh"
#include "attnc/Numeric.cuh"

namespace attnc {

/// Two packed 16-bit elements back to floats.
template <typename Element> __device__ __forceinline__ float2 unpackPair(unsigned packed) {
  if constexpr (ElementTraits<Element>::kIsBF16)
    return __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162 *>(&packed));
  else
    return __half22float2(*reinterpret_cast<const __half2 *>(&packed));
}

/// Scales a packed pair by two factors.
template <typename Element>
__device__ __forceinline__ unsigned scalePair(unsigned packed, float f0, float f1) {
  const float2 x = unpackPair<Element>(packed);
  return ElementTraits<Element>::pack(x.x * f0, x.y * f1);
}

/// frag(row, col) *= factor(row0 + row, col0 + col) over an A fragment.
template <typename Element, typename Factor>
__device__ __forceinline__ void scaleAFragment(unsigned (&a)[4], int row0, int col0, int lane,
                                               const Factor &factor) {
#pragma unroll
  for (int r = 0; r < 4; ++r) {
    const int row = row0 + lane / 4 + 8 * (r & 1);
    const int col = col0 + 2 * (lane % 4) + 8 * (r >> 1);
    a[r] = scalePair<Element>(a[r], factor(row, col), factor(row, col + 1));
  }
}

/// scaleAFragment into two fragments: hi = the 16-bit rounding of frag * factor (what
/// scaleAFragment gives) and lo = the rounding of what hi misses, so hi + lo carries the
/// product to about twice the element type's precision through two mma.
template <typename Element, typename Factor>
__device__ __forceinline__ void splitScaleAFragment(const unsigned (&a)[4], unsigned (&hi)[4],
                                                    unsigned (&lo)[4], int row0, int col0,
                                                    int lane, const Factor &factor) {
#pragma unroll
  for (int r = 0; r < 4; ++r) {
    const int row = row0 + lane / 4 + 8 * (r & 1);
    const int col = col0 + 2 * (lane % 4) + 8 * (r >> 1);
    const float2 x = unpackPair<Element>(a[r]);
    const float y0 = x.x * factor(row, col), y1 = x.y * factor(row, col + 1);
    hi[r] = ElementTraits<Element>::pack(y0, y1);
    const float2 h = unpackPair<Element>(hi[r]);
    lo[r] = ElementTraits<Element>::pack(y0 - h.x, y1 - h.y);
  }
}

/// frag(n, k) *= factor(n0 + n, k0 + k) over two n8 B tiles (four registers).
template <typename Element, typename Factor>
__device__ __forceinline__ void scaleBFragments(unsigned (&b)[4], int n0, int k0, int lane,
                                                const Factor &factor) {
#pragma unroll
  for (int r = 0; r < 4; ++r) {
    const int n = n0 + lane / 4 + 8 * (r >> 1);
    const int k = k0 + 2 * (lane % 4) + 8 * (r & 1);
    b[r] = scalePair<Element>(b[r], factor(n, k), factor(n, k + 1));
  }
}

} // namespace attnc

#endif // ATTNC_LINEAR_FRAGMENT_CUH
