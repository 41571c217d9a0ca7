//===- LinearSpace.cpp - Search space of chunkwise linear attention --------===//
//
// The parameters of templates/attnc/LinearTraits.cuh as cuda::LinearConfig names them:
// chunk (CHUNK, tokens per pass over the state), sub (SUB, the key sub-tile of the
// intra-chunk product), v (SLICE_V, the V columns of the state one CTA owns), w
// (NUM_WARPS), s (STAGES, chunks in the cp.async pipeline: more bytes in flight per CTA,
// fewer CTAs per SM) and p (segments per sequence, a launch-time split: 0 lets each launch choose
// from the SM count; candidates that differ only in p share one compiled cubin). p is how
// often the state passes through HBM, every T / p tokens (TFLA's chunk size; at T = 16k,
// p16 is every 1024 tokens, p64 every 256); chunk is the tile walked inside a segment with
// the state in registers (TFLA's second level of tiling, recurrent here); span (SPAN)
// makes chunks of span tiles, up to 1024 tokens, whose intra part is quadratic across the
// tiles as in TFLA (the decay family and the mLSTM). The delta
// rule (LinearDeltaSplitTraits.cuh) fixes the chunk and the key sub-tile, takes warps in
// groups of chunk / 16 that split the V slice (each group at least 32 columns, hence v32
// in the space) and does not split sequences; nor does the mLSTM. The constraints are cuda::linearConfigProblem, which restates
// the template's static_asserts, plus the head-dim asserts it leaves to the emitter and
// the shared-memory formula the emitted prelude checks, so a pruned-in point always
// compiles.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/Spaces.h"

#include <algorithm>
#include <string>

namespace attnc::tuner {

namespace {
constexpr int kWarpSize = 32;
constexpr int kSwizzleElements = 64; ///< LinearTraits: rows span whole 128-byte groups
} // namespace

cuda::LinearConfig toLinearConfig(const Candidate &c) {
  return cuda::LinearConfig{c.get("chunk"), c.get("sub"), c.get("v"), c.get("w"),
                            c.get("p"),     c.get("s"),   c.get("span")};
}

Candidate fromLinearConfig(const cuda::LinearConfig &config) {
  return Candidate{{{"span", config.span},
                    {"chunk", config.chunk},
                    {"sub", config.sub},
                    {"v", config.sliceV},
                    {"w", config.numWarps},
                    {"s", config.stages},
                    {"p", config.segments}}};
}

SearchSpace linearSpace(int dk, int dv, cuda::LinearGateKind gate, cuda::LinearRule rule) {
  SearchSpace space("linear");
  // span first, so enumeration (the exhaustive order) measures every one-tile chunk before
  // any chunk of several tiles: on the H100 those ran 1.5x to 5x slower (bench/NOTES.md).
  space.addDimension("span", {1, 2, 4, 8, 16})
      .addDimension("chunk", {32, 64, 128, 256})
      .addDimension("sub", {16, 32, 64, 128})
      .addDimension("v", {32, 64, 128, 256})
      .addDimension("w", {1, 2, 4, 8})
      .addDimension("s", {2, 3, 4})
      .addDimension("p", {0, 1, 2, 4, 8, 16, 32, cuda::kMaxLinearSegments})
      .setThreadsPerBlock([](const Candidate &c) { return c.get("w") * kWarpSize; });
  space.addConstraint(
      [dk, dv, gate, rule](const Candidate &c, const DeviceLimits &) -> std::optional<std::string> {
        if (dk % kSwizzleElements != 0 || dv % kSwizzleElements != 0)
          return "head dims K=" + std::to_string(dk) + ", V=" + std::to_string(dv) +
                 " are not multiples of 64";
        std::string why = cuda::linearConfigProblem(dk, dv, gate, rule, toLinearConfig(c));
        if (!why.empty())
          return why;
        return std::nullopt;
      });
  space.addConstraint([dk, dv, gate, rule](const Candidate &c, const DeviceLimits &limits)
                          -> std::optional<std::string> {
    const cuda::LinearConfig config = toLinearConfig(c);
    int smem = cuda::linearSmemBytes(dk, gate, rule, config);
    if (rule == cuda::LinearRule::Delta) // the prepare stage runs in the same module
      smem = std::max(smem, cuda::linearDeltaPrepareSmemBytes(dk, dv, gate, config));
    if (smem > limits.smemOptinBytes)
      return "shared memory " + std::to_string(smem) + " B exceeds the device's " +
             std::to_string(limits.smemOptinBytes) + " B";
    return std::nullopt;
  });
  return space;
}

} // namespace attnc::tuner
