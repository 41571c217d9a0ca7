//===- DeviceInfo.cpp - Querying a device and naming its arch --------------------===//
#include "attnc/Runtime/DeviceInfo.h"

#include "attnc/Runtime/CudaDriver.h"
#include "attnc/Runtime/Nvrtc.h"

namespace attnc::runtime {

std::string DeviceInfo::archForComputeCapability(int major, int minor) {
  std::string arch = "sm_" + std::to_string(major) + std::to_string(minor);
  bool archSpecific = (major == 9 && minor == 0) || (major == 10 && (minor == 0 || minor == 3));
  return archSpecific ? arch + "a" : arch;
}

std::string DeviceInfo::fingerprint() const {
  return name + "|" + arch() + "|" + std::to_string(smCount) + "SM|smem" +
         std::to_string(maxSharedMemoryPerBlockOptin) + "|driver" + std::to_string(driverVersion) +
         "|nvrtc" + std::to_string(nvrtcMajor) + "." + std::to_string(nvrtcMinor);
}

Expected<DeviceInfo> queryDevice(const CudaDriver &driver, int ordinal) {
  int count = 0;
  if (Status st = driver.check(driver.cuDeviceGetCount(&count), "cuDeviceGetCount"); !st)
    return st.takeError();
  if (count == 0)
    return makeError(ErrorCode::NoDevice, "no CUDA device: the driver reports 0 devices");
  if (ordinal < 0 || ordinal >= count)
    return makeError(ErrorCode::NoDevice, "no CUDA device: ordinal " + std::to_string(ordinal) +
                                              " requested, " + std::to_string(count) + " present");
  CUdevice dev;
  if (Status st = driver.check(driver.cuDeviceGet(&dev, ordinal), "cuDeviceGet"); !st)
    return st.takeError();

  DeviceInfo info;
  info.ordinal = ordinal;
  char name[256] = {0};
  if (Status st =
          driver.check(driver.cuDeviceGetName(name, sizeof(name) - 1, dev), "cuDeviceGetName");
      !st)
    return st.takeError();
  info.name = name;
  struct {
    int *field;
    CUdevice_attribute attr;
  } attrs[] = {
      {&info.ccMajor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR},
      {&info.ccMinor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR},
      {&info.smCount, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT},
      {&info.maxSharedMemoryPerBlockOptin, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN},
      {&info.maxSharedMemoryPerBlock, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK},
      {&info.maxRegistersPerBlock, CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK},
      {&info.maxThreadsPerBlock, CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK},
      {&info.l2CacheBytes, CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE},
  };
  for (auto &a : attrs)
    if (Status st =
            driver.check(driver.cuDeviceGetAttribute(a.field, a.attr, dev), "cuDeviceGetAttribute");
        !st)
      return st.takeError();
  size_t total = 0;
  if (Status st = driver.check(driver.cuDeviceTotalMem(&total, dev), "cuDeviceTotalMem"); !st)
    return st.takeError();
  info.totalMemoryBytes = int64_t(total);
  if (Status st =
          driver.check(driver.cuDriverGetVersion(&info.driverVersion), "cuDriverGetVersion");
      !st)
    return st.takeError();
  Nvrtc::version(info.nvrtcMajor, info.nvrtcMinor);
  return info;
}

} // namespace attnc::runtime
