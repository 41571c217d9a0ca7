// attn-check-shapes: valid kernels pass through unchanged; each rule violation is a
// located error on the offending declaration.
// RUN: %attnc-opt %s -split-input-file --attn-check-shapes --verify-diagnostics | FileCheck %s

// GQA with literal heads (8 % 2 == 0), o declared, dims agreeing by name or value.
// CHECK-LABEL: attn.kernel @gqa
// CHECK:         attn.tensor @o ["B", "8", "N", "Dv"] : bf16
// CHECK:         attn.softmax_attention score
attn.kernel @gqa attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.dim @B
  attn.dim @N
  attn.dim @M
  attn.dim @D = 128
  attn.dim @Dv
  attn.tensor @q ["B", "8", "N", "D"] : bf16
  attn.tensor @k ["B", "2", "M", "128"] : bf16
  attn.tensor @v ["B", "2", "M", "Dv"] : bf16
  attn.tensor @o ["B", "8", "N", "Dv"] : bf16
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    attn.yield %s : f32
  } mask {
  }
}

// -----

// CHECK-LABEL: attn.kernel @gla
// CHECK:         attn.state @S ["K", "V"]
// CHECK:         attn.state @n ["K"]
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
      %g = attn.load @g[%b, %h, %t] : tensor<?xf32>
      %gS = attn.diag_scale %g, %S
      attn.yield %gS : tensor<?x?xf32>
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

// -----

// expected-error @+1 {{expected a declaration of tensor v, got none}}
attn.kernel @missing_v attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.tensor @q ["1", "1", "1", "1"] : bf16
  attn.tensor @k ["1", "1", "1", "1"] : bf16
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    attn.yield %s : f32
  } mask {
  }
}

// -----

attn.kernel @rank attributes {dtype = bf16, family = #attn.family<softmax>} {
  // expected-error @+1 {{expected q to have rank 4, got 3}}
  attn.tensor @q ["1", "1", "1"] : bf16
  attn.tensor @k ["1", "1", "1", "1"] : bf16
  attn.tensor @v ["1", "1", "1", "1"] : bf16
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    attn.yield %s : f32
  } mask {
  }
}

// -----

attn.kernel @batch attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.dim @B
  attn.dim @B2
  attn.tensor @q ["B", "4", "16", "64"] : bf16
  // expected-error @+1 {{expected batch of k to be 'B' (batch of q), got 'B2'}}
  attn.tensor @k ["B2", "4", "16", "64"] : bf16
  attn.tensor @v ["B", "4", "16", "64"] : bf16
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    attn.yield %s : f32
  } mask {
  }
}

// -----

attn.kernel @head_dim attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.dim @D = 128
  attn.tensor @q ["1", "4", "16", "D"] : bf16
  // expected-error @+1 {{expected head dim of k to be 'D' (head dim of q), got '64'}}
  attn.tensor @k ["1", "4", "16", "64"] : bf16
  attn.tensor @v ["1", "4", "16", "64"] : bf16
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    attn.yield %s : f32
  } mask {
  }
}

// -----

attn.kernel @kv_heads attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.dim @Hkv
  attn.dim @Hv
  attn.tensor @q ["1", "4", "16", "64"] : bf16
  attn.tensor @k ["1", "Hkv", "16", "64"] : bf16
  // expected-error @+1 {{expected heads of v to be 'Hkv' (heads of k), got 'Hv'}}
  attn.tensor @v ["1", "Hv", "16", "64"] : bf16
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    attn.yield %s : f32
  } mask {
  }
}

// -----

attn.kernel @kv_length attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.dim @M
  attn.dim @N
  attn.tensor @q ["1", "4", "N", "64"] : bf16
  attn.tensor @k ["1", "4", "M", "64"] : bf16
  // expected-error @+1 {{expected length of v to be 'M' (length of k), got 'N'}}
  attn.tensor @v ["1", "4", "N", "64"] : bf16
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    attn.yield %s : f32
  } mask {
  }
}

// -----

attn.kernel @gqa_divisible attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.dim @Hq = 8
  attn.tensor @q ["1", "Hq", "16", "64"] : bf16
  // expected-error @+1 {{expected the query heads to be a multiple of the key/value heads (Hq % Hkv == 0), got 8 % 3 == 2}}
  attn.tensor @k ["1", "3", "16", "64"] : bf16
  attn.tensor @v ["1", "3", "16", "64"] : bf16
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    attn.yield %s : f32
  } mask {
  }
}

// -----

attn.kernel @output_dim attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.tensor @q ["1", "4", "16", "64"] : bf16
  attn.tensor @k ["1", "4", "16", "64"] : bf16
  attn.tensor @v ["1", "4", "16", "32"] : bf16
  // expected-error @+1 {{expected head dim of o to be '32' (head dim of v), got '64'}}
  attn.tensor @o ["1", "4", "16", "64"] : bf16
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    attn.yield %s : f32
  } mask {
  }
}

// -----

attn.kernel @linear_length attributes {dtype = bf16, family = #attn.family<linear>} {
  attn.dim @T
  attn.dim @M
  attn.tensor @q ["1", "2", "T", "16"] : bf16
  // expected-error @+1 {{expected length of k to be 'T' (length of q), got 'M'}}
  attn.tensor @k ["1", "2", "M", "16"] : bf16
  attn.tensor @v ["1", "2", "T", "16"] : bf16
  attn.linear_attention {
    attn.state @n ["16"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %n = attn.state_ref @n : tensor<?xf32>
      attn.yield %n : tensor<?xf32>
    }
    attn.output @o {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %n = attn.state_ref @n : tensor<?xf32>
      attn.yield %n : tensor<?xf32>
    }
  }
}

// -----

attn.kernel @state_dims attributes {dtype = bf16, family = #attn.family<linear>} {
  attn.dim @K
  attn.dim @V
  attn.tensor @q ["1", "2", "8", "K"] : bf16
  attn.tensor @k ["1", "2", "8", "K"] : bf16
  attn.tensor @v ["1", "2", "8", "V"] : bf16
  attn.linear_attention {
    // expected-error @+1 {{expected state @S to have dims [K, V], got [V, K]}}
    attn.state @S ["V", "K"] {
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

// -----

attn.kernel @state_vector attributes {dtype = bf16, family = #attn.family<linear>} {
  attn.dim @K
  attn.dim @V
  attn.dim @W
  attn.tensor @q ["1", "2", "8", "K"] : bf16
  attn.tensor @k ["1", "2", "8", "K"] : bf16
  attn.tensor @v ["1", "2", "8", "V"] : bf16
  attn.linear_attention {
    // expected-error @+1 {{expected state @n to have dims [K] or [V], got [W]}}
    attn.state @n ["W"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %n = attn.state_ref @n : tensor<?xf32>
      attn.yield %n : tensor<?xf32>
    }
    attn.output @o {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %q = attn.row @q[%t] : tensor<?xf32>
      attn.yield %q : tensor<?xf32>
    }
  }
}

// -----

attn.kernel @row_load attributes {dtype = bf16, family = #attn.family<linear>} {
  attn.dim @K
  attn.dim @V
  attn.dim @W
  attn.tensor @q ["1", "2", "8", "K"] : bf16
  attn.tensor @k ["1", "2", "8", "K"] : bf16
  attn.tensor @v ["1", "2", "8", "V"] : bf16
  attn.input @g ["1", "2", "8", "W"] : f32
  attn.linear_attention {
    attn.state @n ["K"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      // expected-error @+1 {{expected the last dim of input @g to be 'K' or 'V' for a row load, got 'W'}}
      %g = attn.load @g[%b, %h, %t] : tensor<?xf32>
      attn.yield %g : tensor<?xf32>
    }
    attn.output @o {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %q = attn.row @q[%t] : tensor<?xf32>
      attn.yield %q : tensor<?xf32>
    }
  }
}
