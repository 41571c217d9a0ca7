// attn-classify-recurrence rejects updates no template implements, at the state (or
// output) with the reason.
// RUN: %attnc-opt %s -split-input-file --attn-classify-recurrence -verify-diagnostics


attn.kernel @elementwise attributes {dtype = bf16, family = #attn.family<linear>} {
  attn.dim @B
  attn.dim @H
  attn.dim @T
  attn.dim @K
  attn.dim @V
  attn.tensor @q ["B", "H", "T", "K"] : bf16
  attn.tensor @k ["B", "H", "T", "K"] : bf16
  attn.tensor @v ["B", "H", "T", "V"] : bf16
  attn.linear_attention {
    // expected-error @+1 {{state update is not of a supported form: expected S + outer(k[t], v[t]), a * S + outer(k[t], v[t]) with a scalar a, diag(exp(g[t])) * S + outer(k[t], v[t]), the delta rule S - beta[t] * outer(k[t], k[t] @ S) + beta[t] * outer(k[t], v[t]) (optionally with its first part scaled by a decay), or the mLSTM pair C[K, V] / n[K]; got an elementwise product of two vectors or matrices in the update}}
    attn.state @S ["K", "V"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %S = attn.state_ref @S : tensor<?x?xf32>
      %k = attn.row @k[%t] : tensor<?xf32>
      %v = attn.row @v[%t] : tensor<?xf32>
      %kv = attn.outer %k, %v
      %SS = arith.mulf %S, %S : tensor<?x?xf32>
      %n = arith.addf %SS, %kv : tensor<?x?xf32>
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


attn.kernel @swapped_outer attributes {dtype = bf16, family = #attn.family<linear>} {
  attn.dim @B
  attn.dim @H
  attn.dim @T
  attn.dim @K
  attn.dim @V
  attn.tensor @q ["B", "H", "T", "K"] : bf16
  attn.tensor @k ["B", "H", "T", "K"] : bf16
  attn.tensor @v ["B", "H", "T", "V"] : bf16
  attn.linear_attention {
    // expected-error @+1 {{got a term that is none of S, outer(k[t], v[t]), -outer(k[t], k[t] @ S)}}
    attn.state @S ["K", "V"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %S = attn.state_ref @S : tensor<?x?xf32>
      %k = attn.row @k[%t] : tensor<?xf32>
      %v = attn.row @v[%t] : tensor<?xf32>
      %vk = attn.outer %v, %k
      %n = arith.addf %S, %vk : tensor<?x?xf32>
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


attn.kernel @no_write attributes {dtype = bf16, family = #attn.family<linear>} {
  attn.dim @B
  attn.dim @H
  attn.dim @T
  attn.dim @K
  attn.dim @V
  attn.tensor @q ["B", "H", "T", "K"] : bf16
  attn.tensor @k ["B", "H", "T", "K"] : bf16
  attn.tensor @v ["B", "H", "T", "V"] : bf16
  attn.linear_attention {
    // expected-error @+1 {{got no outer(k[t], v[t]) term}}
    attn.state @S ["K", "V"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %S = attn.state_ref @S : tensor<?x?xf32>
      %two = arith.constant 2.0 : f32
      %ab = attn.broadcast %two like %S : tensor<?x?xf32>
      %n = arith.mulf %ab, %S : tensor<?x?xf32>
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


attn.kernel @input_gate_without_n attributes {dtype = bf16, family = #attn.family<linear>} {
  attn.dim @B
  attn.dim @H
  attn.dim @T
  attn.dim @K
  attn.dim @V
  attn.tensor @q ["B", "H", "T", "K"] : bf16
  attn.tensor @k ["B", "H", "T", "K"] : bf16
  attn.tensor @v ["B", "H", "T", "V"] : bf16
  attn.input @i ["B", "H", "T"] : f32
  attn.linear_attention {
    // expected-error @+1 {{got an input gate on outer(k[t], v[t]) without a normaliser state n[K] (mLSTM)}}
    attn.state @S ["K", "V"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %S = attn.state_ref @S : tensor<?x?xf32>
      %k = attn.row @k[%t] : tensor<?xf32>
      %v = attn.row @v[%t] : tensor<?xf32>
      %kv = attn.outer %k, %v
      %i = attn.load @i[%b, %h, %t] : f32
      %ib = attn.broadcast %i like %kv : tensor<?x?xf32>
      %w = arith.mulf %ib, %kv : tensor<?x?xf32>
      %n = arith.addf %S, %w : tensor<?x?xf32>
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


attn.kernel @delta_beta_mismatch attributes {dtype = bf16, family = #attn.family<linear>} {
  attn.dim @B
  attn.dim @H
  attn.dim @T
  attn.dim @K
  attn.dim @V
  attn.tensor @q ["B", "H", "T", "K"] : bf16
  attn.tensor @k ["B", "H", "T", "K"] : bf16
  attn.tensor @v ["B", "H", "T", "V"] : bf16
  attn.input @beta ["B", "H", "T"] : f32
  attn.input @beta2 ["B", "H", "T"] : f32
  attn.linear_attention {
    // expected-error @+1 {{got a delta-rule update whose erase term is not (decay * beta) * outer(k[t], k[t] @ S) with the beta of the write term}}
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
      %b2 = attn.load @beta2[%b, %h, %t] : f32
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


attn.kernel @mlstm_no_normaliser attributes {dtype = bf16, family = #attn.family<linear>} {
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
    // expected-error @+1 {{mLSTM output is not of a supported form: expected (q @ C) / max(abs(q @ n), ...)}}
    attn.output @o {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %q = attn.row @q[%t] : tensor<?xf32>
      %C = attn.state_ref @C : tensor<?x?xf32>
      %o = attn.vecmat %q, %C
      attn.yield %o : tensor<?xf32>
    }
  }
}

// -----

attn.kernel @two_matrices attributes {dtype = bf16, family = #attn.family<linear>} {
  attn.dim @B
  attn.dim @H
  attn.dim @T
  attn.dim @K
  attn.dim @V
  attn.tensor @q ["B", "H", "T", "K"] : bf16
  attn.tensor @k ["B", "H", "T", "K"] : bf16
  attn.tensor @v ["B", "H", "T", "V"] : bf16
  // expected-error @+1 {{got 2 state(s) that are not one [K, V] matrix (optionally with one [K] normaliser)}}
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
    attn.state @S2 ["K", "V"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %S = attn.state_ref @S2 : tensor<?x?xf32>
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

attn.kernel @plain_with_normaliser attributes {dtype = bf16, family = #attn.family<linear>} {
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
    // expected-error @+1 {{got a second state @n but @S is not f * C + i * outer(k[t], v[t]) (mLSTM)}}
    attn.state @n ["K"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %n = attn.state_ref @n : tensor<?xf32>
      %k = attn.row @k[%t] : tensor<?xf32>
      %r = arith.addf %n, %k : tensor<?xf32>
      attn.yield %r : tensor<?xf32>
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

attn.kernel @other_state_read attributes {dtype = bf16, family = #attn.family<linear>} {
  attn.dim @B
  attn.dim @H
  attn.dim @T
  attn.dim @K
  attn.dim @V
  attn.tensor @q ["B", "H", "T", "K"] : bf16
  attn.tensor @k ["B", "H", "T", "K"] : bf16
  attn.tensor @v ["B", "H", "T", "V"] : bf16
  attn.linear_attention {
    // expected-error @+1 {{got a term that is none of S, outer(k[t], v[t]), -outer(k[t], k[t] @ S)}}
    attn.state @S ["K", "V"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %S = attn.state_ref @S : tensor<?x?xf32>
      %n = attn.state_ref @n : tensor<?xf32>
      %v = attn.row @v[%t] : tensor<?xf32>
      %nv = attn.outer %n, %v
      %r = arith.addf %S, %nv : tensor<?x?xf32>
      attn.yield %r : tensor<?x?xf32>
    }
    attn.state @n ["K"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %n = attn.state_ref @n : tensor<?xf32>
      attn.yield %n : tensor<?xf32>
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
