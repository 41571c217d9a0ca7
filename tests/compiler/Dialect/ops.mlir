// Round trip of every attn op: parse, print, re-parse and print again, and the generic
// form back to the custom one.
// RUN: %attnc-opt %s | %attnc-opt | FileCheck %s
// RUN: %attnc-opt %s --mlir-print-op-generic | %attnc-opt | FileCheck %s

// CHECK-LABEL: attn.kernel @sliding_window_alibi
// CHECK-SAME:    attributes {dtype = bf16, family = #attn.family<softmax>}
attn.kernel @sliding_window_alibi attributes {dtype = bf16, family = #attn.family<softmax>} {
  // CHECK-NEXT: attn.dim @B{{$}}
  attn.dim @B
  attn.dim @Hq
  attn.dim @Hkv
  attn.dim @N
  attn.dim @M
  // CHECK: attn.dim @D = 128{{$}}
  attn.dim @D = 128
  // CHECK-NEXT: attn.tensor @q ["B", "Hq", "N", "D"] : bf16
  attn.tensor @q ["B", "Hq", "N", "D"] : bf16
  attn.tensor @k ["B", "Hkv", "M", "D"] : bf16
  // CHECK: attn.tensor @v ["B", "Hkv", "M", "64"] : bf16
  attn.tensor @v ["B", "Hkv", "M", "64"] : bf16
  // CHECK-NEXT: attn.param @window : i32 = 1024{{$}}
  attn.param @window : i32 = 1024
  // CHECK-NEXT: attn.param @cap : f32 = -5.000000e+00{{$}}
  attn.param @cap : f32 = -5.0
  // CHECK-NEXT: attn.param @temp : f32{{$}}
  attn.param @temp : f32
  // CHECK-NEXT: attn.input @slopes ["Hq"] : f32
  attn.input @slopes ["Hq"] : f32
  // CHECK-NEXT: attn.input @doc ["B", "N"] : i32
  attn.input @doc ["B", "N"] : i32
  // CHECK-NEXT: attn.softmax_attention score {
  // CHECK-NEXT: ^bb0(%[[S:.*]]: f32, %[[B:.*]]: i64, %[[H:.*]]: i64, %[[I:.*]]: i64, %[[J:.*]]: i64):
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    // CHECK-NEXT: %[[SL:.*]] = attn.load @slopes[%[[H]]] : f32
    %sl = attn.load @slopes[%h] : f32
    // CHECK-NEXT: %[[D:.*]] = arith.subi %[[I]], %[[J]] : i64
    %d = arith.subi %i, %j : i64
    %df = arith.sitofp %d : i64 to f32
    %m = arith.mulf %sl, %df : f32
    %r = arith.subf %s, %m : f32
    // CHECK: attn.scale : f32
    %sc = attn.scale : f32
    // CHECK-NEXT: attn.param_ref @cap : f32
    %c = attn.param_ref @cap : f32
    %r2 = arith.mulf %r, %sc : f32
    %r3 = arith.addf %r2, %c : f32
    // CHECK: attn.yield %{{.*}} : f32
    attn.yield %r3 : f32
  // CHECK-NEXT: } mask {
  } mask {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    // CHECK: attn.param_ref @window : i64
    %w = attn.param_ref @window : i64
    // CHECK-NEXT: attn.dim_ref @N : i64
    %n = attn.dim_ref @N : i64
    // CHECK-NEXT: attn.load @doc[%{{.*}}, %{{.*}}] : i64
    %di = attn.load @doc[%b, %i] : i64
    %dj = attn.load @doc[%b, %j] : i64
    %same = arith.cmpi eq, %di, %dj : i64
    %c1 = arith.cmpi sle, %j, %i : i64
    %d = arith.subi %i, %j : i64
    %c2 = arith.cmpi slt, %d, %w : i64
    %m = arith.andi %c1, %c2 : i1
    %m2 = arith.andi %m, %same : i1
    // CHECK: attn.yield %{{.*}} : i1
    attn.yield %m2 : i1
  }
}

// A kernel without a mask keeps an empty mask region.
// CHECK-LABEL: attn.kernel @plain
// CHECK:       attn.softmax_attention score {
// CHECK:         attn.yield %{{.*}} : f32
// CHECK-NEXT:  } mask {
// CHECK-NEXT:  }
attn.kernel @plain attributes {dtype = f16, family = #attn.family<softmax>} {
  attn.dim @B
  attn.tensor @q ["B", "8", "128", "64"] : f16
  attn.tensor @k ["B", "8", "128", "64"] : f16
  attn.tensor @v ["B", "8", "128", "64"] : f16
  attn.tensor @o ["B", "8", "128", "64"] : f16
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    attn.yield %s : f32
  } mask {
  }
}

// CHECK-LABEL: attn.kernel @gla
// CHECK-SAME:    family = #attn.family<linear>
attn.kernel @gla attributes {dtype = bf16, family = #attn.family<linear>} {
  attn.dim @B
  attn.dim @H
  attn.dim @T
  attn.dim @K
  attn.dim @V
  attn.tensor @q ["B", "H", "T", "K"] : bf16
  attn.tensor @k ["B", "H", "T", "K"] : bf16
  attn.tensor @v ["B", "H", "T", "V"] : bf16
  attn.input @g ["B", "H", "T", "K"] : f32
  attn.input @beta ["B", "H", "T"] : f32
  // CHECK: attn.linear_attention attributes {recurrence = #attn.recurrence<vector_gate>} {
  attn.linear_attention attributes {recurrence = #attn.recurrence<vector_gate>} {
    // CHECK-NEXT: attn.state @S ["K", "V"] {
    // CHECK-NEXT: ^bb0(%[[B:.*]]: i64, %[[H:.*]]: i64, %[[T:.*]]: i64):
    attn.state @S ["K", "V"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      // CHECK-NEXT: %[[SP:.*]] = attn.state_ref @S : tensor<?x?xf32>
      %S = attn.state_ref @S : tensor<?x?xf32>
      // CHECK-NEXT: %[[G:.*]] = attn.load @g[%[[B]], %[[H]], %[[T]]] : tensor<?xf32>
      %g = attn.load @g[%b, %h, %t] : tensor<?xf32>
      // CHECK-NEXT: %[[EG:.*]] = math.exp %[[G]] : tensor<?xf32>
      %eg = math.exp %g : tensor<?xf32>
      // CHECK-NEXT: %[[GS:.*]] = attn.diag_scale %[[EG]], %[[SP]]{{$}}
      %gS = attn.diag_scale %eg, %S
      // CHECK-NEXT: %[[K:.*]] = attn.row @k[%[[T]]] : tensor<?xf32>
      %k = attn.row @k[%t] : tensor<?xf32>
      %v = attn.row @v[%t] : tensor<?xf32>
      // CHECK: %[[BETA:.*]] = attn.load @beta[%[[B]], %[[H]], %[[T]]] : f32
      %beta = attn.load @beta[%b, %h, %t] : f32
      // CHECK-NEXT: %[[BB:.*]] = attn.broadcast %[[BETA]] like %[[K]] : tensor<?xf32>
      %bb = attn.broadcast %beta like %k : tensor<?xf32>
      %bk = arith.mulf %k, %bb : tensor<?xf32>
      // CHECK: %[[KV:.*]] = attn.outer %{{.*}}, %{{.*}}{{$}}
      %kv = attn.outer %bk, %v
      // CHECK-NEXT: %[[NEW:.*]] = arith.addf %[[GS]], %[[KV]] : tensor<?x?xf32>
      %new = arith.addf %gS, %kv : tensor<?x?xf32>
      // CHECK-NEXT: attn.yield %[[NEW]] : tensor<?x?xf32>
      attn.yield %new : tensor<?x?xf32>
    }
    // CHECK: attn.state @n ["K"] {
    attn.state @n ["K"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %n = attn.state_ref @n : tensor<?xf32>
      %k = attn.row @k[%t] : tensor<?xf32>
      %new = arith.addf %n, %k : tensor<?xf32>
      attn.yield %new : tensor<?xf32>
    }
    // CHECK: attn.output @o {
    attn.output @o {
    ^bb0(%b: i64, %h: i64, %t: i64):
      // CHECK: %[[Q:.*]] = attn.row @q[%{{.*}}] : tensor<?xf32>
      %q = attn.row @q[%t] : tensor<?xf32>
      %S = attn.state_ref @S : tensor<?x?xf32>
      %n = attn.state_ref @n : tensor<?xf32>
      // CHECK: %[[O:.*]] = attn.vecmat %[[Q]], %{{.*}}{{$}}
      %o = attn.vecmat %q, %S
      // CHECK-NEXT: %[[DEN:.*]] = attn.dot %[[Q]], %{{.*}}{{$}}
      %den = attn.dot %q, %n
      %bd = attn.broadcast %den like %o : tensor<?xf32>
      %r = arith.divf %o, %bd : tensor<?xf32>
      // CHECK: attn.yield %{{.*}} : tensor<?xf32>
      attn.yield %r : tensor<?xf32>
    }
  }
}
