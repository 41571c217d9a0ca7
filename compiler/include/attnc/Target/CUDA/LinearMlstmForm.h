//===- LinearMlstmForm.h - What the mLSTM template hard-codes -------*- C++ -*-===//
//
// attn-classify-recurrence recognises the mLSTM pair C[K, V] / n[K] structurally; the
// chunkwise template (templates/attnc/LinearMlstm.cuh) fixes more than that: the forget
// gate is exp(logsigmoid(f[t])) and the input gate exp(i[t]) or sigmoid(i[t]) of two f32
// inputs read at [b, h, t] (the kernel streams their pre-activations), and the output is
// ((scale * q[t]) @ C) / max(abs((scale * q[t]) @ n), 1.0). This matcher checks those
// parts and names the inputs, or fails with a located error saying what it expected.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TARGET_CUDA_LINEARMLSTMFORM_H
#define ATTNC_TARGET_CUDA_LINEARMLSTMFORM_H

#include "attnc/Dialect/Attn/IR/AttnOps.h"

#include "mlir/Support/LogicalResult.h"

#include <string>

namespace attnc::cuda {

/// The inputs and the input-gate kind of an mLSTM the template implements.
struct MlstmForm {
  bool exponential = false; ///< exp(i[t]) rather than sigmoid(i[t])
  std::string forgetInput;  ///< f of exp(logsigmoid(f[t])), f32 [B, H, T]
  std::string inputInput;   ///< i of the input gate, f32 [B, H, T]
};

/// Matches the classified mLSTM of `op` (matrix state `matrix`, normaliser `norm`) against
/// the template's form; errors are emitted at the offending op's location.
mlir::FailureOr<MlstmForm> matchMlstmForm(mlir::attn::KernelOp kernel,
                                          mlir::attn::LinearAttentionOp op,
                                          mlir::attn::StateOp matrix, mlir::attn::StateOp norm);

} // namespace attnc::cuda

#endif // ATTNC_TARGET_CUDA_LINEARMLSTMFORM_H
