//===- Kernel.cpp - Module loading, function attributes, cuLaunchKernel ----------===//
#include "attnc/Runtime/Kernel.h"

#include <algorithm>

namespace attnc::runtime {

namespace {
constexpr int kDefaultDynamicSmemLimit = 48 * 1024;

/// Lets `fn` use `bytes` of dynamic shared memory when that exceeds the 48 KB default.
Status raiseSmemLimit(const CudaDriver &driver, CUfunction fn, int bytes) {
  if (bytes <= kDefaultDynamicSmemLimit)
    return Status::success();
  return driver.check(
      driver.cuFuncSetAttribute(fn, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes),
      "cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES)");
}
} // namespace

Status Kernel::loadStages() {
  for (const LinearStage &stage : spec_.linear.splitStages) {
    CUfunction fn = nullptr;
    if (Status st = driver_.check(
            driver_.cuModuleGetFunction(&fn, module_, stage.entryName.c_str()),
            ("cuModuleGetFunction(\"" + stage.entryName + "\")").c_str());
        !st)
      return st;
    if (Status st = raiseSmemLimit(driver_, fn, stage.dynamicSmemBytes); !st)
      return st;
    stageFunctions_.push_back(fn);
  }
  return Status::success();
}

Expected<std::unique_ptr<Kernel>> Kernel::load(const CudaDriver &driver, CUcontext context,
                                               const DeviceInfo &device,
                                               const std::vector<char> &cubin, KernelSpec spec) {
  if (Status st = spec.verify(); !st)
    return st.takeError();
  if (spec.dynamicSmemBytes > device.maxSharedMemoryPerBlockOptin)
    return makeError(ErrorCode::InvalidArgument,
                     "kernel '" + spec.entryName + "' needs " +
                         std::to_string(spec.dynamicSmemBytes) +
                         " bytes of dynamic shared memory; " + device.name + " allows " +
                         std::to_string(device.maxSharedMemoryPerBlockOptin) + " per block");
  if (Status st = driver.check(driver.cuCtxSetCurrent(context), "cuCtxSetCurrent"); !st)
    return st.takeError();
  std::unique_ptr<Kernel> kernel(new Kernel(driver, context, std::move(spec)));
  const KernelSpec &s = kernel->spec_;
  if (Status st =
          driver.check(driver.cuModuleLoadData(&kernel->module_, cubin.data()), "cuModuleLoadData");
      !st)
    return st.takeError();
  if (Status st = driver.check(
          driver.cuModuleGetFunction(&kernel->function_, kernel->module_, s.entryName.c_str()),
          ("cuModuleGetFunction(\"" + s.entryName + "\")").c_str());
      !st)
    return st.takeError();
  if (s.needsBlockMap())
    if (Status st = driver.check(driver.cuModuleGetFunction(&kernel->blockMapFunction_,
                                                            kernel->module_,
                                                            s.blockMap.entryName.c_str()),
                                 ("cuModuleGetFunction(\"" + s.blockMap.entryName + "\")").c_str());
        !st)
      return st.takeError();
  // The opt-in per-block limit is the SM's shared memory less one CTA's reservation.
  kernel->splitDevice_ = {device.smCount,
                          device.maxSharedMemoryPerBlockOptin + kSmemReservedPerCta};
  if (Status st = kernel->loadStages(); !st)
    return st.takeError();
  CUfunction fn = kernel->function_;
  if (Status st = raiseSmemLimit(driver, fn, s.dynamicSmemBytes); !st)
    return st.takeError();
  if (s.grid == GridRule::PersistentQueryBlocks) {
    int perSm = 0;
    if (Status st = driver.check(driver.cuOccupancyMaxActiveBlocksPerMultiprocessor(
                                     &perSm, fn, s.threadsPerBlock, size_t(s.dynamicSmemBytes)),
                                 "cuOccupancyMaxActiveBlocksPerMultiprocessor");
        !st)
      return st.takeError();
    kernel->residentCtas_ = int64_t(device.smCount) * std::max(perSm, 1);
  }
  KernelResources &r = kernel->resources_;
  struct {
    int *field;
    CUfunction_attribute attr;
  } attrs[] = {{&r.registers, CU_FUNC_ATTRIBUTE_NUM_REGS},
               {&r.localBytes, CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES},
               {&r.staticSmemBytes, CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES},
               {&r.maxThreadsPerBlock, CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK}};
  for (auto &a : attrs)
    if (Status st =
            driver.check(driver.cuFuncGetAttribute(a.field, a.attr, fn), "cuFuncGetAttribute");
        !st)
      return st.takeError();
  for (CUfunction stage : kernel->stageFunctions_) {
    int local = 0;
    if (Status st = driver.check(
            driver.cuFuncGetAttribute(&local, CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES, stage),
            "cuFuncGetAttribute");
        !st)
      return st.takeError();
    r.localBytes = std::max(r.localBytes, local);
  }
  if (s.threadsPerBlock > r.maxThreadsPerBlock)
    return makeError(ErrorCode::InvalidArgument,
                     "kernel '" + s.entryName + "' is launched with " +
                         std::to_string(s.threadsPerBlock) + " threads per block, but with " +
                         std::to_string(r.registers) + " registers per thread at most " +
                         std::to_string(r.maxThreadsPerBlock) + " fit");
  return kernel;
}

Kernel::~Kernel() {
  if (module_) {
    driver_.cuCtxSetCurrent(context_);
    driver_.cuModuleUnload(module_);
  }
}

Status Kernel::launch(const LaunchArgs &args, CUstream stream) const {
  Expected<LaunchConfig> config = prepareLaunch(spec_, args, residentCtas_);
  if (!config)
    return config.takeError();
  CUcontext current = nullptr;
  if (driver_.cuCtxGetCurrent(&current) != CUDA_SUCCESS || current != context_)
    if (Status st = driver_.check(driver_.cuCtxSetCurrent(context_), "cuCtxSetCurrent"); !st)
      return st;
  void *kernelParams[] = {&config->params};
  if (blockMapFunction_ && !args.blockMapBuilt) {
    // Classify the tiles of the data-dependent mask first, on the same stream, its counters
    // cleared before.
    const CUdeviceptr counters =
        reinterpret_cast<CUdeviceptr>(args.blockMap) + config->blockMapCountersOffset;
    if (Status st = driver_.check(driver_.cuMemsetD8Async(counters, 0,
                                                          size_t(config->blockMapCountersBytes),
                                                          stream),
                                  "cuMemsetD8Async(block map counters)");
        !st)
      return st;
    const unsigned *g = config->blockMapGrid;
    if (Status st = driver_.check(
            driver_.cuLaunchKernel(blockMapFunction_, g[0], g[1], g[2],
                                   unsigned(spec_.blockMap.threadsPerBlock), 1, 1, 0, stream,
                                   kernelParams, nullptr),
            "cuLaunchKernel(block map)");
        !st)
      return st;
  }
  return driver_.check(driver_.cuLaunchKernel(function_, config->grid[0], config->grid[1],
                                              config->grid[2], config->block[0], config->block[1],
                                              config->block[2], config->dynamicSmemBytes, stream,
                                              kernelParams, nullptr),
                       "cuLaunchKernel");
}

} // namespace attnc::runtime
