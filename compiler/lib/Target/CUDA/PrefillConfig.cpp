//===- PrefillConfig.cpp - Tile shape of a prefill kernel ------------------===//
//
// Printing and parsing, the per-arch defaults and the shared-memory formulas, which must
// agree with PrefillTraits::kSmemBytes and PrefillSm90Traits::kSmemBytes / kMaxSmemBytes.
//
//===----------------------------------------------------------------------===//
#include "attnc/Target/CUDA/PrefillConfig.h"

#include <algorithm>
#include <cstdio>

namespace attnc::cuda {

namespace {
constexpr int kElementBytes = 2;      // bf16 / fp16 operands
constexpr int kSm90AlignSlack = 1024; // PrefillSm90Traits::kAlignSlack (one swizzle atom,
                                      // which also holds the mbarriers)
constexpr int kSm90MaxSmemOneCta = 232448;    // sm_90's opt-in dynamic shared memory
constexpr int kSm90SmemPerSm = 233472;        // PrefillSm90Traits::kSmemPerSm
constexpr const char *kTwoCtasWord = " x2";
constexpr const char *kOverlapWord = " overlap";
constexpr const char *kPingPongWord = " pingpong";
/// " persist" (one Q buffer), " persist2" (two), indexed by PrefillConfig::persistent.
constexpr const char *kPersistentWords[] = {"", " persist", " persist2"};
constexpr int kMaxQBuffers = 2;

/// Removes `word` from the front of `rest` when it is there as a whole word.
bool takeWord(std::string &rest, const std::string &word) {
  if (word.empty() || rest.compare(0, word.size(), word) != 0 ||
      (rest.size() > word.size() && rest[word.size()] != ' '))
    return false;
  rest = rest.substr(word.size());
  return true;
}
} // namespace

std::string PrefillConfig::str() const {
  if (sm90)
    return "sm90 " + std::to_string(blockM) + "x" + std::to_string(blockN) + " s" +
           std::to_string(stages) + (ctasPerSm == 2 ? kTwoCtasWord : "") +
           (persistent >= 0 && persistent <= kMaxQBuffers
                ? std::string(kPersistentWords[persistent])
                : " persist" + std::to_string(persistent)) +
           (pingpong ? kPingPongWord : "") + (overlap ? kOverlapWord : "");
  return std::to_string(blockM) + "x" + std::to_string(blockN) + " w" +
         std::to_string(numWarps) + " s" + std::to_string(stages) +
         (qInRegs ? " q:regs" : " q:smem");
}

PrefillConfig PrefillConfig::hopper(int blockN, int stages, bool overlap, int ctasPerSm,
                                    int persistent, bool pingpong) {
  PrefillConfig c;
  c.sm90 = true;
  c.blockM = sm90BlockM(ctasPerSm);
  c.numWarps = sm90Warps(ctasPerSm);
  c.blockN = blockN;
  c.stages = stages;
  c.overlap = overlap;
  c.ctasPerSm = ctasPerSm;
  c.persistent = persistent;
  c.pingpong = pingpong;
  return c;
}

std::optional<PrefillConfig> PrefillConfig::parse(const std::string &text) {
  PrefillConfig c;
  if (text.rfind("sm90 ", 0) == 0) {
    int bm = 0, bn = 0, stages = 0, used = 0;
    if (std::sscanf(text.c_str(), "sm90 %dx%d s%d%n", &bm, &bn, &stages, &used) != 3)
      return std::nullopt;
    std::string rest = text.substr(static_cast<size_t>(used));
    const int ctas = takeWord(rest, kTwoCtasWord) ? 2 : 1;
    int persistent = 0;
    for (int buffers = 1; buffers <= kMaxQBuffers; ++buffers)
      if (takeWord(rest, kPersistentWords[buffers]))
        persistent = buffers;
    const bool pingpong = takeWord(rest, kPingPongWord);
    const bool overlap = takeWord(rest, kOverlapWord);
    if (bm != sm90BlockM(ctas) || !rest.empty())
      return std::nullopt;
    c = hopper(bn, stages, overlap, ctas, persistent, pingpong);
  } else {
    char q[8] = {0};
    int used = 0;
    if (std::sscanf(text.c_str(), "%dx%d w%d s%d q:%7s%n", &c.blockM, &c.blockN, &c.numWarps,
                    &c.stages, q, &used) != 5 ||
        used != static_cast<int>(text.size()))
      return std::nullopt;
    std::string where = q;
    if (where != "regs" && where != "smem")
      return std::nullopt;
    c.qInRegs = where == "regs";
  }
  if (c.blockM <= 0 || c.blockN <= 0 || c.numWarps <= 0 || c.stages <= 0 || c.str() != text)
    return std::nullopt;
  return c;
}

bool archHasWgmma(const std::string &arch) { return arch == "sm_90a"; }

std::vector<PrefillConfig> prefillCandidates(int headDim, const std::string &arch,
                                             MaskReach reach) {
  std::vector<PrefillConfig> out;
  // sm_90a: the wgmma template (1.5x FA2 on H100 at D=128, bench/NOTES.md "Hopper
  // template"): 128-key blocks where two stages fit, 64-key blocks for D=256. The
  // softmax/PV overlap holds two S tiles at once; where a variant's score or mask code
  // leaves no room for that (ALiBi at D=64 spills 8 B under the 168-register cap), the
  // same tiles without overlap come next. Data-dependent masks at D=128 (document ids)
  // run 64x64 tiles at two CTAs per SM first: 0.84x FlexAttention against 0.77x for
  // 128x128 on the H100 (bench/NOTES.md "v6"); bands (sliding window) keep 128x128, where
  // two CTAs per SM measured 0.99x against 1.00-1.03x. Before both, for bands and
  // data-dependent masks at D=128: the persistent 128x128 s2 (one Q buffer), whose tiles'
  // fill and drain overlap: sliding window 1.19-1.27x Flex through `attnc run` (1.24-1.29x
  // in kernel time), documents 0.87x, from 1.01-1.04x and 0.84x (bench/NOTES.md "v7"; the
  // other bands, chunked local and neighbourhoods, were checked but not timed). Wide masks
  // keep one CTA per query block: static striding balances causal's uneven tiles worse
  // than the hardware scheduler (4.87 vs 4.13 ms). Ping-pong consumers (FA3's turns) are
  // a tuning choice, not a default: on the H100 they measured 1-3% slower on every D128 row
  // (causal N16k 4.197 vs 4.109 ms, documents 1.293 vs 1.256, sliding window 0.628 vs
  // 0.612; bench/NOTES.md "v8"), as the two consumers already drift apart on their own.
  if (archHasWgmma(arch)) {
    if (headDim >= 256)
      out = {PrefillConfig::hopper(64, 2, true), PrefillConfig::hopper(64, 2, false)};
    else if (headDim >= 128)
      out = {PrefillConfig::hopper(128, 2, false), PrefillConfig::hopper(128, 3, true)};
    else
      out = {PrefillConfig::hopper(128, 3, true), PrefillConfig::hopper(128, 3, false)};
    if (headDim == 128 && reach == MaskReach::DataDependent)
      out.insert(out.begin(), PrefillConfig::hopper(64, 3, false, 2));
    if (headDim == 128 && reach != MaskReach::Wide)
      out.insert(out.begin(), PrefillConfig::hopper(128, 2, false, 1, 1));
  }
  // mma.sync: 32 query rows per warp, Q re-read from shared memory, 64-key blocks (the
  // fastest mma.sync shape measured for D <= 128); its scores, packed P and accumulators
  // fit in 255 registers for dense, causal, windowed, ALiBi and softcap variants. Then the
  // same with 32-key blocks, for mask code that needs more registers (document ids,
  // integer division); then 16 rows per warp.
  if (headDim >= 256) {
    for (PrefillConfig c : {PrefillConfig{64, 16, 4, 3, false}, PrefillConfig{64, 16, 4, 2, false},
                            PrefillConfig{32, 16, 2, 2, false}})
      out.push_back(c);
    return out;
  }
  for (PrefillConfig c : {PrefillConfig{128, 64, 4, 2, false}, PrefillConfig{128, 32, 4, 3, false},
                          PrefillConfig{128, 64, 8, 2, true}, PrefillConfig{128, 32, 8, 3, false}})
    out.push_back(c);
  return out;
}

int prefillSmemBytes(int headDim, const PrefillConfig &c) {
  int row = headDim * kElementBytes;
  if (c.sm90)
    return kSm90AlignSlack + std::max(c.persistent, 1) * c.blockM * row +
           2 * c.stages * c.blockN * row;
  return c.blockM * row + c.stages * 2 * c.blockN * row;
}

int sm90MaxSmemBytes(int ctasPerSm) {
  return ctasPerSm == 1 ? kSm90MaxSmemOneCta : kSm90SmemPerSm / ctasPerSm - kSmemReservedPerCta;
}

std::optional<std::string> sm90ConfigProblem(int headDim, const PrefillConfig &c) {
  if (c.blockN != 64 && c.blockN != 128)
    return "the sm90 template takes BLOCK_N 64 or 128, got " + std::to_string(c.blockN);
  if (c.stages < 2)
    return "the sm90 template needs at least 2 stages, got " + std::to_string(c.stages);
  if (c.ctasPerSm != 1 && c.ctasPerSm != 2)
    return "the sm90 template runs 1 or 2 CTAs per SM, got " + std::to_string(c.ctasPerSm);
  if (c.persistent < 0 || c.persistent > kMaxQBuffers)
    return "a persistent sm90 kernel has 1 or 2 Q buffers, got " + std::to_string(c.persistent);
  if (c.pingpong && c.ctasPerSm != 1)
    return "ping-pong takes turns between two consumer warpgroups, which only one CTA per SM "
           "has";
  const int smem = prefillSmemBytes(headDim, c);
  if (smem > sm90MaxSmemBytes(c.ctasPerSm))
    return "its tiles need " + std::to_string(smem) + " B of shared memory, over the " +
           std::to_string(sm90MaxSmemBytes(c.ctasPerSm)) + " B a CTA has at " +
           std::to_string(c.ctasPerSm) + " per SM";
  return std::nullopt;
}

} // namespace attnc::cuda
