//===- Mbarrier.cuh - Shared-memory barriers for producer/consumer rings -*- CUDA -*-===//
//
// The hand-off between a producer warpgroup that fills shared-memory stages and consumer
// warpgroups that read them (FlashAttention-3's warp specialisation): an `mbarrier` per
// stage counts arrivals, completes a phase when all expected arrivals are in, and waiters
// spin on the parity of the phase they need. Producers arrive through
// `cp.async.mbarrier.arrive.noinc`, which fires only when that thread's earlier cp.async
// copies have landed, so the barrier's expected count is the number of producer threads.
// Consumers read those tiles with wgmma (the async proxy), so after a wait they fence the
// generic-proxy cp.async writes against their async-proxy reads. Also the register
// re-partitioning (`setmaxnreg`) that gives consumers the registers producers do not need,
// and named barriers over a subset of the CTA's warps (one side arrives, the other waits).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_MBARRIER_CUH
#define ATTNC_MBARRIER_CUH

namespace attnc {

constexpr int kMbarrierBytes = 8; ///< one 64-bit mbarrier object

/// Barriers over a subset of the CTA's warps (id 0 is __syncthreads'): `threads` counts
/// the arriving and the waiting threads together.
__device__ __forceinline__ void namedBarrierArrive(int id, int threads) {
  asm volatile("bar.arrive %0, %1;\n" ::"r"(id), "r"(threads) : "memory");
}

__device__ __forceinline__ void namedBarrierSync(int id, int threads) {
  asm volatile("bar.sync %0, %1;\n" ::"r"(id), "r"(threads) : "memory");
}

/// Initialises the barrier at `bar` to expect `count` arrivals per phase.
__device__ __forceinline__ void mbarrierInit(unsigned bar, unsigned count) {
  asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n" ::"r"(bar), "r"(count) : "memory");
}

/// Makes initialised barriers visible to the other threads and to the async proxy.
__device__ __forceinline__ void mbarrierInitFence() {
  asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
}

/// One arrival (release semantics: this thread's earlier accesses happen before the phase
/// completes).
__device__ __forceinline__ void mbarrierArrive(unsigned bar) {
  asm volatile("{\n.reg .b64 state;\nmbarrier.arrive.shared::cta.b64 state, [%0];\n}\n" ::"r"(bar)
               : "memory");
}

/// An arrival that fires when every cp.async this thread issued so far has completed; it
/// does not raise the expected count (`.noinc`), so the count must include it.
__device__ __forceinline__ void cpAsyncMbarrierArrive(unsigned bar) {
  asm volatile("cp.async.mbarrier.arrive.noinc.shared::cta.b64 [%0];\n" ::"r"(bar) : "memory");
}

/// Blocks until the phase of parity `parity` has completed. A fresh barrier is in phase 0,
/// so waiting on parity 1 returns at once (a producer's first pass over empty stages).
__device__ __forceinline__ void mbarrierWait(unsigned bar, unsigned parity) {
  unsigned done = 0;
  while (!done) {
    asm volatile("{\n.reg .pred p;\n"
                 "mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\n"
                 "selp.u32 %0, 1, 0, p;\n}\n"
                 : "=r"(done)
                 : "r"(bar), "r"(parity)
                 : "memory");
  }
}

/// Orders this thread's view of generic-proxy shared-memory writes (cp.async, st.shared)
/// before its following async-proxy accesses (wgmma operand reads, TMA).
__device__ __forceinline__ void fenceProxyAsyncShared() {
  asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
}

/// Waits for every cp.async this thread issued.
__device__ __forceinline__ void cpAsyncWaitAll() { asm volatile("cp.async.wait_all;\n" ::: "memory"); }

/// Lowers this warpgroup's register allocation to REGS per thread (sm_90a; the kernel needs
/// a register cap at entry, i.e. `__launch_bounds__(threads, 1)`).
template <int REGS> __device__ __forceinline__ void warpgroupReleaseRegisters() {
  asm volatile("setmaxnreg.dec.sync.aligned.u32 %0;\n" ::"n"(REGS));
}

/// Raises this warpgroup's register allocation to REGS per thread.
template <int REGS> __device__ __forceinline__ void warpgroupClaimRegisters() {
  asm volatile("setmaxnreg.inc.sync.aligned.u32 %0;\n" ::"n"(REGS));
}

} // namespace attnc

#endif // ATTNC_MBARRIER_CUH
