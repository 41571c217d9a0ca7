//===- Sema.cpp - Declaration, shape and family checks ---------------------===//
//
// The kernel-level half of semantic analysis: a dtype is present, q/k/v exist with rank 4
// and consistent shapes (k and v share batch/heads/length, q and k share batch and head
// dim, GQA head counts divide), every name is declared once in the kernel's single
// namespace, param defaults fit their type, input and state shapes use known dimensions,
// and the kernel is either softmax-family or linear-family, never both. It then hands
// each score/mask/state/out expression to the expression checker (SemaExpr.cpp) and
// compares the result with the type the statement needs.
//
//===----------------------------------------------------------------------===//
#include "Sema.h"

#include "attnc/DSL/Frontend.h"

#include <algorithm>
#include <cfloat>
#include <cstdint>
#include <tuple>

namespace attnc::dsl {

namespace {
const char *const kRoleNames[] = {"batch", "heads", "length", "head dim"};
const char *const kReservedIndexVars[] = {"b", "h", "i", "j", "t"};
} // namespace

using sema::quote;

void KernelChecker::run() {
  checkDtypeAndTensors();
  declareNames();
  checkParams();
  for (const InputDecl &in : k_.inputs)
    checkDimsKnown(in.dims, "input '" + in.name + "'");
  for (const StateDecl &s : k_.states) {
    if (s.dims.size() > 2)
      diags_.error(s.loc, "state '" + s.name +
                              "' must be a vector [K] or a matrix [K, V], got rank " +
                              std::to_string(s.dims.size()));
    checkDimsKnown(s.dims, "state '" + s.name + "'");
  }
  decideFamily();
  checkBodies();
}

//===----------------------------------------------------------------------===//
// dtype and q/k/v/o shapes
//===----------------------------------------------------------------------===//

void KernelChecker::checkDtypeAndTensors() {
  if (!k_.dtype)
    diags_.error(k_.loc, "kernel '" + k_.name +
                             "' has no 'dtype' statement (expected 'dtype bf16' or 'dtype f16')");
  bool allPresent = true;
  for (auto *t : {&k_.q, &k_.k, &k_.v}) {
    const char *name = t == &k_.q ? "q" : t == &k_.k ? "k" : "v";
    if (!*t) {
      diags_.error(k_.loc, "kernel '" + k_.name + "' does not declare '" + name + "'");
      allPresent = false;
    }
  }
  bool ranksOk = allPresent;
  for (auto *t : {&k_.q, &k_.k, &k_.v, &k_.o}) {
    if (!*t || (*t)->dims.size() == 4)
      continue;
    diags_.error((*t)->loc, quote((*t)->name) +
                                " must have rank 4 [batch, heads, length, head dim], got rank " +
                                std::to_string((*t)->dims.size()));
    ranksOk = false;
  }
  for (auto *t : {&k_.q, &k_.k, &k_.v, &k_.o})
    if (*t)
      for (const Dim &d : (*t)->dims)
        if (!d.isLiteral())
          dimSymbols_.insert(d.symbol);
  shapesOk_ = ranksOk;
  if (!shapesOk_)
    return;

  const TensorDecl &q = *k_.q, &k = *k_.k, &v = *k_.v;
  for (unsigned d = kBatchDim; d <= kSeqDim; ++d)
    checkTensorPair(k, v, d);
  checkTensorPair(q, k, kBatchDim);
  checkTensorPair(q, k, kFeatureDim);
  const Dim &hq = q.dims[kHeadDim], &hkv = k.dims[kHeadDim];
  if (hq.isLiteral() && hkv.isLiteral() && hq.value % hkv.value != 0) {
    diags_.error(hq.loc, "query heads (" + hq.str() + ") must be a multiple of key/value heads (" +
                             hkv.str() + ")");
    diags_.note(hkv.loc, "key/value heads are declared here");
  }
  checkOutputTensor();
}

/// Reports when dimension `dim` of `b` differs from that of `a`.
void KernelChecker::checkTensorPair(const TensorDecl &a, const TensorDecl &b, unsigned dim) {
  const Dim &da = a.dims[dim], &db = b.dims[dim];
  if (da.str() == db.str())
    return;
  diags_.error(db.loc, "dimension " + std::to_string(dim + 1) + " (" + kRoleNames[dim] + ") of " +
                           quote(b.name) + " is " + quote(db.str()) + " but " + quote(a.name) +
                           " has " + quote(da.str()));
  diags_.note(da.loc, "dimension " + std::to_string(dim + 1) + " of " + quote(a.name) +
                          " is declared here");
}

/// o, when declared, is [batch of q, heads of q, length of q, head dim of v].
void KernelChecker::checkOutputTensor() {
  if (!k_.o)
    return;
  const TensorDecl &o = *k_.o;
  for (unsigned d = kBatchDim; d <= kSeqDim; ++d)
    checkTensorPair(*k_.q, o, d);
  checkTensorPair(*k_.v, o, kFeatureDim);
}

//===----------------------------------------------------------------------===//
// The kernel namespace
//===----------------------------------------------------------------------===//

void KernelChecker::declareNames() {
  struct Decl {
    std::string name;
    SourceLoc loc;
    std::string kind;
  };
  std::vector<Decl> decls;
  std::set<std::string> seenDims;
  for (auto *t : {&k_.q, &k_.k, &k_.v, &k_.o}) {
    if (!*t)
      continue;
    decls.push_back({(*t)->name, (*t)->loc, "tensor"});
    for (const Dim &d : (*t)->dims)
      if (!d.isLiteral() && seenDims.insert(d.symbol).second)
        decls.push_back({d.symbol, d.loc, "dimension"});
  }
  for (const ParamDecl &p : k_.params)
    decls.push_back({p.name, p.loc, "param"});
  for (const InputDecl &in : k_.inputs)
    decls.push_back({in.name, in.loc, "input"});
  for (const StateDecl &s : k_.states)
    decls.push_back({s.name, s.loc, "state"});
  if (k_.out && !(k_.o && k_.out->name == "o"))
    decls.push_back({k_.out->name, k_.out->loc, "output"});
  std::stable_sort(decls.begin(), decls.end(), [](const Decl &a, const Decl &b) {
    return std::tie(a.loc.line, a.loc.col) < std::tie(b.loc.line, b.loc.col);
  });

  std::map<std::string, const Decl *> firsts;
  for (const Decl &d : decls) {
    if (std::find(std::begin(kReservedIndexVars), std::end(kReservedIndexVars), d.name) !=
        std::end(kReservedIndexVars)) {
      diags_.error(d.loc, quote(d.name) + " is reserved for an index variable");
      continue;
    }
    if (d.name == "s") {
      diags_.error(d.loc, "'s' is reserved for the score");
      continue;
    }
    if (d.name == "scale" && d.kind != "param") {
      diags_.error(d.loc,
                   "'scale' is reserved for the builtin scale (only a param may override it)");
      continue;
    }
    auto [it, inserted] = firsts.emplace(d.name, &d);
    if (inserted)
      continue;
    diags_.error(d.loc, "duplicate declaration of " + quote(d.name));
    diags_.note(it->second->loc,
                quote(d.name) + " was first declared here (as a " + it->second->kind + ")");
  }
}

void KernelChecker::checkParams() {
  for (const ParamDecl &p : k_.params) {
    if (p.name == "scale" && p.type != ElementType::F32)
      diags_.error(p.loc, "param 'scale' overrides the builtin scale and must be f32");
    if (!p.defaultValue)
      continue;
    double v = *p.defaultValue;
    if (p.type == ElementType::I32) {
      if (!p.defaultIsInteger)
        diags_.error(p.defaultLoc, "default of i32 param '" + p.name + "' must be an integer");
      else if (v < INT32_MIN || v > INT32_MAX)
        diags_.error(p.defaultLoc, "default of i32 param '" + p.name + "' is out of range");
    } else if (v < -FLT_MAX || v > FLT_MAX) {
      diags_.error(p.defaultLoc, "default of f32 param '" + p.name + "' is out of range");
    }
  }
}

void KernelChecker::checkDimsKnown(const std::vector<Dim> &dims, const std::string &owner) {
  for (const Dim &d : dims)
    if (!d.isLiteral() && !dimSymbols_.count(d.symbol))
      diags_.error(d.loc, "unknown dimension " + quote(d.symbol) + " in the shape of " + owner +
                              " (dimensions come from q, k, v and o)");
}

//===----------------------------------------------------------------------===//
// Family and bodies
//===----------------------------------------------------------------------===//

void KernelChecker::decideFamily() {
  bool softmax = k_.score || k_.mask;
  bool linear = !k_.states.empty() || k_.out;
  k_.family = linear ? Family::Linear : Family::Softmax;
  if (softmax && linear) {
    SourceLoc s = k_.score ? k_.scoreLoc : k_.maskLoc;
    SourceLoc l = !k_.states.empty() ? k_.states.front().loc : k_.out->loc;
    bool softmaxFirst = std::tie(s.line, s.col) < std::tie(l.line, l.col);
    const char *sName = k_.score ? "'score'" : "'mask'";
    const char *lName = !k_.states.empty() ? "'state'" : "'out'";
    diags_.error(softmaxFirst ? l : s,
                 "kernel '" + k_.name +
                     "' mixes softmax statements (score, mask) with linear-family "
                     "statements (state, out)");
    diags_.note(softmaxFirst ? s : l,
                std::string("the ") + (softmaxFirst ? sName : lName) + " statement is here");
  }
  if (!linear)
    return;
  if (k_.states.empty())
    diags_.error(k_.out->loc,
                 "linear-family kernel '" + k_.name + "' needs at least one 'state' statement");
  if (!k_.out)
    diags_.error(k_.loc, "linear-family kernel '" + k_.name + "' needs an 'out' statement");
  if (shapesOk_) {
    checkTensorPair(*k_.q, *k_.k, kHeadDim);
    checkTensorPair(*k_.q, *k_.k, kSeqDim);
  }
}

void KernelChecker::checkBodies() {
  if (!isLinear()) {
    // In source order, so diagnostics come out sorted.
    bool maskFirst =
        k_.mask && k_.score &&
        std::tie(k_.maskLoc.line, k_.maskLoc.col) < std::tie(k_.scoreLoc.line, k_.scoreLoc.col);
    for (int pass = 0; pass < 2; ++pass) {
      if (k_.score && pass == (maskFirst ? 1 : 0))
        checkBody(k_.score.get(), k_.scoreLoc, Context::Score, ExprType{ScalarKind::Float, {}},
                  "score");
      if (k_.mask && pass == (maskFirst ? 0 : 1))
        checkBody(k_.mask.get(), k_.maskLoc, Context::Mask, ExprType{ScalarKind::Bool, {}}, "mask");
    }
    return;
  }
  for (const StateDecl &s : k_.states) {
    ExprType expected{ScalarKind::Float, {}};
    for (const Dim &d : s.dims)
      expected.shape.push_back(d.str());
    currentState_ = &s;
    checkBody(s.update.get(), s.loc, Context::State, expected,
              "the update of state '" + s.name + "'");
  }
  currentState_ = nullptr;
  if (k_.out) {
    ExprType expected{ScalarKind::Float, {}};
    if (shapesOk_)
      expected.shape.push_back(k_.v->dims[kFeatureDim].str());
    checkBody(k_.out->value.get(), k_.out->loc, Context::Out, expected,
              "output '" + k_.out->name + "'");
  }
}

void KernelChecker::checkBody(Expr *e, SourceLoc stmtLoc, Context ctx, const ExprType &expected,
                              const std::string &what) {
  if (!e) { // only hand-built trees get here
    diags_.error(stmtLoc, what + " has no expression");
    return;
  }
  ctx_ = ctx;
  std::optional<ExprType> t = check(*e);
  if (!t || *t == expected)
    return;
  if ((ctx == Context::State || ctx == Context::Out) && !shapesOk_)
    return; // shapes are unknown; the tensor errors already explain why
  diags_.error(e->loc, what + " must have type " + expected.str() + ", got " + t->str());
}

std::string KernelChecker::rangeOf(const std::string &var) const {
  if (!shapesOk_)
    return {};
  if (var == "b")
    return k_.q->dims[kBatchDim].str();
  if (var == "h")
    return k_.q->dims[kHeadDim].str();
  if (var == "i" || var == "t")
    return k_.q->dims[kSeqDim].str();
  if (var == "j")
    return k_.k->dims[kSeqDim].str();
  return {};
}

//===----------------------------------------------------------------------===//
// Entry point
//===----------------------------------------------------------------------===//

bool checkProgram(Program &program, DiagnosticEngine &diags) {
  unsigned before = diags.errorCount();
  std::map<std::string, const Kernel *> names;
  for (Kernel &k : program.kernels) {
    if (diags.reachedErrorLimit()) {
      diags.error(k.loc, "checking stopped"); // dropped; the engine notes the cap
      break;
    }
    auto [it, inserted] = names.emplace(k.name, &k);
    if (!inserted && !k.name.empty()) {
      diags.error(k.loc, "duplicate kernel '" + k.name + "'");
      diags.note(it->second->loc, "kernel '" + k.name + "' was first defined here");
    }
    KernelChecker(k, diags).run();
  }
  return diags.errorCount() == before;
}

std::optional<Program> parseAndCheck(const SourceBuffer &buffer, DiagnosticEngine &diags) {
  std::optional<Program> program = parseProgram(buffer, diags);
  if (!program || !checkProgram(*program, diags))
    return std::nullopt;
  return program;
}

} // namespace attnc::dsl
