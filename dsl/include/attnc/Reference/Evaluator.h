//===- Evaluator.h - Naive evaluation of checked DSL expressions --*- C++ -*-===//
//
// The CPU reference interprets a checked kernel directly: this header binds the run-time
// problem (dimension symbols from tensor shapes, params with their defaults, the `scale`
// builtin) and evaluates expressions of the AST at one position. Values are float64
// scalars (int, float, bool) for the softmax family, and also vectors and matrices over
// the dimension symbols for the linear family (`q[t]`, states, `outer`, `diag`, `@`).
// Int `/` and `%` are floor division and floor modulo, as docs/dsl.md specifies.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_REFERENCE_EVALUATOR_H
#define ATTNC_REFERENCE_EVALUATOR_H

#include "attnc/DSL/AST.h"
#include "attnc/Reference/HostTensor.h"

#include <map>
#include <string>
#include <vector>

namespace attnc::reference {

/// What the caller fixes about a run besides the tensors. `dims` may bind dimension
/// symbols that no tensor shape determines (and must agree with those that one does);
/// `params` overrides the program's param defaults (an i32 param takes an integral value).
struct Bindings {
  std::map<std::string, int64_t> dims;
  std::map<std::string, double> params;
};

/// The tensors of a run: q, k, v in the kernel's declared layout ([B, H, L, D]) and the
/// kernel's extra `input`s by name (i32 inputs hold exact integers).
struct Inputs {
  HostTensor q, k, v;
  std::map<std::string, HostTensor> extra;
};

/// A run fully bound: every dimension symbol, every param, `scale`, and the role sizes.
/// Softmax family: q [batch, qHeads, queryLen, headDim], k/v [batch, kvHeads, keyLen,
/// headDim / valueDim]. Linear family: qHeads == kvHeads (= H), queryLen == keyLen (= T),
/// headDim = K, valueDim = V.
struct ResolvedBindings {
  std::map<std::string, int64_t> dims;
  std::map<std::string, double> params;
  double scale = 1.0;
  int64_t batch = 0, qHeads = 0, kvHeads = 0, queryLen = 0, keyLen = 0, headDim = 0, valueDim = 0;
  dsl::Family family = dsl::Family::Softmax;
};

/// Binds `kernel`'s symbols against the shapes in `inputs` and the caller's `bindings`,
/// checking every declared shape (literal dims, shared symbols, k/v agreement,
/// Hq % Hkv == 0, one tensor per declared input). Throws ReferenceError on a mismatch.
ResolvedBindings resolveBindings(const dsl::Kernel &kernel, const Inputs &inputs,
                                 const Bindings &bindings);

/// A value of the expression language. Scalars keep `scalar` (ints and bools as exact
/// doubles); vectors ([n]) and matrices ([r, c]) keep row-major `data`. `diag(x)` is kept
/// unexpanded: `diagonal` is set, `shape` is [n, n] and `data` holds the n entries.
struct Value {
  dsl::ScalarKind kind = dsl::ScalarKind::Float;
  std::vector<int64_t> shape;
  double scalar = 0;
  std::vector<double> data;
  bool diagonal = false;

  static Value makeScalar(dsl::ScalarKind kind, double v);
  static Value makeFloat(double v) { return makeScalar(dsl::ScalarKind::Float, v); }
  /// A zero float tensor of `shape` (empty shape = scalar).
  static Value zeros(std::vector<int64_t> shape);
  bool isScalar() const { return shape.empty(); }
  int64_t numel() const;
  /// Element `idx` of the row-major (dense) expansion; a scalar ignores `idx`.
  double elem(int64_t idx) const;
  /// The dense form (expands a diagonal).
  Value dense() const;
};

/// Evaluates expressions of one kernel at one position. Cheap to construct; set the
/// position (and, for the linear family, what each state name reads) before `eval`.
/// Names are read through Sema's `refKind`; an unresolved Ref is resolved by name, so hand-
/// built trees work too. Throws ReferenceError on ill-typed operations, out-of-range
/// input indices, and integer division by zero.
class Evaluator {
public:
  Evaluator(const dsl::Kernel &kernel, const ResolvedBindings &bindings, const Inputs &inputs)
      : kernel_(kernel), bind_(bindings), inputs_(inputs) {}

  /// Softmax family: index variables b, h, i, j and the scaled score s.
  void setSoftmaxPosition(int64_t b, int64_t h, int64_t i, int64_t j, double s) {
    b_ = b, h_ = h, i_ = i, j_ = j, s_ = s;
  }
  /// Linear family: index variables b, h, t.
  void setLinearPosition(int64_t b, int64_t h, int64_t t) { b_ = b, h_ = h, t_ = t; }
  /// What the state `name` evaluates to from now on (the caller keeps `v` alive).
  void setState(const std::string &name, const Value *v) { states_[name] = v; }

  Value eval(const dsl::Expr &e) const;
  /// eval + a check that the result is a scalar of a numeric kind, as a double.
  double evalNumber(const dsl::Expr &e) const;
  /// eval + a check that the result is a bool scalar.
  bool evalBool(const dsl::Expr &e) const;

private:
  Value evalRef(const dsl::Expr &e) const;
  Value evalIndex(const dsl::Expr &e) const;
  Value evalCall(const dsl::Expr &e) const;
  Value evalUnary(const dsl::Expr &e) const;
  Value evalBinary(const dsl::Expr &e) const;
  int64_t evalIndexOperand(const dsl::Expr &e) const;

  const dsl::Kernel &kernel_;
  const ResolvedBindings &bind_;
  const Inputs &inputs_;
  int64_t b_ = 0, h_ = 0, i_ = 0, j_ = 0, t_ = 0;
  double s_ = 0;
  std::map<std::string, const Value *> states_;
};

/// The mask predicate of a softmax kernel at (b, h, i, j); true when the kernel has none.
bool evalMask(const dsl::Kernel &kernel, const ResolvedBindings &bindings, const Inputs &inputs,
              int64_t b, int64_t h, int64_t i, int64_t j);
/// As above, resolving `bindings` first (convenient for single queries, slow in loops).
bool evalMask(const dsl::Kernel &kernel, const Bindings &bindings, const Inputs &inputs, int64_t b,
              int64_t h, int64_t i, int64_t j);
/// The score expression of a softmax kernel at (b, h, i, j) given the scaled score `s`;
/// `s` itself when the kernel has none.
double evalScore(const dsl::Kernel &kernel, const ResolvedBindings &bindings, const Inputs &inputs,
                 double s, int64_t b, int64_t h, int64_t i, int64_t j);
double evalScore(const dsl::Kernel &kernel, const Bindings &bindings, const Inputs &inputs,
                 double s, int64_t b, int64_t h, int64_t i, int64_t j);

} // namespace attnc::reference

#endif // ATTNC_REFERENCE_EVALUATOR_H
