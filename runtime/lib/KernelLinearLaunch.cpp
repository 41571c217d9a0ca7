//===- KernelLinearLaunch.cpp - cuLaunchKernel for linear-family kernels ---===//
//
// Kernel::launchLinear: validation by prepareLinearLaunch, then the split stages (when the
// launch cuts sequences into segments, or always for the delta rule's prepare stage) and
// the main entry on the caller's stream, in order, with no synchronisation or allocation
// (the caller passes the workspace), as Kernel::launch does for softmax kernels. On sm_90
// a launch that follows a `releasesNext` stage is a programmatic dependent launch, so its
// CTAs may start while that stage still runs (templates/attnc/GridDependency.cuh says
// what the kernels do about it). Module loading (and raising the dynamic shared-memory
// limits) is shared.
//
//===----------------------------------------------------------------------===//
#include "attnc/Runtime/Kernel.h"

namespace attnc::runtime {

namespace {
/// One launch of the chain: grid, block and shared memory.
struct ChainLaunch {
  CUfunction function;
  const unsigned *grid;
  const unsigned *block;
  unsigned dynamicSmemBytes;
};
} // namespace

Status Kernel::launchLinear(const LinearLaunchArgs &args, CUstream stream) const {
  Expected<LinearLaunchConfig> config = prepareLinearLaunch(spec_, args, splitDevice_);
  if (!config)
    return config.takeError();
  CUcontext current = nullptr;
  if (driver_.cuCtxGetCurrent(&current) != CUDA_SUCCESS || current != context_)
    if (Status st = driver_.check(driver_.cuCtxSetCurrent(context_), "cuCtxSetCurrent"); !st)
      return st;
  void *kernelParams[] = {&config->params};
  bool released = false; // the previous launch lets this one start early
  auto launch = [&](const ChainLaunch &l, const char *what) -> Status {
    if (!released)
      return driver_.check(driver_.cuLaunchKernel(l.function, l.grid[0], l.grid[1], l.grid[2],
                                                  l.block[0], l.block[1], l.block[2],
                                                  l.dynamicSmemBytes, stream, kernelParams,
                                                  nullptr),
                           what);
    CUlaunchAttribute attribute{};
    attribute.id = CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION;
    attribute.value.programmaticStreamSerializationAllowed = 1;
    CUlaunchConfig c{};
    c.gridDimX = l.grid[0];
    c.gridDimY = l.grid[1];
    c.gridDimZ = l.grid[2];
    c.blockDimX = l.block[0];
    c.blockDimY = l.block[1];
    c.blockDimZ = l.block[2];
    c.sharedMemBytes = l.dynamicSmemBytes;
    c.hStream = stream;
    c.attrs = &attribute;
    c.numAttrs = 1;
    return driver_.check(driver_.cuLaunchKernelEx(&c, l.function, kernelParams, nullptr), what);
  };
  for (int i = 0; i < config->numStages; ++i) {
    const LinearStageLaunch &s = config->stages[i];
    if (Status st = launch({stageFunctions_[size_t(s.stage)], s.grid, s.block, s.dynamicSmemBytes},
                           "cuLaunchKernel(split stage)");
        !st)
      return st;
    released = dependentLaunches_ && s.releasesNext;
  }
  return launch({function_, config->grid, config->block, config->dynamicSmemBytes},
                "cuLaunchKernel");
}

Expected<int64_t> Kernel::linearWorkspaceBytes(const LinearLaunchArgs &args) const {
  return runtime::linearWorkspaceBytes(spec_, args, splitDevice_);
}

} // namespace attnc::runtime
