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
    a broadcast 1.0 / 0.0), then eliminates common subexpressions (the import lowers
    each occurrence of `k[t]` or a param separately). Params are run-time values: an
    `attn.param_ref` is never replaced by its default. Folded constants stay inside the
    region they belong to.
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

def AnalyzeMasksPass : Pass<"attn-analyze-masks", "::mlir::attn::KernelOp"> {
  let summary = "Builds the block-classification model of a softmax mask.";
  let description = [{
    Walks the mask region of `attn.softmax_attention` (arith cmpi/andi/ori/xori/select,
    addi/subi/muli, floordivsi, minsi/maxsi, math.absi, constants, attn.param_ref,
    attn.dim_ref, the block arguments i and j) into a disjunction of conjunctions of
    key bounds `j >= f(i)`, `j <= f(i)` and row conditions, with
    f(i) = ci*i + cq*floor(i/m) + c0 linear in the run-time symbols. Attaches
    `mask_kind = #attn.mask_kind<none|affine|affine_blockmap|blockmap>` and
    `mask_bounds` (one string per disjunct, in DSL syntax). Data-dependent conditions
    (attn.load, float comparisons) become `runtime('...')` atoms: the affine part still
    narrows the key range, the rest needs a run-time block map.
  }];
}

def ClassifyRecurrencePass : Pass<"attn-classify-recurrence", "::mlir::attn::KernelOp"> {
  let summary = "Classifies the state recurrence of a linear-attention kernel.";
  let description = [{
    Pattern-matches each `attn.state` update: S + outer(k, v) is plain; a * S + outer
    with a scalar a is scalar_decay; diag(exp(g)) * S + outer is vector_gate;
    S - beta * outer(k, k @ S) + beta * outer(k, v) is delta_rule, and a scalar decay
    of its first part gated_delta_rule; a matrix C and a vector n with forget/input gates
    and an output normalised by max(abs(q @ n), ...) is mlstm. Attaches
    `recurrence = #attn.recurrence<...>` and `recurrence_gates` (role -> input) to
    `attn.linear_attention` and marks each gate's defining op with `attn.gate_role`;
    any other update is a located error saying which form was expected.
  }];
}

#endif // ATTNC_DIALECT_ATTN_TRANSFORMS_PASSES_TD
