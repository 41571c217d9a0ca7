//===- AST.h - Abstract syntax of the attnc DSL -------------------*- C++ -*-===//
//
// The tree the parser builds and the semantic checker annotates. Every node carries the
// source location it came from so later layers (the MLIR lowering, the CPU reference, the
// CLI) can report problems at file:line:col. After `Sema` succeeds, every `Expr` has a
// `type` and every `Ref` a `refKind`; nothing downstream re-resolves names.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DSL_AST_H
#define ATTNC_DSL_AST_H

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace attnc::dsl {

/// A 1-based position in a source file.
struct SourceLoc {
  uint32_t line = 0;
  uint32_t col = 0;
  /// Length in characters of the token or construct starting here (for the caret run).
  uint32_t length = 1;
  bool isValid() const { return line != 0; }
};

/// Element types of tensors, inputs and params.
enum class ElementType { BF16, F16, F32, I32 };

const char *toString(ElementType t);
bool isFloat(ElementType t);

/// Scalar kind of an expression value.
enum class ScalarKind { Int, Float, Bool };

/// The type of an expression: a scalar kind and a shape over dimension symbols
/// (empty = scalar, one symbol = vector, two = matrix; linear family only).
struct ExprType {
  ScalarKind scalar = ScalarKind::Float;
  std::vector<std::string> shape;
  bool isScalar() const { return shape.empty(); }
  bool operator==(const ExprType &o) const {
    return scalar == o.scalar && shape == o.shape;
  }
  bool operator!=(const ExprType &o) const { return !(*this == o); }
  std::string str() const; // "int", "float", "bool", "float[K]", "float[K, V]"
};

enum class UnaryOp { Neg, Not };
enum class BinaryOp {
  Add, Sub, Mul, Div, Mod, MatMul,
  Lt, Le, Gt, Ge, Eq, Ne,
  And, Or
};
const char *toString(UnaryOp op);
const char *toString(BinaryOp op);

/// What a bare identifier refers to (filled by Sema).
enum class RefKind {
  Unresolved,
  IndexVar, ///< b, h, i, j (softmax) or b, h, t (linear); `name` says which
  Score,    ///< s, the scaled q.k score (softmax score expression only)
  Param,    ///< a declared `param`
  Dim,      ///< a dimension symbol such as N, M, D, W
  Scale,    ///< the builtin `scale` (1/sqrt(head dim)) when no param overrides it
  State,    ///< a linear-family state (S, n, C, ...)
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

/// One expression node. Which fields are meaningful depends on `kind`.
struct Expr {
  enum class Kind {
    IntLit,   ///< intValue
    FloatLit, ///< floatValue
    BoolLit,  ///< boolValue
    Ref,      ///< name (+ refKind after Sema)
    Index,    ///< name[operands...]: an input, or q/k/v rows in the linear family
    Unary,    ///< unaryOp operands[0]
    Binary,   ///< operands[0] binaryOp operands[1]
    Call,     ///< name(operands...)
  };
  Kind kind;
  SourceLoc loc;
  int64_t intValue = 0;
  double floatValue = 0;
  bool boolValue = false;
  std::string name;
  UnaryOp unaryOp = UnaryOp::Neg;
  BinaryOp binaryOp = BinaryOp::Add;
  std::vector<ExprPtr> operands;
  /// The operator token of a Unary/Binary node, the name token of a Call/Index node
  /// (`loc` starts where the whole expression starts and spans it on its first line).
  SourceLoc opLoc;

  // Filled by Sema.
  ExprType type;
  RefKind refKind = RefKind::Unresolved;

  explicit Expr(Kind k, SourceLoc l) : kind(k), loc(l) {}
};

/// A dimension in a declaration: a symbol (`N`) or a literal (`128`).
struct Dim {
  std::string symbol; ///< empty for a literal
  int64_t value = -1; ///< the literal, when symbol is empty
  SourceLoc loc;
  bool isLiteral() const { return symbol.empty(); }
  std::string str() const { return isLiteral() ? std::to_string(value) : symbol; }
};

/// q, k, v or o.
struct TensorDecl {
  std::string name;
  std::vector<Dim> dims;
  SourceLoc loc;
};

struct ParamDecl {
  std::string name;
  ElementType type = ElementType::I32; ///< I32 or F32
  std::optional<double> defaultValue;
  /// Whether the default was written as an integer literal (Sema checks it against type).
  bool defaultIsInteger = false;
  SourceLoc defaultLoc;
  SourceLoc loc;
};

/// An extra input tensor: per-head slopes, per-token ids, gates.
struct InputDecl {
  std::string name;
  ElementType type = ElementType::F32;
  std::vector<Dim> dims;
  SourceLoc loc;
};

/// A linear-family state and its update S_t = f(S_{t-1}, inputs at t).
struct StateDecl {
  std::string name;
  std::vector<Dim> dims;
  ExprPtr update;
  SourceLoc loc;
};

/// The linear-family output `out o[t] = expr`.
struct OutputDecl {
  std::string name;
  std::string indexVar;
  ExprPtr value;
  SourceLoc loc;
};

enum class Family { Softmax, Linear };

struct Kernel {
  std::string name;
  SourceLoc loc;
  std::optional<ElementType> dtype; ///< BF16 or F16; Sema requires it
  SourceLoc dtypeLoc;
  std::optional<TensorDecl> q, k, v, o;
  std::vector<ParamDecl> params;
  std::vector<InputDecl> inputs;
  ExprPtr score; ///< softmax: optional (defaults to plain `s`)
  SourceLoc scoreLoc;
  ExprPtr mask; ///< softmax: optional (no mask = full attention)
  SourceLoc maskLoc;
  std::vector<StateDecl> states;   ///< linear family
  std::optional<OutputDecl> out;   ///< linear family
  Family family = Family::Softmax; ///< set by Sema (states/out present => Linear)

  const ParamDecl *findParam(const std::string &n) const;
  const InputDecl *findInput(const std::string &n) const;
  const StateDecl *findState(const std::string &n) const;
};

/// Positions of the roles inside q/k/v dims (both families use [B, H, L, D]).
enum DimRole { kBatchDim = 0, kHeadDim = 1, kSeqDim = 2, kFeatureDim = 3 };

struct Program {
  std::string path; ///< the file name used in diagnostics
  std::vector<Kernel> kernels;
};

} // namespace attnc::dsl

#endif // ATTNC_DSL_AST_H
