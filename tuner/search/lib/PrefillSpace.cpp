//===- PrefillSpace.cpp - Search space of the prefill template -------------===//
//
// templates/attnc/Prefill.cuh's PrefillTraits<Element, HEAD_DIM, BLOCK_M, BLOCK_N,
// NUM_WARPS, STAGES, Q_IN_REGS>. The divisibility constraints below restate its
// static_asserts (keep them in step); shared memory comes from cuda::prefillSmemBytes,
// the formula the emitted prelude checks against PrefillTraits::kSmemBytes. The register
// bound counts only the fp32 accumulators (O, S) and Q's fragments, a floor ptxas cannot
// go below; what the variant's code adds is pruned after compiling.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/Spaces.h"

#include <algorithm>
#include <string>

namespace attnc::tuner {

namespace {
constexpr int kWarpSize = 32;       // Mma.cuh kWarpSize
constexpr int kMmaM = 16;           // Mma.cuh kMmaM: rows of an m16n8k16 tile
constexpr int kMmaK = 16;           // Mma.cuh kMmaK: reduction depth of an m16n8k16 tile
constexpr int kHeadDimQuantum = 64; // one 128-byte swizzle group of 16-bit elements
constexpr int kHalvesPerRegister = 2;

int threadsOf(const Candidate &c) { return c.get("w") * kWarpSize; }

/// Registers per thread the fragments alone need: O (bm x d fp32), S (bm x bn fp32) and,
/// with qregs, Q (bm x d 16-bit), all spread over the block's threads.
int registerFloor(int headDim, const Candidate &c) {
  int threads = threadsOf(c);
  int bm = c.get("bm"), bn = c.get("bn");
  int floor = bm * headDim / threads + bm * bn / threads;
  if (c.get("qregs"))
    floor += bm * headDim / kHalvesPerRegister / threads;
  return floor;
}
} // namespace

ConstraintFn prefillSharedMemoryConstraint(int headDim) {
  return [headDim](const Candidate &c, const DeviceLimits &limits) -> std::optional<std::string> {
    const cuda::PrefillConfig config = toPrefillConfig(c);
    int smem = cuda::prefillSmemBytes(headDim, config);
    if (smem > limits.smemOptinBytes)
      return "shared memory " + std::to_string(smem) + " B exceeds the device's " +
             std::to_string(limits.smemOptinBytes) + " B";
    if (config.ctasPerSm > 1) {
      int share = limits.smemPerSMBytes / config.ctasPerSm - cuda::kSmemReservedPerCta;
      if (smem > share)
        return "shared memory " + std::to_string(smem) + " B exceeds the " +
               std::to_string(share) + " B a CTA has at " + std::to_string(config.ctasPerSm) +
               " per SM";
    }
    return std::nullopt;
  };
}

cuda::PrefillConfig toPrefillConfig(const Candidate &c) {
  if (std::optional<int> overlap = c.find("overlap"))
    return cuda::PrefillConfig::hopper(c.get("bn"), c.get("s"), *overlap != 0,
                                       c.find("ctas").value_or(1), c.find("persist").value_or(0),
                                       c.find("pingpong").value_or(0) != 0);
  cuda::PrefillConfig config;
  config.blockM = c.get("bm");
  config.blockN = c.get("bn");
  config.numWarps = c.get("w");
  config.stages = c.get("s");
  config.qInRegs = c.get("qregs") != 0;
  return config;
}

Candidate fromPrefillConfig(const cuda::PrefillConfig &config) {
  if (config.sm90)
    return Candidate{{{"bn", config.blockN},
                      {"s", config.stages},
                      {"overlap", config.overlap ? 1 : 0},
                      {"ctas", config.ctasPerSm},
                      {"persist", config.persistent},
                      {"pingpong", config.pingpong ? 1 : 0}}};
  return Candidate{{{"bm", config.blockM},
                    {"bn", config.blockN},
                    {"w", config.numWarps},
                    {"s", config.stages},
                    {"qregs", config.qInRegs ? 1 : 0}}};
}

SearchSpace prefillSpace(int headDim) {
  SearchSpace space("prefill");
  space.addDimension("bm", {16, 32, 64, 128, 256})
      .addDimension("bn", {16, 32, 64, 128})
      .addDimension("w", {1, 2, 4, 8})
      .addDimension("s", {2, 3, 4})
      .addDimension("qregs", {0, 1})
      .setThreadsPerBlock(threadsOf);
  space.addConstraint(
      [headDim](const Candidate &, const DeviceLimits &) -> std::optional<std::string> {
        if (headDim % kHeadDimQuantum != 0)
          return "head dim " + std::to_string(headDim) + " is not a multiple of 64";
        return std::nullopt;
      });
  space.addConstraint([](const Candidate &c, const DeviceLimits &) -> std::optional<std::string> {
    if (c.get("bm") % (c.get("w") * kMmaM) != 0)
      return "bm " + std::to_string(c.get("bm")) + " is not whole m16 row tiles for " +
             std::to_string(c.get("w")) + " warps";
    if (c.get("bn") % kMmaK != 0)
      return "bn " + std::to_string(c.get("bn")) + " is not whole k16 steps";
    return std::nullopt;
  });
  space.addConstraint(
      [](const Candidate &c, const DeviceLimits &limits) -> std::optional<std::string> {
        if (threadsOf(c) > limits.maxThreadsPerBlock)
          return std::to_string(threadsOf(c)) + " threads exceed the device's " +
                 std::to_string(limits.maxThreadsPerBlock);
        return std::nullopt;
      });
  space.addConstraint(prefillSharedMemoryConstraint(headDim));
  space.addConstraint(
      [headDim](const Candidate &c, const DeviceLimits &limits) -> std::optional<std::string> {
        int cap = std::min(limits.maxRegistersPerThread, limits.registersPerBlock / threadsOf(c));
        int floor = registerFloor(headDim, c);
        if (floor > cap)
          return "fragments need at least " + std::to_string(floor) +
                 " registers per thread, over the " + std::to_string(cap) + " available";
        return std::nullopt;
      });
  return space;
}

} // namespace attnc::tuner
