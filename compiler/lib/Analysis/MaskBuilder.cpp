//===- MaskBuilder.cpp - Integer/boolean algebra that builds a MaskModel --===//
//
// DNF booleans with cheap, exact simplification (constant atoms, duplicate and absorbed
// disjuncts, bounds that only differ by a constant), piecewise linear integers, and the
// comparison that isolates j into a key bound. Where a form leaves the fragment the model
// can represent, the result is a run-time atom naming why.
//
//===----------------------------------------------------------------------===//
#include "attnc/Analysis/MaskBuilder.h"

#include <algorithm>

namespace attnc::analysis {

namespace {

/// Whether f and g differ only by a constant; sets `diff` = g - f then.
bool differByConstant(const RowFn &f, const RowFn &g, int64_t &diff) {
  if (f.ci != g.ci || f.cq != g.cq || (!f.cq.isZero() && f.m != g.m))
    return false;
  SymExpr d = g.c0 - f.c0;
  if (!d.isConstant())
    return false;
  diff = d.constant();
  return true;
}

bool isConstantFn(const RowFn &f, int64_t &value) {
  if (f.dependsOnRow() || !f.c0.isConstant())
    return false;
  value = f.c0.constant();
  return true;
}

/// Folds `a` into `kept`; returns false when the conjunction became contradictory.
bool addAtom(std::vector<Atom> &kept, const Atom &a) {
  using K = Atom::Kind;
  int64_t v;
  if (a.kind != K::Runtime && isConstantFn(a.f, v)) {
    if (a.kind == K::Row)
      return v >= 0;
    if (a.kind == K::KeyLower && v <= 0)
      return true; // j >= 0 always holds
    if (a.kind == K::KeyUpper && v < 0)
      return false;
  }
  for (Atom &b : kept) {
    if (b == a)
      return true;
    if (a.kind == K::Runtime || b.kind == K::Runtime)
      continue;
    int64_t d; // b.f - a.f when constant
    if (a.kind == b.kind && differByConstant(a.f, b.f, d)) {
      // Same bound up to a constant: keep the tighter one.
      bool aTighter = a.kind == K::KeyLower ? d < 0 : d > 0;
      if (aTighter)
        b = a;
      return true;
    }
    if (a.kind != K::Row && b.kind != K::Row && differByConstant(a.f, b.f, d)) {
      // j >= f + x and j <= f + y with y < x.
      int64_t upperMinusLower = a.kind == K::KeyLower ? d : -d;
      if (upperMinusLower < 0)
        return false;
    }
    if (a.kind == K::Row && b.kind == K::Row && differByConstant(-a.f, b.f, d) && d < 0)
      return false; // f >= 0 and -f + d >= 0 with d < 0
  }
  kept.push_back(a);
  return true;
}

std::optional<Conjunction> simplify(const std::vector<Atom> &atoms) {
  Conjunction c;
  for (const Atom &a : atoms)
    if (!addAtom(c.atoms, a))
      return std::nullopt;
  return c;
}

bool isSubset(const Conjunction &small, const Conjunction &big) {
  return std::all_of(small.atoms.begin(), small.atoms.end(), [&](const Atom &a) {
    return std::find(big.atoms.begin(), big.atoms.end(), a) != big.atoms.end();
  });
}

/// Drops disjuncts implied by another (a superset of its atoms), keeping order.
Cond absorb(std::vector<Conjunction> dnf) {
  std::vector<bool> dead(dnf.size(), false);
  for (size_t p = 0; p < dnf.size(); ++p) {
    if (dead[p])
      continue;
    for (size_t q = 0; q < dnf.size(); ++q)
      if (q != p && !dead[q] && isSubset(dnf[p], dnf[q]) &&
          (dnf[p].atoms.size() < dnf[q].atoms.size() || p < q))
        dead[q] = true;
  }
  Cond out;
  for (size_t p = 0; p < dnf.size(); ++p)
    if (!dead[p])
      out.dnf.push_back(std::move(dnf[p]));
  if (out.dnf.size() > kMaxCases)
    return Cond::runtime("more than " + std::to_string(kMaxCases) + " cases");
  return out;
}

SymExpr coefOr0(const std::map<SymExpr, SymExpr> &m, const SymExpr &key) {
  auto it = m.find(key);
  return it == m.end() ? SymExpr(0) : it->second;
}

void addInto(std::map<SymExpr, SymExpr> &dst, const std::map<SymExpr, SymExpr> &src) {
  for (const auto &[div, coef] : src) {
    SymExpr sum = coefOr0(dst, div) + coef;
    if (sum.isZero())
      dst.erase(div);
    else
      dst[div] = sum;
  }
}

} // namespace

//===----------------------------------------------------------------------===//
// Cond
//===----------------------------------------------------------------------===//

Cond Cond::atom(Atom a) {
  auto c = simplify({std::move(a)});
  return c ? Cond{{*c}} : Cond::falsity();
}

Cond condAnd(const Cond &a, const Cond &b) {
  std::vector<Conjunction> out;
  for (const Conjunction &x : a.dnf)
    for (const Conjunction &y : b.dnf) {
      std::vector<Atom> atoms = x.atoms;
      atoms.insert(atoms.end(), y.atoms.begin(), y.atoms.end());
      if (auto c = simplify(atoms))
        out.push_back(std::move(*c));
      if (out.size() > 4 * kMaxCases)
        return Cond::runtime("more than " + std::to_string(kMaxCases) + " cases");
    }
  return absorb(std::move(out));
}

Cond condOr(const Cond &a, const Cond &b) {
  std::vector<Conjunction> out = a.dnf;
  out.insert(out.end(), b.dnf.begin(), b.dnf.end());
  return absorb(std::move(out));
}

Cond condNot(const Cond &a) {
  Cond result = Cond::truth();
  for (const Conjunction &c : a.dnf) {
    Cond any; // OR of the negated atoms of c (false when c is `true`)
    for (const Atom &atom : c.atoms)
      any = condOr(any, Cond::atom(atom.negated()));
    result = condAnd(result, any);
    if (result.isFalse())
      break;
  }
  return result;
}

Cond condSelect(const Cond &c, const Cond &a, const Cond &b) {
  return condOr(condAnd(c, a), condAnd(condNot(c), b));
}

//===----------------------------------------------------------------------===//
// LinForm and IntValue
//===----------------------------------------------------------------------===//

LinForm LinForm::operator+(const LinForm &o) const {
  LinForm r = *this;
  r.constant = constant + o.constant;
  r.ci = ci + o.ci;
  r.cj = cj + o.cj;
  addInto(r.floorI, o.floorI);
  addInto(r.floorJ, o.floorJ);
  return r;
}

LinForm LinForm::operator-() const {
  LinForm r;
  r.constant = -constant;
  r.ci = -ci;
  r.cj = -cj;
  for (const auto &[d, c] : floorI)
    r.floorI[d] = -c;
  for (const auto &[d, c] : floorJ)
    r.floorJ[d] = -c;
  return r;
}

IntValue IntValue::constant(SymExpr c) {
  LinForm f;
  f.constant = std::move(c);
  return IntValue{{{Cond::truth(), f}}, {}};
}

IntValue IntValue::i() {
  LinForm f;
  f.ci = SymExpr(1);
  return IntValue{{{Cond::truth(), f}}, {}};
}

IntValue IntValue::j() {
  LinForm f;
  f.cj = SymExpr(1);
  return IntValue{{{Cond::truth(), f}}, {}};
}

IntValue IntValue::runtime(std::string why) {
  IntValue v;
  v.runtimeReason = why.empty() ? "not an affine integer" : std::move(why);
  return v;
}

namespace {
/// Result of combining two linear pieces: a form, or why it is not linear.
struct LinResult {
  std::optional<LinForm> form;
  std::string why;
};

template <typename F> IntValue combine(const IntValue &a, const IntValue &b, F f) {
  if (a.isRuntime())
    return a;
  if (b.isRuntime())
    return b;
  IntValue out;
  for (const auto &[ga, la] : a.pieces)
    for (const auto &[gb, lb] : b.pieces) {
      Cond g = condAnd(ga, gb);
      if (g.isFalse())
        continue;
      LinResult r = f(la, lb);
      if (!r.form)
        return IntValue::runtime(r.why);
      out.pieces.emplace_back(std::move(g), std::move(*r.form));
      if (out.pieces.size() > kMaxCases)
        return IntValue::runtime("more than " + std::to_string(kMaxCases) + " cases");
    }
  return out;
}

std::optional<LinForm> scale(const LinForm &f, const SymExpr &k) {
  LinForm r;
  auto mul = [&](const SymExpr &c) { return SymExpr::multiply(c, k); };
  auto c = mul(f.constant), ci = mul(f.ci), cj = mul(f.cj);
  if (!c || !ci || !cj)
    return std::nullopt;
  r.constant = *c, r.ci = *ci, r.cj = *cj;
  for (const auto &[d, coef] : f.floorI) {
    auto p = mul(coef);
    if (!p)
      return std::nullopt;
    if (!p->isZero())
      r.floorI[d] = *p;
  }
  for (const auto &[d, coef] : f.floorJ) {
    auto p = mul(coef);
    if (!p)
      return std::nullopt;
    if (!p->isZero())
      r.floorJ[d] = *p;
  }
  return r;
}

bool isUnitIndex(const LinForm &f, bool rowIndex) {
  const SymExpr &c = rowIndex ? f.ci : f.cj;
  const SymExpr &other = rowIndex ? f.cj : f.ci;
  return c == SymExpr(1) && other.isZero() && f.constant.isZero() && f.floorI.empty() &&
         f.floorJ.empty();
}
} // namespace

IntValue intAdd(const IntValue &a, const IntValue &b) {
  return combine(a, b, [](const LinForm &x, const LinForm &y) { return LinResult{x + y, {}}; });
}

IntValue intSub(const IntValue &a, const IntValue &b) {
  return combine(a, b, [](const LinForm &x, const LinForm &y) { return LinResult{x - y, {}}; });
}

IntValue intNeg(const IntValue &a) { return intSub(IntValue::constant(0), a); }

IntValue intMul(const IntValue &a, const IntValue &b) {
  return combine(a, b, [](const LinForm &x, const LinForm &y) -> LinResult {
    if (!x.isSymbolic() && !y.isSymbolic())
      return {std::nullopt, "multiplies two index expressions"};
    auto r = x.isSymbolic() ? scale(y, x.constant) : scale(x, y.constant);
    if (!r)
      return {std::nullopt, "multiplies run-time symbols (not linear in them)"};
    return {r, {}};
  });
}

IntValue intFloorDiv(const IntValue &a, const IntValue &b) {
  return combine(a, b, [](const LinForm &x, const LinForm &y) -> LinResult {
    if (!y.isSymbolic())
      return {std::nullopt, "divides by an index expression"};
    const SymExpr &m = y.constant;
    if (m.isConstant() && m.constant() <= 0)
      return {std::nullopt, "divides by a non-positive constant"};
    if (m == SymExpr(1))
      return {x, {}};
    if (x.isSymbolic()) {
      if (x.constant.isConstant() && m.isConstant()) {
        LinForm r;
        r.constant = SymExpr(floorDiv(x.constant.constant(), m.constant()));
        return {r, {}};
      }
      return {std::nullopt, "divides run-time symbols (not linear in them)"};
    }
    LinForm r;
    if (isUnitIndex(x, /*rowIndex=*/true))
      r.floorI[m] = SymExpr(1);
    else if (isUnitIndex(x, /*rowIndex=*/false))
      r.floorJ[m] = SymExpr(1);
    else
      return {std::nullopt, "floor-divides an expression other than i or j"};
    return {r, {}};
  });
}

IntValue intFloorMod(const IntValue &a, const IntValue &b) {
  return intSub(a, intMul(intFloorDiv(a, b), b));
}

IntValue intSelect(const Cond &c, const IntValue &a, const IntValue &b) {
  if (a.isRuntime())
    return a;
  if (b.isRuntime())
    return b;
  IntValue out;
  Cond notC = condNot(c);
  for (const auto &[g, f] : a.pieces) {
    Cond guard = condAnd(c, g);
    if (!guard.isFalse())
      out.pieces.emplace_back(std::move(guard), f);
  }
  for (const auto &[g, f] : b.pieces) {
    Cond guard = condAnd(notC, g);
    if (!guard.isFalse())
      out.pieces.emplace_back(std::move(guard), f);
  }
  if (out.pieces.size() > kMaxCases)
    return IntValue::runtime("more than " + std::to_string(kMaxCases) + " cases");
  return out;
}

IntValue intMin(const IntValue &a, const IntValue &b) {
  return intSelect(compare(CmpPred::Le, a, b), a, b);
}

IntValue intMax(const IntValue &a, const IntValue &b) {
  return intSelect(compare(CmpPred::Ge, a, b), a, b);
}

IntValue intAbs(const IntValue &a) {
  return intSelect(compare(CmpPred::Ge, a, IntValue::constant(0)), a, intNeg(a));
}

//===----------------------------------------------------------------------===//
// Comparisons
//===----------------------------------------------------------------------===//

namespace {
/// d <= 0 as an atom: isolates j (coefficient +-1, plainly or in one floor division).
Cond leZero(const LinForm &d) {
  if (d.floorI.size() > 1)
    return Cond::runtime("floor-divides i by two different divisors");
  if (d.floorJ.size() > 1)
    return Cond::runtime("floor-divides j by two different divisors");
  if (!d.floorJ.empty() && !d.cj.isZero())
    return Cond::runtime("uses j both plainly and floor-divided (e.g. j % w)");
  RowFn rest; // the part without j
  rest.ci = d.ci;
  rest.c0 = d.constant;
  if (!d.floorI.empty()) {
    rest.m = d.floorI.begin()->first;
    rest.cq = d.floorI.begin()->second;
  }
  if (d.cj.isZero() && d.floorJ.empty())
    return Cond::atom(Atom::row(-rest)); // -rest >= 0
  if (!d.cj.isZero()) {
    if (d.cj == SymExpr(1))
      return Cond::atom(Atom::upper(-rest)); // j <= -rest
    if (d.cj == SymExpr(-1))
      return Cond::atom(Atom::lower(rest)); // j >= rest
    return Cond::runtime("compares a multiple of j (coefficient " + d.cj.str() + ")");
  }
  const auto &[mj, c] = *d.floorJ.begin();
  if (c != SymExpr(1) && c != SymExpr(-1))
    return Cond::runtime("compares a multiple of j / " + mj.str());
  // floor(j/m) <= X <=> j <= m*X + m - 1;  floor(j/m) >= X <=> j >= m*X.
  RowFn x = c == SymExpr(1) ? -rest : rest;
  RowFn scaled;
  auto ci = SymExpr::multiply(x.ci, mj), cq = SymExpr::multiply(x.cq, mj),
       c0 = SymExpr::multiply(x.c0, mj);
  if (!ci || !cq || !c0)
    return Cond::runtime("the bound on j / " + mj.str() + " times " + mj.str() +
                         " is not linear in the symbols");
  scaled.ci = *ci, scaled.cq = *cq, scaled.m = x.m, scaled.c0 = *c0;
  if (scaled.cq.isZero())
    scaled.m = SymExpr(1);
  if (c == SymExpr(1))
    return Cond::atom(Atom::upper(scaled + (mj - SymExpr(1))));
  return Cond::atom(Atom::lower(scaled));
}

Cond compareForms(CmpPred pred, const LinForm &a, const LinForm &b) {
  LinForm d = a - b;
  LinForm one;
  one.constant = SymExpr(1);
  switch (pred) {
  case CmpPred::Le:
    return leZero(d);
  case CmpPred::Lt:
    return leZero(d + one);
  case CmpPred::Ge:
    return leZero(-d);
  case CmpPred::Gt:
    return leZero(-d + one);
  case CmpPred::Eq:
    return condAnd(leZero(d), leZero(-d));
  case CmpPred::Ne:
    return condOr(leZero(d + one), leZero(-d + one));
  }
  return Cond::runtime("unknown comparison");
}
} // namespace

Cond compare(CmpPred pred, const IntValue &a, const IntValue &b) {
  if (a.isRuntime())
    return Cond::runtime(a.runtimeReason);
  if (b.isRuntime())
    return Cond::runtime(b.runtimeReason);
  Cond out;
  for (const auto &[ga, la] : a.pieces)
    for (const auto &[gb, lb] : b.pieces) {
      Cond g = condAnd(ga, gb);
      if (!g.isFalse())
        out = condOr(out, condAnd(g, compareForms(pred, la, lb)));
    }
  return out;
}

MaskModel toModel(const Cond &c) { return MaskModel::fromDisjuncts(c.dnf); }

} // namespace attnc::analysis
