//===- Runtime.h - One device, its context, a cubin cache ---------------*- C++ -*-===//
//
// The JIT entry point: `Runtime::create` loads the driver, picks a device, retains its
// primary context (the one the CUDA runtime API and PyTorch share, so attnc kernels run on
// their pointers and streams) and opens the cubin cache. `compile` turns generated CUDA C++
// plus its KernelSpec into a launchable Kernel for this device's arch, through the cache.
// Kernels and DeviceBuffers must be destroyed before their Runtime.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_RUNTIME_H
#define ATTNC_RUNTIME_RUNTIME_H

#include "attnc/Runtime/CubinCache.h"
#include "attnc/Runtime/CudaDriver.h"
#include "attnc/Runtime/DeviceInfo.h"
#include "attnc/Runtime/Kernel.h"

#include <memory>
#include <string>
#include <vector>

namespace attnc::runtime {

class Runtime;

/// Device memory owned by RAII (for tools and tests; serving code passes its own pointers).
class DeviceBuffer {
public:
  DeviceBuffer() = default;
  DeviceBuffer(DeviceBuffer &&other) noexcept { *this = std::move(other); }
  DeviceBuffer &operator=(DeviceBuffer &&other) noexcept;
  ~DeviceBuffer();

  void *data() const { return reinterpret_cast<void *>(ptr_); }
  CUdeviceptr devicePtr() const { return ptr_; }
  size_t size() const { return size_; }
  /// Synchronous copies; `bytes` must not exceed size().
  Status upload(const void *host, size_t bytes);
  Status download(void *host, size_t bytes) const;
  /// Fills every byte with `value` (e.g. 0xFF poisons float outputs with NaN).
  Status fill(uint8_t value);

private:
  friend class Runtime;
  const CudaDriver *driver_ = nullptr;
  CUdeviceptr ptr_ = 0;
  size_t size_ = 0;
};

class Runtime {
public:
  /// Opens device `deviceOrdinal` and the cache in `cacheDir` ("" = default directory,
  /// see CubinCache::defaultDirectory). Fails with NoDriver / NoDevice on GPU-less hosts.
  static Expected<std::unique_ptr<Runtime>> create(int deviceOrdinal = 0,
                                                   const std::string &cacheDir = "");
  ~Runtime();

  const DeviceInfo &device() const { return device_; }
  const CudaDriver &driver() const { return *driver_; }
  CUcontext context() const { return context_; }
  CubinCache &cache() { return *cache_; }

  /// Compiles `source` for this device's arch (through the cache) and loads it.
  Expected<std::unique_ptr<Kernel>> compile(const std::string &source, const KernelSpec &spec,
                                            const std::vector<std::string> &options = {});
  /// Loads an already compiled cubin (e.g. from a deployment database).
  Expected<std::unique_ptr<Kernel>> load(const std::vector<char> &cubin, const KernelSpec &spec);

  /// Makes this runtime's context current on the calling thread.
  Status makeCurrent() const;
  Expected<DeviceBuffer> allocate(size_t bytes);
  Status synchronize() const;

private:
  Runtime() = default;
  const CudaDriver *driver_ = nullptr;
  DeviceInfo device_;
  CUdevice deviceHandle_ = 0;
  CUcontext context_ = nullptr;
  std::unique_ptr<CubinCache> cache_;
};

} // namespace attnc::runtime

#endif // ATTNC_RUNTIME_RUNTIME_H
