//===- Measurer.cpp - Status names and post-compile pruning ----------------===//
//
// What the search does with a compiled candidate before it spends GPU time on it: a
// kernel touching local memory is slower than one that does not and is rejected; a
// kernel whose registers leave no room for one block cannot launch; one under the
// caller's minimum occupancy cannot hide latency and is not worth timing.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/Measurer.h"

#include <algorithm>
#include <climits>

namespace attnc::tuner {

namespace {
constexpr int kRegisterAllocationUnit = 8; // registers are allocated per thread in 8s
} // namespace

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

int blocksPerSM(const CompileResult &result, int threads, const DeviceLimits &limits) {
  int blocks = INT_MAX;
  if (threads > 0) {
    blocks = std::min(blocks, limits.maxThreadsPerSM / threads);
    int registers = (result.registers + kRegisterAllocationUnit - 1) / kRegisterAllocationUnit *
                    kRegisterAllocationUnit;
    if (registers > 0)
      blocks = std::min(blocks, limits.registersPerSM / (registers * threads));
  }
  if (result.sharedBytes > 0)
    blocks = std::min(blocks, limits.smemPerSMBytes / result.sharedBytes);
  return blocks;
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
  int blocks = blocksPerSM(result, threads, limits);
  if (blocks < limits.minBlocksPerSM)
    return "occupancy of " + std::to_string(blocks) + " blocks per SM is under the minimum of " +
           std::to_string(limits.minBlocksPerSM);
  return std::nullopt;
}

} // namespace attnc::tuner
