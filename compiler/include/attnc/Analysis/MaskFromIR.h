//===- MaskFromIR.h - MaskModel <-> attn.softmax_attention ------*- C++ -*-===//
//
// The bridge between the MLIR-free mask model and the attn dialect: building the model
// from a mask region (what attn-analyze-masks runs) and reading back what the pass stored
// on the op (`mask_kind`, `mask_bounds`). Unlike the rest of attnc/Analysis this header
// needs MLIR; it is implemented in AttnTransforms (AnalyzeMasks.cpp).
//
// Typical use by the CLI's `explain` after the attn pipeline:
//   FailureOr<MaskModel> m = attnc::maskModelFromKernel(kernel);
//   auto r = explainMask(*m, Tiling{N, M, BM, BN}, headDim, paramOverrides, &err);
//   r->kernelName = kernel.getSymName().str(); printExplain(llvm::outs()-adaptor, *r);
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_ANALYSIS_MASKFROMIR_H
#define ATTNC_ANALYSIS_MASKFROMIR_H

#include "attnc/Analysis/MaskModel.h"

#include "mlir/Support/LogicalResult.h"

namespace mlir::attn {
class KernelOp;
class SoftmaxAttentionOp;
} // namespace mlir::attn

namespace attnc {

/// Name of the attribute holding one DSL-syntax string per disjunct of the mask.
constexpr const char *kMaskBoundsAttrName = "mask_bounds";
/// Name of the #attn.mask_kind attribute.
constexpr const char *kMaskKindAttrName = "mask_kind";

/// Builds the model from `op`'s mask region (never fails on a well-formed region: what
/// the model cannot express becomes run-time atoms), with the kernel's symbol info.
mlir::FailureOr<analysis::MaskModel> analyzeMaskRegion(mlir::attn::SoftmaxAttentionOp op);

/// Reads the model attn-analyze-masks attached to `op`, with symbol info (query/key
/// length names, param defaults, literal dims) taken from the enclosing kernel. Emits an
/// error at `op` and fails when the attributes are missing or malformed.
mlir::FailureOr<analysis::MaskModel> maskModelFromOp(mlir::attn::SoftmaxAttentionOp op);

/// maskModelFromOp on the kernel's softmax op; emits an error for a linear kernel.
mlir::FailureOr<analysis::MaskModel> maskModelFromKernel(mlir::attn::KernelOp kernel);

/// Fills `model.symbolInfo()` from the kernel's declarations: q's length symbol is the
/// query length, k's the key length, i32 params with defaults and valued attn.dim's.
void fillSymbolInfo(mlir::attn::KernelOp kernel, analysis::MaskModel &model);

} // namespace attnc

#endif // ATTNC_ANALYSIS_MASKFROMIR_H
