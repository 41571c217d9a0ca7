//===- Mma.cuh - Warp-level tensor-core and async-copy primitives -*- CUDA -*-===//
//
// Thin wrappers over the sm_80 instructions the FlashAttention-2 template is built from:
// `mma.sync.m16n8k16` (bf16/fp16 in, fp32 accumulate), `ldmatrix` (plain and transposed)
// to feed it from shared memory, and `cp.async` 16-byte copies global -> shared with zero
// fill for rows past the end of a tensor. Fragment layouts follow the PTX ISA's figures
// for m16n8k16: A is 4 registers, B is 2, C/D are 4 floats per thread.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_MMA_CUH
#define ATTNC_MMA_CUH

#include "attnc/Numeric.cuh"

namespace attnc {

constexpr int kWarpSize = 32;
constexpr int kMmaM = 16; ///< rows of an m16n8k16 tile
constexpr int kMmaN = 8;  ///< columns of an m16n8k16 tile
constexpr int kMmaK = 16; ///< reduction depth of an m16n8k16 tile
constexpr int kCopyBytes = 16; ///< one cp.async / ldmatrix row chunk

/// D = A(16x16, row) * B(16x8, col) + C, fp32 accumulators.
template <typename T>
__device__ __forceinline__ void mma16816(float (&d)[4], const unsigned (&a)[4], unsigned b0,
                                         unsigned b1) {
  if constexpr (ElementTraits<T>::kIsBF16) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
                 "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
  } else {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 "
                 "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
  }
}

__device__ __forceinline__ unsigned smemAddress(const void *p) {
  return static_cast<unsigned>(__cvta_generic_to_shared(p));
}

/// Four 8x8 b16 matrices; lane l supplies the row address of matrix l/8.
__device__ __forceinline__ void ldmatrixX4(unsigned (&r)[4], unsigned addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
}

/// As ldmatrixX4, each matrix transposed on the way (for row-major B operands).
__device__ __forceinline__ void ldmatrixX4Trans(unsigned (&r)[4], unsigned addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
}

/// 16-byte global -> shared copy; `valid == false` writes zeros and reads nothing.
__device__ __forceinline__ void cpAsync16(unsigned dst, const void *src, bool valid) {
  int srcBytes = valid ? kCopyBytes : 0;
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src),
               "r"(srcBytes));
}

__device__ __forceinline__ void cpAsyncCommit() { asm volatile("cp.async.commit_group;\n" ::); }

/// Waits until at most `PENDING` committed groups are still in flight.
template <int PENDING> __device__ __forceinline__ void cpAsyncWait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(PENDING));
}

} // namespace attnc

#endif // ATTNC_MMA_CUH
