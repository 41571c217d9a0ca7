//===- LinearConfig.cpp - Tile shape of a chunkwise linear kernel ---------===//
//
// Printing, the defaults, the shape rules and the shared-memory formula, which must agree
// with LinearTraits (the emitted prelude static_asserts kSmemBytes against it).
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
constexpr int kFloatBytes = 4;       // fp32 gate tables and normaliser
constexpr int kMlstmGateRows = 2;    // LinearMlstmTraits: forget and input gate per stage
constexpr int kMlstmTableScalars = 4; // MlstmTableLayout::kScalarFloats
constexpr int kMlstmTableRows = 5;    // MlstmTableLayout::kRows
} // namespace

bool isMlstmGate(LinearGateKind gate) {
  return gate == LinearGateKind::MlstmSig || gate == LinearGateKind::MlstmExp;
}

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
  case LinearGateKind::MlstmSig:
    return "mlstm-sig";
  case LinearGateKind::MlstmExp:
    return "mlstm-exp";
  }
  return "?";
}

std::string LinearConfig::str() const {
  return "c" + std::to_string(chunk) + " sub" + std::to_string(sub) + " v" +
         std::to_string(sliceV) + " w" + std::to_string(numWarps) +
         (segments > 0 ? " p" + std::to_string(segments) : "");
}

std::optional<LinearConfig> LinearConfig::parse(const std::string &text) {
  LinearConfig c;
  int used = 0;
  if (std::sscanf(text.c_str(), "c%d sub%d v%d w%d%n", &c.chunk, &c.sub, &c.sliceV, &c.numWarps,
                  &used) != 4)
    return std::nullopt;
  if (used != static_cast<int>(text.size())) {
    int tail = 0;
    if (std::sscanf(text.c_str() + used, " p%d%n", &c.segments, &tail) != 1 ||
        used + tail != static_cast<int>(text.size()) || c.segments <= 0)
      return std::nullopt;
  }
  if (c.chunk <= 0 || c.sub <= 0 || c.sliceV <= 0 || c.numWarps <= 0 || c.str() != text)
    return std::nullopt;
  return c;
}

std::vector<LinearConfig> linearCandidates(int headDimK, int headDimV, LinearGateKind gate) {
  // The mLSTM's gate tables and n push c128 v128 w8 past sm_90a's 227 KB; its 8-warp
  // candidate keeps V slices of 64.
  std::vector<LinearConfig> all =
      gate == LinearGateKind::PerChannel ? std::vector<LinearConfig>{{64, 16, 64, 4}}
      : isMlstmGate(gate)
          ? std::vector<LinearConfig>{{64, 32, 64, 4}, {128, 16, 64, 8}, {64, 16, 64, 4}}
          : std::vector<LinearConfig>{{64, 32, 64, 4}, {128, 16, 128, 8}, {64, 16, 64, 4}};
  std::vector<LinearConfig> fitting;
  for (const LinearConfig &c : all)
    if (linearConfigProblem(headDimK, headDimV, gate, c).empty())
      fitting.push_back(c);
  return fitting;
}

std::string linearConfigProblem(int headDimK, int headDimV, LinearGateKind gate,
                                const LinearConfig &c) {
  if (c.chunk <= 0 || c.sub <= 0 || c.sliceV <= 0 || c.numWarps <= 0)
    return "every size must be positive";
  if (c.segments < 0 || c.segments > kMaxLinearSegments)
    return "segments must be 0 (chosen per launch) or 1 to " + std::to_string(kMaxLinearSegments);
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
  return "";
}

int linearSmemBytes(int headDimK, LinearGateKind gate, const LinearConfig &c) {
  if (isMlstmGate(gate)) {
    const int stage = 2 * c.chunk * headDimK * kElementBytes + c.chunk * c.sliceV * kElementBytes +
                      kMlstmGateRows * c.chunk * kGateBytes;
    const int tables = (kMlstmTableScalars + kMlstmTableRows * c.chunk) * kFloatBytes;
    return kStages * stage + headDimK * c.sliceV * kElementBytes + tables + headDimK * kFloatBytes;
  }
  const bool vector = gate == LinearGateKind::PerChannel;
  const bool gateTile = gate == LinearGateKind::PerToken || vector;
  const int gateRow = vector ? headDimK + kCopyBytes / kGateBytes : 1;
  const int gateBytes = gateTile ? c.chunk * gateRow * kGateBytes : 0;
  const int qkBytes = c.chunk * headDimK * kElementBytes;
  const int vBytes = c.chunk * c.sliceV * kElementBytes;
  const int stateBytes = headDimK * c.sliceV * kElementBytes;
  return kStages * (2 * qkBytes + vBytes + gateBytes) + stateBytes;
}

} // namespace attnc::cuda
