//===- Evaluator.cpp - Naive evaluation of checked DSL expressions --------===//
//
// A direct interpreter over the AST: values carry their kind and shape at run time, so
// every operation re-checks what Sema already proved and a wrongly built tree raises a
// ReferenceError instead of producing a number. Scalars live inline in `Value`, so the
// softmax family's per-(i, j) evaluation allocates nothing.
//
//===----------------------------------------------------------------------===//
#include "attnc/Reference/Evaluator.h"

#include "ValueOps.h"

#include <algorithm>
#include <cmath>

namespace attnc::reference {
using namespace attnc::dsl;
using namespace attnc::reference::detail;

namespace {

bool isIndexVar(Family f, const std::string &n) {
  if (n == "b" || n == "h")
    return true;
  return f == Family::Softmax ? (n == "i" || n == "j") : n == "t";
}

/// What Sema would resolve `n` to; used for hand-built trees that carry no refKind.
RefKind resolveByName(const Kernel &k, Family family, const std::string &n) {
  for (const ParamDecl &p : k.params)
    if (p.name == n)
      return RefKind::Param;
  for (const StateDecl &s : k.states)
    if (s.name == n)
      return RefKind::State;
  if (family == Family::Softmax && n == "s")
    return RefKind::Score;
  if (isIndexVar(family, n))
    return RefKind::IndexVar;
  return n == "scale" ? RefKind::Scale : RefKind::Dim;
}

} // namespace

Value Evaluator::evalRef(const Expr &e) const {
  const std::string &n = e.name;
  RefKind rk =
      e.refKind != RefKind::Unresolved ? e.refKind : resolveByName(kernel_, bind_.family, n);
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
    bool isInt = std::any_of(kernel_.params.begin(), kernel_.params.end(),
                             [&](auto &p) { return p.name == n && p.type == ElementType::I32; });
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

/// Reads rows at step `t` of a [B, H, T, ...] tensor for the current (b, h): a scalar for
/// rank 3, a vector for rank 4, a matrix for rank 5.
static Value stepSlice(const Expr &e, const HostTensor &t, int64_t b, int64_t h, int64_t step,
                       const std::string &what) {
  if (t.rank() < 3 || t.data.empty())
    fail(e, what + " has no data of rank >= 3");
  if (step < 0 || step >= t.shape[2])
    fail(e, "step " + std::to_string(step) + " out of range for " + what + " " + t.shapeStr());
  Value r;
  r.shape.assign(t.shape.begin() + 3, t.shape.end());
  const double *p = t.row({b, h, step});
  if (r.shape.empty())
    r.scalar = *p;
  else
    r.data.assign(p, p + r.numel());
  return r;
}

Value Evaluator::evalIndex(const Expr &e) const {
  const std::string &n = e.name;
  std::vector<int64_t> idx;
  for (const ExprPtr &op : e.operands)
    idx.push_back(evalIndexOperand(*op));
  if (n == "q" || n == "k" || n == "v") {
    if (bind_.family != Family::Linear || idx.size() != 1)
      fail(e, "'" + n + "' can only be indexed as " + n + "[t] in the linear family");
    const HostTensor &t = n == "q" ? inputs_.q : n == "k" ? inputs_.k : inputs_.v;
    return stepSlice(e, t, b_, h_, idx[0], "tensor '" + n + "'");
  }
  auto decl = std::find_if(kernel_.inputs.begin(), kernel_.inputs.end(),
                           [&](const InputDecl &in) { return in.name == n; });
  auto it = inputs_.extra.find(n);
  if (decl == kernel_.inputs.end() || it == inputs_.extra.end())
    fail(e, "no input named '" + n + "'");
  const HostTensor &t = it->second;
  ScalarKind kind = decl->type == ElementType::I32 ? ScalarKind::Int : ScalarKind::Float;
  if (idx.size() == t.shape.size()) { // a full index: one element
    int64_t off = 0;
    for (size_t d = 0; d < idx.size(); ++d) {
      if (idx[d] < 0 || idx[d] >= t.shape[d])
        fail(e, "index " + std::to_string(idx[d]) + " out of range [0, " +
                    std::to_string(t.shape[d]) + ") in dimension " + std::to_string(d) +
                    " of input '" + n + "' " + t.shapeStr());
      off = off * t.shape[d] + idx[d];
    }
    return Value::makeScalar(kind, t.data[off]);
  }
  // g[t] of an input declared [B, H, T, ...] (the same symbols as q): the leading three
  // dims are implied by the position (docs/dsl.md, linear family).
  bool stepForm = bind_.family == Family::Linear && idx.size() == 1 && decl->dims.size() >= 3 &&
                  kernel_.q && kernel_.q->dims.size() >= 3;
  for (int d = 0; stepForm && d < 3; ++d)
    stepForm = decl->dims[d].str() == kernel_.q->dims[d].str();
  if (!stepForm)
    fail(e, "input '" + n + "' of rank " + std::to_string(t.rank()) + " indexed with " +
                std::to_string(idx.size()) + " subscripts");
  Value r = stepSlice(e, t, b_, h_, idx[0], "input '" + n + "'");
  r.kind = kind;
  return r;
}

Value Evaluator::evalCall(const Expr &e) const {
  const std::string &n = e.name;
  auto arg = [&](size_t k) { return eval(*e.operands[k]); };
  auto arity = [&](size_t k) {
    if (e.operands.size() != k)
      fail(e, "'" + n + "' takes " + std::to_string(k) + " argument(s), got " +
                  std::to_string(e.operands.size()));
  };
  if (auto f = unaryFunction(n)) {
    arity(1);
    Value a = arg(0);
    requireNumeric(e, a);
    bool intAbs = n == "abs" && a.kind == ScalarKind::Int;
    return mapValue(a, intAbs ? ScalarKind::Int : ScalarKind::Float, f);
  }
  if (n == "min" || n == "max") {
    arity(2);
    Value a = arg(0), b = arg(1);
    bool isMin = n == "min";
    return elementwise(e, a, b, arithKind(e, a, b), [isMin](double x, double y) {
      return isMin ? std::min(x, y) : std::max(x, y);
    });
  }
  if (n == "where") {
    arity(3);
    Value c = arg(0);
    requireBool(*e.operands[0], c);
    if (c.isScalar()) // select semantics: the value of the branch taken
      return arg(c.scalar != 0 ? 1 : 2);
    Value a = arg(1), b = arg(2);
    bool bothBool = a.kind == ScalarKind::Bool && b.kind == ScalarKind::Bool;
    ScalarKind kind = bothBool ? ScalarKind::Bool : arithKind(e, a, b);
    Value ab = elementwise(e, a, c, kind, [](double x, double) { return x; });
    Value bb = elementwise(e, b, c, kind, [](double x, double) { return x; });
    for (size_t k = 0; k < ab.data.size(); ++k)
      ab.data[k] = c.data[k] != 0 ? ab.data[k] : bb.data[k];
    return ab;
  }
  if (n == "outer") {
    arity(2);
    return outerProduct(e, arg(0), arg(1));
  }
  if (n == "diag") {
    arity(1);
    Value x = arg(0);
    requireNumeric(e, x);
    if (x.shape.size() != 1 || x.diagonal)
      fail(e, "diag(x) takes a vector, got " + describe(x));
    x.shape = {x.shape[0], x.shape[0]};
    x.diagonal = true;
    return x;
  }
  fail(e, "unknown function '" + n + "'");
}

Value Evaluator::evalUnary(const Expr &e) const {
  Value a = eval(*e.operands.at(0));
  if (e.unaryOp == UnaryOp::Not) {
    requireBool(e, a);
    return mapValue(a, ScalarKind::Bool, [](double x) { return x != 0 ? 0.0 : 1.0; });
  }
  requireNumeric(e, a);
  if (a.diagonal) { // -diag(x) stays diagonal
    for (double &x : a.data)
      x = -x;
    return a;
  }
  return mapValue(a, a.kind, [](double x) { return -x; });
}

Value Evaluator::evalBinary(const Expr &e) const {
  const Expr &lhs = *e.operands.at(0), &rhs = *e.operands.at(1);
  BinaryOp op = e.binaryOp;
  Value a = eval(lhs);
  if (op == BinaryOp::And || op == BinaryOp::Or) {
    requireBool(lhs, a);
    if (a.isScalar() && (a.scalar != 0) == (op == BinaryOp::Or))
      return a; // short-circuit: the right side may index out of range when not needed
    Value b = eval(rhs);
    requireBool(rhs, b);
    bool isAnd = op == BinaryOp::And;
    return elementwise(e, a, b, ScalarKind::Bool, [isAnd](double x, double y) {
      return isAnd ? double(x != 0 && y != 0) : double(x != 0 || y != 0);
    });
  }
  Value b = eval(rhs);
  if (op == BinaryOp::MatMul)
    return matmul(e, a, b);
  if (op >= BinaryOp::Lt && op <= BinaryOp::Ne) {
    bool boolEq = a.kind == ScalarKind::Bool && b.kind == ScalarKind::Bool &&
                  (op == BinaryOp::Eq || op == BinaryOp::Ne);
    if (!boolEq)
      arithKind(e, a, b);
    return elementwise(e, a, b, ScalarKind::Bool, [op](double x, double y) {
      switch (op) {
      case BinaryOp::Lt:
        return double(x < y);
      case BinaryOp::Le:
        return double(x <= y);
      case BinaryOp::Gt:
        return double(x > y);
      case BinaryOp::Ge:
        return double(x >= y);
      case BinaryOp::Eq:
        return double(x == y);
      default:
        return double(x != y);
      }
    });
  }
  ScalarKind kind = arithKind(e, a, b);
  bool isInt = kind == ScalarKind::Int;
  Value r;
  switch (op) {
  case BinaryOp::Add:
    return elementwise(e, a, b, kind, [](double x, double y) { return x + y; });
  case BinaryOp::Sub:
    return elementwise(e, a, b, kind, [](double x, double y) { return x - y; });
  case BinaryOp::Mul:
    if (diagonalProduct(e, a, b, r))
      return r;
    return elementwise(e, a, b, kind, [](double x, double y) { return x * y; });
  case BinaryOp::Div:
    return elementwise(e, a, b, kind, [&e, isInt](double x, double y) {
      return isInt ? floorDiv(e, x, y) : x / y;
    });
  case BinaryOp::Mod: // floor modulo for ints, its float analogue otherwise
    return elementwise(e, a, b, kind, [&e, isInt](double x, double y) {
      return isInt ? floorMod(e, x, y) : x - y * std::floor(x / y);
    });
  default:
    fail(e, "unsupported binary operator");
  }
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
  case Expr::Kind::Unary:
    return evalUnary(e);
  case Expr::Kind::Binary:
    return evalBinary(e);
  }
  fail(e, "unknown expression kind");
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

bool evalMask(const Kernel &kernel, const Bindings &bindings, const Inputs &inputs, int64_t b,
              int64_t h, int64_t i, int64_t j) {
  return evalMask(kernel, resolveBindings(kernel, inputs, bindings), inputs, b, h, i, j);
}

double evalScore(const Kernel &kernel, const ResolvedBindings &bindings, const Inputs &inputs,
                 double s, int64_t b, int64_t h, int64_t i, int64_t j) {
  if (!kernel.score)
    return s;
  Evaluator ev(kernel, bindings, inputs);
  ev.setSoftmaxPosition(b, h, i, j, s);
  return ev.evalNumber(*kernel.score);
}

double evalScore(const Kernel &kernel, const Bindings &bindings, const Inputs &inputs, double s,
                 int64_t b, int64_t h, int64_t i, int64_t j) {
  return evalScore(kernel, resolveBindings(kernel, inputs, bindings), inputs, s, b, h, i, j);
}

} // namespace attnc::reference
