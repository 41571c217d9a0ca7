//===- MaskCodegen.cpp - Block-level mask facts as device code -------------===//
//
// For each disjunct, the generated code computes the extreme values of its lower and
// upper key bounds over the query block's first and last rows: the loosest give the
// disjunct's key hull (union over disjuncts = the range to visit), the tightest decide
// whether a tile is covered for every row (full). Row-only atoms gate a disjunct.
//
//===----------------------------------------------------------------------===//
#include "attnc/Target/CUDA/MaskCodegen.h"

namespace attnc::cuda {
namespace {

using analysis::Atom;
using analysis::Conjunction;
using analysis::RowFn;
using analysis::SymExpr;

class HookWriter {
public:
  HookWriter(const SymbolAccess &symbols, std::string *error)
      : symbols(symbols), error(error) {}

  /// C++ for a symbolic linear form, or nullopt (and `error`) for an unknown symbol.
  std::optional<std::string> sym(const SymExpr &e) {
    std::string s = "(" + std::to_string(e.constant()) + "LL";
    for (const auto &[name, coef] : e.terms()) {
      auto it = symbols.values.find(name);
      if (it == symbols.values.end()) {
        *error = "mask bound uses symbol '" + name + "', which has no run-time slot";
        return std::nullopt;
      }
      s += " + " + std::to_string(coef) + "LL * (long long)(" + it->second + ")";
    }
    return s + ")";
  }

  /// C++ for f(row) where `row` is a C++ expression.
  std::optional<std::string> fn(const RowFn &f, const std::string &row) {
    auto ci = sym(f.ci), cq = sym(f.cq), m = sym(f.m), c0 = sym(f.c0);
    if (!ci || !cq || !m || !c0)
      return std::nullopt;
    std::string s = "(" + *ci + " * " + row;
    if (!f.cq.isZero())
      s += " + " + *cq + " * attnc::floorDiv(" + row + ", " + *m + ")";
    return s + " + " + *c0 + ")";
  }

  /// Declarations of the extremes of one conjunction's bounds over rows r0 and r1.
  bool conjunction(const Conjunction &c, int k, llvm::raw_ostream &os) {
    std::string K = std::to_string(k);
    os << "    [[maybe_unused]] long long hullLo" << K << " = 0, tightLo" << K << " = 0;\n"
       << "    [[maybe_unused]] long long hullHi" << K << " = M - 1, tightHi" << K << " = M - 1;\n"
       << "    [[maybe_unused]] bool someRows" << K << " = true, allRows" << K << " = true;\n"
       << "    [[maybe_unused]] bool provable" << K << " = "
       << (c.needsBlockMap() ? "false" : "true") << ";\n";
    for (const Atom &a : c.atoms) {
      if (a.needsBlockMap())
        continue; // opaque: never narrows, and provable is already false
      auto f0 = fn(a.f, "r0"), f1 = fn(a.f, "r1");
      if (!f0 || !f1)
        return false;
      std::string lo = "min(" + *f0 + ", " + *f1 + ")", hi = "max(" + *f0 + ", " + *f1 + ")";
      switch (a.kind) {
      case Atom::Kind::KeyLower:
        os << "    hullLo" << K << " = max(hullLo" << K << ", " << lo << ");\n"
           << "    tightLo" << K << " = max(tightLo" << K << ", " << hi << ");\n";
        break;
      case Atom::Kind::KeyUpper:
        os << "    hullHi" << K << " = min(hullHi" << K << ", " << hi << ");\n"
           << "    tightHi" << K << " = min(tightHi" << K << ", " << lo << ");\n";
        break;
      case Atom::Kind::Row:
        os << "    someRows" << K << " = someRows" << K << " && " << hi << " >= 0;\n"
           << "    allRows" << K << " = allRows" << K << " && " << lo << " >= 0;\n";
        break;
      case Atom::Kind::Runtime:
        break;
      }
    }
    return true;
  }

  /// The prologue both hooks share: M, the block's end rows, and per-conjunction extremes.
  bool prologue(const analysis::MaskModel &model, llvm::raw_ostream &os) {
    os << "    [[maybe_unused]] const AttncSoftmaxParams &p = *ctx.params;\n"
       << "    const long long M = p.seq_k;\n"
       << "    [[maybe_unused]] const long long r0 = i0, r1 = i1 - 1;\n";
    for (auto [k, c] : llvm::enumerate(model.disjuncts()))
      if (!conjunction(c, static_cast<int>(k), os))
        return false;
    return true;
  }

private:
  const SymbolAccess &symbols;
  std::string *error;
};

} // namespace

bool emitBlockHooks(const analysis::MaskModel &model, const SymbolAccess &symbols,
                    llvm::StringRef tileKindName, llvm::raw_ostream &os, std::string *error) {
  HookWriter writer(symbols, error);
  size_t n = model.disjuncts().size();

  os << "  __device__ __forceinline__ attnc::KeyRange keyRange(int i0, int i1, "
        "const attnc::ScoreContext &ctx) const {\n";
  if (!writer.prologue(model, os))
    return false;
  os << "    long long lo = M, hi = 0;\n";
  for (size_t k = 0; k < n; ++k) {
    std::string K = std::to_string(k);
    os << "    if (someRows" << K << " && hullLo" << K << " <= hullHi" << K << ") {\n"
       << "      lo = min(lo, hullLo" << K << ");\n"
       << "      hi = max(hi, hullHi" << K << " + 1);\n"
       << "    }\n";
  }
  os << "    lo = max(lo, 0LL);\n"
     << "    hi = min(hi, M);\n"
     << "    return {static_cast<int>(lo), static_cast<int>(max(lo, hi))};\n"
     << "  }\n";

  os << "  __device__ __forceinline__ int " << tileKindName
     << "(int i0, int i1, int j0, int j1, const attnc::ScoreContext &ctx) const {\n";
  if (!writer.prologue(model, os))
    return false;
  os << "    const long long c0 = j0, c1 = j1 - 1;\n"
     << "    bool touched = false;\n";
  for (size_t k = 0; k < n; ++k) {
    std::string K = std::to_string(k);
    os << "    if (provable" << K << " && allRows" << K << " && tightLo" << K
       << " <= c0 && tightHi" << K << " >= c1)\n"
       << "      return attnc::kTileFull;\n"
       << "    touched = touched || (someRows" << K << " && hullLo" << K << " <= c1 && hullHi"
       << K << " >= c0);\n";
  }
  os << "    return touched ? attnc::kTilePartial : attnc::kTileEmpty;\n"
     << "  }\n";
  return true;
}

} // namespace attnc::cuda
