//===- Variant.cuh - The hooks a softmax-attention variant provides -*- CUDA -*-===//
//
// A variant is a small struct the code generator writes into the prelude (FlashInfer's
// functor design): a score modifier, a mask predicate, and the block-level facts mask
// analysis derived (which key range a query block visits, and whether a tile is full,
// partial or empty). The kernel template calls only these hooks, so every variant shares
// one hand-written kernel. `DenseVariant` is the no-mask, no-modifier reference shape.
// Where the mask bounds the key by expressions of the row alone, the variant also hoists
// them (`rowKeys`, once per row of a partial tile): the per-element test is then two int
// compares plus whatever `residualMask` keeps, instead of the whole mask in 64-bit math.
// The per-element part runs branch-free over a row (`maskedOut<true>`), so the data it reads
// (document ids) is loaded for all of a row's columns at once rather than one compare and
// branch at a time.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_VARIANT_CUH
#define ATTNC_VARIANT_CUH

#include "attnc/KernelParams.h"
#include "attnc/Numeric.cuh"

namespace attnc {

/// How much of a (query block, key block) tile the mask lets through. kTileRowKeys is a
/// partial tile the row keys alone decide (the run-time block map's tiles whose document
/// ids all match, for masks that are id equalities and key bounds only).
enum TileKind : int { kTileEmpty = 0, kTilePartial = 1, kTileFull = 2, kTileRowKeys = 3 };

/// Whether a tile of class `kind` whose row bounds are tested (`testsBounds`: every partial
/// tile, `kind == kTilePartial || (ROW_KEYS_DECIDE_MATCHED_IDS && kind == kTileRowKeys)`,
/// which the kernels write out in place) runs the mask's per-element part too: kTilePartial
/// only. Variants whose block map marks no row-key tiles return `testsBounds` itself, one
/// flag for both: ptxas allocates kernels at the register cap differently for two flags of
/// equal value (or for the bounds test behind a helper), and alibi's sm90 consumer spilled.
template <typename Variant>
__device__ __forceinline__ bool tileTestsPairs(int kind, bool testsBounds) {
  if constexpr (Variant::ROW_KEYS_DECIDE_MATCHED_IDS)
    return kind == kTilePartial;
  else
    return testsBounds;
}

/// Where a thread's scores live: batch, query head, and the kernel's parameters.
struct ScoreContext {
  int batch;
  int head;
  const AttncSoftmaxParams *params;
};

/// Key range [begin, end) of a query block, in key positions.
struct KeyRange {
  int begin;
  int end;
};

/// The keys [lo, hi] (inclusive) a query row may see; lo > hi when it sees none.
struct RowKeys {
  int lo;
  int hi;
};

/// Inclusive 64-bit key bounds narrowed to int for keys in [0, 2^31): exact for every key
/// a kernel can index, whatever the bounds' magnitude.
__device__ __forceinline__ RowKeys clampRowKeys(long long lo, long long hi) {
  constexpr long long kIntMax = 2147483647LL;
  return {static_cast<int>(min(max(lo, 0LL), kIntMax)),
          static_cast<int>(max(min(hi, kIntMax), -1LL))};
}

/// A row's key bounds on one tile: the key sequence's end always, and the mask's hoisted
/// bounds when the tile is partial and the variant has them.
template <typename Variant>
__device__ __forceinline__ RowKeys tileRowKeys(const Variant &variant, int row, bool evalMask,
                                               const ScoreContext &ctx) {
  RowKeys keys{0, ctx.params->seq_k - 1};
  if constexpr (Variant::HAS_ROW_KEYS) {
    if (evalMask) {
      const RowKeys masked = variant.rowKeys(row, ctx);
      keys.lo = masked.lo;
      keys.hi = min(keys.hi, masked.hi);
    }
  }
  return keys;
}

/// A compile-time flag passed to a generic lambda.
template <bool B> struct BoolTag {
  static constexpr bool value = B;
};

/// Whether the mask has a per-element part beyond the hoisted row bounds.
template <typename Variant>
constexpr bool kMaskHasPairTest = !Variant::HAS_ROW_KEYS || Variant::HAS_RESIDUAL_MASK;

/// Whether `row` of a tile runs the mask's per-element part: the tile tests pairs, the row
/// exists, and its bounds leave it some key (then every key in [lo, hi] is one at which the
/// mask's code may run, as it would on a tile covering it).
__device__ __forceinline__ bool rowTestsPairs(RowKeys keys, int row, bool testPairs,
                                              const ScoreContext &ctx) {
  return testPairs && keys.lo <= keys.hi && row < ctx.params->seq_q;
}

/// Whether key `col` of `row` is masked out on a tile, given the row's `tileRowKeys`. With
/// PAIR_TEST (only for rows where `rowTestsPairs` holds) the per-element part runs too, at
/// the nearest key inside [lo, hi] and ignored outside it: no branch guards its loads.
template <bool PAIR_TEST, typename Variant>
__device__ __forceinline__ bool maskedOut(const Variant &variant, RowKeys keys, int row, int col,
                                          const ScoreContext &ctx) {
  const bool outside = col < keys.lo || col > keys.hi;
  if constexpr (PAIR_TEST && kMaskHasPairTest<Variant>) {
    const int at = min(max(col, keys.lo), keys.hi);
    bool keep;
    if constexpr (Variant::HAS_ROW_KEYS)
      keep = variant.residualMask(row, at, ctx);
    else
      keep = variant.mask(row, at, ctx);
    return outside || !keep;
  }
  return outside;
}

/// One score of a tile: the variant's modifier (scaled, to the log2 domain) and, when MASKED,
/// the mask (-inf where masked out); PAIR_TEST as for maskedOut.
template <bool MASKED, bool PAIR_TEST, typename Variant>
__device__ __forceinline__ void modifyScore(float &x, const Variant &variant, RowKeys keys, int row,
                                            int col, const ScoreContext &ctx) {
  if constexpr (Variant::HAS_SCORE_MOD)
    x = variant.score(x * ctx.params->scale, row, col, ctx) * kLog2e;
  if constexpr (MASKED) {
    if (maskedOut<PAIR_TEST>(variant, keys, row, col, ctx))
      x = kNegInf;
  }
}

/// Runs `modifyRow(BoolTag<PAIR_TEST>{})` over one row of a tile (a loop of modifyScore on
/// the row's columns), with PAIR_TEST where the row tests pairs: the branch is per row, so
/// each of the two bodies is one straight run.
template <bool MASKED, typename Variant, typename ModifyRow>
__device__ __forceinline__ void modifyTileRow(RowKeys keys, int row, bool testPairs,
                                              const ScoreContext &ctx, ModifyRow &&modifyRow) {
  if constexpr (MASKED && kMaskHasPairTest<Variant>) {
    if (rowTestsPairs(keys, row, testPairs, ctx))
      modifyRow(BoolTag<true>{});
    else
      modifyRow(BoolTag<false>{});
  } else {
    modifyRow(BoolTag<false>{});
  }
}

/// Full attention: every hook is the identity. Generated variants follow this shape.
struct DenseVariant {
  static constexpr bool HAS_SCORE_MOD = false;
  static constexpr bool HAS_MASK = false;
  __device__ __forceinline__ float score(float s, int, int, const ScoreContext &) const {
    return s;
  }
  __device__ __forceinline__ bool mask(int, int, const ScoreContext &) const { return true; }
  static constexpr bool HAS_ROW_KEYS = false;
  static constexpr bool HAS_RESIDUAL_MASK = false;
  static constexpr bool ROW_KEYS_DECIDE_MATCHED_IDS = false;
  __device__ __forceinline__ KeyRange keyRange(int, int, const ScoreContext &ctx) const {
    return {0, ctx.params->seq_k};
  }
  __device__ __forceinline__ int tileKind(int, int, int, int, const ScoreContext &) const {
    return kTileFull;
  }
};

} // namespace attnc

#endif // ATTNC_VARIANT_CUH
