//===- LinearEmitter.h - attn.linear_attention to a CUDA prelude ---*- C++ -*-===//
//
// Writes the short prelude that turns templates/attnc/LinearChunk.cuh (decay family) or
// LinearDelta.cuh (delta rule, gated delta rule) into one linear kernel: the head dims and
// tile constants, the gate kind the classified recurrence maps to (plain, per-head decay,
// per-token gate, per-channel gate), a `Gate` functor that computes a per-head log decay
// from the DSL's decay expression, and an extern "C" entry. It also reports the launch
// contract (which inputs the kernel reads as its gate and its beta, threads, shared
// memory). Recurrences without a template yet (mLSTM) are located errors that name them.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TARGET_CUDA_LINEAREMITTER_H
#define ATTNC_TARGET_CUDA_LINEAREMITTER_H

#include "attnc/Dialect/Attn/IR/AttnOps.h"
#include "attnc/Target/CUDA/LinearConfig.h"

#include "mlir/Support/LogicalResult.h"

#include <string>
#include <vector>

namespace attnc::cuda {

/// The generated source of a linear kernel and what a launch needs to know about it.
struct EmittedLinearKernel {
  std::string kernelName; ///< the DSL kernel's name
  std::string entryName;  ///< the extern "C" __global__ function
  std::string source;     ///< the whole prelude (includes the templates by name)
  std::string dtype;      ///< "bf16" or "f16"
  /// "plain", "scalar_decay", "vector_gate", "delta_rule" or "gated_delta_rule"
  std::string recurrence;
  int headDimK = 0, headDimV = 0;
  LinearConfig config;
  LinearGateKind gate = LinearGateKind::None;
  LinearRule rule = LinearRule::Additive;
  int threads = 0;
  int smemBytes = 0;
  /// The input passed as AttncLinearParams::g (per-token / per-channel log gates, or the
  /// per-head input the Gate functor reads); empty when the kernel reads none.
  std::string gateInput;
  std::vector<std::string> gateInputDims; ///< its dims as the DSL names them
  /// The delta rule's write strengths beta[b, h, t], passed as AttncLinearParams::beta;
  /// empty for the decay family.
  std::string betaInput;
  std::vector<std::string> betaInputDims; ///< its dims as the DSL names them
  /// DSL names of the batch, head, time, key and value dims (q[B, H, T, K], v[.., V]).
  std::string batchDim, headsDim, seqDim, keyDim, valueDim;
};

/// Emits the chunkwise forward kernel of `kernel` (which must hold an
/// attn.linear_attention classified by attn-classify-recurrence) for head dims K and V.
/// Errors are emitted at the offending op's location.
mlir::FailureOr<EmittedLinearKernel> emitLinearChunk(mlir::attn::KernelOp kernel, int headDimK,
                                                     int headDimV, const LinearConfig &config);

} // namespace attnc::cuda

#endif // ATTNC_TARGET_CUDA_LINEAREMITTER_H
