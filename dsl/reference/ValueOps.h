//===- ValueOps.h - Operations on evaluator values (internal) -----*- C++ -*-===//
//
// The arithmetic of the expression language on `Value`s: broadcasting elementwise ops,
// `@`, the `diag(x) * S` product, floor division, and the builtin functions. Every
// operation checks kinds and shapes itself and reports against the node being evaluated.
// Internal to AttnReference.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_REFERENCE_LIB_VALUEOPS_H
#define ATTNC_REFERENCE_LIB_VALUEOPS_H

#include "attnc/Reference/Evaluator.h"

#include <string>

namespace attnc::reference::detail {

/// Throws a ReferenceError prefixed with `e`'s line:col.
[[noreturn]] void fail(const dsl::Expr &e, const std::string &msg);
/// "int", "float[8, 4]", ...
std::string describe(const Value &v);
void requireNumeric(const dsl::Expr &e, const Value &v);
void requireBool(const dsl::Expr &e, const Value &v);
/// The kind of an arithmetic result: int when both are ints, else float.
dsl::ScalarKind arithKind(const dsl::Expr &e, const Value &a, const Value &b);

double floorDiv(const dsl::Expr &e, double x, double y);
double floorMod(const dsl::Expr &e, double x, double y);

/// `a @ b`: vector.matrix, vector.vector (a scalar), matrix.vector, matrix.matrix.
Value matmul(const dsl::Expr &e, const Value &a, const Value &b);
/// `a * b` when an operand is diag(x): row or column scaling of a matrix, elementwise
/// scaling of a vector, or a product of diagonals; false when neither is diagonal.
bool diagonalProduct(const dsl::Expr &e, const Value &a, const Value &b, Value &out);
/// outer(x, y) of two vectors.
Value outerProduct(const dsl::Expr &e, const Value &x, const Value &y);

/// The one-argument elementwise builtins (exp, log, exp2, log2, tanh, sigmoid, logsigmoid,
/// softplus, sqrt, abs) in float64; null for any other name.
double (*unaryFunction(const std::string &name))(double);

/// Applies `f` elementwise with scalar broadcasting; other shapes must agree.
template <class F>
Value elementwise(const dsl::Expr &e, const Value &a0, const Value &b0, dsl::ScalarKind kind, F f) {
  const Value &a = a0.diagonal ? a0.dense() : a0;
  const Value &b = b0.diagonal ? b0.dense() : b0;
  if (a.isScalar() && b.isScalar())
    return Value::makeScalar(kind, f(a.scalar, b.scalar));
  if (!a.isScalar() && !b.isScalar() && a.shape != b.shape)
    fail(e, "shape mismatch: " + describe(a) + " and " + describe(b));
  Value r;
  r.kind = kind;
  r.shape = a.isScalar() ? b.shape : a.shape;
  r.data.resize(a.isScalar() ? b.data.size() : a.data.size());
  for (size_t n = 0; n < r.data.size(); ++n)
    r.data[n] = f(a.isScalar() ? a.scalar : a.data[n], b.isScalar() ? b.scalar : b.data[n]);
  return r;
}

/// Applies `f` to every element (a diagonal is expanded first).
template <class F> Value mapValue(const Value &a0, dsl::ScalarKind kind, F f) {
  Value r = a0.dense();
  r.kind = kind;
  if (r.isScalar())
    r.scalar = f(r.scalar);
  for (double &x : r.data)
    x = f(x);
  return r;
}

} // namespace attnc::reference::detail

#endif // ATTNC_REFERENCE_LIB_VALUEOPS_H
