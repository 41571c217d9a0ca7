// attn-analyze-masks: the mask region becomes `mask_kind` and `mask_bounds` (one DNF
// disjunct per string, key bounds j >= f(i) / j <= f(i) and row conditions in DSL
// syntax); data-dependent or non-affine parts become runtime("...") atoms.
// RUN: %attnc-opt %s -split-input-file --attn-analyze-masks | FileCheck %s

// CHECK-LABEL: attn.kernel @causal
// CHECK: attn.softmax_attention attributes {mask_bounds = ["j <= i"], mask_kind = #attn.mask_kind<affine>}
attn.kernel @causal attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    attn.yield %s : f32
  } mask {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    %c = arith.cmpi sle, %j, %i : i64
    attn.yield %c : i1
  }
}

// -----

// CHECK-LABEL: attn.kernel @sliding_window
// CHECK: mask_bounds = ["j <= i && j >= i - window + 1"], mask_kind = #attn.mask_kind<affine>
attn.kernel @sliding_window attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.param @window : i32 = 1024
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    attn.yield %s : f32
  } mask {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    %w = attn.param_ref @window : i64
    %c1 = arith.cmpi sle, %j, %i : i64
    %d = arith.subi %i, %j : i64
    %c2 = arith.cmpi slt, %d, %w : i64
    %r = arith.andi %c1, %c2 : i1
    attn.yield %r : i1
  }
}

// -----

// CHECK-LABEL: attn.kernel @prefix_lm
// CHECK: mask_bounds = ["j <= i", "j <= prefix - 1"], mask_kind = #attn.mask_kind<affine>
attn.kernel @prefix_lm attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.param @prefix : i32 = 1024
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    attn.yield %s : f32
  } mask {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    %p = attn.param_ref @prefix : i64
    %c1 = arith.cmpi sle, %j, %i : i64
    %c2 = arith.cmpi slt, %j, %p : i64
    %r = arith.ori %c1, %c2 : i1
    attn.yield %r : i1
  }
}

// -----

// CHECK-LABEL: attn.kernel @chunked_local
// CHECK: mask_bounds = ["j <= i && j >= chunk * (i / chunk) && j <= chunk * (i / chunk) + chunk - 1"], mask_kind = #attn.mask_kind<affine>
attn.kernel @chunked_local attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.param @chunk : i32 = 1024
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    attn.yield %s : f32
  } mask {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    %c = attn.param_ref @chunk : i64
    %c1 = arith.cmpi sle, %j, %i : i64
    %qi = arith.floordivsi %i, %c : i64
    %qj = arith.floordivsi %j, %c : i64
    %c2 = arith.cmpi eq, %qi, %qj : i64
    %r = arith.andi %c1, %c2 : i1
    attn.yield %r : i1
  }
}

// -----

// CHECK-LABEL: attn.kernel @neighborhood_abs
// CHECK: mask_bounds = ["j <= i && j >= i - radius", "j >= i + 1 && j <= i + radius"], mask_kind = #attn.mask_kind<affine>
attn.kernel @neighborhood_abs attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.param @radius : i32 = 63
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    attn.yield %s : f32
  } mask {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    %r = attn.param_ref @radius : i64
    %d = arith.subi %i, %j : i64
    %a = math.absi %d : i64
    %c = arith.cmpi sle, %a, %r : i64
    attn.yield %c : i1
  }
}

// -----

// CHECK-LABEL: attn.kernel @neighborhood_1d
// CHECK: mask_bounds = [
// CHECK-SAME: "i >= radius && i <= M - radius - 1 && j >= i - radius && j <= i + radius"
// CHECK-SAME: "i <= radius - 1 && M - 2 * radius - 1 >= 0 && j <= 2 * radius"
// CHECK-SAME: mask_kind = #attn.mask_kind<affine>
attn.kernel @neighborhood_1d attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.dim @M
  attn.param @radius : i32 = 63
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    attn.yield %s : f32
  } mask {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    %r = attn.param_ref @radius : i64
    %m = attn.dim_ref @M : i64
    %zero = arith.constant 0 : i64
    %one = arith.constant 1 : i64
    %two = arith.constant 2 : i64
    %ir = arith.subi %i, %r : i64
    %lo = arith.maxsi %ir, %zero : i64
    %r2 = arith.muli %two, %r : i64
    %mr = arith.subi %m, %r2 : i64
    %hi = arith.subi %mr, %one : i64
    %start = arith.minsi %lo, %hi : i64
    %c1 = arith.cmpi sge, %j, %start : i64
    %end = arith.addi %start, %r2 : i64
    %c2 = arith.cmpi sle, %j, %end : i64
    %ok = arith.andi %c1, %c2 : i1
    attn.yield %ok : i1
  }
}

// -----

// CHECK-LABEL: attn.kernel @bottom_right_causal
// CHECK: mask_bounds = ["j <= i + M - N"], mask_kind = #attn.mask_kind<affine>
attn.kernel @bottom_right_causal attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.dim @N
  attn.dim @M
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    attn.yield %s : f32
  } mask {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    %n = attn.dim_ref @N : i64
    %m = attn.dim_ref @M : i64
    %d = arith.subi %m, %n : i64
    %e = arith.addi %i, %d : i64
    %c = arith.cmpi sle, %j, %e : i64
    attn.yield %c : i1
  }
}

// -----

// CHECK-LABEL: attn.kernel @not_and_select
// CHECK: mask_bounds = ["i <= 4", "i >= 5 && j <= i"], mask_kind = #attn.mask_kind<affine>
attn.kernel @not_and_select attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    attn.yield %s : f32
  } mask {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    %true = arith.constant true
    %five = arith.constant 5 : i64
    %c1 = arith.cmpi sgt, %j, %i : i64
    %n1 = arith.xori %c1, %true : i1
    %c2 = arith.cmpi slt, %i, %five : i64
    %sel = arith.select %c2, %true, %n1 : i1
    attn.yield %sel : i1
  }
}

// -----

// CHECK-LABEL: attn.kernel @document_mask
// CHECK: mask_bounds = ["runtime('reads input doc') && j <= i"], mask_kind = #attn.mask_kind<affine_blockmap>
attn.kernel @document_mask attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.dim @B
  attn.dim @N
  attn.input @doc ["B", "N"] : i32
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    attn.yield %s : f32
  } mask {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    %di = attn.load @doc[%b, %i] : i64
    %dj = attn.load @doc[%b, %j] : i64
    %c1 = arith.cmpi eq, %di, %dj : i64
    %c2 = arith.cmpi sle, %j, %i : i64
    %r = arith.andi %c1, %c2 : i1
    attn.yield %r : i1
  }
}

// -----

// CHECK-LABEL: attn.kernel @per_head_window
// CHECK: mask_bounds = ["j <= i", "runtime('depends on the head index h')"], mask_kind = #attn.mask_kind<blockmap>
attn.kernel @per_head_window attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    attn.yield %s : f32
  } mask {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    %c1 = arith.cmpi sle, %j, %i : i64
    %d = arith.subi %i, %j : i64
    %c2 = arith.cmpi slt, %d, %h : i64
    %r = arith.ori %c1, %c2 : i1
    attn.yield %r : i1
  }
}

// -----

// CHECK-LABEL: attn.kernel @modulo
// CHECK: mask_bounds = ["runtime('uses j both plainly and floor-divided (e.g. j % w)')"], mask_kind = #attn.mask_kind<blockmap>
attn.kernel @modulo attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.param @width : i32 = 64
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    attn.yield %s : f32
  } mask {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    %w = attn.param_ref @width : i64
    %q = arith.floordivsi %j, %w : i64
    %p = arith.muli %q, %w : i64
    %jm = arith.subi %j, %p : i64
    %c = arith.cmpi sle, %jm, %i : i64
    attn.yield %c : i1
  }
}

// -----

// CHECK-LABEL: attn.kernel @float_mask
// CHECK: mask_bounds = ["runtime('compares float values')"], mask_kind = #attn.mask_kind<blockmap>
attn.kernel @float_mask attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    attn.yield %s : f32
  } mask {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    %zero = arith.constant 0.0 : f32
    %c = arith.cmpf ogt, %s, %zero : f32
    attn.yield %c : i1
  }
}

// -----

// CHECK-LABEL: attn.kernel @always_false
// CHECK: mask_bounds = [], mask_kind = #attn.mask_kind<affine>
attn.kernel @always_false attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    attn.yield %s : f32
  } mask {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    %f = arith.constant false
    attn.yield %f : i1
  }
}

// -----

// A kernel without a mask: mask_kind none and no bounds.
// CHECK-LABEL: attn.kernel @full
// CHECK: attn.softmax_attention attributes {mask_kind = #attn.mask_kind<none>} score
attn.kernel @full attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    attn.yield %s : f32
  } mask {
  }
}

// -----

// The linear family is left alone.
// CHECK-LABEL: attn.kernel @lin
// CHECK-NOT: mask_kind
attn.kernel @lin attributes {dtype = bf16, family = #attn.family<linear>} {
  attn.dim @B
  attn.dim @H
  attn.dim @T
  attn.dim @K
  attn.dim @V
  attn.tensor @q ["B", "H", "T", "K"] : bf16
  attn.linear_attention {
    attn.state @S ["K", "V"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %S = attn.state_ref @S : tensor<?x?xf32>
      attn.yield %S : tensor<?x?xf32>
    }
    attn.output @o {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %q = attn.row @q[%t] : tensor<?xf32>
      attn.yield %q : tensor<?xf32>
    }
  }
}
