// attn-fold-expressions: arith/math folding inside the regions, the attn identities,
// constants kept in their region, params never replaced by their defaults.
// RUN: %attnc-opt %s -split-input-file --attn-fold-expressions | FileCheck %s

// CHECK-LABEL: attn.kernel @softcap
// CHECK-NEXT:    attn.dim @B
// CHECK-NEXT:    attn.param @window : i32 = 1024
// CHECK-NEXT:    attn.param @cap : f32 = 3.000000e+01
// CHECK-NEXT:    attn.softmax_attention score {
// CHECK-NEXT:    ^bb0(%[[S:.*]]: f32, %{{.*}}: i64, %{{.*}}: i64, %[[I:.*]]: i64, %[[J:.*]]: i64):
// CHECK-NEXT:      %[[SIX:.*]] = arith.constant 6.000000e+00 : f32
// CHECK-NEXT:      %[[CAP:.*]] = attn.param_ref @cap : f32
// CHECK-NEXT:      %[[E:.*]] = arith.divf %[[S]], %[[CAP]] : f32
// CHECK-NEXT:      %[[T:.*]] = math.tanh %[[E]] : f32
// CHECK-NEXT:      %[[F:.*]] = arith.mulf %[[T]], %[[CAP]] : f32
// CHECK-NEXT:      %[[G:.*]] = arith.addf %[[F]], %[[SIX]] : f32
// CHECK-NEXT:      attn.yield %[[G]] : f32
// CHECK-NEXT:    } mask {
// CHECK-NEXT:    ^bb0(%{{.*}}: f32, %{{.*}}: i64, %{{.*}}: i64, %[[MI:.*]]: i64, %[[MJ:.*]]: i64):
// CHECK-NEXT:      %[[W:.*]] = attn.param_ref @window : i64
// CHECK-NEXT:      %[[C1:.*]] = arith.cmpi sle, %[[MJ]], %[[MI]] : i64
// CHECK-NEXT:      %[[D:.*]] = arith.subi %[[MI]], %[[MJ]] : i64
// CHECK-NEXT:      %[[C2:.*]] = arith.cmpi slt, %[[D]], %[[W]] : i64
// CHECK-NEXT:      %[[R:.*]] = arith.andi %[[C1]], %[[C2]] : i1
// CHECK-NEXT:      attn.yield %[[R]] : i1
// CHECK-NEXT:    }
// CHECK-NEXT:  }
attn.kernel @softcap attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.dim @B
  attn.param @window : i32 = 1024
  attn.param @cap : f32 = 30.0
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    %one = arith.constant 1.0 : f32
    %zero = arith.constant 0.0 : f32
    %two = arith.constant 2 : i64
    %three = arith.constant 3 : i64
    %six = arith.muli %two, %three : i64
    %sixf = arith.sitofp %six : i64 to f32
    // s * 1.0, then + 0.0 on both sides.
    %a = arith.mulf %s, %one : f32
    %c = arith.addf %a, %zero : f32
    %d = arith.addf %zero, %c : f32
    %cap = attn.param_ref @cap : f32
    %e = arith.divf %d, %cap : f32
    %t = math.tanh %e : f32
    %f = arith.mulf %t, %cap : f32
    %g = arith.addf %f, %sixf : f32
    %unused = attn.param_ref @window : i64
    attn.yield %g : f32
  } mask {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    %true = arith.constant true
    %w = attn.param_ref @window : i64
    %c1 = arith.cmpi sle, %j, %i : i64
    // a && true, where(true, a, b)
    %m = arith.andi %c1, %true : i1
    %d = arith.subi %i, %j : i64
    %c2 = arith.cmpi slt, %d, %w : i64
    %sel = arith.select %true, %c2, %c1 : i1
    %r = arith.andi %m, %sel : i1
    attn.yield %r : i1
  }
}

// -----

// A score that folds to a constant keeps the constant in the score region, not in the
// kernel body; exp(0) and floor division by 1 fold.
// CHECK-LABEL: attn.kernel @constant_score
// CHECK-NEXT:    attn.softmax_attention score {
// CHECK-NEXT:    ^bb0(
// CHECK-NEXT:      %[[C:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT:      attn.yield %[[C]] : f32
// CHECK-NEXT:    } mask {
// CHECK-NEXT:    ^bb0(%{{.*}}: f32, %{{.*}}: i64, %{{.*}}: i64, %[[I:.*]]: i64, %[[J:.*]]: i64):
// CHECK-NEXT:      %[[CMP:.*]] = arith.cmpi sle, %[[J]], %[[I]] : i64
// CHECK-NEXT:      attn.yield %[[CMP]] : i1
attn.kernel @constant_score attributes {dtype = f16, family = #attn.family<softmax>} {
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    %zero = arith.constant 0.0 : f32
    %e = math.exp %zero : f32
    attn.yield %e : f32
  } mask {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    %one = arith.constant 1 : i64
    %q = arith.floordivsi %i, %one : i64
    %c = arith.cmpi sle, %j, %q : i64
    attn.yield %c : i1
  }
}

// -----

// Linear family: multiplying by or adding a broadcast 1.0 / 0.0, diag_scale by ones.
// CHECK-LABEL: attn.kernel @linear
// CHECK:         attn.state @S ["K", "V"] {
// CHECK-NEXT:    ^bb0(%{{.*}}: i64, %{{.*}}: i64, %[[T:.*]]: i64):
// CHECK-NEXT:      %[[SP:.*]] = attn.state_ref @S : tensor<?x?xf32>
// CHECK-NEXT:      %[[K:.*]] = attn.row @k[%[[T]]] : tensor<?xf32>
// CHECK-NEXT:      %[[V:.*]] = attn.row @v[%[[T]]] : tensor<?xf32>
// CHECK-NEXT:      %[[KV:.*]] = attn.outer %[[K]], %[[V]]
// CHECK-NEXT:      %[[N:.*]] = arith.addf %[[SP]], %[[KV]] : tensor<?x?xf32>
// CHECK-NEXT:      attn.yield %[[N]] : tensor<?x?xf32>
// CHECK:         attn.output @o {
// CHECK-NEXT:    ^bb0(%{{.*}}: i64, %{{.*}}: i64, %[[OT:.*]]: i64):
// CHECK-NEXT:      %[[Q:.*]] = attn.row @q[%[[OT]]] : tensor<?xf32>
// CHECK-NEXT:      %[[S2:.*]] = attn.state_ref @S : tensor<?x?xf32>
// CHECK-NEXT:      %[[O:.*]] = attn.vecmat %[[Q]], %[[S2]]
// CHECK-NEXT:      attn.yield %[[O]] : tensor<?xf32>
attn.kernel @linear attributes {dtype = bf16, family = #attn.family<linear>} {
  attn.dim @B
  attn.dim @H
  attn.dim @T
  attn.dim @K
  attn.dim @V
  attn.tensor @q ["B", "H", "T", "K"] : bf16
  attn.tensor @k ["B", "H", "T", "K"] : bf16
  attn.tensor @v ["B", "H", "T", "V"] : bf16
  attn.linear_attention {
    attn.state @S ["K", "V"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %one = arith.constant 1.0 : f32
      %S = attn.state_ref @S : tensor<?x?xf32>
      %k = attn.row @k[%t] : tensor<?xf32>
      %ones = attn.broadcast %one like %k : tensor<?xf32>
      %gS = attn.diag_scale %ones, %S
      %v = attn.row @v[%t] : tensor<?xf32>
      %bk = arith.mulf %ones, %k : tensor<?xf32>
      %kv = attn.outer %bk, %v
      %new = arith.addf %gS, %kv : tensor<?x?xf32>
      attn.yield %new : tensor<?x?xf32>
    }
    attn.output @o {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %zero = arith.constant 0.0 : f32
      %q = attn.row @q[%t] : tensor<?xf32>
      %S = attn.state_ref @S : tensor<?x?xf32>
      %o = attn.vecmat %q, %S
      %zeros = attn.broadcast %zero like %o : tensor<?xf32>
      %r = arith.addf %o, %zeros : tensor<?xf32>
      attn.yield %r : tensor<?xf32>
    }
  }
}

// -----

// Repeated reads of one name (the import lowers each occurrence) are merged; reads in
// sibling regions are not.
// CHECK-LABEL: attn.kernel @cse
// CHECK:         attn.state @S ["K", "V"] {
// CHECK-NEXT:    ^bb0(%{{.*}}: i64, %{{.*}}: i64, %[[T:.*]]: i64):
// CHECK-NEXT:      %[[K:.*]] = attn.row @k[%[[T]]] : tensor<?xf32>
// CHECK-NEXT:      %[[SP:.*]] = attn.state_ref @S : tensor<?x?xf32>
// CHECK-NEXT:      %[[KS:.*]] = attn.vecmat %[[K]], %[[SP]]
// CHECK-NEXT:      %[[KK:.*]] = attn.outer %[[K]], %[[KS]]
// CHECK-NEXT:      %[[N:.*]] = arith.subf %[[SP]], %[[KK]] : tensor<?x?xf32>
// CHECK-NEXT:      attn.yield %[[N]] : tensor<?x?xf32>
// CHECK:         attn.output @o {
// CHECK-NEXT:    ^bb0(%{{.*}}: i64, %{{.*}}: i64, %[[OT:.*]]: i64):
// CHECK-NEXT:      attn.row @k[%[[OT]]] : tensor<?xf32>
attn.kernel @cse attributes {dtype = bf16, family = #attn.family<linear>} {
  attn.dim @K
  attn.dim @V
  attn.tensor @q ["1", "1", "8", "K"] : bf16
  attn.tensor @k ["1", "1", "8", "K"] : bf16
  attn.tensor @v ["1", "1", "8", "V"] : bf16
  attn.linear_attention {
    attn.state @S ["K", "V"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %k0 = attn.row @k[%t] : tensor<?xf32>
      %S0 = attn.state_ref @S : tensor<?x?xf32>
      %k1 = attn.row @k[%t] : tensor<?xf32>
      %S1 = attn.state_ref @S : tensor<?x?xf32>
      %kS = attn.vecmat %k1, %S1
      %kk = attn.outer %k0, %kS
      %new = arith.subf %S0, %kk : tensor<?x?xf32>
      attn.yield %new : tensor<?x?xf32>
    }
    attn.output @o {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %k = attn.row @k[%t] : tensor<?xf32>
      %S = attn.state_ref @S : tensor<?x?xf32>
      %o = attn.vecmat %k, %S
      attn.yield %o : tensor<?xf32>
    }
  }
}
