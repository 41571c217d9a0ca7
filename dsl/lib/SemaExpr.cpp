//===- SemaExpr.cpp - Name resolution and typing of expressions ------------===//
//
// The expression half of semantic analysis, entry and names: `check` dispatches on the
// node kind (after refusing malformed or too-deep hand-built trees), every identifier is
// resolved against the kernel's namespace and the statement it sits in (`s` only in
// score, `t` only in the linear family, a state update sees only its own state), and
// indexing is checked (int indices, index count = rank, `g[t]` rows in the linear family,
// bare index variables ranging over the dimension they index). Operators and calls are in
// SemaOps.cpp. A failed sub-expression yields nullopt after exactly one diagnostic and
// its parents stay silent, so errors do not cascade.
//
//===----------------------------------------------------------------------===//
#include "Sema.h"

namespace attnc::dsl {

using namespace sema;

namespace {

bool isIndexVarName(const std::string &n) {
  return n == "b" || n == "h" || n == "i" || n == "j" || n == "t";
}

ScalarKind kindOf(ElementType t) {
  return t == ElementType::I32 ? ScalarKind::Int : ScalarKind::Float;
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
  const char *what = k_.findParam(n)                                 ? "a param"
                     : dimSymbols_.count(n)                          ? "a dimension"
                     : k_.findState(n)                               ? "a state"
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
      diags_.error(e.loc,
                   "'" + in.name +
                       "[t]' needs an input of rank 3 or 4 ([B, H, T] or [B, H, T, K]), got rank " +
                       std::to_string(in.dims.size()));
      return std::nullopt;
    }
    if (in.dims.size() == 4 && elem == ScalarKind::Int) {
      diags_.error(e.loc, "'" + in.name +
                              "[t]' would be an int vector; vectors are float, so declare '" +
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

} // namespace attnc::dsl
