//===- ValueOps.cpp - Operations on evaluator values ----------------------===//
//
// Kind and shape checks, the linear-algebra operators and the float64 builtins. The
// numerically delicate builtins (sigmoid, softplus, logsigmoid) use the overflow-free
// forms, so a reference value is never inf where the mathematical value is finite.
//
//===----------------------------------------------------------------------===//
#include "ValueOps.h"

#include <algorithm>
#include <cmath>

namespace attnc::reference {
using namespace attnc::dsl;

Value Value::makeScalar(ScalarKind kind, double v) {
  Value r;
  r.kind = kind;
  r.scalar = v;
  return r;
}

Value Value::zeros(std::vector<int64_t> shape) {
  Value r;
  r.shape = std::move(shape);
  if (!r.shape.empty())
    r.data.assign(static_cast<size_t>(r.numel()), 0.0);
  return r;
}

int64_t Value::numel() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

double Value::elem(int64_t idx) const {
  if (isScalar())
    return scalar;
  if (!diagonal)
    return data[idx];
  int64_t n = shape[0];
  return idx / n == idx % n ? data[idx / n] : 0.0;
}

Value Value::dense() const {
  if (!diagonal)
    return *this;
  Value r;
  r.kind = kind;
  r.shape = shape;
  r.data.resize(static_cast<size_t>(numel()));
  for (int64_t n = 0; n < numel(); ++n)
    r.data[n] = elem(n);
  return r;
}

namespace detail {

void fail(const Expr &e, const std::string &msg) {
  throw ReferenceError(std::to_string(e.loc.line) + ":" + std::to_string(e.loc.col) + ": " + msg);
}

std::string describe(const Value &v) {
  std::string s = v.kind == ScalarKind::Int ? "int" : v.kind == ScalarKind::Bool ? "bool" : "float";
  if (v.shape.empty())
    return s;
  s += "[";
  for (size_t d = 0; d < v.shape.size(); ++d)
    s += (d ? ", " : "") + std::to_string(v.shape[d]);
  return s + "]";
}

void requireNumeric(const Expr &e, const Value &v) {
  if (v.kind == ScalarKind::Bool)
    fail(e, "expected a number, got " + describe(v));
}

void requireBool(const Expr &e, const Value &v) {
  if (v.kind != ScalarKind::Bool)
    fail(e, "expected a bool, got " + describe(v));
}

ScalarKind arithKind(const Expr &e, const Value &a, const Value &b) {
  requireNumeric(e, a);
  requireNumeric(e, b);
  return a.kind == ScalarKind::Int && b.kind == ScalarKind::Int ? ScalarKind::Int
                                                                : ScalarKind::Float;
}

double floorDiv(const Expr &e, double x, double y) {
  auto a = static_cast<int64_t>(x), b = static_cast<int64_t>(y);
  if (b == 0)
    fail(e, "integer division by zero");
  int64_t q = a / b;
  if (a % b != 0 && (a < 0) != (b < 0))
    --q;
  return static_cast<double>(q);
}

double floorMod(const Expr &e, double x, double y) {
  auto a = static_cast<int64_t>(x), b = static_cast<int64_t>(y);
  if (b == 0)
    fail(e, "integer modulo by zero");
  int64_t r = a % b;
  if (r != 0 && (r < 0) != (b < 0))
    r += b;
  return static_cast<double>(r);
}

bool diagonalProduct(const Expr &e, const Value &a, const Value &b, Value &out) {
  if (!a.diagonal && !b.diagonal)
    return false;
  if (a.isScalar() || b.isScalar()) { // stays diagonal
    out = a.diagonal ? a : b;
    double s = a.diagonal ? b.scalar : a.scalar;
    for (double &x : out.data)
      x *= s;
    return true;
  }
  if (a.diagonal && b.diagonal) {
    if (a.data.size() != b.data.size())
      fail(e, "shape mismatch: " + describe(a) + " and " + describe(b));
    out = a;
    for (size_t n = 0; n < out.data.size(); ++n)
      out.data[n] *= b.data[n];
    return true;
  }
  const Value &d = a.diagonal ? a : b;
  const Value &m = a.diagonal ? b : a;
  if (m.shape.size() == 1 && m.shape[0] == d.shape[0]) { // diag(x) * y = x * y for a vector
    out = m;
    out.kind = ScalarKind::Float;
    for (size_t n = 0; n < out.data.size(); ++n)
      out.data[n] *= d.data[n];
    return true;
  }
  // diag(x) * S scales the rows of S, S * diag(x) its columns.
  if (m.shape.size() != 2 || m.shape[a.diagonal ? 0 : 1] != d.shape[0])
    fail(e, "diag(x) of " + describe(d) + " cannot scale " + describe(m));
  out = m;
  out.kind = ScalarKind::Float;
  int64_t cols = m.shape[1];
  for (size_t n = 0; n < out.data.size(); ++n)
    out.data[n] *= d.data[a.diagonal ? n / cols : n % cols];
  return true;
}

Value matmul(const Expr &e, const Value &a0, const Value &b0) {
  Value a = a0.dense(), b = b0.dense();
  ScalarKind kind = arithKind(e, a, b);
  if (a.isScalar() || b.isScalar() || a.shape.size() > 2 || b.shape.size() > 2 ||
      b.shape[0] != a.shape.back())
    fail(e, "'@' cannot combine " + describe(a) + " and " + describe(b));
  int64_t n = a.shape.size() == 1 ? 1 : a.shape[0];
  int64_t inner = a.shape.back();
  int64_t m = b.shape.size() == 1 ? 1 : b.shape[1];
  std::vector<double> r(static_cast<size_t>(n * m), 0.0);
  for (int64_t x = 0; x < n; ++x)
    for (int64_t c = 0; c < inner; ++c) {
      double av = a.data[x * inner + c];
      for (int64_t y = 0; y < m; ++y)
        r[x * m + y] += av * b.data[c * m + y];
    }
  if (a.shape.size() == 1 && b.shape.size() == 1)
    return Value::makeScalar(kind, r[0]);
  Value out;
  out.kind = kind;
  if (a.shape.size() == 2)
    out.shape.push_back(n);
  if (b.shape.size() == 2)
    out.shape.push_back(m);
  out.data = std::move(r);
  return out;
}

Value outerProduct(const Expr &e, const Value &x, const Value &y) {
  if (x.shape.size() != 1 || y.shape.size() != 1 || x.diagonal || y.diagonal)
    fail(e, "outer(x, y) takes two vectors, got " + describe(x) + " and " + describe(y));
  Value r;
  r.kind = arithKind(e, x, y);
  r.shape = {x.shape[0], y.shape[0]};
  r.data.resize(static_cast<size_t>(x.shape[0] * y.shape[0]));
  for (int64_t a = 0; a < x.shape[0]; ++a)
    for (int64_t b = 0; b < y.shape[0]; ++b)
      r.data[a * y.shape[0] + b] = x.data[a] * y.data[b];
  return r;
}

namespace {
double sigmoid(double x) {
  if (x >= 0)
    return 1.0 / (1.0 + std::exp(-x));
  double z = std::exp(x);
  return z / (1.0 + z);
}
double softplus(double x) { return std::max(x, 0.0) + std::log1p(std::exp(-std::fabs(x))); }
double logsigmoid(double x) { return -softplus(-x); }
} // namespace

double (*unaryFunction(const std::string &n))(double) {
  if (n == "exp")
    return [](double x) { return std::exp(x); };
  if (n == "log")
    return [](double x) { return std::log(x); };
  if (n == "exp2")
    return [](double x) { return std::exp2(x); };
  if (n == "log2")
    return [](double x) { return std::log2(x); };
  if (n == "tanh")
    return [](double x) { return std::tanh(x); };
  if (n == "sqrt")
    return [](double x) { return std::sqrt(x); };
  if (n == "abs")
    return [](double x) { return std::fabs(x); };
  if (n == "sigmoid")
    return sigmoid;
  if (n == "logsigmoid")
    return logsigmoid;
  if (n == "softplus")
    return softplus;
  return nullptr;
}

} // namespace detail
} // namespace attnc::reference
