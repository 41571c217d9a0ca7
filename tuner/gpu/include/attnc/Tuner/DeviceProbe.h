//===- DeviceProbe.h - Read the GPU's properties without touching CUDA --*- C++ -*-===//
//
// A tuner measures in forked children (ChildProcessMeasurer), and a child of a process
// that called cuInit cannot use CUDA: so the tuning process itself never initialises the
// driver. It learns the device's fingerprint, arch and limits from a short-lived child
// that opens a Runtime, writes the DeviceInfo to a pipe and exits.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TUNER_DEVICEPROBE_H
#define ATTNC_TUNER_DEVICEPROBE_H

#include "attnc/Runtime/DeviceInfo.h"
#include "attnc/Tuner/SearchSpace.h"

#include <optional>
#include <string>

namespace attnc::tuner {

/// The DeviceInfo of device `ordinal`, read in a child process; the parent stays free of
/// CUDA. Errors (no driver, no device) come back with the child's message.
runtime::Expected<runtime::DeviceInfo> probeDeviceInChild(int ordinal);

/// The pruning limits of `device` (fields the driver does not report keep their defaults).
DeviceLimits deviceLimits(const runtime::DeviceInfo &device);

/// Line-based text form of a DeviceInfo (exposed for tests).
std::string serializeDeviceInfo(const runtime::DeviceInfo &device);
std::optional<runtime::DeviceInfo> deserializeDeviceInfo(const std::string &text);

} // namespace attnc::tuner

#endif // ATTNC_TUNER_DEVICEPROBE_H
