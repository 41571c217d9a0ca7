//===- KernelLinearLaunch.cpp - cuLaunchKernel for linear-family kernels ---===//
//
// Kernel::launchLinear: validation by prepareLinearLaunch, then one launch on the caller's
// stream with no synchronisation or allocation, as Kernel::launch does for softmax
// kernels. Module loading (and raising the dynamic shared-memory limit) is shared.
//
//===----------------------------------------------------------------------===//
#include "attnc/Runtime/Kernel.h"

namespace attnc::runtime {

Status Kernel::launchLinear(const LinearLaunchArgs &args, CUstream stream) const {
  Expected<LinearLaunchConfig> config = prepareLinearLaunch(spec_, args);
  if (!config)
    return config.takeError();
  CUcontext current = nullptr;
  if (driver_.cuCtxGetCurrent(&current) != CUDA_SUCCESS || current != context_)
    if (Status st = driver_.check(driver_.cuCtxSetCurrent(context_), "cuCtxSetCurrent"); !st)
      return st;
  void *kernelParams[] = {&config->params};
  return driver_.check(driver_.cuLaunchKernel(function_, config->grid[0], config->grid[1],
                                              config->grid[2], config->block[0], config->block[1],
                                              config->block[2], config->dynamicSmemBytes, stream,
                                              kernelParams, nullptr),
                       "cuLaunchKernel");
}

} // namespace attnc::runtime
