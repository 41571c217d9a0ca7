//===- GridDependency.cuh - Programmatic dependent launch between stages -*- CUDA -*-===//
//
// Multi-stage linear launches (a split launch's state pre-pass, fold and main kernel; the
// delta rule's prepare and walk) run on one stream. On sm_90 the host launches every stage
// after the first with programmatic stream serialisation (Kernel::launchLinear), so a
// stage's CTAs may start before the previous stage has finished: the previous stage
// releases them early with `launchDependentGrids`, and each CTA calls `gridDependencyWait`
// before it reads anything the earlier stages write (that wait returns once the previous
// grid has completed and its memory is visible). CTAs with nothing to wait for (a split
// launch's first segments) run alongside the earlier stages. Without the launch attribute,
// or below sm_90, both calls do nothing and the stream orders the stages as before.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_GRID_DEPENDENCY_CUH
#define ATTNC_GRID_DEPENDENCY_CUH

namespace attnc {

/// Lets the next stage on the stream start launching its CTAs (griddepcontrol).
__device__ __forceinline__ void launchDependentGrids() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.launch_dependents;\n" ::: "memory");
#endif
}

/// Waits until the previous stage on the stream has completed and its writes are visible.
__device__ __forceinline__ void gridDependencyWait() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;\n" ::: "memory");
#endif
}

} // namespace attnc

#endif // ATTNC_GRID_DEPENDENCY_CUH
