//===- BlockClassification.h - Tiles of a mask: full, partial, empty -*- C++ -*-===//
//
// Given a MaskModel, concrete symbol values and a tiling (N x M problem, BM x BN tiles),
// classifies every tile exactly: FULL (every (i, j) passes, the kernel skips the mask),
// PARTIAL (the mask must be evaluated) or EMPTY (no pair passes, the kernel skips the
// tile), and for each query block the range of key blocks a kernel visits (first to last
// non-empty tile). Exact for affine masks: each row's allowed keys are a union of
// intervals, and a tile is full iff every row's union covers it, empty iff no row's union
// meets it. For block-map kinds the data-dependent part is unknown: tiles the affine part
// allows are PARTIAL (a run-time block map refines them). `attnc explain` prints
// explainMask's report; the runtime may upload BlockMap::tiles as a block map.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_ANALYSIS_BLOCKCLASSIFICATION_H
#define ATTNC_ANALYSIS_BLOCKCLASSIFICATION_H

#include "attnc/Analysis/MaskModel.h"

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace attnc::analysis {

/// The problem and its tiling: N queries, M keys, BM x BN tiles (all positive).
struct Tiling {
  int64_t N = 0, M = 0, BM = 64, BN = 64;
  int64_t numQueryBlocks() const { return (N + BM - 1) / BM; }
  int64_t numKeyBlocks() const { return (M + BN - 1) / BN; }
};

enum class TileClass : uint8_t { Empty = 0, Partial = 1, Full = 2 };
const char *toString(TileClass c); ///< "empty", "partial", "full"

/// One query block's view of the key blocks.
struct QueryBlockInfo {
  int64_t index = 0;
  int64_t rowBegin = 0, rowEnd = 0; ///< query rows [rowBegin, rowEnd)
  int64_t kvBegin = 0, kvEnd = 0;   ///< key blocks visited [kvBegin, kvEnd); empty if equal
  int64_t full = 0, partial = 0;    ///< tiles in the range of each class
  int64_t empty = 0;                ///< empty tiles inside the range (holes)
  int64_t pairsComputed = 0;        ///< (i, j) pairs in its full + partial tiles
  int64_t pairsAllowed = 0;         ///< pairs the mask allows (an upper bound if !exact)
};

/// Every tile's class and every query block's range.
struct BlockMap {
  Tiling tiling;
  MaskKind kind = MaskKind::None;
  /// False when run-time atoms leave tiles PARTIAL that a block map may find empty or
  /// full (then pairsAllowed is an upper bound).
  bool exact = true;
  std::vector<QueryBlockInfo> queryBlocks;
  std::vector<TileClass> tiles; ///< row-major [numQueryBlocks][numKeyBlocks]

  TileClass tile(int64_t qb, int64_t kb) const { return tiles[qb * tiling.numKeyBlocks() + kb]; }
};

/// Classifies every tile of `model` under `values` (which must bind every symbol the
/// model uses). Fails (nullopt + `error`) on a bad tiling, a missing symbol or a
/// non-positive divisor. Costs O(N * disjuncts + numQueryBlocks * numKeyBlocks).
std::optional<BlockMap> classifyBlocks(const MaskModel &model, const SymbolValues &values,
                                       const Tiling &tiling, std::string *error);

/// What `attnc explain` prints for one kernel and problem.
struct ExplainReport {
  std::string kernelName;
  std::string maskText; ///< MaskModel::str()
  int64_t headDim = 0;
  SymbolValues symbols;
  BlockMap map;
  // Totals over all query blocks.
  int64_t tilesTotal = 0, tilesVisited = 0, full = 0, partial = 0, empty = 0;
  int64_t pairsComputed = 0, pairsAllowed = 0, pairsDense = 0;
  /// 4 * D * pairs (QK^T and PV, 2 FLOPs per multiply-add each, Dv = D).
  double flopsComputed = 0, flopsDense = 0;
  double allowedFraction = 0; ///< pairsAllowed / (N * M)
};

/// Builds the report: classifyBlocks plus totals and FLOP counts for head dim `headDim`.
std::optional<ExplainReport> explainMask(const MaskModel &model, const SymbolValues &values,
                                         const Tiling &tiling, int64_t headDim, std::string *error);

/// Convenience for the CLI: binds the model's symbols from N, M (the kernel's query/key
/// length symbols), `overrides` (--param/--dim values) and defaults, then explainMask.
std::optional<ExplainReport> explainMask(const MaskModel &model, const Tiling &tiling,
                                         int64_t headDim, const SymbolValues &overrides,
                                         std::string *error);

/// Prints the report as a table. When there are more than `maxRows` query blocks
/// (0 = no limit), the first and last maxRows/2 are printed with an elision between.
void printExplain(std::ostream &os, const ExplainReport &report, size_t maxRows = 32);

} // namespace attnc::analysis

#endif // ATTNC_ANALYSIS_BLOCKCLASSIFICATION_H
