//===- MaskModel.cpp - Block-classification model of softmax masks --------===//
//
// Symbolic forms (SymExpr, RowFn), atoms and their printing, the model's kind, symbol
// binding, and the bound (concrete) mask's per-row intervals. Parsing lives in
// MaskParser.cpp, the algebra in MaskBuilder.cpp, tiles in BlockClassification.cpp.
//
//===----------------------------------------------------------------------===//
#include "attnc/Analysis/MaskModel.h"

#include <algorithm>
#include <cstdlib>
#include <limits>

namespace attnc::analysis {

int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0)))
    --q;
  return q;
}

//===----------------------------------------------------------------------===//
// SymExpr
//===----------------------------------------------------------------------===//

SymExpr SymExpr::symbol(const std::string &name, int64_t coef) {
  SymExpr e;
  if (coef != 0)
    e.terms_[name] = coef;
  return e;
}

SymExpr SymExpr::operator+(const SymExpr &o) const {
  SymExpr r = *this;
  r.constant_ += o.constant_;
  for (const auto &[name, coef] : o.terms_) {
    int64_t &c = r.terms_[name];
    c += coef;
    if (c == 0)
      r.terms_.erase(name);
  }
  return r;
}

SymExpr SymExpr::operator-(const SymExpr &o) const { return *this + (-o); }

SymExpr SymExpr::scaled(int64_t k) const {
  SymExpr r;
  if (k == 0)
    return r;
  r.constant_ = constant_ * k;
  for (const auto &[name, coef] : terms_)
    r.terms_[name] = coef * k;
  return r;
}

std::optional<SymExpr> SymExpr::multiply(const SymExpr &a, const SymExpr &b) {
  if (a.isConstant())
    return b.scaled(a.constant_);
  if (b.isConstant())
    return a.scaled(b.constant_);
  return std::nullopt;
}

std::optional<int64_t> SymExpr::evaluate(const SymbolValues &values) const {
  int64_t v = constant_;
  for (const auto &[name, coef] : terms_) {
    auto it = values.find(name);
    if (it == values.end())
      return std::nullopt;
    v += coef * it->second;
  }
  return v;
}

void SymExpr::collectSymbols(std::set<std::string> &out) const {
  for (const auto &term : terms_)
    out.insert(term.first);
}

namespace {
/// A sum under construction: signed terms, printed "a - b + c".
struct TermList {
  std::vector<std::pair<bool, std::string>> terms; ///< (negative, magnitude text)

  void add(bool negative, std::string text) { terms.emplace_back(negative, std::move(text)); }
  std::string str() const {
    if (terms.empty())
      return "0";
    std::string s;
    for (size_t k = 0; k < terms.size(); ++k) {
      const auto &[neg, text] = terms[k];
      if (k == 0)
        s += neg ? "-" + text : text;
      else
        s += (neg ? " - " : " + ") + text;
    }
    return s;
  }
};

void appendSym(TermList &list, const SymExpr &e) {
  for (const auto &[name, coef] : e.terms()) {
    int64_t mag = std::llabs(coef);
    list.add(coef < 0, mag == 1 ? name : std::to_string(mag) + " * " + name);
  }
  if (e.constant() != 0)
    list.add(e.constant() < 0, std::to_string(std::llabs(e.constant())));
}

/// Whether `e` prints as one token (a literal or a bare symbol).
bool isSimple(const SymExpr &e) {
  return (e.isConstant() && e.constant() >= 0) ||
         (e.constant() == 0 && e.terms().size() == 1 && e.terms().begin()->second == 1);
}

/// coef * basis.
void appendProduct(TermList &list, const SymExpr &coef, const std::string &basis) {
  if (coef.isZero())
    return;
  if (coef.isConstant()) {
    int64_t mag = std::llabs(coef.constant());
    list.add(coef.constant() < 0, mag == 1 ? basis : std::to_string(mag) + " * " + basis);
    return;
  }
  if (coef.constant() == 0 && coef.terms().size() == 1) {
    const auto &[name, c] = *coef.terms().begin();
    int64_t mag = std::llabs(c);
    list.add(c < 0, (mag == 1 ? name : std::to_string(mag) + " * " + name) + " * " + basis);
    return;
  }
  list.add(false, "(" + coef.str() + ") * " + basis);
}

std::optional<int> knownSign(const SymExpr &e) {
  if (!e.isConstant())
    return std::nullopt;
  return e.constant() > 0 ? 1 : (e.constant() < 0 ? -1 : 0);
}
} // namespace

std::string SymExpr::str() const {
  TermList list;
  appendSym(list, *this);
  return list.str();
}

//===----------------------------------------------------------------------===//
// RowFn, Atom, Conjunction
//===----------------------------------------------------------------------===//

bool RowFn::isMonotone() const {
  if (ci.isZero() || cq.isZero())
    return true;
  auto a = knownSign(ci), b = knownSign(cq);
  return a && b && *a == *b;
}

RowFn RowFn::operator+(const SymExpr &k) const {
  RowFn r = *this;
  r.c0 = r.c0 + k;
  return r;
}

RowFn RowFn::operator-() const {
  RowFn r = *this;
  r.ci = -ci;
  r.cq = -cq;
  r.c0 = -c0;
  return r;
}

void RowFn::collectSymbols(std::set<std::string> &out) const {
  ci.collectSymbols(out);
  c0.collectSymbols(out);
  if (!cq.isZero()) {
    cq.collectSymbols(out);
    m.collectSymbols(out);
  }
}

std::string RowFn::str() const {
  TermList list;
  appendProduct(list, ci, "i");
  if (!cq.isZero())
    appendProduct(list, cq, "(i / " + (isSimple(m) ? m.str() : "(" + m.str() + ")") + ")");
  appendSym(list, c0);
  return list.str();
}

Atom Atom::negated() const {
  switch (kind) {
  case Kind::KeyLower: // !(j >= f) <=> j <= f - 1
    return upper(f + SymExpr(-1));
  case Kind::KeyUpper: // !(j <= f) <=> j >= f + 1
    return lower(f + SymExpr(1));
  case Kind::Row: // !(f >= 0) <=> -f - 1 >= 0
    return row(-f + SymExpr(-1));
  case Kind::Runtime:
    return *this;
  }
  return *this;
}

std::string Atom::str() const {
  switch (kind) {
  case Kind::KeyLower:
    return "j >= " + f.str();
  case Kind::KeyUpper:
    return "j <= " + f.str();
  case Kind::Row: {
    // i >= g / i <= g when i has a unit coefficient, else f >= 0.
    if (f.cq.isZero() && (f.ci == SymExpr(1) || f.ci == SymExpr(-1))) {
      RowFn rest = f;
      rest.ci = SymExpr(0);
      return f.ci == SymExpr(1) ? "i >= " + (-rest).str() : "i <= " + rest.str();
    }
    return f.str() + " >= 0";
  }
  case Kind::Runtime: {
    // Single quotes: the text sits inside MLIR string attributes, which escape '"'.
    std::string why = reason;
    std::replace(why.begin(), why.end(), '\'', '`');
    return "runtime('" + why + "')";
  }
  }
  return "?";
}

bool Conjunction::hasRuntimeAtom() const {
  return std::any_of(atoms.begin(), atoms.end(),
                     [](const Atom &a) { return a.kind == Atom::Kind::Runtime; });
}

bool Conjunction::needsBlockMap() const {
  return std::any_of(atoms.begin(), atoms.end(), [](const Atom &a) { return a.needsBlockMap(); });
}

bool Conjunction::hasAffineKeyBound() const {
  return std::any_of(atoms.begin(), atoms.end(),
                     [](const Atom &a) { return a.isKeyBound() && !a.needsBlockMap(); });
}

std::string Conjunction::str() const {
  if (atoms.empty())
    return "true";
  std::string s;
  for (size_t k = 0; k < atoms.size(); ++k)
    s += (k ? " && " : "") + atoms[k].str();
  return s;
}

//===----------------------------------------------------------------------===//
// MaskModel
//===----------------------------------------------------------------------===//

const char *toString(MaskKind kind) {
  switch (kind) {
  case MaskKind::None:
    return "none";
  case MaskKind::Affine:
    return "affine";
  case MaskKind::AffineBlockMap:
    return "affine_blockmap";
  case MaskKind::BlockMap:
    return "blockmap";
  }
  return "?";
}

std::optional<MaskKind> maskKindFromString(const std::string &s) {
  for (MaskKind k :
       {MaskKind::None, MaskKind::Affine, MaskKind::AffineBlockMap, MaskKind::BlockMap})
    if (s == toString(k))
      return k;
  return std::nullopt;
}

MaskModel MaskModel::fromDisjuncts(std::vector<Conjunction> disjuncts) {
  MaskModel m;
  m.hasMask_ = true;
  m.disjuncts_ = std::move(disjuncts);
  return m;
}

namespace {
/// Whether some lower and upper key bound of `c` (the lower defaulting to j >= 0) differ by
/// an amount free of the row and of the sequence lengths: a band of fixed width.
bool isBand(const Conjunction &c, const std::set<std::string> &lengths) {
  std::vector<RowFn> lowers{RowFn{}}, uppers;
  for (const Atom &a : c.atoms) {
    if (a.kind == Atom::Kind::KeyLower)
      lowers.push_back(a.f);
    else if (a.kind == Atom::Kind::KeyUpper)
      uppers.push_back(a.f);
  }
  for (const RowFn &lo : lowers)
    for (const RowFn &hi : uppers) {
      if (lo.ci != hi.ci || lo.cq != hi.cq || (!lo.cq.isZero() && lo.m != hi.m))
        continue;
      std::set<std::string> used;
      (hi.c0 - lo.c0).collectSymbols(used);
      if (std::none_of(used.begin(), used.end(),
                       [&](const std::string &s) { return lengths.count(s) > 0; }))
        return true;
    }
  return false;
}
} // namespace

bool MaskModel::isNarrow() const {
  if (!hasMask_ || disjuncts_.empty())
    return false;
  std::set<std::string> lengths;
  for (const SymbolInfo &s : symbols_)
    if (s.role == SymbolInfo::Role::QueryLength || s.role == SymbolInfo::Role::KeyLength)
      lengths.insert(s.name);
  return std::all_of(disjuncts_.begin(), disjuncts_.end(), [&](const Conjunction &c) {
    return c.hasRuntimeAtom() || isBand(c, lengths);
  });
}

MaskKind MaskModel::kind() const {
  if (!hasMask_)
    return MaskKind::None;
  bool needsMap = false, narrowed = true;
  for (const Conjunction &c : disjuncts_) {
    if (!c.needsBlockMap())
      continue;
    needsMap = true;
    narrowed &= c.hasAffineKeyBound();
  }
  if (!needsMap)
    return MaskKind::Affine;
  return narrowed ? MaskKind::AffineBlockMap : MaskKind::BlockMap;
}

std::set<std::string> MaskModel::usedSymbols() const {
  std::set<std::string> out;
  for (const Conjunction &c : disjuncts_)
    for (const Atom &a : c.atoms)
      if (a.kind != Atom::Kind::Runtime)
        a.f.collectSymbols(out);
  return out;
}

std::optional<SymbolValues> MaskModel::bindSymbols(int64_t N, int64_t M,
                                                   const SymbolValues &overrides,
                                                   std::string *error) const {
  SymbolValues values = overrides;
  for (const SymbolInfo &s : symbols_) {
    if (values.count(s.name))
      continue;
    if (s.role == SymbolInfo::Role::QueryLength)
      values[s.name] = N;
    else if (s.role == SymbolInfo::Role::KeyLength)
      values[s.name] = M;
    else if (s.defaultValue)
      values[s.name] = *s.defaultValue;
  }
  for (const std::string &name : usedSymbols()) {
    if (values.count(name))
      continue;
    if (error)
      *error =
          "no value for symbol '" + name + "' used by the mask (give --param " + name + "=VALUE)";
    return std::nullopt;
  }
  return values;
}

namespace {
std::optional<BoundMask::Fn> bindFn(const RowFn &f, const SymbolValues &values,
                                    std::string *error) {
  BoundMask::Fn r;
  auto ci = f.ci.evaluate(values), cq = f.cq.evaluate(values), c0 = f.c0.evaluate(values);
  auto m = f.cq.isZero() ? std::optional<int64_t>(1) : f.m.evaluate(values);
  if (!ci || !cq || !c0 || !m) {
    if (error)
      *error = "unbound symbol in '" + f.str() + "'";
    return std::nullopt;
  }
  if (*m <= 0) {
    if (error)
      *error =
          "divisor '" + f.m.str() + "' is " + std::to_string(*m) + ", expected a positive value";
    return std::nullopt;
  }
  r.ci = *ci, r.cq = *cq, r.m = *m, r.c0 = *c0;
  return r;
}
} // namespace

std::optional<BoundMask> MaskModel::bind(const SymbolValues &values, std::string *error) const {
  BoundMask b;
  b.hasMask_ = hasMask_;
  for (const Conjunction &c : disjuncts_) {
    BoundMask::Conj bc;
    for (const Atom &a : c.atoms) {
      if (a.kind == Atom::Kind::Runtime) {
        bc.runtime = true;
        continue;
      }
      auto fn = bindFn(a.f, values, error);
      if (!fn)
        return std::nullopt;
      (a.kind == Atom::Kind::KeyLower   ? bc.lowers
       : a.kind == Atom::Kind::KeyUpper ? bc.uppers
                                        : bc.rows)
          .push_back(*fn);
    }
    b.conjs_.push_back(std::move(bc));
  }
  return b;
}

bool MaskModel::evaluate(int64_t i, int64_t j, const SymbolValues &values) const {
  if (!hasMask_)
    return true;
  auto val = [&](const SymExpr &e) { return e.evaluate(values).value_or(0); };
  auto at = [&](const RowFn &f) {
    int64_t v = val(f.ci) * i + val(f.c0);
    if (!f.cq.isZero())
      v += val(f.cq) * floorDiv(i, val(f.m));
    return v;
  };
  for (const Conjunction &c : disjuncts_) {
    bool ok = true;
    for (const Atom &a : c.atoms) {
      switch (a.kind) {
      case Atom::Kind::KeyLower:
        ok = j >= at(a.f);
        break;
      case Atom::Kind::KeyUpper:
        ok = j <= at(a.f);
        break;
      case Atom::Kind::Row:
        ok = at(a.f) >= 0;
        break;
      case Atom::Kind::Runtime:
        break;
      }
      if (!ok)
        break;
    }
    if (ok)
      return true;
  }
  return false;
}

std::vector<std::string> MaskModel::disjunctStrings() const {
  std::vector<std::string> out;
  for (const Conjunction &c : disjuncts_)
    out.push_back(c.str());
  return out;
}

std::string MaskModel::str() const {
  if (!hasMask_)
    return "true";
  if (disjuncts_.empty())
    return "false";
  if (disjuncts_.size() == 1)
    return disjuncts_[0].str();
  std::string s;
  for (size_t k = 0; k < disjuncts_.size(); ++k)
    s += (k ? " || (" : "(") + disjuncts_[k].str() + ")";
  return s;
}

//===----------------------------------------------------------------------===//
// BoundMask
//===----------------------------------------------------------------------===//

bool BoundMask::evaluate(int64_t i, int64_t j) const {
  if (!hasMask_)
    return true;
  for (const Conj &c : conjs_) {
    bool ok =
        std::all_of(c.rows.begin(), c.rows.end(), [&](const Fn &f) { return f.at(i) >= 0; }) &&
        std::all_of(c.lowers.begin(), c.lowers.end(), [&](const Fn &f) { return j >= f.at(i); }) &&
        std::all_of(c.uppers.begin(), c.uppers.end(), [&](const Fn &f) { return j <= f.at(i); });
    if (ok)
      return true;
  }
  return false;
}

namespace {
void sortAndMerge(std::vector<KeyInterval> &v) {
  std::sort(v.begin(), v.end(),
            [](const KeyInterval &a, const KeyInterval &b) { return a.lo < b.lo; });
  size_t out = 0;
  for (size_t k = 0; k < v.size(); ++k) {
    if (out > 0 && v[k].lo <= v[out - 1].hi)
      v[out - 1].hi = std::max(v[out - 1].hi, v[k].hi);
    else
      v[out++] = v[k];
  }
  v.resize(out);
}
} // namespace

void BoundMask::rowIntervals(int64_t i, int64_t M, std::vector<KeyInterval> &allowed,
                             std::vector<KeyInterval> &proven) const {
  allowed.clear();
  proven.clear();
  if (M <= 0)
    return;
  if (!hasMask_) {
    allowed.push_back({0, M});
    proven.push_back({0, M});
    return;
  }
  for (const Conj &c : conjs_) {
    if (!std::all_of(c.rows.begin(), c.rows.end(), [&](const Fn &f) { return f.at(i) >= 0; }))
      continue;
    int64_t lo = 0, hi = M - 1; // inclusive
    for (const Fn &f : c.lowers)
      lo = std::max(lo, f.at(i));
    for (const Fn &f : c.uppers)
      hi = std::min(hi, f.at(i));
    if (lo > hi)
      continue;
    allowed.push_back({lo, hi + 1});
    if (!c.runtime)
      proven.push_back({lo, hi + 1});
  }
  sortAndMerge(allowed);
  sortAndMerge(proven);
}

} // namespace attnc::analysis
