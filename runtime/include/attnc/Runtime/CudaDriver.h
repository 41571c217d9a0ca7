//===- CudaDriver.h - The CUDA driver API, loaded at run time -----------*- C++ -*-===//
//
// attnc binaries have no link-time dependency on libcuda: the driver is dlopen'ed on first
// use, so the CLI, the NVRTC path and CI all work on machines without a GPU, and a missing
// driver becomes a clear error instead of a loader failure. <cuda.h> is included for its
// types only; every entry point is resolved by the exact symbol the header maps it to
// (cuMemAlloc -> cuMemAlloc_v2, cuGraphInstantiate -> cuGraphInstantiateWithFlags, ...).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_CUDADRIVER_H
#define ATTNC_RUNTIME_CUDADRIVER_H

#include "attnc/Runtime/Error.h"

#include <cuda.h>
#include <string>

namespace attnc::runtime {

/// The driver entry points attnc uses. X(name) is expanded once per entry point.
#define ATTNC_CUDA_DRIVER_FUNCTIONS(X)                                                             \
  X(cuInit)                                                                                        \
  X(cuDriverGetVersion)                                                                            \
  X(cuGetErrorName)                                                                                \
  X(cuGetErrorString)                                                                              \
  X(cuDeviceGet)                                                                                   \
  X(cuDeviceGetCount)                                                                              \
  X(cuDeviceGetName)                                                                               \
  X(cuDeviceGetAttribute)                                                                          \
  X(cuDeviceTotalMem)                                                                              \
  X(cuDevicePrimaryCtxRetain)                                                                      \
  X(cuDevicePrimaryCtxRelease)                                                                     \
  X(cuCtxSetCurrent)                                                                               \
  X(cuCtxGetCurrent)                                                                               \
  X(cuCtxSynchronize)                                                                              \
  X(cuModuleLoadData)                                                                              \
  X(cuModuleUnload)                                                                                \
  X(cuModuleGetFunction)                                                                           \
  X(cuFuncGetAttribute)                                                                            \
  X(cuFuncSetAttribute)                                                                            \
  X(cuOccupancyMaxActiveBlocksPerMultiprocessor)                                                   \
  X(cuLaunchKernel)                                                                                \
  X(cuMemAlloc)                                                                                    \
  X(cuMemFree)                                                                                     \
  X(cuMemcpyHtoD)                                                                                  \
  X(cuMemcpyDtoH)                                                                                  \
  X(cuMemcpyHtoDAsync)                                                                             \
  X(cuMemsetD8)                                                                                    \
  X(cuMemsetD8Async)                                                                               \
  X(cuStreamCreate)                                                                                \
  X(cuStreamDestroy)                                                                               \
  X(cuStreamSynchronize)                                                                           \
  X(cuStreamBeginCapture)                                                                          \
  X(cuStreamEndCapture)                                                                            \
  X(cuEventCreate)                                                                                 \
  X(cuEventDestroy)                                                                                \
  X(cuEventRecord)                                                                                 \
  X(cuEventSynchronize)                                                                            \
  X(cuEventElapsedTime)                                                                            \
  X(cuGraphInstantiate)                                                                            \
  X(cuGraphLaunch)                                                                                 \
  X(cuGraphExecDestroy)                                                                            \
  X(cuGraphDestroy)

/// A loaded libcuda: one typed function pointer per entry point, named as in <cuda.h>
/// (so `driver.cuMemAlloc(&ptr, bytes)` calls cuMemAlloc_v2).
class CudaDriver {
public:
#define ATTNC_DECLARE_DRIVER_FN(name) decltype(&::name) name = nullptr;
  ATTNC_CUDA_DRIVER_FUNCTIONS(ATTNC_DECLARE_DRIVER_FN)
#undef ATTNC_DECLARE_DRIVER_FN

  /// The process-wide driver: loads "libcuda.so.1" and calls cuInit(0) once; later calls
  /// return the same result. Fails with ErrorCode::NoDriver when the library is missing or
  /// unusable, and with ErrorCode::NoDevice when cuInit finds no GPU.
  static Expected<const CudaDriver *> get();

  /// Loads `libraryName` into a new driver object without calling cuInit (for tests and
  /// tools that want to probe another path). The error reads
  /// "no CUDA driver: <libraryName> not found (<dlerror text>)".
  static Expected<CudaDriver> load(const std::string &libraryName);

  /// Converts a driver status into an Error: "<call> failed: CUDA_ERROR_X (description)".
  /// Returns success for CUDA_SUCCESS.
  Status check(CUresult result, const char *call) const;

private:
  void *handle_ = nullptr;
};

} // namespace attnc::runtime

#endif // ATTNC_RUNTIME_CUDADRIVER_H
