// attn-classify-recurrence: each supported state update gets its recurrence class, the
// inputs its gates read by role, and `attn.gate_role` on each gate's defining op.
// RUN: %attnc-opt %s -split-input-file --attn-classify-recurrence | FileCheck %s

// CHECK-LABEL: attn.kernel @linear
// CHECK: attn.linear_attention attributes {recurrence = #attn.recurrence<plain>, recurrence_gates = {}}
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
      %S = attn.state_ref @S : tensor<?x?xf32>
      %k = attn.row @k[%t] : tensor<?xf32>
      %v = attn.row @v[%t] : tensor<?xf32>
      %kv = attn.outer %k, %v
      %n = arith.addf %S, %kv : tensor<?x?xf32>
      attn.yield %n : tensor<?x?xf32>
    }
    attn.output @o {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %q = attn.row @q[%t] : tensor<?xf32>
      %S = attn.state_ref @S : tensor<?x?xf32>
      %o = attn.vecmat %q, %S
      attn.yield %o : tensor<?xf32>
    }
  }
}

// -----

// CHECK-LABEL: attn.kernel @lightning
// CHECK: attn.linear_attention attributes {recurrence = #attn.recurrence<scalar_decay>, recurrence_decay = "per_head", recurrence_gates = {decay = @slopes}}
// CHECK: math.exp %{{.*}} {attn.gate_role = "decay"} : f32
attn.kernel @lightning attributes {dtype = bf16, family = #attn.family<linear>} {
  attn.dim @B
  attn.dim @H
  attn.dim @T
  attn.dim @K
  attn.dim @V
  attn.tensor @q ["B", "H", "T", "K"] : bf16
  attn.tensor @k ["B", "H", "T", "K"] : bf16
  attn.tensor @v ["B", "H", "T", "V"] : bf16
  attn.input @slopes ["H"] : f32
  attn.linear_attention {
    attn.state @S ["K", "V"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %S = attn.state_ref @S : tensor<?x?xf32>
      %k = attn.row @k[%t] : tensor<?xf32>
      %v = attn.row @v[%t] : tensor<?xf32>
      %kv = attn.outer %k, %v
      %sl = attn.load @slopes[%h] : f32
      %ns = arith.negf %sl : f32
      %a = math.exp %ns : f32
      %ab = attn.broadcast %a like %S : tensor<?x?xf32>
      %aS = arith.mulf %ab, %S : tensor<?x?xf32>
      %n = arith.addf %aS, %kv : tensor<?x?xf32>
      attn.yield %n : tensor<?x?xf32>
    }
    attn.output @o {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %q = attn.row @q[%t] : tensor<?xf32>
      %S = attn.state_ref @S : tensor<?x?xf32>
      %o = attn.vecmat %q, %S
      attn.yield %o : tensor<?xf32>
    }
  }
}

// -----

// A constant per-head decay reads no input.
// CHECK-LABEL: attn.kernel @retnet
// CHECK: attn.linear_attention attributes {recurrence = #attn.recurrence<scalar_decay>, recurrence_decay = "per_head", recurrence_gates = {}}
// CHECK: arith.subf %{{.*}}, %{{.*}} {attn.gate_role = "decay"} : f32
attn.kernel @retnet attributes {dtype = bf16, family = #attn.family<linear>} {
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
      %S = attn.state_ref @S : tensor<?x?xf32>
      %k = attn.row @k[%t] : tensor<?xf32>
      %v = attn.row @v[%t] : tensor<?xf32>
      %kv = attn.outer %k, %v
      %one = arith.constant 1.0 : f32
      %m5 = arith.constant -5.0 : f32
      %hf = arith.sitofp %h : i64 to f32
      %e = arith.subf %m5, %hf : f32
      %p = math.exp2 %e : f32
      %a = arith.subf %one, %p : f32
      %ab = attn.broadcast %a like %S : tensor<?x?xf32>
      %aS = arith.mulf %ab, %S : tensor<?x?xf32>
      %n = arith.addf %aS, %kv : tensor<?x?xf32>
      attn.yield %n : tensor<?x?xf32>
    }
    attn.output @o {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %q = attn.row @q[%t] : tensor<?xf32>
      %S = attn.state_ref @S : tensor<?x?xf32>
      %o = attn.vecmat %q, %S
      attn.yield %o : tensor<?xf32>
    }
  }
}

// -----

// outer(k, v) + S * exp(g[t]): + and * commute.
// CHECK-LABEL: attn.kernel @simple_gla_commuted
// CHECK: attn.linear_attention attributes {recurrence = #attn.recurrence<scalar_decay>, recurrence_decay = "per_token", recurrence_gates = {decay = @g}}
attn.kernel @simple_gla_commuted attributes {dtype = bf16, family = #attn.family<linear>} {
  attn.dim @B
  attn.dim @H
  attn.dim @T
  attn.dim @K
  attn.dim @V
  attn.tensor @q ["B", "H", "T", "K"] : bf16
  attn.tensor @k ["B", "H", "T", "K"] : bf16
  attn.tensor @v ["B", "H", "T", "V"] : bf16
  attn.input @g ["B", "H", "T"] : f32
  attn.linear_attention {
    attn.state @S ["K", "V"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %S = attn.state_ref @S : tensor<?x?xf32>
      %k = attn.row @k[%t] : tensor<?xf32>
      %v = attn.row @v[%t] : tensor<?xf32>
      %kv = attn.outer %k, %v
      %g = attn.load @g[%b, %h, %t] : f32
      %a = math.exp %g : f32
      %ab = attn.broadcast %a like %S : tensor<?x?xf32>
      %aS = arith.mulf %S, %ab : tensor<?x?xf32>
      %n = arith.addf %kv, %aS : tensor<?x?xf32>
      attn.yield %n : tensor<?x?xf32>
    }
    attn.output @o {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %q = attn.row @q[%t] : tensor<?xf32>
      %S = attn.state_ref @S : tensor<?x?xf32>
      %o = attn.vecmat %q, %S
      attn.yield %o : tensor<?xf32>
    }
  }
}

// -----

// CHECK-LABEL: attn.kernel @gla
// CHECK: attn.linear_attention attributes {recurrence = #attn.recurrence<vector_gate>, recurrence_gates = {gate = @g}}
// CHECK: math.exp %{{.*}} {attn.gate_role = "gate"} : tensor<?xf32>
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
  attn.linear_attention {
    attn.state @S ["K", "V"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %S = attn.state_ref @S : tensor<?x?xf32>
      %k = attn.row @k[%t] : tensor<?xf32>
      %v = attn.row @v[%t] : tensor<?xf32>
      %kv = attn.outer %k, %v
      %g = attn.load @g[%b, %h, %t] : tensor<?xf32>
      %a = math.exp %g : tensor<?xf32>
      %aS = attn.diag_scale %a, %S
      %n = arith.addf %aS, %kv : tensor<?x?xf32>
      attn.yield %n : tensor<?x?xf32>
    }
    attn.output @o {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %q = attn.row @q[%t] : tensor<?xf32>
      %S = attn.state_ref @S : tensor<?x?xf32>
      %o = attn.vecmat %q, %S
      attn.yield %o : tensor<?xf32>
    }
  }
}

// -----

// Two loads of beta[t] are the same gate.
// CHECK-LABEL: attn.kernel @deltanet
// CHECK: attn.linear_attention attributes {recurrence = #attn.recurrence<delta_rule>, recurrence_gates = {beta = @beta}}
attn.kernel @deltanet attributes {dtype = bf16, family = #attn.family<linear>} {
  attn.dim @B
  attn.dim @H
  attn.dim @T
  attn.dim @K
  attn.dim @V
  attn.tensor @q ["B", "H", "T", "K"] : bf16
  attn.tensor @k ["B", "H", "T", "K"] : bf16
  attn.tensor @v ["B", "H", "T", "V"] : bf16
  attn.input @beta ["B", "H", "T"] : f32
  attn.linear_attention {
    attn.state @S ["K", "V"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %S = attn.state_ref @S : tensor<?x?xf32>
      %k = attn.row @k[%t] : tensor<?xf32>
      %v = attn.row @v[%t] : tensor<?xf32>
      %kv = attn.outer %k, %v
      %b1 = attn.load @beta[%b, %h, %t] : f32
      %k2 = attn.row @k[%t] : tensor<?xf32>
      %S2 = attn.state_ref @S : tensor<?x?xf32>
      %kS = attn.vecmat %k2, %S2
      %k3 = attn.row @k[%t] : tensor<?xf32>
      %e = attn.outer %k3, %kS
      %b1b = attn.broadcast %b1 like %e : tensor<?x?xf32>
      %be = arith.mulf %b1b, %e : tensor<?x?xf32>
      %er = arith.subf %S, %be : tensor<?x?xf32>
      %b2 = attn.load @beta[%b, %h, %t] : f32
      %b2b = attn.broadcast %b2 like %kv : tensor<?x?xf32>
      %w = arith.mulf %b2b, %kv : tensor<?x?xf32>
      %n = arith.addf %er, %w : tensor<?x?xf32>
      attn.yield %n : tensor<?x?xf32>
    }
    attn.output @o {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %q = attn.row @q[%t] : tensor<?xf32>
      %S = attn.state_ref @S : tensor<?x?xf32>
      %o = attn.vecmat %q, %S
      attn.yield %o : tensor<?xf32>
    }
  }
}

// -----

// exp(g[t]) * (S - beta[t] * outer(k, k @ S)) + beta[t] * outer(k, v): the decay
// distributes over the parenthesised delta-rule erase.
// CHECK-LABEL: attn.kernel @gated_deltanet
// CHECK: attn.linear_attention attributes {recurrence = #attn.recurrence<gated_delta_rule>, recurrence_decay = "per_token", recurrence_gates = {beta = @beta, decay = @g}}
attn.kernel @gated_deltanet attributes {dtype = bf16, family = #attn.family<linear>} {
  attn.dim @B
  attn.dim @H
  attn.dim @T
  attn.dim @K
  attn.dim @V
  attn.tensor @q ["B", "H", "T", "K"] : bf16
  attn.tensor @k ["B", "H", "T", "K"] : bf16
  attn.tensor @v ["B", "H", "T", "V"] : bf16
  attn.input @g ["B", "H", "T"] : f32
  attn.input @beta ["B", "H", "T"] : f32
  attn.linear_attention {
    attn.state @S ["K", "V"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %S = attn.state_ref @S : tensor<?x?xf32>
      %k = attn.row @k[%t] : tensor<?xf32>
      %v = attn.row @v[%t] : tensor<?xf32>
      %kv = attn.outer %k, %v
      %b1 = attn.load @beta[%b, %h, %t] : f32
      %k2 = attn.row @k[%t] : tensor<?xf32>
      %S2 = attn.state_ref @S : tensor<?x?xf32>
      %kS = attn.vecmat %k2, %S2
      %k3 = attn.row @k[%t] : tensor<?xf32>
      %e = attn.outer %k3, %kS
      %b1b = attn.broadcast %b1 like %e : tensor<?x?xf32>
      %be = arith.mulf %b1b, %e : tensor<?x?xf32>
      %er = arith.subf %S, %be : tensor<?x?xf32>
      %b2 = attn.load @beta[%b, %h, %t] : f32
      %b2b = attn.broadcast %b2 like %kv : tensor<?x?xf32>
      %w = arith.mulf %b2b, %kv : tensor<?x?xf32>
      %g = attn.load @g[%b, %h, %t] : f32
      %a = math.exp %g : f32
      %ab = attn.broadcast %a like %er : tensor<?x?xf32>
      %aer = arith.mulf %ab, %er : tensor<?x?xf32>
      %n = arith.addf %aer, %w : tensor<?x?xf32>
      attn.yield %n : tensor<?x?xf32>
    }
    attn.output @o {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %q = attn.row @q[%t] : tensor<?xf32>
      %S = attn.state_ref @S : tensor<?x?xf32>
      %o = attn.vecmat %q, %S
      attn.yield %o : tensor<?xf32>
    }
  }
}

// -----

// CHECK-LABEL: attn.kernel @mlstm
// CHECK: attn.linear_attention attributes {mlstm_input_gate = "exp", recurrence = #attn.recurrence<mlstm>, recurrence_gates = {forget_gate = @fgate, input_gate = @igate}}
attn.kernel @mlstm attributes {dtype = bf16, family = #attn.family<linear>} {
  attn.dim @B
  attn.dim @H
  attn.dim @T
  attn.dim @K
  attn.dim @V
  attn.tensor @q ["B", "H", "T", "K"] : bf16
  attn.tensor @k ["B", "H", "T", "K"] : bf16
  attn.tensor @v ["B", "H", "T", "V"] : bf16
  attn.input @igate ["B", "H", "T"] : f32
  attn.input @fgate ["B", "H", "T"] : f32
  attn.linear_attention {
    attn.state @C ["K", "V"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %C = attn.state_ref @C : tensor<?x?xf32>
      %k = attn.row @k[%t] : tensor<?xf32>
      %v = attn.row @v[%t] : tensor<?xf32>
      %kv = attn.outer %k, %v
      %cfg = attn.load @fgate[%b, %h, %t] : f32
      %cn1 = arith.negf %cfg : f32
      %ce1 = math.exp %cn1 : f32
      %csp = math.log1p %ce1 : f32
      %cls = arith.negf %csp : f32
      %cf = math.exp %cls : f32
      %cig = attn.load @igate[%b, %h, %t] : f32
      %ci = math.exp %cig : f32
      %fb = attn.broadcast %cf like %C : tensor<?x?xf32>
      %fC = arith.mulf %fb, %C : tensor<?x?xf32>
      %ib = attn.broadcast %ci like %kv : tensor<?x?xf32>
      %ikv = arith.mulf %ib, %kv : tensor<?x?xf32>
      %n = arith.addf %fC, %ikv : tensor<?x?xf32>
      attn.yield %n : tensor<?x?xf32>
    }
    attn.state @n ["K"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %nn = attn.state_ref @n : tensor<?xf32>
      %k = attn.row @k[%t] : tensor<?xf32>
      %nfg = attn.load @fgate[%b, %h, %t] : f32
      %nn1 = arith.negf %nfg : f32
      %ne1 = math.exp %nn1 : f32
      %nsp = math.log1p %ne1 : f32
      %nls = arith.negf %nsp : f32
      %nf = math.exp %nls : f32
      %nig = attn.load @igate[%b, %h, %t] : f32
      %ni = math.exp %nig : f32
      %fb = attn.broadcast %nf like %nn : tensor<?xf32>
      %fn = arith.mulf %fb, %nn : tensor<?xf32>
      %ib = attn.broadcast %ni like %k : tensor<?xf32>
      %ik = arith.mulf %ib, %k : tensor<?xf32>
      %r = arith.addf %fn, %ik : tensor<?xf32>
      attn.yield %r : tensor<?xf32>
    }
    attn.output @o {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %sc = attn.scale : f32
      %q = attn.row @q[%t] : tensor<?xf32>
      %bq = attn.broadcast %sc like %q : tensor<?xf32>
      %qs = arith.mulf %bq, %q : tensor<?xf32>
      %C = attn.state_ref @C : tensor<?x?xf32>
      %num = attn.vecmat %qs, %C
      %n = attn.state_ref @n : tensor<?xf32>
      %d = attn.dot %qs, %n
      %a = math.absf %d : f32
      %one = arith.constant 1.0 : f32
      %m = arith.maximumf %a, %one : f32
      %bm = attn.broadcast %m like %num : tensor<?xf32>
      %o = arith.divf %num, %bm : tensor<?xf32>
      attn.yield %o : tensor<?xf32>
    }
  }
}

// -----

// CHECK-LABEL: attn.kernel @mlstm_sig
// CHECK: attn.linear_attention attributes {mlstm_input_gate = "sigmoid", recurrence = #attn.recurrence<mlstm>, recurrence_gates = {forget_gate = @fgate, input_gate = @igate}}
attn.kernel @mlstm_sig attributes {dtype = bf16, family = #attn.family<linear>} {
  attn.dim @B
  attn.dim @H
  attn.dim @T
  attn.dim @K
  attn.dim @V
  attn.tensor @q ["B", "H", "T", "K"] : bf16
  attn.tensor @k ["B", "H", "T", "K"] : bf16
  attn.tensor @v ["B", "H", "T", "V"] : bf16
  attn.input @igate ["B", "H", "T"] : f32
  attn.input @fgate ["B", "H", "T"] : f32
  attn.linear_attention {
    attn.state @C ["K", "V"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %C = attn.state_ref @C : tensor<?x?xf32>
      %k = attn.row @k[%t] : tensor<?xf32>
      %v = attn.row @v[%t] : tensor<?xf32>
      %kv = attn.outer %k, %v
      %cfg = attn.load @fgate[%b, %h, %t] : f32
      %cn1 = arith.negf %cfg : f32
      %ce1 = math.exp %cn1 : f32
      %csp = math.log1p %ce1 : f32
      %cls = arith.negf %csp : f32
      %cf = math.exp %cls : f32
      %cig = attn.load @igate[%b, %h, %t] : f32
      %cnx = arith.negf %cig : f32
      %cex = math.exp %cnx : f32
      %cone = arith.constant 1.0 : f32
      %cden = arith.addf %cone, %cex : f32
      %ci = arith.divf %cone, %cden : f32
      %fb = attn.broadcast %cf like %C : tensor<?x?xf32>
      %fC = arith.mulf %fb, %C : tensor<?x?xf32>
      %ib = attn.broadcast %ci like %kv : tensor<?x?xf32>
      %ikv = arith.mulf %ib, %kv : tensor<?x?xf32>
      %n = arith.addf %fC, %ikv : tensor<?x?xf32>
      attn.yield %n : tensor<?x?xf32>
    }
    attn.state @n ["K"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %nn = attn.state_ref @n : tensor<?xf32>
      %k = attn.row @k[%t] : tensor<?xf32>
      %nfg = attn.load @fgate[%b, %h, %t] : f32
      %nn1 = arith.negf %nfg : f32
      %ne1 = math.exp %nn1 : f32
      %nsp = math.log1p %ne1 : f32
      %nls = arith.negf %nsp : f32
      %nf = math.exp %nls : f32
      %nig = attn.load @igate[%b, %h, %t] : f32
      %nnx = arith.negf %nig : f32
      %nex = math.exp %nnx : f32
      %none = arith.constant 1.0 : f32
      %nden = arith.addf %none, %nex : f32
      %ni = arith.divf %none, %nden : f32
      %fb = attn.broadcast %nf like %nn : tensor<?xf32>
      %fn = arith.mulf %fb, %nn : tensor<?xf32>
      %ib = attn.broadcast %ni like %k : tensor<?xf32>
      %ik = arith.mulf %ib, %k : tensor<?xf32>
      %r = arith.addf %fn, %ik : tensor<?xf32>
      attn.yield %r : tensor<?xf32>
    }
    attn.output @o {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %sc = attn.scale : f32
      %q = attn.row @q[%t] : tensor<?xf32>
      %bq = attn.broadcast %sc like %q : tensor<?xf32>
      %qs = arith.mulf %bq, %q : tensor<?xf32>
      %C = attn.state_ref @C : tensor<?x?xf32>
      %num = attn.vecmat %qs, %C
      %n = attn.state_ref @n : tensor<?xf32>
      %d = attn.dot %qs, %n
      %a = math.absf %d : f32
      %one = arith.constant 1.0 : f32
      %m = arith.maximumf %a, %one : f32
      %bm = attn.broadcast %m like %num : tensor<?xf32>
      %o = arith.divf %num, %bm : tensor<?xf32>
      attn.yield %o : tensor<?xf32>
    }
  }
}

// -----

// The softmax family is left alone.
// CHECK-LABEL: attn.kernel @softmax
// CHECK-NOT: recurrence
attn.kernel @softmax attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    attn.yield %s : f32
  } mask {
  }
}

// -----

// A decay read from a param is per head and names the param.
// CHECK-LABEL: attn.kernel @param_decay
// CHECK: attn.linear_attention attributes {recurrence = #attn.recurrence<scalar_decay>, recurrence_decay = "per_head", recurrence_gates = {decay = @gamma}}
attn.kernel @param_decay attributes {dtype = bf16, family = #attn.family<linear>} {
  attn.dim @B
  attn.dim @H
  attn.dim @T
  attn.dim @K
  attn.dim @V
  attn.tensor @q ["B", "H", "T", "K"] : bf16
  attn.tensor @k ["B", "H", "T", "K"] : bf16
  attn.tensor @v ["B", "H", "T", "V"] : bf16
  attn.param @gamma : f32 = 0.9
  attn.linear_attention {
    attn.state @S ["K", "V"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %S = attn.state_ref @S : tensor<?x?xf32>
      %k = attn.row @k[%t] : tensor<?xf32>
      %v = attn.row @v[%t] : tensor<?xf32>
      %kv = attn.outer %k, %v
      %g = attn.param_ref @gamma : f32
      %gb = attn.broadcast %g like %S : tensor<?x?xf32>
      %gS = arith.mulf %gb, %S : tensor<?x?xf32>
      %n = arith.addf %gS, %kv : tensor<?x?xf32>
      attn.yield %n : tensor<?x?xf32>
    }
    attn.output @o {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %q = attn.row @q[%t] : tensor<?xf32>
      %S = attn.state_ref @S : tensor<?x?xf32>
      %o = attn.vecmat %q, %S
      attn.yield %o : tensor<?xf32>
    }
  }
}
