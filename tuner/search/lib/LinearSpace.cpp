//===- LinearSpace.cpp - Search space of chunkwise linear attention --------===//
//
// The linear family's two-level (TFLA-style) tiling: a sequence is cut into chunks of
// `chunk` steps whose states are carried by the recurrence; inside a chunk, bt rows by
// bk key columns by bv value columns are one CTA's tiles, with s pipeline stages. There
// is no linear template in templates/ yet: when one lands, these constraints must
// restate its static_asserts and shared-memory formula (the estimate below counts the
// staged Q, K and V tiles plus one fp32 bk x bv state tile).
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/Spaces.h"

#include <string>

namespace attnc::tuner {

namespace {
constexpr int kWarpSize = 32;
constexpr int kMmaM = 16;
constexpr int kElementBytes = 2; // bf16 / fp16 operands
constexpr int kStateBytes = 4;   // fp32 state

std::optional<std::string> divides(const char *what, int tile, const char *of, int extent) {
  if (tile > extent || extent % tile != 0)
    return std::string(what) + " " + std::to_string(tile) + " does not divide " + of + " " +
           std::to_string(extent);
  return std::nullopt;
}
} // namespace

SearchSpace linearSpace(int dk, int dv) {
  SearchSpace space("linear");
  space.addDimension("chunk", {64, 128, 256, 512, 1024})
      .addDimension("bt", {16, 32, 64, 128})
      .addDimension("bk", {32, 64, 128})
      .addDimension("bv", {32, 64, 128})
      .addDimension("w", {1, 2, 4, 8})
      .addDimension("s", {1, 2, 3})
      .setThreadsPerBlock([](const Candidate &c) { return c.get("w") * kWarpSize; });
  space.addConstraint(
      [dk, dv](const Candidate &c, const DeviceLimits &) -> std::optional<std::string> {
        if (auto reason = divides("bt", c.get("bt"), "chunk", c.get("chunk")))
          return reason;
        if (auto reason = divides("bk", c.get("bk"), "dk", dk))
          return reason;
        if (auto reason = divides("bv", c.get("bv"), "dv", dv))
          return reason;
        if (c.get("bt") % (c.get("w") * kMmaM) != 0)
          return "bt " + std::to_string(c.get("bt")) + " is not whole m16 row tiles for " +
                 std::to_string(c.get("w")) + " warps";
        return std::nullopt;
      });
  space.addConstraint(
      [](const Candidate &c, const DeviceLimits &limits) -> std::optional<std::string> {
        int bt = c.get("bt"), bk = c.get("bk"), bv = c.get("bv");
        int smem = c.get("s") * (2 * bt * bk + bt * bv) * kElementBytes + bk * bv * kStateBytes;
        if (smem > limits.smemOptinBytes)
          return "shared memory " + std::to_string(smem) + " B exceeds the device's " +
                 std::to_string(limits.smemOptinBytes) + " B";
        return std::nullopt;
      });
  return space;
}

} // namespace attnc::tuner
