//===- DeviceInfo.h - What the runtime knows about a GPU ----------------*- C++ -*-===//
//
// The facts kernels are specialised on (compute capability -> NVRTC arch) and limited by
// (shared memory, registers), plus a fingerprint string that keys tuning records: two
// devices with the same fingerprint run the same cubins at the same speed.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_DEVICEINFO_H
#define ATTNC_RUNTIME_DEVICEINFO_H

#include "attnc/Runtime/Error.h"

#include <cstdint>
#include <string>

namespace attnc::runtime {

class CudaDriver;

/// Properties of one CUDA device, read once when a Runtime is created.
struct DeviceInfo {
  int ordinal = 0;
  std::string name;
  int ccMajor = 0, ccMinor = 0;
  int smCount = 0;
  int maxSharedMemoryPerBlockOptin = 0; ///< bytes, with the opt-in attribute
  int maxSharedMemoryPerBlock = 0;      ///< bytes, without it (48 KB)
  int maxRegistersPerBlock = 0;
  int maxThreadsPerBlock = 0;
  int l2CacheBytes = 0;
  int64_t totalMemoryBytes = 0;
  int driverVersion = 0; ///< cuDriverGetVersion, e.g. 13000
  int nvrtcMajor = 0, nvrtcMinor = 0;

  /// The NVRTC arch, e.g. "sm_90a" (see archForComputeCapability).
  std::string arch() const { return archForComputeCapability(ccMajor, ccMinor); }
  /// "NVIDIA H100 80GB HBM3|sm_90a|132SM|smem232448|driver13000|nvrtc13.0".
  std::string fingerprint() const;

  /// "sm_<major><minor>", with the "a" suffix on 9.0 (Hopper: wgmma, setmaxnreg) and on
  /// 10.0/10.3 (Blackwell datacenter: tcgen05), whose arch-specific features attnc uses.
  static std::string archForComputeCapability(int major, int minor);
};

/// Reads the properties of device `ordinal` through `driver` (cuInit already done).
Expected<DeviceInfo> queryDevice(const CudaDriver &driver, int ordinal);

} // namespace attnc::runtime

#endif // ATTNC_RUNTIME_DEVICEINFO_H
