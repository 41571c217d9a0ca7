//===- LinearConfig.cpp - Tile shape of a chunkwise linear kernel ---------===//
//
// Printing, the defaults, the shape rules and the shared-memory formula, which must agree
// with LinearTraits and LinearDeltaTraits (the emitted prelude static_asserts kSmemBytes
// against it).
//
//===----------------------------------------------------------------------===//
#include "attnc/Target/CUDA/LinearConfig.h"

#include <cstdio>

namespace attnc::cuda {

namespace {
constexpr int kElementBytes = 2; // bf16 / fp16 operands
constexpr int kGateBytes = 4;    // f32 log gates
constexpr int kCopyBytes = 16;   // cp.async chunk: per-channel gate rows pad by one
constexpr int kStages = 2;       // LinearTraits::kStages
constexpr int kMmaM = 16;        // m16n8k16
constexpr int kWarpSize = 32;
constexpr int kSwizzleElements = 64; // a 128-byte swizzle row of 16-bit elements
constexpr int kFloatBytes = 4;       // beta, A and R of the delta rule are fp32
constexpr int kDeltaMaxChunk = 64;   // LinearDeltaTraits: CHUNK floats per solving thread
constexpr int kDeltaRowPad = kCopyBytes / kFloatBytes; // A and R rows pad by one chunk
constexpr const char *kDeltaRecurrences[] = {"delta_rule", "gated_delta_rule"};

/// LinearDeltaTraits' additions to the decay family's rules.
std::string deltaProblem(LinearGateKind gate, const LinearConfig &c) {
  if (gate != LinearGateKind::None && gate != LinearGateKind::PerToken)
    return "the delta rule is plain or gated by one log decay per token";
  if (c.chunk > kDeltaMaxChunk)
    return "the delta rule's forward substitution handles chunks of at most " +
           std::to_string(kDeltaMaxChunk) + " tokens";
  if (c.sliceV > c.numWarps * kWarpSize)
    return "the delta rule solves one V column per thread: the V slice must not exceed the "
           "threads";
  return "";
}
} // namespace

const char *linearGateName(LinearGateKind gate) {
  switch (gate) {
  case LinearGateKind::None:
    return "none";
  case LinearGateKind::PerHead:
    return "per-head";
  case LinearGateKind::PerToken:
    return "per-token";
  case LinearGateKind::PerChannel:
    return "per-channel";
  }
  return "?";
}

const char *linearRuleName(LinearRule rule) {
  return rule == LinearRule::Delta ? "delta" : "additive";
}

LinearRule linearRuleOf(const std::string &recurrence) {
  for (const char *delta : kDeltaRecurrences)
    if (recurrence == delta)
      return LinearRule::Delta;
  return LinearRule::Additive;
}

std::string LinearConfig::str() const {
  return "c" + std::to_string(chunk) + " sub" + std::to_string(sub) + " v" +
         std::to_string(sliceV) + " w" + std::to_string(numWarps);
}

std::optional<LinearConfig> LinearConfig::parse(const std::string &text) {
  LinearConfig c;
  int used = 0;
  if (std::sscanf(text.c_str(), "c%d sub%d v%d w%d%n", &c.chunk, &c.sub, &c.sliceV, &c.numWarps,
                  &used) != 4 ||
      used != static_cast<int>(text.size()))
    return std::nullopt;
  if (c.chunk <= 0 || c.sub <= 0 || c.sliceV <= 0 || c.numWarps <= 0 || c.str() != text)
    return std::nullopt;
  return c;
}

std::vector<LinearConfig> linearCandidates(int headDimK, int headDimV, LinearGateKind gate,
                                           LinearRule rule) {
  std::vector<LinearConfig> all =
      gate == LinearGateKind::PerChannel
          ? std::vector<LinearConfig>{{64, 16, 64, 4}}
          : std::vector<LinearConfig>{{64, 32, 64, 4}, {128, 16, 128, 8}, {64, 16, 64, 4}};
  std::vector<LinearConfig> fitting;
  for (const LinearConfig &c : all)
    if (linearConfigProblem(headDimK, headDimV, gate, rule, c).empty())
      fitting.push_back(c);
  return fitting;
}

std::string linearConfigProblem(int headDimK, int headDimV, LinearGateKind gate, LinearRule rule,
                                const LinearConfig &c) {
  if (c.chunk <= 0 || c.sub <= 0 || c.sliceV <= 0 || c.numWarps <= 0)
    return "every size must be positive";
  if (c.sliceV % kSwizzleElements != 0 || headDimV % c.sliceV != 0)
    return "the V slice must be a multiple of 64 that divides V=" + std::to_string(headDimV);
  if (c.chunk % (c.numWarps * kMmaM) != 0)
    return "the chunk must be a multiple of 16 x warps";
  if (c.chunk % c.sub != 0 || c.sub % kMmaM != 0)
    return "the key sub-tile must be a multiple of 16 that divides the chunk";
  if (c.chunk % kWarpSize != 0)
    return "the chunk must be a multiple of 32 (one warp scans the gates)";
  if (headDimK % (c.numWarps * kMmaM) != 0)
    return "K=" + std::to_string(headDimK) + " must be a multiple of 16 x warps";
  if (gate == LinearGateKind::PerChannel && c.sub != kMmaM)
    return "per-channel gates need a 16-token key sub-tile";
  if (gate == LinearGateKind::PerChannel && headDimK > c.numWarps * kWarpSize)
    return "per-channel gates need at least K threads (one scans each key channel)";
  return rule == LinearRule::Delta ? deltaProblem(gate, c) : "";
}

int linearSmemBytes(int headDimK, LinearGateKind gate, LinearRule rule, const LinearConfig &c) {
  const bool vector = gate == LinearGateKind::PerChannel;
  const bool gateTile = gate == LinearGateKind::PerToken || vector;
  const int gateRow = vector ? headDimK + kCopyBytes / kGateBytes : 1;
  const int gateBytes = gateTile ? c.chunk * gateRow * kGateBytes : 0;
  const int qkBytes = c.chunk * headDimK * kElementBytes;
  const int vBytes = c.chunk * c.sliceV * kElementBytes;
  const int stateBytes = headDimK * c.sliceV * kElementBytes;
  if (rule == LinearRule::Additive)
    return kStages * (2 * qkBytes + vBytes + gateBytes) + stateBytes;
  const int betaBytes = c.chunk * kFloatBytes;
  const int systemBytes = c.chunk * (c.chunk + kDeltaRowPad) * kFloatBytes;
  const int rhsBytes = c.chunk * (c.sliceV + kDeltaRowPad) * kFloatBytes;
  return kStages * (2 * qkBytes + vBytes + gateBytes + betaBytes) + stateBytes + vBytes +
         systemBytes + rhsBytes;
}

} // namespace attnc::cuda
