//===- PrefillConfig.h - Tile shape of a prefill kernel ------------*- C++ -*-===//
//
// The compile-time parameters of templates/attnc/Prefill.cuh's PrefillTraits, as the
// emitter, the tuner and the CLI exchange them. No MLIR: the tuner includes this.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TARGET_CUDA_PREFILLCONFIG_H
#define ATTNC_TARGET_CUDA_PREFILLCONFIG_H

#include <optional>
#include <string>
#include <vector>

namespace attnc::cuda {

/// The tile shape of a prefill kernel (PrefillTraits' parameters).
struct PrefillConfig {
  int blockM = 128;
  int blockN = 64;
  int numWarps = 4;
  int stages = 2;
  bool qInRegs = false;
  std::string str() const; ///< "128x64 w4 s2 q:smem"
  /// Reads str()'s form back (tuning records store it); nullopt when malformed.
  static std::optional<PrefillConfig> parse(const std::string &text);
  bool operator==(const PrefillConfig &o) const { return str() == o.str(); }
};

/// Default tile shapes for a head dim, best first (measured on H100, bench/NOTES.md).
/// Callers compile them in order and take the first that uses no local memory: how many
/// registers a variant's score and mask code add is only known after ptxas ran.
std::vector<PrefillConfig> prefillCandidates(int headDim);

/// Shared-memory bytes PrefillTraits computes for this config (Q tile + K/V ring).
int prefillSmemBytes(int headDim, const PrefillConfig &config);

} // namespace attnc::cuda

#endif // ATTNC_TARGET_CUDA_PREFILLCONFIG_H
