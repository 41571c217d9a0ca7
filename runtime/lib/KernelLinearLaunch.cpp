//===- KernelLinearLaunch.cpp - cuLaunchKernel for linear-family kernels ---===//
//
// Kernel::launchLinear: validation by prepareLinearLaunch, then the split stages (when the
// launch cuts sequences into segments) and the main entry on the caller's stream, in
// order, with no synchronisation or allocation (the caller passes the workspace), as
// Kernel::launch does for softmax kernels. Module loading (and raising the dynamic
// shared-memory limits) is shared.
//
//===----------------------------------------------------------------------===//
#include "attnc/Runtime/Kernel.h"

namespace attnc::runtime {

Status Kernel::launchLinear(const LinearLaunchArgs &args, CUstream stream) const {
  Expected<LinearLaunchConfig> config = prepareLinearLaunch(spec_, args, splitDevice_);
  if (!config)
    return config.takeError();
  CUcontext current = nullptr;
  if (driver_.cuCtxGetCurrent(&current) != CUDA_SUCCESS || current != context_)
    if (Status st = driver_.check(driver_.cuCtxSetCurrent(context_), "cuCtxSetCurrent"); !st)
      return st;
  void *kernelParams[] = {&config->params};
  for (int i = 0; i < config->numStages; ++i) {
    const LinearStageLaunch &s = config->stages[i];
    if (Status st = driver_.check(
            driver_.cuLaunchKernel(stageFunctions_[size_t(s.stage)], s.grid[0], s.grid[1],
                                   s.grid[2], s.block[0], s.block[1], s.block[2],
                                   s.dynamicSmemBytes, stream, kernelParams, nullptr),
            "cuLaunchKernel(split stage)");
        !st)
      return st;
  }
  return driver_.check(driver_.cuLaunchKernel(function_, config->grid[0], config->grid[1],
                                              config->grid[2], config->block[0], config->block[1],
                                              config->block[2], config->dynamicSmemBytes, stream,
                                              kernelParams, nullptr),
                       "cuLaunchKernel");
}

Expected<int64_t> Kernel::linearWorkspaceBytes(const LinearLaunchArgs &args) const {
  return runtime::linearWorkspaceBytes(spec_, args, splitDevice_);
}

} // namespace attnc::runtime
