// Every verifier message of the attn dialect, one case per split.
// RUN: %attnc-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{'attn.kernel' op expected dtype bf16 or f16, got 'f32'}}
attn.kernel @bad_dtype attributes {dtype = f32, family = #attn.family<softmax>} {
}

// -----

// expected-error @+1 {{'attn.kernel' op expected 1 attn.softmax_attention in a softmax kernel, got 0}}
attn.kernel @no_body attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.dim @B
}

// -----

// expected-error @+1 {{'attn.kernel' op expected 0 attn.linear_attention in a softmax kernel, got 1}}
attn.kernel @mixed attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    attn.yield %s : f32
  } mask {
  }
  attn.linear_attention {
    attn.state @S ["7"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %S = attn.state_ref @S : tensor<?xf32>
      attn.yield %S : tensor<?xf32>
    }
    attn.output @o {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %S = attn.state_ref @S : tensor<?xf32>
      attn.yield %S : tensor<?xf32>
    }
  }
}

// -----

// expected-error @+1 {{'attn.kernel' op expected 1 attn.linear_attention in a linear kernel, got 0}}
attn.kernel @linear_without_body attributes {dtype = f16, family = #attn.family<linear>} {
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    attn.yield %s : f32
  } mask {
  }
}

// -----

attn.kernel @dup attributes {dtype = bf16, family = #attn.family<softmax>} {
  // expected-note @+1 {{see existing symbol definition here}}
  attn.dim @B
  // expected-error @+1 {{redefinition of symbol named 'B'}}
  attn.dim @B
}

// -----

attn.kernel @dim_value attributes {dtype = bf16, family = #attn.family<softmax>} {
  // expected-error @+1 {{'attn.dim' op expected a positive dim value, got 0}}
  attn.dim @D = 0
}

// -----

// expected-error @+1 {{'attn.dim' op expects parent op 'attn.kernel'}}
attn.dim @stray

// -----

attn.kernel @tensor_name attributes {dtype = bf16, family = #attn.family<softmax>} {
  // expected-error @+1 {{'attn.tensor' op expected tensor name q, k, v or o, got 'x'}}
  attn.tensor @x ["1"] : bf16
}

// -----

attn.kernel @tensor_elt attributes {dtype = bf16, family = #attn.family<softmax>} {
  // expected-error @+1 {{'attn.tensor' op expected element type 'bf16' (the kernel dtype), got 'f16'}}
  attn.tensor @q ["1"] : f16
}

// -----

attn.kernel @dim_missing attributes {dtype = bf16, family = #attn.family<softmax>} {
  // expected-error @+1 {{'attn.tensor' op expected dim 'N' to name an attn.dim, got no such symbol}}
  attn.tensor @q ["N"] : bf16
}

// -----

attn.kernel @dim_kind attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.param @N : i32
  // expected-error @+1 {{'attn.tensor' op expected dim 'N' to name an attn.dim, got 'attn.param'}}
  attn.tensor @q ["N"] : bf16
}

// -----

attn.kernel @dim_empty attributes {dtype = bf16, family = #attn.family<softmax>} {
  // expected-error @+1 {{'attn.input' op expected a dim name or literal, got an empty string}}
  attn.input @g [""] : f32
}

// -----

attn.kernel @dim_zero attributes {dtype = bf16, family = #attn.family<softmax>} {
  // expected-error @+1 {{'attn.input' op expected a positive literal dim, got 0}}
  attn.input @g ["0"] : f32
}

// -----

attn.kernel @param_type attributes {dtype = bf16, family = #attn.family<softmax>} {
  // expected-error @+1 {{'attn.param' op expected param type i32 or f32, got 'f16'}}
  attn.param @p : f16
}

// -----

attn.kernel @param_default attributes {dtype = bf16, family = #attn.family<softmax>} {
  // expected-error @+1 {{'attn.param' op expected default of type 'i32', got 'f32'}}
  "attn.param"() {sym_name = "p", param_type = i32, default_value = 1.0 : f32} : () -> ()
}

// -----

attn.kernel @input_type attributes {dtype = bf16, family = #attn.family<softmax>} {
  // expected-error @+1 {{'attn.input' op expected input element type f32, i32, bf16 or f16, got 'i8'}}
  attn.input @g ["4"] : i8
}

// -----

attn.kernel @input_rank attributes {dtype = bf16, family = #attn.family<softmax>} {
  // expected-error @+1 {{'attn.input' op expected at least 1 dim, got 0}}
  attn.input @g [] : f32
}

// -----

attn.kernel @param_ref_missing attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    // expected-error @+1 {{'attn.param_ref' op expected @w to name an attn.param, got no such symbol}}
    %w = attn.param_ref @w : f32
    attn.yield %w : f32
  } mask {
  }
}

// -----

attn.kernel @param_ref_kind attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.dim @w
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    // expected-error @+1 {{'attn.param_ref' op expected @w to name an attn.param, got 'attn.dim'}}
    %w = attn.param_ref @w : f32
    attn.yield %w : f32
  } mask {
  }
}

// -----

attn.kernel @param_ref_type attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.param @window : i32 = 16
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    // expected-error @+1 {{'attn.param_ref' op expected result type 'i64' for 'i32' param @window, got 'f32'}}
    %w = attn.param_ref @window : f32
    attn.yield %w : f32
  } mask {
  }
}

// -----

func.func @outside() -> i64 {
  // expected-error @+1 {{'attn.param_ref' op expected to be nested in an attn.kernel, got no kernel}}
  %w = attn.param_ref @w : i64
  return %w : i64
}

// -----

attn.kernel @dim_ref_kind attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.param @N : i32
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    // expected-error @+1 {{'attn.dim_ref' op expected @N to name an attn.dim, got 'attn.param'}}
    %n = attn.dim_ref @N : i64
    attn.yield %s : f32
  } mask {
  }
}

// -----

func.func @scale_outside() -> f32 {
  // expected-error @+1 {{'attn.scale' op expected to be nested in an attn.kernel, got no kernel}}
  %s = attn.scale : f32
  return %s : f32
}

// -----

attn.kernel @load_kind attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.param @slopes : f32
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    // expected-error @+1 {{'attn.load' op expected @slopes to name an attn.input, got 'attn.param'}}
    %sl = attn.load @slopes[%h] : f32
    attn.yield %sl : f32
  } mask {
  }
}

// -----

attn.kernel @load_type attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.dim @H
  attn.input @slopes ["H"] : f32
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    // expected-error @+1 {{'attn.load' op expected result type 'f32' for an element of @slopes, got 'i64'}}
    %sl = attn.load @slopes[%h] : i64
    attn.yield %s : f32
  } mask {
  }
}

// -----

attn.kernel @load_int_type attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.dim @N
  attn.input @doc ["N"] : i32
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    // expected-error @+1 {{'attn.load' op expected result type 'i64' for an element of @doc, got 'f32'}}
    %d = attn.load @doc[%i] : f32
    attn.yield %d : f32
  } mask {
  }
}

// -----

attn.kernel @load_count attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.dim @H
  attn.input @slopes ["H"] : f32
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    // expected-error @+1 {{'attn.load' op expected 1 or 0 indices for @slopes, got 2}}
    %sl = attn.load @slopes[%b, %h] : f32
    attn.yield %sl : f32
  } mask {
  }
}

// -----

attn.kernel @load_row_int attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.dim @N
  attn.input @doc ["N", "N"] : i32
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    // expected-error @+1 {{'attn.load' op expected a float input for a row load, got 'i32'}}
    %d = attn.load @doc[%i] : tensor<?xf32>
    attn.yield %s : f32
  } mask {
  }
}

// -----

attn.kernel @load_row_type attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.dim @N
  attn.input @g ["N", "N"] : f32
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    // expected-error @+1 {{'attn.load' op expected result type 'tensor<?xf32>' for a row of @g, got 'f32'}}
    %g = attn.load @g[%i] : f32
    attn.yield %g : f32
  } mask {
  }
}

// -----

attn.kernel @score_arity attributes {dtype = bf16, family = #attn.family<softmax>} {
  // expected-error @+1 {{'attn.softmax_attention' op expected 'score' region to take 5 arguments, got 4}}
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64):
    attn.yield %s : f32
  } mask {
  }
}

// -----

attn.kernel @score_arg_type attributes {dtype = bf16, family = #attn.family<softmax>} {
  // expected-error @+1 {{'attn.softmax_attention' op expected argument #0 of 'score' region to be 'f32', got 'i64'}}
  attn.softmax_attention score {
  ^bb0(%s: i64, %b: i64, %h: i64, %i: i64, %j: i64):
    %f = arith.sitofp %s : i64 to f32
    attn.yield %f : f32
  } mask {
  }
}

// -----

attn.kernel @score_yield attributes {dtype = bf16, family = #attn.family<softmax>} {
  // expected-error @+1 {{'attn.softmax_attention' op expected 'score' region to yield 'f32', got 'i1'}}
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    %c = arith.cmpi slt, %i, %j : i64
    attn.yield %c : i1
  } mask {
  }
}

// -----

attn.kernel @score_terminator attributes {dtype = bf16, family = #attn.family<softmax>} {
  // expected-error @+1 {{'attn.softmax_attention' op expected 'score' region to end in attn.yield, got none}}
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    %c = arith.addf %s, %s : f32
  } mask {
  }
}

// -----

attn.kernel @score_empty attributes {dtype = bf16, family = #attn.family<softmax>} {
  // expected-error @+1 {{'attn.softmax_attention' op region #0 ('score') failed to verify constraint: region with 1 blocks}}
  attn.softmax_attention score {
  } mask {
  }
}

// -----

attn.kernel @mask_yield attributes {dtype = bf16, family = #attn.family<softmax>} {
  // expected-error @+1 {{'attn.softmax_attention' op expected 'mask' region to yield 'i1', got 'f32'}}
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    attn.yield %s : f32
  } mask {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    attn.yield %s : f32
  }
}

// -----

attn.kernel @mask_arity attributes {dtype = bf16, family = #attn.family<softmax>} {
  // expected-error @+1 {{'attn.softmax_attention' op expected 'mask' region to take 5 arguments, got 0}}
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    attn.yield %s : f32
  } mask {
    %t = arith.constant true
    attn.yield %t : i1
  }
}

// -----

attn.kernel @linear_dup attributes {dtype = bf16, family = #attn.family<linear>} {
  // expected-error @+1 {{'attn.linear_attention' op expected unique state names, got @S twice}}
  attn.linear_attention {
    attn.state @S ["7"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %S = attn.state_ref @S : tensor<?xf32>
      attn.yield %S : tensor<?xf32>
    }
    attn.state @S ["7"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %S = attn.state_ref @S : tensor<?xf32>
      attn.yield %S : tensor<?xf32>
    }
    attn.output @o {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %S = attn.state_ref @S : tensor<?xf32>
      attn.yield %S : tensor<?xf32>
    }
  }
}

// -----

attn.kernel @linear_stray attributes {dtype = bf16, family = #attn.family<linear>} {
  // expected-error @+1 {{'attn.linear_attention' op expected only attn.state and attn.output in the body, got 'arith.constant'}}
  attn.linear_attention {
    %c = arith.constant 1.0 : f32
  }
}

// -----

attn.kernel @linear_no_state attributes {dtype = bf16, family = #attn.family<linear>} {
  // expected-error @+1 {{'attn.linear_attention' op expected at least 1 attn.state, got 0}}
  attn.linear_attention {
    attn.output @o {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %q = attn.row @q[%t] : tensor<?xf32>
      attn.yield %q : tensor<?xf32>
    }
  }
}

// -----

attn.kernel @linear_no_output attributes {dtype = bf16, family = #attn.family<linear>} {
  // expected-error @+1 {{'attn.linear_attention' op expected 1 attn.output, got 0}}
  attn.linear_attention {
    attn.state @S ["7"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %S = attn.state_ref @S : tensor<?xf32>
      attn.yield %S : tensor<?xf32>
    }
  }
}

// -----

attn.kernel @state_rank attributes {dtype = bf16, family = #attn.family<linear>} {
  attn.linear_attention {
    // expected-error @+1 {{'attn.state' op expected 1 or 2 dims, got 3}}
    attn.state @S ["2", "3", "4"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %S = attn.state_ref @S : tensor<?xf32>
      attn.yield %S : tensor<?xf32>
    }
    attn.output @o {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %S = attn.state_ref @S : tensor<?xf32>
      attn.yield %S : tensor<?xf32>
    }
  }
}

// -----

attn.kernel @state_args attributes {dtype = bf16, family = #attn.family<linear>} {
  attn.linear_attention {
    // expected-error @+1 {{'attn.state' op expected 'update' region to take 3 arguments, got 2}}
    attn.state @S ["7"] {
    ^bb0(%b: i64, %h: i64):
      %S = attn.state_ref @S : tensor<?xf32>
      attn.yield %S : tensor<?xf32>
    }
    attn.output @o {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %S = attn.state_ref @S : tensor<?xf32>
      attn.yield %S : tensor<?xf32>
    }
  }
}

// -----

attn.kernel @state_yield attributes {dtype = bf16, family = #attn.family<linear>} {
  attn.linear_attention {
    // expected-error @+1 {{'attn.state' op expected 'update' region to yield 'tensor<?x?xf32>', got 'tensor<?xf32>'}}
    attn.state @S ["7", "8"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %k = attn.row @k[%t] : tensor<?xf32>
      attn.yield %k : tensor<?xf32>
    }
    attn.output @o {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %k = attn.row @k[%t] : tensor<?xf32>
      attn.yield %k : tensor<?xf32>
    }
  }
}

// -----

attn.kernel @output_yield attributes {dtype = bf16, family = #attn.family<linear>} {
  attn.linear_attention {
    attn.state @n ["7"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %n = attn.state_ref @n : tensor<?xf32>
      attn.yield %n : tensor<?xf32>
    }
    // expected-error @+1 {{'attn.output' op expected 'value' region to yield 'tensor<?xf32>', got 'f32'}}
    attn.output @o {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %n = attn.state_ref @n : tensor<?xf32>
      %d = attn.dot %n, %n
      attn.yield %d : f32
    }
  }
}

// -----

attn.kernel @state_ref_missing attributes {dtype = bf16, family = #attn.family<linear>} {
  attn.linear_attention {
    attn.state @n ["7"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      // expected-error @+1 {{'attn.state_ref' op expected @m to name an attn.state, got no such state}}
      %n = attn.state_ref @m : tensor<?xf32>
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

attn.kernel @state_ref_type attributes {dtype = bf16, family = #attn.family<linear>} {
  attn.linear_attention {
    attn.state @n ["7"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      // expected-error @+1 {{'attn.state_ref' op expected result type 'tensor<?xf32>' for state @n, got 'tensor<?x?xf32>'}}
      %n = attn.state_ref @n : tensor<?x?xf32>
      %k = attn.row @k[%t] : tensor<?xf32>
      attn.yield %k : tensor<?xf32>
    }
    attn.output @o {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %n = attn.state_ref @n : tensor<?xf32>
      attn.yield %n : tensor<?xf32>
    }
  }
}

// -----

attn.kernel @state_ref_softmax attributes {dtype = bf16, family = #attn.family<softmax>} {
  attn.softmax_attention score {
  ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
    // expected-error @+1 {{'attn.state_ref' op expected to be nested in an attn.linear_attention, got none}}
    %n = attn.state_ref @n : tensor<?xf32>
    attn.yield %s : f32
  } mask {
  }
}

// -----

attn.kernel @row_name attributes {dtype = bf16, family = #attn.family<linear>} {
  attn.tensor @o ["1", "1", "1", "1"] : bf16
  attn.linear_attention {
    attn.state @n ["7"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      // expected-error @+1 {{'attn.row' op expected a row of @q, @k or @v, got @o}}
      %o = attn.row @o[%t] : tensor<?xf32>
      attn.yield %o : tensor<?xf32>
    }
    attn.output @o {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %n = attn.state_ref @n : tensor<?xf32>
      attn.yield %n : tensor<?xf32>
    }
  }
}

// -----

attn.kernel @row_missing attributes {dtype = bf16, family = #attn.family<linear>} {
  attn.linear_attention {
    attn.state @n ["7"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      // expected-error @+1 {{'attn.row' op expected @k to name an attn.tensor, got no such symbol}}
      %k = attn.row @k[%t] : tensor<?xf32>
      attn.yield %k : tensor<?xf32>
    }
    attn.output @o {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %n = attn.state_ref @n : tensor<?xf32>
      attn.yield %n : tensor<?xf32>
    }
  }
}

// -----

func.func @outer_types(%m: tensor<?x?xf32>, %v: tensor<?xf32>) -> tensor<?x?xf32> {
  // expected-error @+1 {{'attn.outer' op operand #0 must be vector of f32 (tensor<?xf32>), but got 'tensor<?x?xf32>'}}
  %r = "attn.outer"(%m, %v) : (tensor<?x?xf32>, tensor<?xf32>) -> tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}

// -----

func.func @vecmat_types(%a: tensor<?xf32>, %b: tensor<?xf32>) -> tensor<?xf32> {
  // expected-error @+1 {{'attn.vecmat' op operand #1 must be matrix of f32 (tensor<?x?xf32>), but got 'tensor<?xf32>'}}
  %r = "attn.vecmat"(%a, %b) : (tensor<?xf32>, tensor<?xf32>) -> tensor<?xf32>
  return %r : tensor<?xf32>
}

// -----

func.func @dot_types(%a: tensor<?xf32>, %b: tensor<4xf32>) -> f32 {
  // expected-error @+1 {{'attn.dot' op operand #1 must be vector of f32 (tensor<?xf32>), but got 'tensor<4xf32>'}}
  %r = "attn.dot"(%a, %b) : (tensor<?xf32>, tensor<4xf32>) -> f32
  return %r : f32
}

// -----

func.func @diag_scale_types(%a: tensor<?xf32>, %m: tensor<?x?xf32>) -> tensor<?xf32> {
  // expected-error @+1 {{'attn.diag_scale' op result #0 must be matrix of f32 (tensor<?x?xf32>), but got 'tensor<?xf32>'}}
  %r = "attn.diag_scale"(%a, %m) : (tensor<?xf32>, tensor<?x?xf32>) -> tensor<?xf32>
  return %r : tensor<?xf32>
}

// -----

func.func @broadcast_types(%f: f32, %m: tensor<?x?xf32>) -> tensor<?xf32> {
  // expected-error @+1 {{'attn.broadcast' op failed to verify that all of {like, result} have same type}}
  %r = "attn.broadcast"(%f, %m) : (f32, tensor<?x?xf32>) -> tensor<?xf32>
  return %r : tensor<?xf32>
}

// -----

func.func @yield_parent(%f: f32) {
  // expected-error @+1 {{'attn.yield' op expects parent op to be one of 'attn.softmax_attention, attn.state, attn.output'}}
  attn.yield %f : f32
}
