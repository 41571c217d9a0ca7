//===- LinearInputMatch.h - The input forms the linear templates stream -*- C++ -*-===//
//
// The chunkwise templates read their data-dependent gates and the delta rule's write
// strengths straight from f32 inputs at [b, h, t]: a per-token or per-channel log gate
// under exp(), and beta as is. These helpers find the classified values of an update
// (attn.gate_role) and check that each has one of those forms, with located errors that
// name the form. Private to the linear emitter.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_LIB_TARGET_CUDA_LINEARINPUTMATCH_H
#define ATTNC_LIB_TARGET_CUDA_LINEARINPUTMATCH_H

#include "attnc/Dialect/Attn/IR/AttnOps.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Support/LogicalResult.h"

namespace attnc::cuda::detail {

/// Positions of the (b, h, t) arguments of state and output regions.
constexpr unsigned kBatchArg = 0, kHeadArg = 1, kTimeArg = 2;

/// A located error without the op dump Operation::emitError attaches: the location
/// already points into the .attn source.
mlir::InFlightDiagnostic errorAt(mlir::Location loc, const llvm::Twine &message = {});

/// Whether `v` is the region argument `number` (b, h or t).
bool isStepArg(mlir::Value v, unsigned number);

/// The values of the state update whose defining ops attn-classify-recurrence marked
/// with `attn.gate_role` = `role` ("decay", "gate", "beta").
llvm::SmallVector<mlir::Value> gateValues(mlir::attn::StateOp state, llvm::StringRef role);

/// `gate` is exp(x[b, h, t]) of one f32 input (rank 3 per token, 4 per channel); returns
/// the load, or fails with a located error that says what the template streams.
mlir::FailureOr<mlir::attn::LoadOp> matchStreamedGate(mlir::Value gate, mlir::attn::KernelOp kernel,
                                                      bool perChannel);

/// `beta` is x[b, h, t] of one f32 input of rank 3 (the delta rule's write strength);
/// returns the load, or fails with a located error naming that form.
mlir::FailureOr<mlir::attn::LoadOp> matchStreamedBeta(mlir::Value beta,
                                                      mlir::attn::KernelOp kernel);

} // namespace attnc::cuda::detail

#endif // ATTNC_LIB_TARGET_CUDA_LINEARINPUTMATCH_H
