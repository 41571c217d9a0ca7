//===- PrefillConfig.cpp - Tile shape of a prefill kernel ------------------===//
//
// Printing, the per-arch defaults and the shared-memory formula, which must agree with
// PrefillTraits::kSmemBytes (the emitted prelude static_asserts that it does).
//
//===----------------------------------------------------------------------===//
#include "attnc/Target/CUDA/PrefillConfig.h"

namespace attnc::cuda {

namespace {
constexpr int kElementBytes = 2; // bf16 / fp16 operands
} // namespace

std::string PrefillConfig::str() const {
  return std::to_string(blockM) + "x" + std::to_string(blockN) + " w" +
         std::to_string(numWarps) + " s" + std::to_string(stages) +
         (qInRegs ? " q:regs" : " q:smem");
}

PrefillConfig defaultPrefillConfig(int headDim) {
  // The fastest shapes that compile without spills for every example on sm_80 and sm_90a
  // (bench/NOTES.md): 32 query rows per warp with Q re-read from shared memory, and a key
  // block small enough that scores and accumulators fit in 255 registers whatever the
  // mask and score code add. Larger key blocks are the tuner's to find where they fit.
  PrefillConfig c;
  c.numWarps = 4;
  c.blockM = headDim >= 256 ? 64 : 128;
  c.blockN = headDim >= 256 ? 16 : 32;
  c.stages = 3;
  c.qInRegs = false;
  return c;
}

int prefillSmemBytes(int headDim, const PrefillConfig &c) {
  int row = headDim * kElementBytes;
  return c.blockM * row + c.stages * 2 * c.blockN * row;
}

} // namespace attnc::cuda
