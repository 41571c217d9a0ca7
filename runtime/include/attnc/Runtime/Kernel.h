//===- Kernel.h - A loaded kernel and its launch ------------------------*- C++ -*-===//
//
// A Kernel owns one CUmodule loaded from a cubin, the CUfunction named by its spec, and
// the spec. Loading raises the function's dynamic shared memory limit when the spec needs
// more than the 48 KB default and records its register and local-memory use (spills show
// up as local memory). `launch` validates with `prepareLaunch` and calls cuLaunchKernel on
// the caller's stream: no synchronisation and no allocation, so it can be graph-captured.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_KERNEL_H
#define ATTNC_RUNTIME_KERNEL_H

#include "attnc/Runtime/CudaDriver.h"
#include "attnc/Runtime/DeviceInfo.h"
#include "attnc/Runtime/LaunchArgs.h"
#include "attnc/Runtime/LinearLaunch.h"

#include <memory>
#include <vector>

namespace attnc::runtime {

/// Resource use of a loaded function, from cuFuncGetAttribute.
struct KernelResources {
  int registers = 0;
  /// Per thread, the most of any entry point (a linear kernel's split stages included);
  /// non-zero means spills or stack arrays.
  int localBytes = 0;
  int staticSmemBytes = 0;
  int maxThreadsPerBlock = 0;
};

class Kernel {
public:
  /// Loads `cubin` into `context` (made current) and looks up `spec.entryName`.
  static Expected<std::unique_ptr<Kernel>> load(const CudaDriver &driver, CUcontext context,
                                                const DeviceInfo &device,
                                                const std::vector<char> &cubin, KernelSpec spec);
  ~Kernel();
  Kernel(const Kernel &) = delete;
  Kernel &operator=(const Kernel &) = delete;

  const KernelSpec &spec() const { return spec_; }
  const KernelResources &resources() const { return resources_; }
  CUfunction function() const { return function_; }

  /// Validates `args` and enqueues the kernel on `stream` (0 = the legacy default stream).
  Status launch(const LaunchArgs &args, CUstream stream) const;
  /// The same for a linear-family kernel: validates with `prepareLinearLaunch` and
  /// enqueues the split stages (when the launch splits its sequences), then the main entry
  /// (KernelLinearLaunch.cpp).
  Status launchLinear(const LinearLaunchArgs &args, CUstream stream) const;
  /// Workspace bytes `launchLinear(args)` needs on this device (linearWorkspaceBytes).
  Expected<int64_t> linearWorkspaceBytes(const LinearLaunchArgs &args) const;

private:
  Kernel(const CudaDriver &driver, CUcontext context, KernelSpec spec)
      : driver_(driver), context_(context), spec_(std::move(spec)) {}
  /// Looks up the split stages' functions and raises their shared-memory limits.
  Status loadStages();

  const CudaDriver &driver_;
  CUcontext context_;
  CUmodule module_ = nullptr;
  CUfunction function_ = nullptr;
  CUfunction blockMapFunction_ = nullptr; ///< set when spec_.needsBlockMap()
  std::vector<CUfunction> stageFunctions_; ///< spec_.linear.splitStages, in order
  LinearDeviceShape splitDevice_;          ///< the device, for linearSegmentsFor
  int64_t residentCtas_ = 0; ///< persistent grids: SMs x CTAs resident per SM
  KernelSpec spec_;
  KernelResources resources_;
};

} // namespace attnc::runtime

#endif // ATTNC_RUNTIME_KERNEL_H
