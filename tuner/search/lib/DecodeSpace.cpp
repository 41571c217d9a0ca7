//===- DecodeSpace.cpp - Search space of split-KV decode -------------------===//
//
// Decode (a few query rows, long KV) splits each head's keys over `splits` CTAs whose
// partial results are merged afterwards; bn keys stream per block through a double
// buffer of K and V tiles. There is no decode template in templates/ yet: when one lands,
// these constraints must restate its static_asserts and its shared-memory formula.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/Spaces.h"

#include <string>

namespace attnc::tuner {

namespace {
constexpr int kWarpSize = 32;
constexpr int kMmaK = 16;        // keys per k16 step of P V
constexpr int kElementBytes = 2; // bf16 / fp16
constexpr int kBuffers = 2;      // double-buffered K/V tiles
} // namespace

SearchSpace decodeSpace(int headDim) {
  SearchSpace space("decode");
  space.addDimension("splits", {1, 2, 4, 8, 16, 32})
      .addDimension("bn", {32, 64, 128, 256})
      .addDimension("w", {1, 2, 4, 8})
      .setThreadsPerBlock([](const Candidate &c) { return c.get("w") * kWarpSize; });
  space.addConstraint([](const Candidate &c, const DeviceLimits &) -> std::optional<std::string> {
    if (c.get("bn") % (c.get("w") * kMmaK) != 0)
      return "bn " + std::to_string(c.get("bn")) + " is not whole k16 steps for each of " +
             std::to_string(c.get("w")) + " warps";
    return std::nullopt;
  });
  space.addConstraint(
      [headDim](const Candidate &c, const DeviceLimits &limits) -> std::optional<std::string> {
        int smem = kBuffers * 2 * c.get("bn") * headDim * kElementBytes;
        if (smem > limits.smemOptinBytes)
          return "shared memory " + std::to_string(smem) + " B exceeds the device's " +
                 std::to_string(limits.smemOptinBytes) + " B";
        return std::nullopt;
      });
  return space;
}

} // namespace attnc::tuner
