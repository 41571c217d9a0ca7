//===- Sema.h - Semantic checker shared by Sema*.cpp --------------*- C++ -*-===//
//
// The per-kernel checker behind `checkProgram`. Sema.cpp checks declarations (dtype,
// tensor shapes, the shared namespace, params, inputs, states) and decides the family;
// SemaExpr.cpp resolves names and checks indexing, SemaOps.cpp types operators and calls.
// The class is internal to the library; the public entry point is `checkProgram` in
// Frontend.h.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DSL_LIB_SEMA_H
#define ATTNC_DSL_LIB_SEMA_H

#include "attnc/DSL/AST.h"
#include "attnc/DSL/Diagnostics.h"

#include <map>
#include <optional>
#include <set>
#include <string>

namespace attnc::dsl {

namespace sema {
inline std::string quote(const std::string &s) { return "'" + s + "'"; }
inline bool isNumeric(const ExprType &t) { return t.scalar != ScalarKind::Bool; }
inline ExprType scalarOf(ScalarKind k) { return ExprType{k, {}}; }
} // namespace sema

/// Checks one kernel in place (see the file comment).
class KernelChecker {
public:
  KernelChecker(Kernel &kernel, DiagnosticEngine &diags) : k_(kernel), diags_(diags) {}
  /// Runs every check on the kernel, reporting through the engine.
  void run();

private:
  /// Which statement an expression belongs to (some names are legal only in some).
  enum class Context { Score, Mask, State, Out };

  // Sema.cpp: declarations and kernel structure.
  void checkDtypeAndTensors();
  void checkTensorPair(const TensorDecl &a, const TensorDecl &b, unsigned dim);
  void checkOutputTensor();
  void declareNames();
  void checkParams();
  void checkDimsKnown(const std::vector<Dim> &dims, const std::string &owner);
  void decideFamily();
  void checkBodies();
  void checkBody(Expr *e, SourceLoc stmtLoc, Context ctx, const ExprType &expected,
                 const std::string &what);

  // SemaExpr.cpp: expressions.
  std::optional<ExprType> check(Expr &e);
  std::optional<ExprType> checkRef(Expr &e);
  std::optional<ExprType> checkIndex(Expr &e);
  std::optional<ExprType> checkInputIndex(Expr &e, const InputDecl &in);
  std::optional<ExprType> checkUnary(Expr &e);
  std::optional<ExprType> checkBinary(Expr &e);
  std::optional<ExprType> checkArithmetic(Expr &e, const ExprType &l, const ExprType &r);
  std::optional<ExprType> checkDiagProduct(Expr &e);
  std::optional<ExprType> checkMatMul(Expr &e, const ExprType &l, const ExprType &r);
  std::optional<ExprType> checkComparison(Expr &e, const ExprType &l, const ExprType &r);
  std::optional<ExprType> checkCall(Expr &e);
  std::optional<std::vector<std::string>> broadcast(const ExprType &a, const ExprType &b,
                                                    SourceLoc loc, const std::string &what);
  /// The dimension symbol an index variable ranges over; empty when unknown.
  std::string rangeOf(const std::string &indexVar) const;
  bool isLinear() const { return k_.family == Family::Linear; }

  Kernel &k_;
  DiagnosticEngine &diags_;
  bool shapesOk_ = false; ///< q, k, v present and of rank 4
  std::set<std::string> dimSymbols_;
  Context ctx_ = Context::Score;
  const StateDecl *currentState_ = nullptr;
  unsigned depth_ = 0; ///< recursion depth of check()
  static constexpr unsigned kMaxExprDepth = 1000;
};

} // namespace attnc::dsl

#endif // ATTNC_DSL_LIB_SEMA_H
