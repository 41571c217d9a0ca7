//===- MaskCodegen.cpp - Block-level mask facts as device code -------------===//
//
// For each disjunct, the generated code computes the extreme values of its lower and
// upper key bounds over the query block's first and last rows: the loosest give the
// disjunct's key hull (union over disjuncts = the range to visit), the tightest decide
// whether a tile is covered for every row (full). Row-only atoms gate a disjunct.
//
// For the run-time block map, top-level conjuncts `x[.., i] == x[.., j]` (document ids)
// are recognised in the mask region: the map kernel classifies them from per-block id
// spans, and `restTileKind` classifies the rest of the mask (the model with their
// run-time atoms read as true). Any other data-dependent atom makes partial tiles exact.
// When the mask is those conjuncts and key bounds only, a partial tile whose ids all match
// is marked so that the kernel tests it with the row keys alone (documents' diagonals).
//
// Row keys: the bounds a mask puts on the key as functions of the row alone are hoisted
// out of the per-element test on partial tiles. From the model when it is one conjunction
// with no run-time atom (exact: nothing is left to test per element); otherwise from the
// mask's top-level conjuncts of the form `j <op> e` with e free of j, the other conjuncts
// staying behind as the residual mask.
//
//===----------------------------------------------------------------------===//
#include "attnc/Target/CUDA/MaskCodegen.h"

#include "attnc/Dialect/Attn/IR/AttnOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"

#include <set>

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

/// A top-level conjunct `x[.., i] == x[.., j]` of a mask: one i32 input read at the row
/// and at the column with every other index fixed (b, h or a constant). `load` is the
/// C++ for x[.., pos].
struct IdAtom {
  std::string input;
  std::string load;
};

constexpr unsigned kArgB = 1, kArgH = 2, kArgI = 3, kArgJ = 4; // the mask block's arguments
constexpr size_t kMaxIdAtoms = 4; // rows of BlockMap.cuh's per-atom spans in shared memory

bool isArg(mlir::Value v, unsigned n) {
  auto arg = llvm::dyn_cast<mlir::BlockArgument>(v);
  return arg && arg.getArgNumber() == n;
}

/// The conjuncts of `v` through `arith.andi`.
void collectConjuncts(mlir::Value v, std::vector<mlir::Value> &out) {
  if (auto a = v.getDefiningOp<mlir::arith::AndIOp>()) {
    collectConjuncts(a.getLhs(), out);
    collectConjuncts(a.getRhs(), out);
    return;
  }
  out.push_back(v);
}

/// C++ for an index that reads neither i nor j: b, h or an integer constant.
std::optional<std::string> fixedIndex(mlir::Value v) {
  if (isArg(v, kArgB))
    return std::string("ctx.batch");
  if (isArg(v, kArgH))
    return std::string("ctx.head");
  if (auto c = v.getDefiningOp<mlir::arith::ConstantOp>())
    if (auto i = llvm::dyn_cast<mlir::IntegerAttr>(c.getValue()))
      return std::to_string(i.getInt()) + "LL";
  return std::nullopt;
}

/// `v` as an id atom, when it is one; its loads must feed nothing else.
std::optional<IdAtom> matchIdAtom(mlir::Value v, const SymbolAccess &symbols) {
  auto cmp = v.getDefiningOp<mlir::arith::CmpIOp>();
  if (!cmp || cmp.getPredicate() != mlir::arith::CmpIPredicate::eq)
    return std::nullopt;
  auto row = cmp.getLhs().getDefiningOp<mlir::attn::LoadOp>();
  auto col = cmp.getRhs().getDefiningOp<mlir::attn::LoadOp>();
  if (!row || !col || row == col || row.getInput() != col.getInput() ||
      row.getIndices().size() != col.getIndices().size() || !row->hasOneUse() ||
      !col->hasOneUse())
    return std::nullopt;
  auto access = symbols.inputs.find(row.getInput());
  if (access == symbols.inputs.end() || access->second.second != "int")
    return std::nullopt;
  std::string load = "attnc::loadInput<int>(" + access->second.first;
  int positions = 0;
  for (auto [r, c] : llvm::zip(row.getIndices(), col.getIndices())) {
    if ((isArg(r, kArgI) && isArg(c, kArgJ)) || (isArg(r, kArgJ) && isArg(c, kArgI))) {
      ++positions;
      load += ", pos";
      continue;
    }
    std::optional<std::string> fr = fixedIndex(r);
    std::optional<std::string> fc = fixedIndex(c);
    if (!fr || fr != fc)
      return std::nullopt;
    load += ", " + *fr;
  }
  if (positions != 1)
    return std::nullopt;
  return IdAtom{row.getInput().str(), load + ")"};
}

/// The id atoms of a mask region, or none when an input they read is read anywhere else
/// (the model could not tell that read's run-time atom from theirs).
std::vector<IdAtom> findIdAtoms(mlir::Region &mask, const SymbolAccess &symbols) {
  auto yield = llvm::cast<mlir::attn::YieldOp>(mask.front().getTerminator());
  std::vector<mlir::Value> conjuncts;
  collectConjuncts(yield->getOperand(0), conjuncts);
  std::vector<IdAtom> atoms;
  std::set<mlir::Operation *> covered;
  std::set<std::string> inputs;
  for (mlir::Value c : conjuncts)
    if (std::optional<IdAtom> atom = matchIdAtom(c, symbols)) {
      mlir::Operation *cmp = c.getDefiningOp();
      if (!covered.insert(cmp->getOperand(0).getDefiningOp()).second)
        continue; // the same comparison twice
      covered.insert(cmp->getOperand(1).getDefiningOp());
      inputs.insert(atom->input);
      atoms.push_back(*atom);
    }
  bool stray = false;
  mask.walk([&](mlir::attn::LoadOp l) {
    stray = stray || (inputs.count(l.getInput().str()) && !covered.count(l));
  });
  if (stray || atoms.size() > kMaxIdAtoms)
    return {};
  return atoms;
}

/// Whether `v` reads the block argument number `arg`, directly or through its operands.
bool readsArg(mlir::Value v, unsigned arg, llvm::DenseMap<mlir::Value, bool> &memo) {
  if (auto it = memo.find(v); it != memo.end())
    return it->second;
  bool reads = isArg(v, arg);
  if (mlir::Operation *def = v.getDefiningOp())
    for (mlir::Value operand : def->getOperands())
      reads = reads || readsArg(operand, arg, memo);
  return memo[v] = reads;
}

/// A conjunct `j <op> e` (or `e <op> j`) read as a bound on the key: `e + offset` is a lower
/// bound, an upper bound, or both (equality).
struct KeyBound {
  mlir::Value expr;
  int offset = 0;
  bool lower = false;
  bool upper = false;
};

/// The predicate of `b <op> a` when `a <op'> b` has `op'`.
mlir::arith::CmpIPredicate swapped(mlir::arith::CmpIPredicate pred) {
  using Pred = mlir::arith::CmpIPredicate;
  switch (pred) {
  case Pred::slt:
    return Pred::sgt;
  case Pred::sle:
    return Pred::sge;
  case Pred::sgt:
    return Pred::slt;
  case Pred::sge:
    return Pred::sle;
  case Pred::ult:
    return Pred::ugt;
  case Pred::ule:
    return Pred::uge;
  case Pred::ugt:
    return Pred::ult;
  case Pred::uge:
    return Pred::ule;
  default:
    return pred; // eq, ne
  }
}

/// `conjunct` as a key bound, when it compares the bare key with a j-free expression under
/// a signed or equality predicate.
std::optional<KeyBound> matchKeyBound(mlir::Value conjunct,
                                      llvm::DenseMap<mlir::Value, bool> &memo) {
  using Pred = mlir::arith::CmpIPredicate;
  auto cmp = conjunct.getDefiningOp<mlir::arith::CmpIOp>();
  if (!cmp)
    return std::nullopt;
  Pred pred = cmp.getPredicate();
  mlir::Value other;
  if (isArg(cmp.getLhs(), kArgJ)) {
    other = cmp.getRhs();
  } else if (isArg(cmp.getRhs(), kArgJ)) {
    other = cmp.getLhs();
    pred = swapped(pred);
  } else {
    return std::nullopt;
  }
  if (readsArg(other, kArgJ, memo))
    return std::nullopt;
  switch (pred) { // `j <pred> other`
  case Pred::sge:
    return KeyBound{other, 0, true, false};
  case Pred::sgt:
    return KeyBound{other, 1, true, false};
  case Pred::sle:
    return KeyBound{other, 0, false, true};
  case Pred::slt:
    return KeyBound{other, -1, false, true};
  case Pred::eq:
    return KeyBound{other, 0, true, true};
  default:
    return std::nullopt;
  }
}

/// The mask's top-level conjuncts, split into key bounds (`matchKeyBound`) and the rest
/// (the residual the row keys leave to the per-element test).
struct KeyBoundSplit {
  std::vector<KeyBound> bounds;
  std::vector<mlir::Value> residual;
};

KeyBoundSplit splitKeyBounds(mlir::Region &mask) {
  auto yield = llvm::cast<mlir::attn::YieldOp>(mask.front().getTerminator());
  std::vector<mlir::Value> conjuncts;
  collectConjuncts(yield->getOperand(0), conjuncts);
  llvm::DenseMap<mlir::Value, bool> memo;
  KeyBoundSplit split;
  for (mlir::Value c : conjuncts) {
    if (std::optional<KeyBound> bound = matchKeyBound(c, memo))
      split.bounds.push_back(*bound);
    else
      split.residual.push_back(c);
  }
  return split;
}

/// The opening lines of a hook that evaluates mask-region values for row `i_` (and key
/// `j_` when `withKey`).
void hookPreamble(bool withKey, llvm::raw_ostream &os) {
  os << "    [[maybe_unused]] const AttncSoftmaxParams &p = *ctx.params;\n"
     << "    [[maybe_unused]] const long long b = ctx.batch, h = ctx.head, i = i_"
     << (withKey ? ", j = j_" : "") << ";\n";
}

const std::vector<std::string> kMaskArgNames = {"s_unavailable_in_mask", "b", "h", "i", "j"};

/// `mask` with the runtime atoms whose reason is in `dropped` read as true.
analysis::MaskModel withoutAtoms(const analysis::MaskModel &mask,
                                 const std::set<std::string> &dropped) {
  std::vector<Conjunction> disjuncts;
  for (const Conjunction &c : mask.disjuncts()) {
    Conjunction kept;
    for (const Atom &a : c.atoms)
      if (a.kind != Atom::Kind::Runtime || !dropped.count(a.reason))
        kept.atoms.push_back(a);
    disjuncts.push_back(std::move(kept));
  }
  analysis::MaskModel rest = analysis::MaskModel::fromDisjuncts(std::move(disjuncts));
  rest.symbolInfo() = mask.symbolInfo();
  return rest;
}

bool emitKeyRange(HookWriter &writer, const analysis::MaskModel &model, llvm::StringRef name,
                  llvm::raw_ostream &os) {
  os << "  __device__ __forceinline__ attnc::KeyRange " << name
     << "(int i0, int i1, const attnc::ScoreContext &ctx) const {\n";
  if (!writer.prologue(model, os))
    return false;
  os << "    long long lo = M, hi = 0;\n";
  for (size_t k = 0; k < model.disjuncts().size(); ++k) {
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
  return true;
}

bool emitTileKind(HookWriter &writer, const analysis::MaskModel &model, llvm::StringRef name,
                  llvm::raw_ostream &os) {
  os << "  __device__ __forceinline__ int " << name
     << "(int i0, int i1, int j0, int j1, const attnc::ScoreContext &ctx) const {\n";
  if (!writer.prologue(model, os))
    return false;
  os << "    const long long c0 = j0, c1 = j1 - 1;\n"
     << "    bool touched = false;\n";
  for (size_t k = 0; k < model.disjuncts().size(); ++k) {
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

/// rowKeys from a model that is one conjunction of key bounds and row conditions.
bool emitModelRowKeys(HookWriter &writer, const Conjunction &c, llvm::raw_ostream &os) {
  os << "    [[maybe_unused]] const AttncSoftmaxParams &p = *ctx.params;\n"
     << "    long long lo = 0, hi = 2147483647LL;\n";
  for (const Atom &a : c.atoms) {
    std::optional<std::string> f = writer.fn(a.f, "(long long)i_");
    if (!f)
      return false;
    if (a.kind == Atom::Kind::KeyLower)
      os << "    lo = max(lo, " << *f << ");\n";
    else if (a.kind == Atom::Kind::KeyUpper)
      os << "    hi = min(hi, " << *f << ");\n";
    else
      os << "    if (" << *f << " < 0) hi = -1;\n";
  }
  os << "    return attnc::clampRowKeys(lo, hi);\n  }\n";
  return true;
}

} // namespace

bool emitRowKeys(mlir::Region &maskRegion, const analysis::MaskModel &model,
                 const SymbolAccess &symbols, llvm::raw_ostream &os, std::string *error) {
  const char *signature =
      "  __device__ __forceinline__ attnc::RowKeys rowKeys(int i_, "
      "const attnc::ScoreContext &ctx) const {\n";
  if (model.disjuncts().size() == 1 && !model.disjuncts().front().hasRuntimeAtom()) {
    os << "  static constexpr bool HAS_ROW_KEYS = true;\n"
       << "  static constexpr bool HAS_RESIDUAL_MASK = false;\n"
       << signature;
    HookWriter writer(symbols, error);
    return emitModelRowKeys(writer, model.disjuncts().front(), os);
  }
  const auto [bounds, residual] = splitKeyBounds(maskRegion);
  os << "  static constexpr bool HAS_ROW_KEYS = " << (bounds.empty() ? "false" : "true")
     << ";\n"
     << "  static constexpr bool HAS_RESIDUAL_MASK = " << (residual.empty() ? "false" : "true")
     << ";\n";
  if (bounds.empty())
    return true;
  os << signature;
  hookPreamble(false, os);
  std::vector<mlir::Value> exprs;
  for (const KeyBound &bound : bounds)
    exprs.push_back(bound.expr);
  mlir::FailureOr<std::vector<std::string>> names =
      emitValueSlice(maskRegion, exprs, kMaskArgNames, symbols, os, "    ");
  if (mlir::failed(names)) {
    *error = "cannot print the mask's key bounds";
    return false;
  }
  os << "    long long lo = 0, hi = 2147483647LL;\n";
  for (auto [bound, name] : llvm::zip(bounds, *names)) {
    std::string value = "(long long)(" + name + ") + " + std::to_string(bound.offset) + "LL";
    if (bound.lower)
      os << "    lo = max(lo, " << value << ");\n";
    if (bound.upper)
      os << "    hi = min(hi, " << value << ");\n";
  }
  os << "    return attnc::clampRowKeys(lo, hi);\n  }\n";
  if (residual.empty())
    return true;
  os << "  __device__ __forceinline__ bool residualMask(int i_, int j_, "
        "const attnc::ScoreContext &ctx) const {\n";
  hookPreamble(true, os);
  names = emitValueSlice(maskRegion, residual, kMaskArgNames, symbols, os, "    ");
  if (mlir::failed(names)) {
    *error = "cannot print the mask's residual conjuncts";
    return false;
  }
  os << "    return ";
  for (auto [k, name] : llvm::enumerate(*names))
    os << (k ? " && " : "") << name;
  os << ";\n  }\n";
  return true;
}

bool emitBlockHooks(const analysis::MaskModel &model, const SymbolAccess &symbols,
                    llvm::StringRef keyRangeName, llvm::StringRef tileKindName,
                    llvm::raw_ostream &os, std::string *error) {
  HookWriter writer(symbols, error);
  return emitKeyRange(writer, model, keyRangeName, os) &&
         emitTileKind(writer, model, tileKindName, os);
}

namespace {

/// Whether the mask is the id atoms and key bounds alone (at least one bound): on a tile
/// where every id atom holds, the row keys then decide it, with no per-element test.
bool rowKeysDecideMatchedIds(mlir::Region &mask, const std::vector<IdAtom> &atoms,
                             const SymbolAccess &symbols) {
  if (atoms.empty())
    return false;
  const KeyBoundSplit split = splitKeyBounds(mask);
  return !split.bounds.empty() &&
         llvm::all_of(split.residual, [&](mlir::Value c) { return matchIdAtom(c, symbols); });
}

} // namespace

bool emitIdHooks(mlir::Region &maskRegion, const analysis::MaskModel &model,
                 const SymbolAccess &symbols, llvm::raw_ostream &os, std::string *error) {
  std::vector<IdAtom> atoms = findIdAtoms(maskRegion, symbols);
  std::set<std::string> dropped;
  for (const IdAtom &a : atoms)
    dropped.insert("reads input " + a.input);
  analysis::MaskModel rest = withoutAtoms(model, dropped);
  bool exact = atoms.empty();
  for (const Conjunction &c : rest.disjuncts())
    exact = exact || c.needsBlockMap();
  os << "  static constexpr int ID_ATOMS = " << atoms.size() << ";\n"
     << "  static constexpr bool EXACT_PARTIAL = " << (exact ? "true" : "false") << ";\n"
     << "  static constexpr bool ROW_KEYS_DECIDE_MATCHED_IDS = "
     << (rowKeysDecideMatchedIds(maskRegion, atoms, symbols) ? "true" : "false") << ";\n";
  if (atoms.empty())
    return true;
  os << "  __device__ __forceinline__ int idKey(int atom, int pos, "
        "const attnc::ScoreContext &ctx) const {\n"
     << "    const AttncSoftmaxParams &p = *ctx.params;\n"
     << "    switch (atom) {\n";
  for (auto [k, a] : llvm::enumerate(atoms))
    os << "    case " << k << ": // " << a.input << "\n"
       << "      return static_cast<int>(" << a.load << ");\n";
  os << "    }\n"
     << "    return 0;\n"
     << "  }\n";
  HookWriter writer(symbols, error);
  return emitTileKind(writer, rest, "restTileKind", os);
}

} // namespace attnc::cuda
