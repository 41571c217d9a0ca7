//===- LinearConfig.cpp - Tile shape of a chunkwise linear kernel ---------===//
//
// Printing, the defaults, the shape rules and the shared-memory formulas, which must agree
// with LinearTraits and LinearDeltaSplitTraits (the emitted prelude static_asserts each
// stage's kSmemBytes against them), and the delta rule's workspace row per token, which
// must agree with LinearDeltaWorkspace.cuh.
//
//===----------------------------------------------------------------------===//
#include "attnc/Target/CUDA/LinearConfig.h"

#include <algorithm>
#include <cstdio>

namespace attnc::cuda {

namespace {
constexpr int kElementBytes = 2; // bf16 / fp16 operands
constexpr int kGateBytes = 4;    // f32 log gates
constexpr int kCopyBytes = 16;   // cp.async chunk: per-channel gate rows pad by one
constexpr int kMmaM = 16;        // m16n8k16
constexpr int kWarpSize = 32;
constexpr int kSwizzleElements = 64; // a 128-byte swizzle row of 16-bit elements
constexpr int kFloatBytes = 4;       // fp32 gate tables, normaliser; the delta rule's beta, gates, decays, A
constexpr int kMlstmGateRows = 2;    // LinearMlstmTraits: forget and input gate per stage
// MlstmTableLayout::scalarFloats(span): two scalars, five with SPAN > 1, in 16-byte chunks.
constexpr int kMlstmTableScalars = 4;
constexpr int kMlstmSpanTableScalars = 8;
constexpr int kMlstmTableRows = 5;    // MlstmTableLayout::kRows
constexpr int kDeltaChunk = 64;      // LinearDeltaSplitTraits: kDeltaSplitChunk
constexpr int kDeltaRowPad = kCopyBytes / kFloatBytes; // A rows pad by one chunk
constexpr const char *kDeltaRecurrences[] = {"delta_rule", "gated_delta_rule"};

constexpr int kDeltaGroupSliceElements = 32; // a walk group's V columns: 64-byte rows at least

/// LinearDeltaSplitTraits' rules, which replace the decay family's warp and slice rules:
/// the walk's warps form groups of chunk / 16 (one m16 stripe each) that own equal V
/// columns of the slice, and each group is the decay family's tiling on its columns.
std::string deltaProblem(int headDimK, int headDimV, LinearGateKind gate,
                         const LinearConfig &c) {
  if (gate != LinearGateKind::None && gate != LinearGateKind::PerToken)
    return "the delta rule is plain or gated by one log decay per token";
  if (c.chunk != kDeltaChunk)
    return "the delta rule's stages work on chunks of " + std::to_string(kDeltaChunk) +
           " tokens (a row of scores is one 128-byte swizzle group)";
  const int groupWarps = c.chunk / kMmaM;
  if (c.numWarps % groupWarps != 0)
    return "the delta rule's walk gives each warp one m16 stripe: warps must be a multiple "
           "of chunk / 16";
  const int groups = c.numWarps / groupWarps;
  if (c.sliceV % groups != 0 || (c.sliceV / groups) % kDeltaGroupSliceElements != 0 ||
      headDimV % c.sliceV != 0)
    return "the V slice must divide V=" + std::to_string(headDimV) + " into " +
           std::to_string(groups) + " warp group(s) of a multiple of 32 columns each";
  if (headDimK % (groupWarps * kMmaM) != 0)
    return "K=" + std::to_string(headDimK) + " must be a multiple of 16 x chunk / 16";
  if (c.sub != kMmaM)
    return "the delta rule has no key sub-tile (its walk reads the prepared scores): sub "
           "must be 16";
  if (c.segments > 1)
    return "the delta rule does not split sequences into segments";
  return "";
}
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
         std::to_string(sliceV) + " w" + std::to_string(numWarps) +
         (stages != kDefaultLinearStages ? " s" + std::to_string(stages) : "") +
         (span > 1 ? " span" + std::to_string(span) : "") +
         (segments > 0 ? " p" + std::to_string(segments) : "");
}

std::optional<LinearConfig> LinearConfig::parse(const std::string &text) {
  LinearConfig c;
  int used = 0;
  if (std::sscanf(text.c_str(), "c%d sub%d v%d w%d%n", &c.chunk, &c.sub, &c.sliceV, &c.numWarps,
                  &used) != 4)
    return std::nullopt;
  int tail = 0;
  if (std::sscanf(text.c_str() + used, " s%d%n", &c.stages, &tail) == 1)
    used += tail;
  tail = 0;
  if (std::sscanf(text.c_str() + used, " span%d%n", &c.span, &tail) == 1) {
    used += tail;
    if (c.span <= 1)
      return std::nullopt;
  }
  tail = 0;
  if (std::sscanf(text.c_str() + used, " p%d%n", &c.segments, &tail) == 1) {
    used += tail;
    if (c.segments <= 0)
      return std::nullopt;
  }
  if (used != static_cast<int>(text.size()) || c.chunk <= 0 || c.sub <= 0 || c.sliceV <= 0 ||
      c.numWarps <= 0 || c.stages < kMinLinearStages || c.stages > kMaxLinearStages ||
      c.str() != text)
    return std::nullopt;
  return c;
}

std::vector<LinearConfig> linearCandidates(int headDimK, int headDimV, LinearGateKind gate,
                                           LinearRule rule, int smemLimitBytes) {
  // The mLSTM's gate tables and n push c128 v128 w8 past sm_90a's 227 KB; its 8-warp
  // candidate keeps V slices of 64.
  std::vector<LinearConfig> all =
      // The delta rule: V slices of 32 first (one wave of 128 walks at B*H = 32 and a
      // T = 4k wave twice as long: 1.26-1.67x FLA at T = 4k and 16k on the H100), then
      // slices of 128 (the fastest at T = 4k, 1.62-1.88x, but 32 walks at T = 16k).
      rule == LinearRule::Delta
          ? std::vector<LinearConfig>{{64, 16, 32, 4}, {64, 16, 128, 8}, {64, 16, 64, 8},
                                      {64, 16, 64, 4}}
      : gate == LinearGateKind::PerChannel ? std::vector<LinearConfig>{{64, 16, 64, 4}}
      : isMlstmGate(gate)
          ? std::vector<LinearConfig>{{64, 32, 64, 4}, {128, 16, 64, 8}, {64, 16, 64, 4}}
          : std::vector<LinearConfig>{{128, 16, 128, 8}, {64, 32, 64, 4}, {64, 16, 64, 4}};
  std::vector<LinearConfig> fitting;
  for (const LinearConfig &c : all) {
    if (!linearConfigProblem(headDimK, headDimV, gate, rule, c).empty())
      continue;
    int smem = linearSmemBytes(headDimK, gate, rule, c);
    if (rule == LinearRule::Delta) // the prepare stage runs from the same module
      smem = std::max(smem, linearDeltaPrepareSmemBytes(headDimK, headDimV, gate, c));
    if (smemLimitBytes <= 0 || smem <= smemLimitBytes)
      fitting.push_back(c);
  }
  return fitting;
}

std::string linearConfigProblem(int headDimK, int headDimV, LinearGateKind gate, LinearRule rule,
                                const LinearConfig &c) {
  if (c.chunk <= 0 || c.sub <= 0 || c.sliceV <= 0 || c.numWarps <= 0)
    return "every size must be positive";
  if (c.segments < 0 || c.segments > kMaxLinearSegments)
    return "segments must be 0 (chosen per launch) or 1 to " + std::to_string(kMaxLinearSegments);
  if (c.stages < kMinLinearStages || c.stages > kMaxLinearStages)
    return "stages must be " + std::to_string(kMinLinearStages) + " to " +
           std::to_string(kMaxLinearStages) + " (chunks in flight, ChunkPipeline.cuh)";
  if (c.span < 1 || c.span * c.chunk > kMaxLinearSpanTokens)
    return "a chunk of span x chunk tokens must span 1 to " +
           std::to_string(kMaxLinearSpanTokens) + " tokens";
  if (c.span > 1 && rule == LinearRule::Delta)
    return "chunks of several tiles (span) are for the decay family and the mLSTM (the delta "
           "rule's chunk is its WY form's)";
  if (c.span > 1 && c.chunk != c.numWarps * kMmaM)
    return "chunks of several tiles (span) need one 16-token stripe per warp (chunk = 16 x "
           "warps)";
  if (rule == LinearRule::Delta)
    return deltaProblem(headDimK, headDimV, gate, c);
  if (isMlstmGate(gate) && c.segments > 1)
    return "the mLSTM does not split sequences into segments (one CTA walks each sequence)";
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

int linearSmemBytes(int headDimK, LinearGateKind gate, LinearRule rule, const LinearConfig &c) {
  if (isMlstmGate(gate)) {
    const int stage = 2 * c.chunk * headDimK * kElementBytes + c.chunk * c.sliceV * kElementBytes +
                      kMlstmGateRows * c.chunk * kGateBytes;
    // Chunks of several tiles: one earlier tile's k and V slice, three more scalars (eight
    // padded floats instead of four), and a row of key exponents per tile of the chunk.
    const int scalars = c.span > 1 ? kMlstmSpanTableScalars : kMlstmTableScalars;
    const int chunkRows = c.span > 1 ? c.span : 0;
    const int tables = (scalars + (kMlstmTableRows + chunkRows) * c.chunk) * kFloatBytes;
    const int past = c.span > 1 ? c.chunk * (headDimK + c.sliceV) * kElementBytes : 0;
    return c.stages * stage + headDimK * c.sliceV * kElementBytes + past + tables +
           headDimK * kFloatBytes;
  }
  const bool vector = gate == LinearGateKind::PerChannel;
  const bool gateTile = gate == LinearGateKind::PerToken || vector;
  const int gateRow = vector ? headDimK + kCopyBytes / kGateBytes : 1;
  const int gateBytes = gateTile ? c.chunk * gateRow * kGateBytes : 0;
  const int qkBytes = c.chunk * headDimK * kElementBytes;
  const int vBytes = c.chunk * c.sliceV * kElementBytes;
  const int stateBytes = headDimK * c.sliceV * kElementBytes;
  // Chunks of several tiles: one earlier tile's k, V slice and gates, and each tile's
  // offset from the chunk's start (a float, or K of them for per-channel gates).
  const int offsetRow = vector ? headDimK : 1;
  const int pastBytes =
      c.span > 1 ? qkBytes + vBytes + gateBytes + c.span * offsetRow * kFloatBytes : 0;
  if (rule == LinearRule::Additive)
    return c.stages * (2 * qkBytes + vBytes + gateBytes) + stateBytes + pastBytes;
  // The walk: per stage q, k, W, the U slice, P and (gated) the decays; then the state
  // copy and the corrected values U'.
  const int scoreBytes = c.chunk * c.chunk * kElementBytes;
  const int decayBytes = gate == LinearGateKind::None ? 0 : c.chunk * kFloatBytes;
  return c.stages * (3 * qkBytes + vBytes + scoreBytes + decayBytes) + stateBytes + vBytes;
}

int linearDeltaPrepareSmemBytes(int headDimK, int headDimV, LinearGateKind,
                                const LinearConfig &c) {
  constexpr int kInverseTiles = 2; // hi and lo of Ai diag(beta), in q's place
  const int qRegion =
      std::max(c.chunk * headDimK * kElementBytes, kInverseTiles * c.chunk * c.chunk * kElementBytes);
  return qRegion + c.chunk * headDimK * kElementBytes + c.chunk * headDimV * kElementBytes +
         c.chunk * (c.chunk + kDeltaRowPad) * kFloatBytes + 2 * c.chunk * kFloatBytes;
}

int linearDeltaPrepareWarps(const LinearConfig &c) { return c.chunk / kMmaM; }

int64_t linearDeltaTokenBytes(int headDimK, int headDimV, const LinearConfig &c) {
  return int64_t(headDimK + headDimV + c.chunk) * kElementBytes + kFloatBytes;
}

} // namespace attnc::cuda
