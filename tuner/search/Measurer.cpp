//===- Measurer.cpp - Status names and post-compile pruning ----------------===//
//
// What the search does with a compiled candidate before it spends GPU time on it: a
// kernel touching local memory is slower than one that does not and is rejected; a
// kernel whose registers leave no room for one block cannot launch.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/Measurer.h"

namespace attnc::tuner {

const char *measureStatusName(MeasureStatus status) {
  switch (status) {
  case MeasureStatus::Ok:
    return "ok";
  case MeasureStatus::Failed:
    return "failed";
  case MeasureStatus::Wrong:
    return "wrong";
  case MeasureStatus::Timeout:
    return "timeout";
  }
  return "unknown";
}

std::optional<std::string> postCompileReject(const CompileResult &result, int threads,
                                             const DeviceLimits &limits) {
  if (result.localBytes > 0)
    return "uses " + std::to_string(result.localBytes) + " B of local memory (spills)";
  if (result.registers > limits.maxRegistersPerThread)
    return std::to_string(result.registers) + " registers per thread exceed " +
           std::to_string(limits.maxRegistersPerThread);
  if (threads > 0 && result.registers * threads > limits.registersPerBlock)
    return std::to_string(result.registers) + " registers x " + std::to_string(threads) +
           " threads exceed the " + std::to_string(limits.registersPerBlock) +
           " registers of a block";
  return std::nullopt;
}

} // namespace attnc::tuner
