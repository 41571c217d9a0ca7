//===- MaskModel.h - Block-classification model of softmax masks --*- C++ -*-===//
//
// The MLIR-free model of a softmax mask that attn-analyze-masks builds from IR and that the
// CUDA emitter, the runtime and `attnc explain` read. A mask is a disjunction of
// conjunctions of atoms; for a fixed query row i every atom bounds the key j from below
// (`j >= f(i)`), from above (`j <= f(i)`), is a condition on the row alone (`f(i) >= 0`),
// or is a run-time (data-dependent / non-affine) condition the model cannot see through.
// Every f is `ci*i + cq*floor(i/m) + c0` with ci, cq, m, c0 linear in the kernel's run-time
// symbols (params and dims such as N, M). Given symbol values, each row's allowed keys are
// a union of intervals, which is what BlockClassification.h turns into per-tile classes.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_ANALYSIS_MASKMODEL_H
#define ATTNC_ANALYSIS_MASKMODEL_H

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace attnc::analysis {

/// Concrete values of run-time symbols (params, dims) by name.
using SymbolValues = std::map<std::string, int64_t>;

/// Floor division (rounds toward -inf); `b` must be non-zero.
int64_t floorDiv(int64_t a, int64_t b);

/// An integer linear form over run-time symbols: constant + sum(coef * symbol).
class SymExpr {
public:
  SymExpr(int64_t constant = 0) : constant_(constant) {}
  static SymExpr symbol(const std::string &name, int64_t coef = 1);

  bool isConstant() const { return terms_.empty(); }
  bool isZero() const { return terms_.empty() && constant_ == 0; }
  int64_t constant() const { return constant_; }
  const std::map<std::string, int64_t> &terms() const { return terms_; }

  SymExpr operator+(const SymExpr &o) const;
  SymExpr operator-(const SymExpr &o) const;
  SymExpr operator-() const { return scaled(-1); }
  SymExpr scaled(int64_t k) const;
  /// The product, when one side is a constant (a product of symbols is not linear).
  static std::optional<SymExpr> multiply(const SymExpr &a, const SymExpr &b);

  /// The value under `values`; nullopt when a symbol has no value.
  std::optional<int64_t> evaluate(const SymbolValues &values) const;
  void collectSymbols(std::set<std::string> &out) const;

  bool operator==(const SymExpr &o) const { return constant_ == o.constant_ && terms_ == o.terms_; }
  bool operator!=(const SymExpr &o) const { return !(*this == o); }
  bool operator<(const SymExpr &o) const {
    return terms_ != o.terms_ ? terms_ < o.terms_ : constant_ < o.constant_;
  }
  /// DSL syntax: "2 * window - 1", "-chunk", "0".
  std::string str() const;

private:
  int64_t constant_ = 0;
  std::map<std::string, int64_t> terms_; ///< no zero coefficients
};

/// f(i) = ci*i + cq*floor(i/m) + c0. When cq is zero, m is 1 and meaningless.
struct RowFn {
  SymExpr ci, cq, m = SymExpr(1), c0;

  bool dependsOnRow() const { return !ci.isZero() || !cq.isZero(); }
  /// Whether f is monotone in i for every symbol value (ci and cq of one known sign, or
  /// one of them zero; m is a positive divisor).
  bool isMonotone() const;
  RowFn operator+(const SymExpr &k) const;
  RowFn operator-() const;
  bool operator==(const RowFn &o) const {
    return ci == o.ci && cq == o.cq && m == o.m && c0 == o.c0;
  }
  void collectSymbols(std::set<std::string> &out) const;
  /// DSL syntax with `/` as floor division: "chunk * (i / chunk) + chunk - 1".
  std::string str() const;
};

/// One condition of a conjunction.
struct Atom {
  enum class Kind {
    KeyLower, ///< j >= f(i)
    KeyUpper, ///< j <= f(i)
    Row,      ///< f(i) >= 0
    Runtime,  ///< data-dependent or not of the affine form; `reason` says why
  };
  Kind kind = Kind::Row;
  RowFn f;
  std::string reason;

  static Atom lower(RowFn f) { return Atom{Kind::KeyLower, std::move(f), {}}; }
  static Atom upper(RowFn f) { return Atom{Kind::KeyUpper, std::move(f), {}}; }
  static Atom row(RowFn f) { return Atom{Kind::Row, std::move(f), {}}; }
  static Atom runtime(std::string why) { return Atom{Kind::Runtime, {}, std::move(why)}; }

  bool isKeyBound() const { return kind == Kind::KeyLower || kind == Kind::KeyUpper; }
  /// Whether the kernel must consult a run-time block map for this atom: it is
  /// data-dependent, or a bound that is not monotone in i (no closed-form block range).
  bool needsBlockMap() const { return kind == Kind::Runtime || !f.isMonotone(); }
  /// The exact negation (a run-time atom negates to itself: it stays opaque).
  Atom negated() const;
  bool operator==(const Atom &o) const { return kind == o.kind && f == o.f && reason == o.reason; }
  /// "j >= i - window + 1", "j <= i", "i >= prefix", "2 * i - N >= 0",
  /// "runtime('reads input doc')".
  std::string str() const;
};

/// A conjunction of atoms; an empty one is `true`.
struct Conjunction {
  std::vector<Atom> atoms;

  bool hasRuntimeAtom() const;
  bool needsBlockMap() const;
  bool hasAffineKeyBound() const;
  std::string str() const; ///< atoms joined by " && "; "true" when empty
};

/// How a kernel must treat a mask.
enum class MaskKind {
  None,           ///< no mask: every tile is full
  Affine,         ///< closed-form per-block KV ranges and full/partial tests
  AffineBlockMap, ///< affine bounds narrow the range; the rest needs a run-time block map
  BlockMap,       ///< nothing narrows the range: a run-time block map decides
};
const char *toString(MaskKind kind); ///< "none", "affine", "affine_blockmap", "blockmap"
std::optional<MaskKind> maskKindFromString(const std::string &s);

/// A run-time symbol the mask may read, and where a value for it comes from.
struct SymbolInfo {
  enum class Role { QueryLength, KeyLength, Dim, Param };
  std::string name;
  Role role = Role::Dim;
  std::optional<int64_t> defaultValue; ///< a param default or a literal dim
};

/// Concrete bounds for one problem (symbols bound): fast per-row evaluation.
class BoundMask;

/// The model of one softmax mask.
class MaskModel {
public:
  /// No mask: every (i, j) is allowed.
  static MaskModel none() { return MaskModel(); }
  /// A mask with the given disjuncts (none = `false`).
  static MaskModel fromDisjuncts(std::vector<Conjunction> disjuncts);
  /// Parses a mask written in DSL syntax over i, j, integer literals and symbols, with
  /// `runtime('why')` for an opaque condition. This is the syntax `str()` prints and the
  /// one attn-analyze-masks stores on the op. Returns nullopt and sets `error` when the
  /// text does not parse.
  static std::optional<MaskModel> parse(const std::string &text, std::string *error);

  bool hasMask() const { return hasMask_; }
  const std::vector<Conjunction> &disjuncts() const { return disjuncts_; }
  MaskKind kind() const;
  /// Whether a query row sees a narrow slice of the keys: every disjunct is a band (a lower
  /// and an upper key bound, the lower defaulting to 0, whose difference depends on neither
  /// the row nor the sequence lengths: sliding window, chunks, neighbourhoods) or holds a
  /// run-time atom (data-dependent, such as document ids, which the block map narrows). A
  /// heuristic for tile shapes: a key-padding input counts as narrow too.
  bool isNarrow() const;

  /// The symbols the bounds mention.
  std::set<std::string> usedSymbols() const;
  /// What the kernel declares (filled by maskModelFromOp or the caller), used by
  /// bindSymbols to find the query/key length names and param defaults.
  std::vector<SymbolInfo> &symbolInfo() { return symbols_; }
  const std::vector<SymbolInfo> &symbolInfo() const { return symbols_; }

  /// Values for every used symbol: `overrides` first, then the query/key length roles
  /// from N and M, then defaults. Returns nullopt and sets `error` naming a symbol that
  /// has none.
  std::optional<SymbolValues> bindSymbols(int64_t N, int64_t M, const SymbolValues &overrides,
                                          std::string *error) const;

  /// Fixes the symbols. Fails (nullopt + `error`) when one is missing or a divisor is not
  /// positive.
  std::optional<BoundMask> bind(const SymbolValues &values, std::string *error) const;

  /// The mask at (i, j) under `values` (which must bind every used symbol). A run-time
  /// atom reads as true, so for block-map kinds this is the affine over-approximation.
  bool evaluate(int64_t i, int64_t j, const SymbolValues &values) const;

  /// Disjuncts in DSL syntax, "(a && b) || (c)"; "true" for no mask, "false" for none.
  std::string str() const;
  /// One string per disjunct (the form stored in the `mask_bounds` attribute).
  std::vector<std::string> disjunctStrings() const;

private:
  bool hasMask_ = false;
  std::vector<Conjunction> disjuncts_;
  std::vector<SymbolInfo> symbols_;
};

/// A half-open interval [lo, hi) of key positions.
struct KeyInterval {
  int64_t lo, hi;
};

/// A mask with every symbol bound: f's are plain integers.
class BoundMask {
public:
  struct Fn {
    int64_t ci = 0, cq = 0, m = 1, c0 = 0;
    int64_t at(int64_t i) const { return ci * i + (cq ? cq * floorDiv(i, m) : 0) + c0; }
  };
  struct Conj {
    std::vector<Fn> lowers, uppers, rows;
    bool runtime = false; ///< has a run-time atom: never proves a tile full
  };

  bool hasMask() const { return hasMask_; }
  const std::vector<Conj> &conjunctions() const { return conjs_; }

  /// The affine part of the mask at (i, j) (run-time atoms read as true).
  bool evaluate(int64_t i, int64_t j) const;
  /// Row i's keys in [0, M): `allowed` gets the merged intervals where the mask may hold
  /// (run-time conjunctions included), `proven` those where it surely holds (run-time
  /// conjunctions excluded). Both sorted and disjoint.
  void rowIntervals(int64_t i, int64_t M, std::vector<KeyInterval> &allowed,
                    std::vector<KeyInterval> &proven) const;

private:
  friend class MaskModel;
  bool hasMask_ = false;
  std::vector<Conj> conjs_;
};

} // namespace attnc::analysis

#endif // ATTNC_ANALYSIS_MASKMODEL_H
