//===- MaskBuilder.h - Integer/boolean algebra that builds a MaskModel -*- C++ -*-===//
//
// The algebra attn-analyze-masks (one op at a time) and MaskModel::parse (one DSL node at
// a time) both use to turn a mask expression into a MaskModel. Integer values are
// piecewise linear forms over i, j, floor(i/m), floor(j/m) and run-time symbols; min, max,
// abs and select split into guarded pieces, so comparisons stay exact. Booleans are kept
// in disjunctive normal form over the model's atoms. Anything outside that fragment
// (a product of symbols, `2 * j <= i`, a value read from an input) becomes a run-time
// atom carrying the reason, never a wrong bound.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_ANALYSIS_MASKBUILDER_H
#define ATTNC_ANALYSIS_MASKBUILDER_H

#include "attnc/Analysis/MaskModel.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace attnc::analysis {

/// A boolean in disjunctive normal form. No disjuncts is `false`; one empty one `true`.
struct Cond {
  std::vector<Conjunction> dnf;

  static Cond truth() { return Cond{{Conjunction{}}}; }
  static Cond falsity() { return Cond{}; }
  static Cond atom(Atom a);
  static Cond runtime(std::string why) { return atom(Atom::runtime(std::move(why))); }
  bool isFalse() const { return dnf.empty(); }
  bool isTrue() const { return dnf.size() == 1 && dnf[0].atoms.empty(); }
};

/// The most disjuncts (and pieces) kept before a value collapses to a run-time atom.
constexpr size_t kMaxCases = 256;

Cond condAnd(const Cond &a, const Cond &b);
Cond condOr(const Cond &a, const Cond &b);
Cond condNot(const Cond &a);

/// c + ci*i + cj*j + sum cqi[m]*floor(i/m) + sum cqj[m]*floor(j/m), all coefficients
/// linear in the symbols.
struct LinForm {
  SymExpr constant, ci, cj;
  std::map<SymExpr, SymExpr> floorI, floorJ; ///< divisor -> coefficient (non-zero)

  bool isSymbolic() const { return ci.isZero() && cj.isZero() && floorI.empty() && floorJ.empty(); }
  LinForm operator+(const LinForm &o) const;
  LinForm operator-() const;
  LinForm operator-(const LinForm &o) const { return *this + (-o); }
};

/// An integer value: guarded linear pieces (guards disjoint and covering), or opaque.
struct IntValue {
  std::vector<std::pair<Cond, LinForm>> pieces;
  std::string runtimeReason; ///< non-empty: the value is not of the linear form

  bool isRuntime() const { return !runtimeReason.empty(); }
  static IntValue constant(SymExpr c);
  static IntValue i();
  static IntValue j();
  static IntValue symbol(const std::string &name) { return constant(SymExpr::symbol(name)); }
  static IntValue runtime(std::string why);
};

IntValue intAdd(const IntValue &a, const IntValue &b);
IntValue intSub(const IntValue &a, const IntValue &b);
IntValue intNeg(const IntValue &a);
/// A product; linear only when one factor is a symbolic constant (and symbol * symbol
/// does not arise).
IntValue intMul(const IntValue &a, const IntValue &b);
/// floor(a / b): b must be symbolic; a must be i, j, or a constant over a constant.
IntValue intFloorDiv(const IntValue &a, const IntValue &b);
/// a - floor(a / b) * b.
IntValue intFloorMod(const IntValue &a, const IntValue &b);
IntValue intMin(const IntValue &a, const IntValue &b);
IntValue intMax(const IntValue &a, const IntValue &b);
IntValue intAbs(const IntValue &a);
IntValue intSelect(const Cond &c, const IntValue &a, const IntValue &b);

enum class CmpPred { Eq, Ne, Lt, Le, Gt, Ge };
Cond compare(CmpPred pred, const IntValue &a, const IntValue &b);
/// A bool select: (c && a) || (!c && b).
Cond condSelect(const Cond &c, const Cond &a, const Cond &b);

/// The model of a mask whose value is `c`.
MaskModel toModel(const Cond &c);

} // namespace attnc::analysis

#endif // ATTNC_ANALYSIS_MASKBUILDER_H
