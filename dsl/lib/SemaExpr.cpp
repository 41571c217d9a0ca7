//===- SemaExpr.cpp - Name resolution and typing of expressions ------------===//
//
// The expression half of semantic analysis. Every identifier is resolved against the
// kernel's namespace and the statement it sits in (`s` only in score, `t` only in the
// linear family, a state update sees only its own state), every node gets an `ExprType`
// (scalar kind + symbolic shape) and the operator rules of docs/dsl.md are enforced:
// numeric vs bool operands, int-only `%`, broadcasting of scalars over vectors and
// matrices, `@` and `outer` shapes, `diag(x) * Y` row scaling, function arity, int
// indices that range over the right dimension. A failed sub-expression yields nullopt
// after exactly one diagnostic, and its parents stay silent, so errors do not cascade.
//
//===----------------------------------------------------------------------===//
#include "Sema.h"

#include <cstring>

namespace attnc::dsl {

namespace {

std::string quote(const std::string &s) { return "'" + s + "'"; }
bool isNumeric(const ExprType &t) { return t.scalar != ScalarKind::Bool; }
bool isIndexVarName(const std::string &n) {
  return n == "b" || n == "h" || n == "i" || n == "j" || n == "t";
}

ExprType scalarOf(ScalarKind k) { return ExprType{k, {}}; }

ScalarKind kindOf(ElementType t) { return t == ElementType::I32 ? ScalarKind::Int : ScalarKind::Float; }

/// Functions with their arity; `where`, `outer`, `diag` have their own rules.
struct FunctionInfo {
  const char *name;
  unsigned arity;
};
constexpr FunctionInfo kFunctions[] = {
    {"exp", 1},  {"log", 1},        {"exp2", 1},     {"log2", 1}, {"tanh", 1},
    {"sigmoid", 1}, {"logsigmoid", 1}, {"softplus", 1}, {"sqrt", 1}, {"abs", 1},
    {"min", 2},  {"max", 2},        {"where", 3},    {"outer", 2}, {"diag", 1},
};

const FunctionInfo *findFunction(const std::string &name) {
  for (const FunctionInfo &f : kFunctions)
    if (name == f.name)
      return &f;
  return nullptr;
}

} // namespace

/// Operand counts the parser guarantees; trees built by hand through the C++ API may not.
static bool isWellFormed(const Expr &e) {
  for (const ExprPtr &op : e.operands)
    if (!op)
      return false;
  switch (e.kind) {
  case Expr::Kind::IntLit:
  case Expr::Kind::FloatLit:
  case Expr::Kind::BoolLit:
  case Expr::Kind::Ref:
    return e.operands.empty();
  case Expr::Kind::Index:
    return !e.operands.empty();
  case Expr::Kind::Unary:
    return e.operands.size() == 1;
  case Expr::Kind::Binary:
    return e.operands.size() == 2;
  case Expr::Kind::Call:
    return true;
  }
  return false;
}

std::optional<ExprType> KernelChecker::check(Expr &e) {
  if (!isWellFormed(e)) {
    diags_.error(e.loc, "malformed expression (wrong number of operands)");
    return std::nullopt;
  }
  // Parsed trees are at most this tall already; hand-built ones are held to the same limit.
  struct DepthScope {
    explicit DepthScope(unsigned &d) : d_(d) { ++d_; }
    ~DepthScope() { --d_; }
    unsigned &d_;
  } scope(depth_);
  if (depth_ > kMaxExprDepth) {
    diags_.error(e.loc, "expression nested too deeply");
    return std::nullopt;
  }
  std::optional<ExprType> t;
  switch (e.kind) {
  case Expr::Kind::IntLit:
    t = scalarOf(ScalarKind::Int);
    break;
  case Expr::Kind::FloatLit:
    t = scalarOf(ScalarKind::Float);
    break;
  case Expr::Kind::BoolLit:
    t = scalarOf(ScalarKind::Bool);
    break;
  case Expr::Kind::Ref:
    t = checkRef(e);
    break;
  case Expr::Kind::Index:
    t = checkIndex(e);
    break;
  case Expr::Kind::Unary:
    t = checkUnary(e);
    break;
  case Expr::Kind::Binary:
    t = checkBinary(e);
    break;
  case Expr::Kind::Call:
    t = checkCall(e);
    break;
  }
  if (t)
    e.type = *t;
  return t;
}

//===----------------------------------------------------------------------===//
// Names
//===----------------------------------------------------------------------===//

std::optional<ExprType> KernelChecker::checkRef(Expr &e) {
  const std::string &n = e.name;
  if (isIndexVarName(n)) {
    if (isLinear() && (n == "i" || n == "j")) {
      diags_.error(e.loc, "index variable '" + n +
                              "' is only available in the softmax family (the linear "
                              "family steps with 't')");
      return std::nullopt;
    }
    if (!isLinear() && n == "t") {
      diags_.error(e.loc, "index variable 't' is only available in the linear family");
      return std::nullopt;
    }
    e.refKind = RefKind::IndexVar;
    return scalarOf(ScalarKind::Int);
  }
  if (n == "s") {
    if (isLinear() || ctx_ != Context::Score) {
      diags_.error(e.loc, "the score 's' may only be used in the softmax family's 'score'");
      return std::nullopt;
    }
    e.refKind = RefKind::Score;
    return scalarOf(ScalarKind::Float);
  }
  if (const ParamDecl *p = k_.findParam(n)) {
    e.refKind = RefKind::Param;
    return scalarOf(kindOf(p->type));
  }
  if (n == "scale") {
    e.refKind = RefKind::Scale;
    return scalarOf(ScalarKind::Float);
  }
  if (dimSymbols_.count(n)) {
    e.refKind = RefKind::Dim;
    return scalarOf(ScalarKind::Int);
  }
  if (const StateDecl *s = k_.findState(n)) {
    if (!isLinear())
      return std::nullopt; // the family-mixing error covers this
    if (ctx_ == Context::State && currentState_ && currentState_->name != n) {
      diags_.error(e.loc, "the update of state '" + currentState_->name +
                              "' may only refer to its own state, not '" + n + "'");
      return std::nullopt;
    }
    e.refKind = RefKind::State;
    ExprType t{ScalarKind::Float, {}};
    for (const Dim &d : s->dims)
      t.shape.push_back(d.str());
    return t;
  }
  if (k_.findInput(n)) {
    diags_.error(e.loc, "input '" + n + "' must be indexed, e.g. '" + n + "[...]'");
    return std::nullopt;
  }
  if ((k_.out && n == k_.out->name) || n == "o") {
    diags_.error(e.loc, "the output '" + n + "' cannot be read");
    return std::nullopt;
  }
  if (n == "q" || n == "k" || n == "v") {
    diags_.error(e.loc, isLinear() ? "'" + n + "' must be indexed by the step, as '" + n + "[t]'"
                                   : "'" + n +
                                         "' cannot be used directly; the score 's' is scale * "
                                         "q.k");
    return std::nullopt;
  }
  diags_.error(e.loc, "unknown name " + quote(n));
  return std::nullopt;
}

std::optional<ExprType> KernelChecker::checkIndex(Expr &e) {
  const std::string &n = e.name;
  for (ExprPtr &op : e.operands) {
    std::optional<ExprType> t = check(*op);
    if (!t)
      return std::nullopt;
    if (*t != scalarOf(ScalarKind::Int)) {
      diags_.error(op->loc, "index must be an int, got " + t->str());
      return std::nullopt;
    }
  }
  if (n == "q" || n == "k" || n == "v") {
    if (!isLinear()) {
      diags_.error(e.loc, "'" + n +
                              "' cannot be indexed in the softmax family; the score 's' is "
                              "scale * q.k");
      return std::nullopt;
    }
    const Expr &idx = *e.operands.front();
    if (e.operands.size() != 1 || idx.kind != Expr::Kind::Ref || idx.name != "t") {
      diags_.error(e.loc, "'" + n + "' is indexed by the step only, as '" + n + "[t]'");
      return std::nullopt;
    }
    if (!shapesOk_)
      return std::nullopt;
    const TensorDecl &t = n == "q" ? *k_.q : n == "k" ? *k_.k : *k_.v;
    return ExprType{ScalarKind::Float, {t.dims[kFeatureDim].str()}};
  }
  if (const InputDecl *in = k_.findInput(n))
    return checkInputIndex(e, *in);
  if (n == "o" || (k_.out && n == k_.out->name)) {
    diags_.error(e.loc, "the output '" + n + "' cannot be read");
    return std::nullopt;
  }
  const char *what = k_.findParam(n)      ? "a param"
                     : dimSymbols_.count(n) ? "a dimension"
                     : k_.findState(n)    ? "a state"
                     : isIndexVarName(n) || n == "s" || n == "scale" ? "a scalar"
                                                                     : nullptr;
  if (what)
    diags_.error(e.opLoc, quote(n) + " is " + what + " and cannot be indexed");
  else
    diags_.error(e.opLoc, "unknown name " + quote(n));
  return std::nullopt;
}

std::optional<ExprType> KernelChecker::checkInputIndex(Expr &e, const InputDecl &in) {
  ScalarKind elem = kindOf(in.type);
  // Linear family: g[t] is the row of a [B, H, T, ...] input at step t.
  if (isLinear() && e.operands.size() == 1 && e.operands[0]->kind == Expr::Kind::Ref &&
      e.operands[0]->name == "t" && in.dims.size() >= 3 && shapesOk_) {
    const TensorDecl &q = *k_.q;
    for (unsigned d = kBatchDim; d <= kSeqDim; ++d) {
      if (in.dims[d].str() != q.dims[d].str()) {
        diags_.error(e.loc, "'" + in.name + "[t]' needs an input shaped [" +
                                q.dims[kBatchDim].str() + ", " + q.dims[kHeadDim].str() + ", " +
                                q.dims[kSeqDim].str() + ", ...], but dimension " +
                                std::to_string(d + 1) + " of '" + in.name + "' is " +
                                quote(in.dims[d].str()));
        return std::nullopt;
      }
    }
    if (in.dims.size() > 4) {
      diags_.error(e.loc, "'" + in.name + "[t]' needs an input of rank 3 or 4 ([B, H, T] or [B, H, T, K]), got rank " +
                              std::to_string(in.dims.size()));
      return std::nullopt;
    }
    if (in.dims.size() == 4 && elem == ScalarKind::Int) {
      diags_.error(e.loc, "'" + in.name + "[t]' would be an int vector; vectors are float, so declare '" +
                              in.name + "' as f32, bf16 or f16");
      return std::nullopt;
    }
    ExprType t{elem, {}};
    if (in.dims.size() == 4)
      t.shape.push_back(in.dims[3].str());
    return t;
  }
  if (e.operands.size() != in.dims.size()) {
    diags_.error(e.loc, "input '" + in.name + "' has rank " + std::to_string(in.dims.size()) +
                            " and needs " + std::to_string(in.dims.size()) + " indices, got " +
                            std::to_string(e.operands.size()));
    return std::nullopt;
  }
  for (size_t d = 0; d < in.dims.size(); ++d) {
    const Expr &idx = *e.operands[d];
    if (idx.kind != Expr::Kind::Ref || idx.refKind != RefKind::IndexVar)
      continue;
    std::string range = rangeOf(idx.name);
    if (!range.empty() && range != in.dims[d].str()) {
      diags_.error(idx.loc, "index '" + idx.name + "' ranges over " + range + " but dimension " +
                                std::to_string(d + 1) + " of '" + in.name + "' is " +
                                in.dims[d].str());
      return std::nullopt;
    }
  }
  return scalarOf(elem);
}

//===----------------------------------------------------------------------===//
// Operators
//===----------------------------------------------------------------------===//

std::optional<ExprType> KernelChecker::checkUnary(Expr &e) {
  std::optional<ExprType> t = check(*e.operands[0]);
  if (!t)
    return std::nullopt;
  if (e.unaryOp == UnaryOp::Neg) {
    if (!isNumeric(*t)) {
      diags_.error(e.opLoc, "'-' takes a number, got " + t->str());
      return std::nullopt;
    }
    return t;
  }
  if (*t != scalarOf(ScalarKind::Bool)) {
    diags_.error(e.opLoc, "'!' takes a bool, got " + t->str());
    return std::nullopt;
  }
  return t;
}

std::optional<std::vector<std::string>>
KernelChecker::broadcast(const ExprType &a, const ExprType &b, SourceLoc loc,
                         const std::string &what) {
  if (a.isScalar())
    return b.shape;
  if (b.isScalar() || a.shape == b.shape)
    return a.shape;
  diags_.error(loc, "shape mismatch in " + what + ": " + a.str() + " and " + b.str());
  return std::nullopt;
}

std::optional<ExprType> KernelChecker::checkBinary(Expr &e) {
  if (e.binaryOp == BinaryOp::Mul && e.operands[0]->kind == Expr::Kind::Call &&
      e.operands[0]->name == "diag")
    return checkDiagProduct(e);
  std::optional<ExprType> l = check(*e.operands[0]);
  if (!l)
    return std::nullopt;
  std::optional<ExprType> r = check(*e.operands[1]);
  if (!r)
    return std::nullopt;
  switch (e.binaryOp) {
  case BinaryOp::And:
  case BinaryOp::Or:
    for (const ExprType *t : {&*l, &*r})
      if (*t != scalarOf(ScalarKind::Bool)) {
        diags_.error(e.opLoc, std::string("'") + toString(e.binaryOp) +
                                  "' takes bool operands, got " + t->str());
        return std::nullopt;
      }
    return scalarOf(ScalarKind::Bool);
  case BinaryOp::Lt:
  case BinaryOp::Le:
  case BinaryOp::Gt:
  case BinaryOp::Ge:
  case BinaryOp::Eq:
  case BinaryOp::Ne:
    return checkComparison(e, *l, *r);
  case BinaryOp::MatMul:
    return checkMatMul(e, *l, *r);
  default:
    return checkArithmetic(e, *l, *r);
  }
}

std::optional<ExprType> KernelChecker::checkArithmetic(Expr &e, const ExprType &l,
                                                       const ExprType &r) {
  std::string op = std::string("'") + toString(e.binaryOp) + "'";
  for (const ExprType *t : {&l, &r})
    if (!isNumeric(*t)) {
      diags_.error(e.opLoc, op + " takes numeric operands, got " + t->str());
      return std::nullopt;
    }
  if (e.binaryOp == BinaryOp::Mod) {
    for (const ExprType *t : {&l, &r})
      if (*t != scalarOf(ScalarKind::Int)) {
        diags_.error(e.opLoc, "'%' takes int operands, got " + t->str());
        return std::nullopt;
      }
    return scalarOf(ScalarKind::Int);
  }
  auto shape = broadcast(l, r, e.opLoc, op);
  if (!shape)
    return std::nullopt;
  bool bothInt = l.scalar == ScalarKind::Int && r.scalar == ScalarKind::Int;
  return ExprType{bothInt ? ScalarKind::Int : ScalarKind::Float, *shape};
}

std::optional<ExprType> KernelChecker::checkComparison(Expr &e, const ExprType &l,
                                                       const ExprType &r) {
  std::string op = std::string("'") + toString(e.binaryOp) + "'";
  for (const ExprType *t : {&l, &r})
    if (!t->isScalar()) {
      diags_.error(e.opLoc, op + " compares scalars, got " + t->str());
      return std::nullopt;
    }
  bool equality = e.binaryOp == BinaryOp::Eq || e.binaryOp == BinaryOp::Ne;
  bool bothBool = l.scalar == ScalarKind::Bool && r.scalar == ScalarKind::Bool;
  if (equality && bothBool)
    return scalarOf(ScalarKind::Bool);
  for (const ExprType *t : {&l, &r})
    if (!isNumeric(*t)) {
      diags_.error(e.opLoc, op + " takes numeric operands, got " + t->str());
      return std::nullopt;
    }
  return scalarOf(ScalarKind::Bool);
}

std::optional<ExprType> KernelChecker::checkMatMul(Expr &e, const ExprType &l,
                                                   const ExprType &r) {
  if (!isNumeric(l) || !isNumeric(r) || l.shape.size() != 1 || r.shape.empty()) {
    diags_.error(e.opLoc, "'@' takes a vector and a vector or matrix, got " + l.str() + " @ " +
                              r.str());
    return std::nullopt;
  }
  if (l.shape[0] != r.shape[0]) {
    diags_.error(e.opLoc, "shape mismatch in '@': " + l.str() + " @ " + r.str());
    return std::nullopt;
  }
  ExprType t{ScalarKind::Float, {}};
  if (r.shape.size() == 2)
    t.shape.push_back(r.shape[1]);
  return t;
}

/// `diag(x) * Y` scales the rows of Y (a vector or matrix whose first dim is x's).
std::optional<ExprType> KernelChecker::checkDiagProduct(Expr &e) {
  Expr &call = *e.operands[0];
  if (call.operands.size() != 1 || !call.operands[0]) {
    diags_.error(call.loc, "'diag' takes 1 argument, got " + std::to_string(call.operands.size()));
    return std::nullopt;
  }
  std::optional<ExprType> x = check(*call.operands[0]);
  if (!x)
    return std::nullopt;
  if (!isNumeric(*x) || x->shape.size() != 1) {
    diags_.error(call.operands[0]->loc, "'diag' takes a vector, got " + x->str());
    return std::nullopt;
  }
  call.type = ExprType{ScalarKind::Float, {x->shape[0], x->shape[0]}};
  std::optional<ExprType> y = check(*e.operands[1]);
  if (!y)
    return std::nullopt;
  if (!isNumeric(*y) || y->isScalar() || y->shape[0] != x->shape[0]) {
    diags_.error(e.opLoc, "'diag(x) * y' needs y with leading dimension " + x->shape[0] +
                              ", got " + y->str());
    return std::nullopt;
  }
  return ExprType{ScalarKind::Float, y->shape};
}

//===----------------------------------------------------------------------===//
// Calls
//===----------------------------------------------------------------------===//

std::optional<ExprType> KernelChecker::checkCall(Expr &e) {
  const FunctionInfo *f = findFunction(e.name);
  if (!f) {
    diags_.error(e.opLoc, "unknown function " + quote(e.name));
    return std::nullopt;
  }
  if (e.operands.size() != f->arity) {
    diags_.error(e.loc, quote(e.name) + " takes " + std::to_string(f->arity) + " argument" +
                            (f->arity == 1 ? "" : "s") + ", got " +
                            std::to_string(e.operands.size()));
    return std::nullopt;
  }
  if (e.name == "diag") {
    diags_.error(e.loc, "'diag(...)' may only be the left operand of '*'");
    return std::nullopt;
  }
  std::vector<ExprType> args;
  for (ExprPtr &op : e.operands) {
    std::optional<ExprType> t = check(*op);
    if (!t)
      return std::nullopt;
    args.push_back(*t);
  }
  std::string fn = quote(e.name);
  if (e.name == "where") {
    if (args[0] != scalarOf(ScalarKind::Bool)) {
      diags_.error(e.operands[0]->loc, "the condition of 'where' must be a bool, got " +
                                           args[0].str());
      return std::nullopt;
    }
    bool bothBool = args[1].scalar == ScalarKind::Bool && args[2].scalar == ScalarKind::Bool;
    if (!bothBool && (!isNumeric(args[1]) || !isNumeric(args[2]))) {
      diags_.error(e.loc, "the branches of 'where' must both be numbers or both bools, got " +
                              args[1].str() + " and " + args[2].str());
      return std::nullopt;
    }
    auto shape = broadcast(args[1], args[2], e.loc, fn);
    if (!shape)
      return std::nullopt;
    ScalarKind k = bothBool ? ScalarKind::Bool
                   : args[1].scalar == ScalarKind::Int && args[2].scalar == ScalarKind::Int
                       ? ScalarKind::Int
                       : ScalarKind::Float;
    return ExprType{k, *shape};
  }
  for (size_t i = 0; i < args.size(); ++i)
    if (!isNumeric(args[i])) {
      diags_.error(e.operands[i]->loc, fn + " takes numeric arguments, got " + args[i].str());
      return std::nullopt;
    }
  if (e.name == "outer") {
    for (size_t i = 0; i < 2; ++i)
      if (args[i].shape.size() != 1) {
        diags_.error(e.operands[i]->loc, "'outer' takes two vectors, got " + args[i].str());
        return std::nullopt;
      }
    return ExprType{ScalarKind::Float, {args[0].shape[0], args[1].shape[0]}};
  }
  if (e.name == "min" || e.name == "max") {
    auto shape = broadcast(args[0], args[1], e.loc, fn);
    if (!shape)
      return std::nullopt;
    bool bothInt = args[0].scalar == ScalarKind::Int && args[1].scalar == ScalarKind::Int;
    return ExprType{bothInt ? ScalarKind::Int : ScalarKind::Float, *shape};
  }
  if (e.name == "abs")
    return args[0];
  return ExprType{ScalarKind::Float, args[0].shape};
}

} // namespace attnc::dsl
