//===- AttnDialect.td - The attn dialect ---------------------*- tablegen -*-===//
//
// The dialect one `.attn` kernel lowers into: declarations (dims, tensors, params,
// inputs), one softmax or linear attention op whose regions hold the user's expressions
// as ordinary arith/math ops, and the few ops arith/math cannot express.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DIALECT_ATTN_IR_ATTNDIALECT_TD
#define ATTNC_DIALECT_ATTN_IR_ATTNDIALECT_TD

include "mlir/IR/OpBase.td"

def Attn_Dialect : Dialect {
  let name = "attn";
  let summary = "Attention kernels: declarations, score/mask and state-recurrence regions.";
  let description = [{
    An `attn.kernel` holds the declarations of one DSL kernel and exactly one
    `attn.softmax_attention` or `attn.linear_attention` op. Expressions inside their
    regions are `arith`/`math` ops on `i64`, `f32`, `i1` (and on `tensor<?xf32>` /
    `tensor<?x?xf32>` in the linear family), so upstream folders apply unchanged.
  }];
  let cppNamespace = "::mlir::attn";
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect"
  ];
  let useDefaultAttributePrinterParser = 1;
}

class Attn_Op<string mnemonic, list<Trait> traits = []>
    : Op<Attn_Dialect, mnemonic, traits>;

#endif // ATTNC_DIALECT_ATTN_IR_ATTNDIALECT_TD
