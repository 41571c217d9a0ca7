//===- AttnOps.td - Operations of the attn dialect -----------*- tablegen -*-===//
//
// The ops a `.attn` kernel lowers to. Declarations are symbols of the enclosing
// `attn.kernel`; reference ops read them inside the score/mask/state/output regions and
// verify that the symbol exists and has the right kind. Everything else is arith/math.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DIALECT_ATTN_IR_ATTNOPS_TD
#define ATTNC_DIALECT_ATTN_IR_ATTNOPS_TD

include "attnc/Dialect/Attn/IR/AttnDialect.td"
include "attnc/Dialect/Attn/IR/AttnAttributes.td"
include "mlir/IR/OpBase.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/IR/OpAsmInterface.td"
include "mlir/IR/RegionKindInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Types used by the linear family
//===----------------------------------------------------------------------===//

def Attn_Vector : Type<CPred<"::mlir::attn::isVectorType($_self)">,
                       "vector of f32 (tensor<?xf32>)", "::mlir::RankedTensorType">,
                  BuildableType<"::mlir::attn::getVectorType($_builder.getContext())">;
def Attn_Matrix : Type<CPred<"::mlir::attn::isMatrixType($_self)">,
                       "matrix of f32 (tensor<?x?xf32>)", "::mlir::RankedTensorType">,
                  BuildableType<"::mlir::attn::getMatrixType($_builder.getContext())">;
def Attn_VectorOrMatrix : AnyTypeOf<[Attn_Vector, Attn_Matrix]>;

//===----------------------------------------------------------------------===//
// Kernel and declarations
//===----------------------------------------------------------------------===//

def Attn_KernelOp : Attn_Op<"kernel", [
    Symbol, SymbolTable, IsolatedFromAbove, NoTerminator, SingleBlock,
    NoRegionArguments]> {
  let summary = "One attention kernel: declarations plus one attention op.";
  let description = [{
    The body holds `attn.dim`, `attn.tensor`, `attn.param` and `attn.input`
    declarations (the kernel's symbol table) and exactly one `attn.softmax_attention`
    (family softmax) or `attn.linear_attention` (family linear).

    ```mlir
    attn.kernel @causal attributes {dtype = bf16, family = #attn.family<softmax>} {
      attn.dim @B
      attn.tensor @q ["B", "H", "N", "D"] : bf16
      ...
      attn.softmax_attention score { ... } mask { ... }
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, TypeAttr:$dtype,
                       Attn_FamilyAttr:$family);
  let regions = (region AnyRegion:$bodyRegion);
  let assemblyFormat = "$sym_name attr-dict-with-keyword $bodyRegion";
  let hasVerifier = 1;
  // The attention-op count is checked after the body, so body errors come first.
  let hasRegionVerifier = 1;
  let skipDefaultBuilders = 1;
  let builders = [
    OpBuilder<(ins "::llvm::StringRef":$name, "::mlir::Type":$dtype,
                   "::mlir::attn::Family":$family)>
  ];
  let extraClassDeclaration = [{
    /// The declaration of `name` (attn.dim/tensor/param/input), or null.
    ::mlir::Operation *lookupDecl(::llvm::StringRef name);
    /// The attn.tensor named q, k, v or o, or null when absent.
    TensorOp lookupTensor(::llvm::StringRef name);
    /// The value of a dim entry when known at compile time: a decimal literal
    /// ("128") or an attn.dim with a value.
    std::optional<int64_t> getStaticDimValue(::llvm::StringRef dim);
    /// The kernel's attention op (null if the body is malformed).
    SoftmaxAttentionOp getSoftmaxAttention();
    LinearAttentionOp getLinearAttention();
  }];
}

def Attn_DimOp : Attn_Op<"dim", [Symbol, HasParent<"KernelOp">]> {
  let summary = "Declares a run-time dimension symbol, optionally with a known value.";
  let description = [{
    ```mlir
    attn.dim @N
    attn.dim @D = 128
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, OptionalAttr<I64Attr>:$value);
  let assemblyFormat = "$sym_name (`=` $value^)? attr-dict";
  let hasVerifier = 1;
}

def Attn_TensorOp : Attn_Op<"tensor", [Symbol, HasParent<"KernelOp">]> {
  let summary = "Declares q, k, v or o with its dims and element type.";
  let description = [{
    Each dim is the name of an `attn.dim` or a decimal literal.

    ```mlir
    attn.tensor @q ["B", "Hq", "N", "128"] : bf16
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, StrArrayAttr:$dims,
                       TypeAttr:$element_type);
  let assemblyFormat = "$sym_name $dims attr-dict `:` $element_type";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The dims as strings, in order.
    ::llvm::SmallVector<::llvm::StringRef> getDimNames();
  }];
}

def Attn_ParamOp : Attn_Op<"param", [Symbol, HasParent<"KernelOp">]> {
  let summary = "Declares a run-time scalar parameter with an optional default.";
  let description = [{
    The default is a launch-time default, never a compile-time constant.

    ```mlir
    attn.param @window : i32 = 1024
    attn.param @softcap : f32 = 5.000000e+01
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, TypeAttr:$param_type,
                       OptionalAttr<TypedAttrInterface>:$default_value);
  let assemblyFormat = [{
    $sym_name custom<ParamTypeAndDefault>($param_type, $default_value) attr-dict
  }];
  let hasVerifier = 1;
}

def Attn_InputOp : Attn_Op<"input", [Symbol, HasParent<"KernelOp">]> {
  let summary = "Declares an extra input tensor (slopes, ids, gates).";
  let description = [{
    ```mlir
    attn.input @slopes ["Hq"] : f32
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, StrArrayAttr:$dims,
                       TypeAttr:$element_type);
  let assemblyFormat = "$sym_name $dims attr-dict `:` $element_type";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::llvm::SmallVector<::llvm::StringRef> getDimNames();
  }];
}

//===----------------------------------------------------------------------===//
// References
//===----------------------------------------------------------------------===//

def Attn_ParamRefOp : Attn_Op<"param_ref", [Pure]> {
  let summary = "Reads a param: i32 params as i64, f32 params as f32.";
  let description = [{
    ```mlir
    %w = attn.param_ref @window : i64
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$param);
  let results = (outs AnyTypeOf<[I64, F32]>:$result);
  let assemblyFormat = "$param attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Attn_DimRefOp : Attn_Op<"dim_ref", [Pure]> {
  let summary = "Reads the run-time value of a dimension symbol.";
  let description = [{
    ```mlir
    %n = attn.dim_ref @N : i64
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$dim);
  let results = (outs I64:$result);
  let assemblyFormat = "$dim attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Attn_ScaleOp : Attn_Op<"scale", [Pure]> {
  let summary = "The softmax scale 1/sqrt(head dim) (K in the linear family).";
  let description = [{
    ```mlir
    %sc = attn.scale : f32
    ```
  }];
  let results = (outs F32:$result);
  let assemblyFormat = "attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Attn_LoadOp : Attn_Op<"load", [Pure]> {
  let summary = "Reads an element (or a trailing row) of an extra input.";
  let description = [{
    With one index per dim the result is the element: `f32` for float inputs, `i64`
    for i32 inputs. With one index fewer, the result is the trailing row as a
    `tensor<?xf32>` (linear-family vector gates).

    ```mlir
    %sl = attn.load @slopes[%h] : f32
    %g = attn.load @g[%b, %h, %t] : tensor<?xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$input, Variadic<I64>:$indices);
  let results = (outs AnyTypeOf<[F32, I64, Attn_Vector]>:$result);
  let assemblyFormat = "$input `[` $indices `]` attr-dict `:` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Softmax family
//===----------------------------------------------------------------------===//

def Attn_SoftmaxAttentionOp : Attn_Op<"softmax_attention", [
    HasParent<"KernelOp">,
    DeclareOpInterfaceMethods<OpAsmOpInterface, ["getAsmBlockArgumentNames"]>]> {
  let summary = "Softmax attention with a score modifier and a mask predicate.";
  let description = [{
    Both regions take `(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64)`; `score` yields
    the modified score (f32), `mask` yields whether (i, j) is kept (i1). An empty mask
    region means full attention.

    ```mlir
    attn.softmax_attention score {
    ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
      attn.yield %s : f32
    } mask {
    ^bb0(%s: f32, %b: i64, %h: i64, %i: i64, %j: i64):
      %c = arith.cmpi sle, %j, %i : i64
      attn.yield %c : i1
    }
    ```
  }];
  let regions = (region SizedRegion<1>:$score, MaxSizedRegion<1>:$mask);
  let assemblyFormat = "attr-dict-with-keyword `score` $score `mask` $mask";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// True when the mask region is non-empty.
    bool hasMask() { return !getMask().empty(); }
  }];
}

//===----------------------------------------------------------------------===//
// Linear family
//===----------------------------------------------------------------------===//

def Attn_LinearAttentionOp : Attn_Op<"linear_attention", [
    HasParent<"KernelOp">, NoTerminator, SingleBlock, NoRegionArguments]> {
  let summary = "A linear-attention recurrence: states updated per step, one output.";
  let description = [{
    The body holds one or more `attn.state` ops (updated in order at every step t)
    and exactly one `attn.output`.

    ```mlir
    attn.linear_attention {
      attn.state @S ["K", "V"] { ... }
      attn.output @o { ... }
    }
    ```
  }];
  let regions = (region SizedRegion<1>:$bodyRegion);
  let assemblyFormat = "attr-dict-with-keyword $bodyRegion";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The state named `name`, or null.
    StateOp lookupState(::llvm::StringRef name);
    OutputOp getOutput();
  }];
}

def Attn_StateOp : Attn_Op<"state", [HasParent<"LinearAttentionOp">,
    DeclareOpInterfaceMethods<OpAsmOpInterface, ["getAsmBlockArgumentNames"]>]> {
  let summary = "A state and its update S_t = f(S_{t-1}, inputs at t).";
  let description = [{
    A `[K, V]` state is a `tensor<?x?xf32>`, a `[K]` state a `tensor<?xf32>`. The region
    takes `(%b, %h, %t: i64)` and yields the new value; `attn.state_ref` of this state
    inside it reads the value at t-1.

    ```mlir
    attn.state @S ["K", "V"] {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %S = attn.state_ref @S : tensor<?x?xf32>
      %k = attn.row @k[%t] : tensor<?xf32>
      %v = attn.row @v[%t] : tensor<?xf32>
      %kv = attn.outer %k, %v
      %n = arith.addf %S, %kv : tensor<?x?xf32>
      attn.yield %n : tensor<?x?xf32>
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, StrArrayAttr:$dims);
  let regions = (region SizedRegion<1>:$update);
  let assemblyFormat = "$sym_name $dims attr-dict-with-keyword $update";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::llvm::SmallVector<::llvm::StringRef> getDimNames();
    /// tensor<?xf32> for a vector state, tensor<?x?xf32> for a matrix state.
    ::mlir::Type getValueType();
  }];
}

def Attn_OutputOp : Attn_Op<"output", [HasParent<"LinearAttentionOp">,
    DeclareOpInterfaceMethods<OpAsmOpInterface, ["getAsmBlockArgumentNames"]>]> {
  let summary = "The output row at step t, computed from the states after step t.";
  let description = [{
    ```mlir
    attn.output @o {
    ^bb0(%b: i64, %h: i64, %t: i64):
      %q = attn.row @q[%t] : tensor<?xf32>
      %S = attn.state_ref @S : tensor<?x?xf32>
      %o = attn.vecmat %q, %S
      attn.yield %o : tensor<?xf32>
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name);
  let regions = (region SizedRegion<1>:$value);
  let assemblyFormat = "$sym_name attr-dict-with-keyword $value";
  let hasVerifier = 1;
}

def Attn_StateRefOp : Attn_Op<"state_ref", [Pure]> {
  let summary = "Reads a state (at t-1 inside its update, after step t elsewhere).";
  let description = [{
    ```mlir
    %S = attn.state_ref @S : tensor<?x?xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$state);
  let results = (outs Attn_VectorOrMatrix:$result);
  let assemblyFormat = "$state attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Attn_RowOp : Attn_Op<"row", [Pure]> {
  let summary = "The row of q, k or v at step t (a vector of K or V).";
  let description = [{
    ```mlir
    %k = attn.row @k[%t] : tensor<?xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$tensor, I64:$index);
  let results = (outs Attn_Vector:$result);
  let assemblyFormat = "$tensor `[` $index `]` attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Attn_OuterOp : Attn_Op<"outer", [Pure]> {
  let summary = "Outer product of two vectors ([K], [V] -> [K, V]).";
  let description = [{
    ```mlir
    %kv = attn.outer %k, %v
    ```
  }];
  let arguments = (ins Attn_Vector:$lhs, Attn_Vector:$rhs);
  let results = (outs Attn_Matrix:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict";
}

def Attn_VecMatOp : Attn_Op<"vecmat", [Pure]> {
  let summary = "Vector times matrix ([K] . [K, V] -> [V]).";
  let description = [{
    ```mlir
    %o = attn.vecmat %q, %S
    ```
  }];
  let arguments = (ins Attn_Vector:$vector, Attn_Matrix:$matrix);
  let results = (outs Attn_Vector:$result);
  let assemblyFormat = "$vector `,` $matrix attr-dict";
}

def Attn_DotOp : Attn_Op<"dot", [Pure]> {
  let summary = "Dot product of two vectors ([K] . [K] -> f32).";
  let description = [{
    ```mlir
    %d = attn.dot %q, %n
    ```
  }];
  let arguments = (ins Attn_Vector:$lhs, Attn_Vector:$rhs);
  let results = (outs F32:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict";
}

def Attn_DiagScaleOp : Attn_Op<"diag_scale", [Pure]> {
  let summary = "Scales row r of a matrix by g[r] (diag(g) * S).";
  let description = [{
    ```mlir
    %gS = attn.diag_scale %g, %S
    ```
  }];
  let arguments = (ins Attn_Vector:$scale, Attn_Matrix:$matrix);
  let results = (outs Attn_Matrix:$result);
  let assemblyFormat = "$scale `,` $matrix attr-dict";
}

def Attn_BroadcastOp : Attn_Op<"broadcast", [Pure,
    AllTypesMatch<["like", "result"]>]> {
  let summary = "Spreads an f32 scalar over the shape of a vector or matrix.";
  let description = [{
    ```mlir
    %bk = attn.broadcast %beta like %k : tensor<?xf32>
    ```
  }];
  let arguments = (ins F32:$value, Attn_VectorOrMatrix:$like);
  let results = (outs Attn_VectorOrMatrix:$result);
  let assemblyFormat = "$value `like` $like attr-dict `:` type($like)";
}

//===----------------------------------------------------------------------===//
// Terminator
//===----------------------------------------------------------------------===//

def Attn_YieldOp : Attn_Op<"yield", [Pure, Terminator,
    ParentOneOf<["SoftmaxAttentionOp", "StateOp", "OutputOp"]>]> {
  let summary = "Terminates a score, mask, state or output region with its value.";
  let description = [{
    ```mlir
    attn.yield %r : f32
    ```
  }];
  let arguments = (ins AnyType:$value);
  let assemblyFormat = "$value attr-dict `:` type($value)";
}

#endif // ATTNC_DIALECT_ATTN_IR_ATTNOPS_TD
