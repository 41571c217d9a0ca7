//===- AttnAttributes.td - Enum attributes of the attn dialect -*- tablegen -*-===//
//
// `#attn.family<softmax|linear>` on every kernel and `#attn.recurrence<...>`, which
// attn-classify-recurrence attaches to `attn.linear_attention`.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DIALECT_ATTN_IR_ATTNATTRIBUTES_TD
#define ATTNC_DIALECT_ATTN_IR_ATTNATTRIBUTES_TD

include "attnc/Dialect/Attn/IR/AttnDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Attn_Family : I32EnumAttr<"Family", "attention kernel family", [
    I32EnumAttrCase<"Softmax", 0, "softmax">,
    I32EnumAttrCase<"Linear", 1, "linear">
  ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::attn";
}

def Attn_FamilyAttr : EnumAttr<Attn_Dialect, Attn_Family, "family"> {
  let summary = "The family of an attention kernel (softmax or linear).";
  let assemblyFormat = "`<` $value `>`";
}

def Attn_Recurrence : I32EnumAttr<"Recurrence", "linear-attention state recurrence", [
    I32EnumAttrCase<"Plain", 0, "plain">,
    I32EnumAttrCase<"ScalarDecay", 1, "scalar_decay">,
    I32EnumAttrCase<"VectorGate", 2, "vector_gate">,
    I32EnumAttrCase<"DeltaRule", 3, "delta_rule">,
    I32EnumAttrCase<"GatedDeltaRule", 4, "gated_delta_rule">,
    I32EnumAttrCase<"MLSTM", 5, "mlstm">
  ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::attn";
}

def Attn_RecurrenceAttr : EnumAttr<Attn_Dialect, Attn_Recurrence, "recurrence"> {
  let summary = "The recurrence class of a linear-attention kernel.";
  let assemblyFormat = "`<` $value `>`";
}

// Appended by the mask analysis (attn-analyze-masks): how a kernel must treat a softmax
// mask. The bounds themselves are a `mask_bounds` string array next to it (one DNF
// disjunct per entry, in DSL syntax), read back by attnc::maskModelFromOp.
def Attn_MaskKind : I32EnumAttr<"MaskKind", "softmax mask class", [
    I32EnumAttrCase<"None", 0, "none">,
    I32EnumAttrCase<"Affine", 1, "affine">,
    I32EnumAttrCase<"AffineBlockMap", 2, "affine_blockmap">,
    I32EnumAttrCase<"BlockMap", 3, "blockmap">
  ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::attn";
}

def Attn_MaskKindAttr : EnumAttr<Attn_Dialect, Attn_MaskKind, "mask_kind"> {
  let summary = "How a softmax mask is handled: none, affine, affine + block map, block map.";
  let assemblyFormat = "`<` $value `>`";
}

#endif // ATTNC_DIALECT_ATTN_IR_ATTNATTRIBUTES_TD
