// The registered attn pipeline (what `attnc compile` runs): folds, then checks shapes.
// RUN: %attnc-opt %s --attn-pipeline | FileCheck %s
// RUN: %attnc-opt %s --attn-pipeline --mlir-print-ir-after-all 2>&1 | FileCheck %s --check-prefix=ORDER

// ORDER: IR Dump After FoldExpressionsPass (attn-fold-expressions)
// ORDER: IR Dump After CheckShapesPass (attn-check-shapes)

// CHECK-LABEL: attn.kernel @causal
// CHECK:         attn.softmax_attention{{.*}}score {
// CHECK-NEXT:    ^bb0(%[[S:.*]]: f32,
// CHECK-NEXT:      attn.yield %[[S]] : f32
attn.kernel @causal attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.dim @B
  attn.dim @H
  attn.dim @N
  attn.tensor @q ["B", "H", "N", "64"] : bf16
  attn.tensor @k ["B", "H", "N", "64"] : bf16
  attn.tensor @v ["B", "H", "N", "64"] : bf16
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    %one = arith.constant 1.0 : f32
    %r = arith.mulf %s, %one : f32
    attn.yield %r : f32
  } mask {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    %c = arith.cmpi sle, %j, %i : i64
    attn.yield %c : i1
  }
}
