//===- Evaluator.cpp - Naive evaluation of checked DSL expressions --------===//
//
// A direct interpreter over the AST: values carry their kind and shape at run time, so
// every operation re-checks what Sema already proved and a wrongly built tree raises a
// ReferenceError instead of producing a number. Scalars live inline in `Value`, so the
// softmax family's per-(i, j) evaluation allocates nothing.
//
//===----------------------------------------------------------------------===//
#include "attnc/Reference/Evaluator.h"

#include <algorithm>
#include <cmath>

namespace attnc::reference {
using namespace attnc::dsl;

namespace {

[[noreturn]] void fail(const Expr &e, const std::string &msg) {
  throw ReferenceError(std::to_string(e.loc.line) + ":" + std::to_string(e.loc.col) +
                       ": " + msg);
}

std::string describe(const Value &v) {
  std::string s = v.kind == ScalarKind::Int ? "int" : v.kind == ScalarKind::Bool ? "bool"
                                                                                 : "float";
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
  if ((a % b != 0) && ((a < 0) != (b < 0)))
    --q;
  return static_cast<double>(q);
}

double floorMod(const Expr &e, double x, double y) {
  auto a = static_cast<int64_t>(x), b = static_cast<int64_t>(y);
  if (b == 0)
    fail(e, "integer modulo by zero");
  int64_t r = a % b;
  if (r != 0 && ((r < 0) != (b < 0)))
    r += b;
  return static_cast<double>(r);
}

/// Applies `f` elementwise with scalar broadcasting; shapes must otherwise agree.
template <class F>
Value elementwise(const Expr &e, const Value &a0, const Value &b0, ScalarKind kind, F f) {
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

template <class F> Value mapValue(const Value &a0, ScalarKind kind, F f) {
  const Value &a = a0.diagonal ? a0.dense() : a0;
  Value r = a;
  r.kind = kind;
  if (r.isScalar())
    r.scalar = f(r.scalar);
  for (double &x : r.data)
    x = f(x);
  return r;
}

/// `*` when an operand is diag(x): row scaling, column scaling, or a product of diagonals.
bool diagonalProduct(const Expr &e, const Value &a, const Value &b, Value &out) {
  if (!a.diagonal && !b.diagonal)
    return false;
  if (a.isScalar() || b.isScalar()) {
    const Value &d = a.diagonal ? a : b;
    double s = a.diagonal ? b.scalar : a.scalar;
    out = d;
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
  auto mismatch = [&] { fail(e, "'@' cannot combine " + describe(a) + " and " + describe(b)); };
  if (a.isScalar() || b.isScalar() || a.shape.size() > 2 || b.shape.size() > 2)
    mismatch();
  int64_t n = a.shape.size() == 1 ? 1 : a.shape[0];
  int64_t inner = a.shape.back();
  if (b.shape[0] != inner)
    mismatch();
  int64_t m = b.shape.size() == 1 ? 1 : b.shape[1];
  std::vector<double> r(static_cast<size_t>(n * m), 0.0);
  for (int64_t x = 0; x < n; ++x)
    for (int64_t c = 0; c < inner; ++c) {
      double av = a.data[x * inner + c];
      for (int64_t y = 0; y < m; ++y)
        r[x * m + y] += av * b.data[c * m + y];
    }
  Value out;
  out.kind = kind;
  if (a.shape.size() == 1 && b.shape.size() == 1)
    return Value::makeScalar(kind, r[0]);
  if (a.shape.size() == 2)
    out.shape.push_back(n);
  if (b.shape.size() == 2)
    out.shape.push_back(m);
  out.data = std::move(r);
  return out;
}

double sigmoid(double x) {
  if (x >= 0)
    return 1.0 / (1.0 + std::exp(-x));
  double z = std::exp(x);
  return z / (1.0 + z);
}
double softplus(double x) { return std::max(x, 0.0) + std::log1p(std::exp(-std::fabs(x))); }
double logsigmoid(double x) { return -softplus(-x); }

/// The one-argument elementwise functions; null for other names.
double (*unaryFunction(const std::string &n))(double) {
  if (n == "exp") return [](double x) { return std::exp(x); };
  if (n == "log") return [](double x) { return std::log(x); };
  if (n == "exp2") return [](double x) { return std::exp2(x); };
  if (n == "log2") return [](double x) { return std::log2(x); };
  if (n == "tanh") return [](double x) { return std::tanh(x); };
  if (n == "sqrt") return [](double x) { return std::sqrt(x); };
  if (n == "abs") return [](double x) { return std::fabs(x); };
  if (n == "sigmoid") return sigmoid;
  if (n == "logsigmoid") return logsigmoid;
  if (n == "softplus") return softplus;
  return nullptr;
}

bool isIndexVar(Family f, const std::string &n) {
  if (n == "b" || n == "h")
    return true;
  return f == Family::Softmax ? (n == "i" || n == "j") : n == "t";
}

} // namespace

Value Value::makeScalar(ScalarKind kind, double v) {
  Value r;
  r.kind = kind;
  r.scalar = v;
  return r;
}

Value Value::zeros(std::vector<int64_t> shape) {
  Value r;
  r.shape = std::move(shape);
  int64_t n = 1;
  for (int64_t d : r.shape)
    n *= d;
  if (!r.shape.empty())
    r.data.assign(static_cast<size_t>(n), 0.0);
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

Value Evaluator::evalRef(const Expr &e) const {
  RefKind rk = e.refKind;
  const std::string &n = e.name;
  if (rk == RefKind::Unresolved) { // hand-built tree: resolve the way Sema would
    bool isParam = false;
    for (const ParamDecl &p : kernel_.params)
      isParam |= p.name == n;
    bool isState = false;
    for (const StateDecl &s : kernel_.states)
      isState |= s.name == n;
    rk = isParam                                          ? RefKind::Param
         : isState                                        ? RefKind::State
         : bind_.family == Family::Softmax && n == "s"    ? RefKind::Score
         : isIndexVar(bind_.family, n)                    ? RefKind::IndexVar
         : n == "scale"                                   ? RefKind::Scale
                                                          : RefKind::Dim;
  }
  switch (rk) {
  case RefKind::IndexVar: {
    if (!isIndexVar(bind_.family, n))
      fail(e, "'" + n + "' is not an index variable of this kernel's family");
    int64_t v = n == "b" ? b_ : n == "h" ? h_ : n == "i" ? i_ : n == "j" ? j_ : t_;
    return Value::makeScalar(ScalarKind::Int, double(v));
  }
  case RefKind::Score:
    return Value::makeFloat(s_);
  case RefKind::Param: {
    auto it = bind_.params.find(n);
    if (it == bind_.params.end())
      fail(e, "param '" + n + "' is not bound");
    bool isInt = false;
    for (const ParamDecl &p : kernel_.params)
      if (p.name == n)
        isInt = p.type == ElementType::I32;
    return Value::makeScalar(isInt ? ScalarKind::Int : ScalarKind::Float, it->second);
  }
  case RefKind::Dim: {
    auto it = bind_.dims.find(n);
    if (it == bind_.dims.end())
      fail(e, "unknown name or unbound dimension symbol '" + n + "'");
    return Value::makeScalar(ScalarKind::Int, double(it->second));
  }
  case RefKind::Scale:
    return Value::makeFloat(bind_.scale);
  case RefKind::State: {
    auto it = states_.find(n);
    if (it == states_.end() || !it->second)
      fail(e, "state '" + n + "' has no value here");
    return *it->second;
  }
  case RefKind::Unresolved:
    break;
  }
  fail(e, "unresolved name '" + n + "'");
}

int64_t Evaluator::evalIndexOperand(const Expr &e) const {
  Value v = eval(e);
  if (!v.isScalar() || v.kind != ScalarKind::Int)
    fail(e, "an index must be an int scalar, got " + describe(v));
  return static_cast<int64_t>(v.scalar);
}

Value Evaluator::evalIndex(const Expr &e) const {
  const std::string &n = e.name;
  std::vector<int64_t> idx;
  for (const ExprPtr &op : e.operands)
    idx.push_back(evalIndexOperand(*op));
  Value r;
  if (n == "q" || n == "k" || n == "v") {
    if (bind_.family != Family::Linear || idx.size() != 1)
      fail(e, "'" + n + "' can only be indexed as " + n + "[t] in the linear family");
    const HostTensor &t = n == "q" ? inputs_.q : n == "k" ? inputs_.k : inputs_.v;
    int64_t len = t.rank() == 4 ? t.shape[3] : 0;
    if (len == 0)
      fail(e, "tensor '" + n + "' has no data");
    if (idx[0] < 0 || idx[0] >= t.shape[2])
      fail(e, "step " + std::to_string(idx[0]) + " out of range for " + n + " " +
                  t.shapeStr());
    const double *p = t.row({b_, h_, idx[0]});
    r.shape = {len};
    r.data.assign(p, p + len);
    return r;
  }
  const InputDecl *decl = nullptr;
  for (const InputDecl &in : kernel_.inputs)
    if (in.name == n)
      decl = &in;
  auto it = inputs_.extra.find(n);
  if (!decl || it == inputs_.extra.end())
    fail(e, "no input named '" + n + "'");
  const HostTensor &t = it->second;
  r.kind = decl->type == ElementType::I32 ? ScalarKind::Int : ScalarKind::Float;
  if (idx.size() == t.shape.size()) {
    int64_t off = 0;
    for (size_t d = 0; d < idx.size(); ++d) {
      if (idx[d] < 0 || idx[d] >= t.shape[d])
        fail(e, "index " + std::to_string(idx[d]) + " out of range [0, " +
                    std::to_string(t.shape[d]) + ") in dimension " + std::to_string(d) +
                    " of input '" + n + "' " + t.shapeStr());
      off = off * t.shape[d] + idx[d];
    }
    r.scalar = t.data[off];
    return r;
  }
  bool stepForm = bind_.family == Family::Linear && idx.size() == 1 &&
                  decl->dims.size() >= 3 && kernel_.q && kernel_.q->dims.size() >= 3;
  for (int d = 0; stepForm && d < 3; ++d)
    stepForm = decl->dims[d].str() == kernel_.q->dims[d].str();
  if (!stepForm)
    fail(e, "input '" + n + "' of rank " + std::to_string(t.rank()) + " indexed with " +
                std::to_string(idx.size()) + " subscripts");
  if (idx[0] < 0 || idx[0] >= t.shape[2])
    fail(e, "step " + std::to_string(idx[0]) + " out of range for '" + n + "' " +
                t.shapeStr());
  r.shape.assign(t.shape.begin() + 3, t.shape.end());
  const double *p = t.row({b_, h_, idx[0]});
  if (r.shape.empty())
    r.scalar = *p;
  else
    r.data.assign(p, p + r.numel());
  return r;
}

Value Evaluator::evalCall(const Expr &e) const {
  const std::string &n = e.name;
  auto arity = [&](size_t k) {
    if (e.operands.size() != k)
      fail(e, "'" + n + "' takes " + std::to_string(k) + " argument(s), got " +
                  std::to_string(e.operands.size()));
  };
  if (auto f = unaryFunction(n)) {
    arity(1);
    Value a = eval(*e.operands[0]);
    requireNumeric(e, a);
    ScalarKind kind =
        n == "abs" && a.kind == ScalarKind::Int ? ScalarKind::Int : ScalarKind::Float;
    return mapValue(a, kind, f);
  }
  if (n == "min" || n == "max") {
    arity(2);
    Value a = eval(*e.operands[0]), b = eval(*e.operands[1]);
    bool isMin = n == "min";
    return elementwise(e, a, b, arithKind(e, a, b), [isMin](double x, double y) {
      return isMin ? std::min(x, y) : std::max(x, y);
    });
  }
  if (n == "where") {
    arity(3);
    Value c = eval(*e.operands[0]);
    requireBool(*e.operands[0], c);
    if (c.isScalar()) // select semantics: the value of the branch taken
      return eval(*e.operands[c.scalar != 0 ? 1 : 2]);
    Value a = eval(*e.operands[1]), b = eval(*e.operands[2]);
    ScalarKind kind = a.kind == ScalarKind::Bool && b.kind == ScalarKind::Bool
                          ? ScalarKind::Bool
                          : arithKind(e, a, b);
    Value ab = elementwise(e, a, c, kind, [](double x, double) { return x; });
    Value bb = elementwise(e, b, c, kind, [](double x, double) { return x; });
    for (size_t k = 0; k < ab.data.size(); ++k)
      ab.data[k] = c.data[k] != 0 ? ab.data[k] : bb.data[k];
    return ab;
  }
  if (n == "outer") {
    arity(2);
    Value x = eval(*e.operands[0]), y = eval(*e.operands[1]);
    if (x.shape.size() != 1 || y.shape.size() != 1)
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
  if (n == "diag") {
    arity(1);
    Value x = eval(*e.operands[0]);
    requireNumeric(e, x);
    if (x.shape.size() != 1 || x.diagonal)
      fail(e, "diag(x) takes a vector, got " + describe(x));
    x.shape = {x.shape[0], x.shape[0]};
    x.diagonal = true;
    return x;
  }
  fail(e, "unknown function '" + n + "'");
}

Value Evaluator::eval(const Expr &e) const {
  switch (e.kind) {
  case Expr::Kind::IntLit:
    return Value::makeScalar(ScalarKind::Int, double(e.intValue));
  case Expr::Kind::FloatLit:
    return Value::makeFloat(e.floatValue);
  case Expr::Kind::BoolLit:
    return Value::makeScalar(ScalarKind::Bool, e.boolValue ? 1.0 : 0.0);
  case Expr::Kind::Ref:
    return evalRef(e);
  case Expr::Kind::Index:
    return evalIndex(e);
  case Expr::Kind::Call:
    return evalCall(e);
  case Expr::Kind::Unary: {
    Value a = eval(*e.operands.at(0));
    if (e.unaryOp == UnaryOp::Not) {
      requireBool(e, a);
      return mapValue(a, ScalarKind::Bool, [](double x) { return x != 0 ? 0.0 : 1.0; });
    }
    requireNumeric(e, a);
    if (a.diagonal) {
      for (double &x : a.data)
        x = -x;
      return a;
    }
    return mapValue(a, a.kind, [](double x) { return -x; });
  }
  case Expr::Kind::Binary:
    break;
  }
  const Expr &lhs = *e.operands.at(0), &rhs = *e.operands.at(1);
  BinaryOp op = e.binaryOp;
  Value a = eval(lhs);
  if (op == BinaryOp::And || op == BinaryOp::Or) {
    requireBool(lhs, a);
    if (a.isScalar() && (a.scalar != 0) == (op == BinaryOp::Or))
      return a; // short-circuit: the right side may index out of range when unneeded
    Value b = eval(rhs);
    requireBool(rhs, b);
    bool isAnd = op == BinaryOp::And;
    return elementwise(e, a, b, ScalarKind::Bool, [isAnd](double x, double y) {
      return isAnd ? double(x != 0 && y != 0) : double(x != 0 || y != 0);
    });
  }
  Value b = eval(rhs);
  switch (op) {
  case BinaryOp::MatMul:
    return matmul(e, a, b);
  case BinaryOp::Lt: case BinaryOp::Le: case BinaryOp::Gt: case BinaryOp::Ge:
  case BinaryOp::Eq: case BinaryOp::Ne: {
    bool boolCmp = a.kind == ScalarKind::Bool && b.kind == ScalarKind::Bool &&
                   (op == BinaryOp::Eq || op == BinaryOp::Ne);
    if (!boolCmp)
      arithKind(e, a, b);
    return elementwise(e, a, b, ScalarKind::Bool, [op](double x, double y) {
      switch (op) {
      case BinaryOp::Lt: return double(x < y);
      case BinaryOp::Le: return double(x <= y);
      case BinaryOp::Gt: return double(x > y);
      case BinaryOp::Ge: return double(x >= y);
      case BinaryOp::Eq: return double(x == y);
      default: return double(x != y);
      }
    });
  }
  default:
    break;
  }
  ScalarKind kind = arithKind(e, a, b);
  switch (op) {
  case BinaryOp::Add:
    return elementwise(e, a, b, kind, [](double x, double y) { return x + y; });
  case BinaryOp::Sub:
    return elementwise(e, a, b, kind, [](double x, double y) { return x - y; });
  case BinaryOp::Mul: {
    Value r;
    if (diagonalProduct(e, a, b, r))
      return r;
    return elementwise(e, a, b, kind, [](double x, double y) { return x * y; });
  }
  case BinaryOp::Div:
    if (kind == ScalarKind::Int)
      return elementwise(e, a, b, kind, [&e](double x, double y) { return floorDiv(e, x, y); });
    return elementwise(e, a, b, kind, [](double x, double y) { return x / y; });
  case BinaryOp::Mod:
    if (kind == ScalarKind::Int)
      return elementwise(e, a, b, kind, [&e](double x, double y) { return floorMod(e, x, y); });
    return elementwise(e, a, b, kind,
                       [](double x, double y) { return x - y * std::floor(x / y); });
  default:
    fail(e, "unsupported binary operator");
  }
}

double Evaluator::evalNumber(const Expr &e) const {
  Value v = eval(e);
  if (!v.isScalar() || v.kind == ScalarKind::Bool)
    fail(e, "expected a number scalar, got " + describe(v));
  return v.scalar;
}

bool Evaluator::evalBool(const Expr &e) const {
  Value v = eval(e);
  if (!v.isScalar() || v.kind != ScalarKind::Bool)
    fail(e, "expected a bool scalar, got " + describe(v));
  return v.scalar != 0;
}

bool evalMask(const Kernel &kernel, const ResolvedBindings &bindings, const Inputs &inputs,
              int64_t b, int64_t h, int64_t i, int64_t j) {
  if (!kernel.mask)
    return true;
  Evaluator ev(kernel, bindings, inputs);
  ev.setSoftmaxPosition(b, h, i, j, 0.0);
  return ev.evalBool(*kernel.mask);
}

bool evalMask(const Kernel &kernel, const Bindings &bindings, const Inputs &inputs,
              int64_t b, int64_t h, int64_t i, int64_t j) {
  return evalMask(kernel, resolveBindings(kernel, inputs, bindings), inputs, b, h, i, j);
}

double evalScore(const Kernel &kernel, const ResolvedBindings &bindings,
                 const Inputs &inputs, double s, int64_t b, int64_t h, int64_t i,
                 int64_t j) {
  if (!kernel.score)
    return s;
  Evaluator ev(kernel, bindings, inputs);
  ev.setSoftmaxPosition(b, h, i, j, s);
  return ev.evalNumber(*kernel.score);
}

double evalScore(const Kernel &kernel, const Bindings &bindings, const Inputs &inputs,
                 double s, int64_t b, int64_t h, int64_t i, int64_t j) {
  return evalScore(kernel, resolveBindings(kernel, inputs, bindings), inputs, s, b, h, i, j);
}

} // namespace attnc::reference
