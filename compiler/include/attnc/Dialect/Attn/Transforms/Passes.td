//===- Passes.td - Passes over the attn dialect ---------------*- tablegen -*-===//
//
// Every attn pass runs on one `attn.kernel`. `buildAttnPipeline` (PassPipeline.cpp)
// orders them: fold, check shapes, then the mask and recurrence analyses.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DIALECT_ATTN_TRANSFORMS_PASSES_TD
#define ATTNC_DIALECT_ATTN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def FoldExpressionsPass : Pass<"attn-fold-expressions", "::mlir::attn::KernelOp"> {
  let summary = "Canonicalizes and folds the score, mask, state and output expressions.";
  let description = [{
    Runs the arith/math/attn canonicalization patterns and folders greedily over a
    kernel, plus attn patterns upstream leaves out (`x + 0.0`, multiplying by or adding
    a broadcast 1.0 / 0.0). Params are run-time values: a `attn.param_ref` is never
    replaced by its default. Folded constants stay inside the region they belong to.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::math::MathDialect"];
}

def CheckShapesPass : Pass<"attn-check-shapes", "::mlir::attn::KernelOp"> {
  let summary = "Checks the q/k/v/o shape rules, GQA divisibility and state dims.";
  let description = [{
    q, k, v (and o when declared) have rank 4 and share the batch dim; softmax: q and k
    share the head dim, k and v share heads and length, Hq % Hkv == 0 when both are
    known, o is [B, Hq, N, Dv]; linear: q, k, v share B, H, T, q and k share K, each
    state is [K, V], [K] or [V], and row loads of inputs end in K or V. Reports a
    located error on the offending declaration and fails.
  }];
}

#endif // ATTNC_DIALECT_ATTN_TRANSFORMS_PASSES_TD
