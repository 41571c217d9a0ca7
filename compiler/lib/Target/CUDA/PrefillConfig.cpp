//===- PrefillConfig.cpp - Tile shape of a prefill kernel ------------------===//
//
// Printing, the per-arch defaults and the shared-memory formula, which must agree with
// PrefillTraits::kSmemBytes (the emitted prelude static_asserts that it does).
//
//===----------------------------------------------------------------------===//
#include "attnc/Target/CUDA/PrefillConfig.h"

#include <cstdio>

namespace attnc::cuda {

namespace {
constexpr int kElementBytes = 2; // bf16 / fp16 operands
} // namespace

std::string PrefillConfig::str() const {
  return std::to_string(blockM) + "x" + std::to_string(blockN) + " w" +
         std::to_string(numWarps) + " s" + std::to_string(stages) +
         (qInRegs ? " q:regs" : " q:smem");
}

std::optional<PrefillConfig> PrefillConfig::parse(const std::string &text) {
  PrefillConfig c;
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
  if (c.blockM <= 0 || c.blockN <= 0 || c.numWarps <= 0 || c.stages <= 0 || c.str() != text)
    return std::nullopt;
  return c;
}

std::vector<PrefillConfig> prefillCandidates(int headDim) {
  // First: 32 query rows per warp, Q re-read from shared memory, 64-key blocks (the
  // fastest mma.sync shape measured for D <= 128); its scores, packed P and accumulators
  // fit in 255 registers for dense, causal, windowed, ALiBi and softcap variants. Then the
  // same with 32-key blocks, for mask code that needs more registers (document ids,
  // integer division); then 16 rows per warp.
  if (headDim >= 256)
    return {{64, 16, 4, 3, false}, {64, 16, 4, 2, false}, {32, 16, 2, 2, false}};
  return {{128, 64, 4, 2, false},
          {128, 32, 4, 3, false},
          {128, 64, 8, 2, true},
          {128, 32, 8, 3, false}};
}

int prefillSmemBytes(int headDim, const PrefillConfig &c) {
  int row = headDim * kElementBytes;
  return c.blockM * row + c.stages * 2 * c.blockN * row;
}

} // namespace attnc::cuda
