//===- LinearEmitter.h - attn.linear_attention to a CUDA prelude ---*- C++ -*-===//
//
// Writes the short prelude that turns the chunkwise templates into one linear kernel: the
// head dims and tile constants, the gate kind the classified recurrence maps to (plain,
// per-head decay, per-token gate, per-channel gate, mLSTM) and the entries. The decay
// family (templates/attnc/LinearChunk.cuh) gets a `Gate` functor that computes a per-head
// log decay from the DSL's decay expression, the main entry, and the two entries a launch
// runs first when it splits sequences into segments, the state pre-pass and the fold
// (LinearSegmentState.cuh). The mLSTM pair C / n gets an instantiation of LinearMlstm.cuh
// (sigmoid or exponential input gate; one entry). The delta rule and the gated delta rule
// get the walk as the main entry and the chunk-parallel prepare stage every launch runs
// first (LinearDeltaWalk.cuh, LinearDeltaPrepare.cuh). It also reports the launch contract
// (which inputs the kernel reads as its gates and its beta, threads, shared memory,
// workspace).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TARGET_CUDA_LINEAREMITTER_H
#define ATTNC_TARGET_CUDA_LINEAREMITTER_H

#include "attnc/Dialect/Attn/IR/AttnOps.h"
#include "attnc/Target/CUDA/LinearConfig.h"

#include "mlir/Support/LogicalResult.h"

#include <cstdint>
#include <string>
#include <vector>

namespace attnc::cuda {

/// The generated source of a linear kernel and what a launch needs to know about it.
struct EmittedLinearKernel {
  std::string kernelName; ///< the DSL kernel's name
  std::string entryName;  ///< the extern "C" __global__ function
  /// The state pre-pass entry (same threads and shared memory) and the fold entry (same
  /// threads, no shared memory), launched in that order before entryName when a launch
  /// splits sequences into segments.
  std::string segmentStateEntry, segmentFoldEntry;
  /// Workspace bytes per (sequence, head, earlier segment): the local end state and the
  /// segment's log decay per key channel, fp32 (LinearSegment.cuh's SegmentRecords).
  int64_t segmentBytes = 0;
  /// The delta rule's chunk-parallel prepare stage (LinearDeltaPrepare.cuh), launched
  /// before entryName on every launch, its threads and shared memory, and the workspace
  /// bytes per (batch row, head, token) it fills for the walk (LinearDeltaWorkspace.cuh).
  /// The delta rule has no segment stages.
  std::string prepareEntry;
  int prepareThreads = 0, prepareSmemBytes = 0;
  int64_t tokenBytes = 0;
  std::string source;     ///< the whole prelude (includes the templates by name)
  std::string dtype;      ///< "bf16" or "f16"
  /// "plain", "scalar_decay", "vector_gate", "mlstm", "delta_rule" or "gated_delta_rule"
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
  /// mLSTM: the input passed as AttncLinearParams::igate (the input gate's pre-activations;
  /// gateInput is then the forget gate's); empty otherwise.
  std::string inputGateInput;
  std::vector<std::string> inputGateInputDims;
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
