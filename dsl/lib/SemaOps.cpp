//===- SemaOps.cpp - Typing of operators and function calls ----------------===//
//
// The operator rules of docs/dsl.md: numeric vs bool operands, int-only `%`, promotion
// of int to float, broadcasting of scalars over vectors and matrices, scalar-only
// comparisons, `@` as vector-matrix product or dot product, `diag(x) * Y` row scaling,
// and the builtin functions with their arity and argument types.
//
//===----------------------------------------------------------------------===//
#include "Sema.h"

namespace attnc::dsl {

using namespace sema;

namespace {

/// Functions with their arity; `where`, `outer`, `diag` have their own rules.
struct FunctionInfo {
  const char *name;
  unsigned arity;
};
constexpr FunctionInfo kFunctions[] = {
    {"exp", 1},     {"log", 1},        {"exp2", 1},     {"log2", 1},  {"tanh", 1},
    {"sigmoid", 1}, {"logsigmoid", 1}, {"softplus", 1}, {"sqrt", 1},  {"abs", 1},
    {"min", 2},     {"max", 2},        {"where", 3},    {"outer", 2}, {"diag", 1},
};

const FunctionInfo *findFunction(const std::string &name) {
  for (const FunctionInfo &f : kFunctions)
    if (name == f.name)
      return &f;
  return nullptr;
}

} // namespace

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

std::optional<std::vector<std::string>> KernelChecker::broadcast(const ExprType &a,
                                                                 const ExprType &b, SourceLoc loc,
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

std::optional<ExprType> KernelChecker::checkMatMul(Expr &e, const ExprType &l, const ExprType &r) {
  if (!isNumeric(l) || !isNumeric(r) || l.shape.size() != 1 || r.shape.empty()) {
    diags_.error(e.opLoc,
                 "'@' takes a vector and a vector or matrix, got " + l.str() + " @ " + r.str());
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
    diags_.error(e.opLoc, "'diag(x) * y' needs y with leading dimension " + x->shape[0] + ", got " +
                              y->str());
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
      diags_.error(e.operands[0]->loc,
                   "the condition of 'where' must be a bool, got " + args[0].str());
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
