//===- LinearHarness.h - Check and time a linear-family kernel on the GPU -*- C++ -*-===//
//
// What `attnc check`, `attnc run --bench` and the GPU tests do for the linear family:
// fresh random q, k, v (rounded once to the storage format), realistic gates (per-token
// log gates logsigmoid(x) with x ~ N(0, 1); per-channel logsigmoid(x) / 16 as in GLA;
// Lightning-style per-head slopes 2^(-8 (h + 1) / H); mLSTM forget pre-activations
// ~ N(3, 1.5), input pre-activations ~ N(0, 1) for the sigmoid gate and N(0, 2) for the
// exponential one; for the delta rule L2-normalised keys and write strengths
// beta = sigmoid(x); any of these inputs may come from a file instead), a non-zero
// initial state (the mLSTM's n too, and for the exponential gate a stabilised C e^-m,
// n e^-m with m ~ U(-2, 2)), output and final states poisoned with NaN before the launch, either layout ([B, H, T, D] or [B, T, H, D] storage),
// optionally packed sequences of given lengths in batch row 0, the workspace a launch
// needs (allocated here, as a caller of the runtime would), the float64 recurrent
// reference, and CUDA-event timing.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DRIVER_LINEARHARNESS_H
#define ATTNC_DRIVER_LINEARHARNESS_H

#include "attnc/DSL/AST.h"
#include "attnc/Driver/GpuHarness.h"
#include "attnc/Runtime/Kernel.h"
#include "attnc/Runtime/Runtime.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace attnc {

/// A linear problem: B sequences (or packed ones) of T tokens, H heads.
struct LinearProblem {
  int64_t batch = 1, heads = 1, seqLen = 128;
  bool tokenMajor = false;  ///< storage [B, T, H, D] (a strided view) instead of [B, H, T, D]
  bool initialState = true; ///< a random non-zero initial state
  uint64_t seed = 1;
  /// Lengths of packed sequences in batch row 0 (batch 1, seqLen their sum, passed as
  /// cu_seqlens); empty: `batch` padded sequences of seqLen tokens.
  std::vector<int> packedLengths;
  /// Gate inputs read from files instead of drawn (`--input NAME=FILE`): raw little-endian
  /// f32, row-major in the input's declared shape ([B, H, T] or [B, H, T, K]).
  std::map<std::string, std::string> inputFiles;
  /// From a softmax-style ProblemShape (B, Hq, N, input files); Hkv and M must equal Hq
  /// and N.
  static LinearProblem fromShape(const ProblemShape &shape);
  /// Packed sequences of these lengths, `heads` heads.
  static LinearProblem packed(int64_t heads, std::vector<int> lengths);
  int64_t sequences() const; ///< N: batch, or the number of packed sequences
  std::string str() const;   ///< "B=2 H=3 T=1000 [B,H,T,D] S0", "packed [300,1] H=2 ..."
};

struct LinearCheckResult {
  double relError = 0; ///< ||o - ref|| / ||ref||
  double maxAbsError = 0;
  double stateRelError = 0; ///< final state against the reference's (mLSTM: worst of C, n)
  int64_t nonFinite = 0;    ///< NaN/inf in o or the final state (unwritten poison or broken)
  int64_t elements = 0;
  double tolerance = 0; ///< 1e-2 for bf16, 2e-3 for fp16
  bool passed() const {
    return nonFinite == 0 && relError < tolerance && stateRelError < tolerance;
  }
};

/// Runs `kernel` once on fresh inputs of `problem` and compares o and the final state
/// with the float64 recurrence of `ast`.
runtime::Expected<LinearCheckResult> checkLinear(runtime::Runtime &rt,
                                                 const runtime::Kernel &kernel,
                                                 const dsl::Kernel &ast,
                                                 const LinearProblem &problem);

/// Times `kernel` with CUDA events: `warmup` launches, then `iterations` timed ones over
/// input sets rotated so that their total size exceeds the L2 cache.
runtime::Expected<BenchResult> benchLinear(runtime::Runtime &rt, const runtime::Kernel &kernel,
                                           const dsl::Kernel &ast, const LinearProblem &problem,
                                           int warmup = 10, int iterations = 50);

} // namespace attnc

#endif // ATTNC_DRIVER_LINEARHARNESS_H
