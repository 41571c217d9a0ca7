//===- Passes.h - Passes over the attn dialect -------------------*- C++ -*-===//
//
// Pass constructors and registration for the attn dialect, and the pipeline every
// frontend (attnc CLI, runtime, attnc-opt's `attn-pipeline`) runs after the import.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DIALECT_ATTN_TRANSFORMS_PASSES_H
#define ATTNC_DIALECT_ATTN_TRANSFORMS_PASSES_H

#include "attnc/Dialect/Attn/IR/AttnOps.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

#include <memory>

namespace mlir::attn {

#define GEN_PASS_DECL
#include "attnc/Dialect/Attn/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "attnc/Dialect/Attn/Transforms/Passes.h.inc"

} // namespace mlir::attn

namespace attnc {

/// Adds the attn pipeline to `pm`, which must be anchored on builtin.module (or be
/// op-agnostic): per kernel, fold expressions, check shapes, then the analyses.
void buildAttnPipeline(mlir::OpPassManager &pm);

/// Adds the analysis passes (attn-analyze-masks, attn-classify-recurrence) to a pass
/// manager anchored on attn.kernel. Called by buildAttnPipeline after the checks.
void addAttnAnalysisPasses(mlir::OpPassManager &kernelPM);

/// Inserts the attn dialect (and the dialects its regions use: arith, math, tensor)
/// into `registry`, registers every attn pass and the `attn-pipeline` pipeline.
void registerAttnDialectAndPasses(mlir::DialectRegistry &registry);

} // namespace attnc

#endif // ATTNC_DIALECT_ATTN_TRANSFORMS_PASSES_H
