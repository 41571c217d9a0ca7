//===- SoftmaxEmitter.h - attn.softmax_attention to a CUDA prelude -*- C++ -*-===//
//
// Writes the short prelude that turns templates/attnc/Prefill.cuh into one variant's
// kernel: the named constants, the variant functor (score modifier, mask, key range,
// tile classification) and an explicit instantiation with the chosen tile config. It also
// reports the launch contract (slots of params, dims and inputs in AttncSoftmaxParams,
// threads, shared memory) the runtime needs. Head dim and config are compile-time.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TARGET_CUDA_SOFTMAXEMITTER_H
#define ATTNC_TARGET_CUDA_SOFTMAXEMITTER_H

#include "attnc/Analysis/MaskModel.h"
#include "attnc/Dialect/Attn/IR/AttnOps.h"
#include "attnc/Target/CUDA/PrefillConfig.h"

#include "mlir/Support/LogicalResult.h"

#include <optional>
#include <string>
#include <vector>

namespace attnc::cuda {

/// An extra input and its slot in AttncSoftmaxParams::inputs.
struct InputSlot {
  std::string name;
  std::string elementType; ///< "f32", "i32", "bf16", "f16"
  std::vector<std::string> dims;
  int slot = 0;
};

/// A run-time scalar (param or a dim symbol with no fixed role) and its slot.
struct ScalarSlot {
  enum class Kind { Param, Dim };
  std::string name;
  Kind kind = Kind::Param;
  bool isFloat = false;                ///< fparams (f32 params) vs iparams
  std::optional<double> defaultValue;  ///< params only
  int slot = 0;
};

/// The generated source and what a launch needs to know about it.
struct EmittedKernel {
  std::string kernelName; ///< the DSL kernel's name
  std::string entryName;  ///< the extern "C" __global__ function
  std::string source;     ///< the whole prelude (includes the templates by name)
  std::string dtype;      ///< "bf16" or "f16"
  int headDim = 0;
  PrefillConfig config;
  int threads = 0;
  int smemBytes = 0;
  bool hasScoreMod = false;
  bool hasMask = false;
  analysis::MaskKind maskKind = analysis::MaskKind::None;
  /// Data-dependent masks: `blockMapEntry` builds the tile classes before each launch,
  /// one map plane per batch and/or head only when the mask reads b / h.
  bool usesBlockMap = false;
  bool mapPerBatch = false, mapPerHead = false;
  std::string blockMapEntry;
  std::vector<InputSlot> inputs;
  std::vector<ScalarSlot> scalars;
  /// Role symbols: names of the batch, query-head, kv-head, query-length, key-length dims.
  std::string batchDim, headsQDim, headsKvDim, seqQDim, seqKDim;
};

/// Emits the prefill kernel of `kernel` (which must hold an attn.softmax_attention whose
/// mask the analysis described by `mask`) for head dim `headDim`. Errors are emitted at
/// the offending op's location.
mlir::FailureOr<EmittedKernel> emitSoftmaxPrefill(mlir::attn::KernelOp kernel, int headDim,
                                                  const PrefillConfig &config,
                                                  const analysis::MaskModel &mask);

} // namespace attnc::cuda

#endif // ATTNC_TARGET_CUDA_SOFTMAXEMITTER_H
