//===- DeviceProbe.cpp - DeviceInfo from a child process -------------------===//
//
// The child opens a Runtime (cuInit, device query) and writes either "ok\n" and the
// DeviceInfo's fields as `name=value` lines, or "error\n" and the message.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/DeviceProbe.h"

#include "attnc/Runtime/Runtime.h"
#include "attnc/Tuner/ChildProcess.h"

#include <map>
#include <sstream>

namespace attnc::tuner {

namespace {
constexpr std::chrono::milliseconds kProbeWatchdog{60000}; // driver start-up can be slow
constexpr const char *kOk = "ok\n";
constexpr const char *kFailed = "error\n";
} // namespace

std::string serializeDeviceInfo(const runtime::DeviceInfo &d) {
  std::ostringstream os;
  os << "ordinal=" << d.ordinal << "\nname=" << d.name << "\ncc_major=" << d.ccMajor
     << "\ncc_minor=" << d.ccMinor << "\nsm_count=" << d.smCount
     << "\nsmem_optin=" << d.maxSharedMemoryPerBlockOptin
     << "\nsmem_block=" << d.maxSharedMemoryPerBlock
     << "\nregisters_block=" << d.maxRegistersPerBlock
     << "\nthreads_block=" << d.maxThreadsPerBlock << "\nl2_bytes=" << d.l2CacheBytes
     << "\nmemory_bytes=" << d.totalMemoryBytes << "\ndriver=" << d.driverVersion
     << "\nnvrtc_major=" << d.nvrtcMajor << "\nnvrtc_minor=" << d.nvrtcMinor << "\n";
  return os.str();
}

std::optional<runtime::DeviceInfo> deserializeDeviceInfo(const std::string &text) {
  std::map<std::string, std::string> fields;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    size_t eq = line.find('=');
    if (eq == std::string::npos)
      return std::nullopt;
    fields[line.substr(0, eq)] = line.substr(eq + 1);
  }
  runtime::DeviceInfo d;
  try {
    auto integer = [&](const char *key) { return std::stoll(fields.at(key)); };
    d.ordinal = static_cast<int>(integer("ordinal"));
    d.name = fields.at("name");
    d.ccMajor = static_cast<int>(integer("cc_major"));
    d.ccMinor = static_cast<int>(integer("cc_minor"));
    d.smCount = static_cast<int>(integer("sm_count"));
    d.maxSharedMemoryPerBlockOptin = static_cast<int>(integer("smem_optin"));
    d.maxSharedMemoryPerBlock = static_cast<int>(integer("smem_block"));
    d.maxRegistersPerBlock = static_cast<int>(integer("registers_block"));
    d.maxThreadsPerBlock = static_cast<int>(integer("threads_block"));
    d.l2CacheBytes = static_cast<int>(integer("l2_bytes"));
    d.totalMemoryBytes = integer("memory_bytes");
    d.driverVersion = static_cast<int>(integer("driver"));
    d.nvrtcMajor = static_cast<int>(integer("nvrtc_major"));
    d.nvrtcMinor = static_cast<int>(integer("nvrtc_minor"));
  } catch (const std::exception &) {
    return std::nullopt;
  }
  return d;
}

runtime::Expected<runtime::DeviceInfo> probeDeviceInChild(int ordinal) {
  ChildOutcome outcome = runInChild(
      [ordinal]() -> std::string {
        auto rt = runtime::Runtime::create(ordinal);
        if (!rt)
          return std::string(kFailed) + rt.error().message;
        return std::string(kOk) + serializeDeviceInfo((*rt)->device());
      },
      kProbeWatchdog, "device probe");
  if (outcome.kind != ChildOutcome::Kind::Finished)
    return runtime::Error{runtime::ErrorCode::NoDevice,
                          "could not query CUDA device " + std::to_string(ordinal) + ": " +
                              outcome.failure};
  const std::string &out = outcome.output;
  if (out.rfind(kFailed, 0) == 0)
    return runtime::Error{runtime::ErrorCode::NoDevice, out.substr(std::string(kFailed).size())};
  std::optional<runtime::DeviceInfo> device;
  if (out.rfind(kOk, 0) == 0)
    device = deserializeDeviceInfo(out.substr(std::string(kOk).size()));
  if (!device)
    return runtime::Error{runtime::ErrorCode::Internal, "device probe wrote an unreadable answer"};
  return *device;
}

DeviceLimits deviceLimits(const runtime::DeviceInfo &device) {
  DeviceLimits limits;
  if (device.maxSharedMemoryPerBlockOptin > 0)
    limits.smemOptinBytes = device.maxSharedMemoryPerBlockOptin;
  if (device.maxThreadsPerBlock > 0)
    limits.maxThreadsPerBlock = device.maxThreadsPerBlock;
  if (device.maxRegistersPerBlock > 0)
    limits.registersPerBlock = device.maxRegistersPerBlock;
  return limits;
}

} // namespace attnc::tuner
