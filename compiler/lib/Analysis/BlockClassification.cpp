//===- BlockClassification.cpp - Tiles of a mask: full, partial, empty ----===//
//
// Exact tile classes from per-row key intervals: for each query block, every row adds +1
// over the key blocks its proven intervals cover completely and over those its allowed
// intervals touch (difference arrays), so a tile is FULL when its cover count equals the
// block's row count and EMPTY when nothing touched it. Also the explain report built on
// top and its table.
//
//===----------------------------------------------------------------------===//
#include "attnc/Analysis/BlockClassification.h"

#include <algorithm>
#include <cstdio>

namespace attnc::analysis {

const char *toString(TileClass c) {
  switch (c) {
  case TileClass::Empty:
    return "empty";
  case TileClass::Partial:
    return "partial";
  case TileClass::Full:
    return "full";
  }
  return "?";
}

namespace {

bool fail(std::string *error, const std::string &msg) {
  if (error)
    *error = msg;
  return false;
}

/// Counts, for one query block, how many rows cover / touch each key block.
struct RowCounter {
  const Tiling &t;
  std::vector<int64_t> cover, touch; ///< difference arrays, numKeyBlocks + 1
  int64_t allowedPairs = 0;

  explicit RowCounter(const Tiling &tiling)
      : t(tiling), cover(tiling.numKeyBlocks() + 1), touch(tiling.numKeyBlocks() + 1) {}

  void reset() {
    std::fill(cover.begin(), cover.end(), 0);
    std::fill(touch.begin(), touch.end(), 0);
    allowedPairs = 0;
  }
  void addAllowed(const KeyInterval &iv) {
    allowedPairs += iv.hi - iv.lo;
    ++touch[iv.lo / t.BN];
    --touch[(iv.hi - 1) / t.BN + 1];
  }
  void addProven(const KeyInterval &iv) {
    int64_t first = (iv.lo + t.BN - 1) / t.BN;
    // Block kb lies inside [lo, hi) iff min((kb + 1) * BN, M) <= hi.
    int64_t last = iv.hi >= t.M ? t.numKeyBlocks() : iv.hi / t.BN;
    if (first < last) {
      ++cover[first];
      --cover[last];
    }
  }
};

void classifyQueryBlock(const BoundMask &mask, const Tiling &t, int64_t qb, RowCounter &counter,
                        BlockMap &map) {
  QueryBlockInfo info;
  info.index = qb;
  info.rowBegin = qb * t.BM;
  info.rowEnd = std::min(t.N, info.rowBegin + t.BM);
  counter.reset();
  std::vector<KeyInterval> allowed, proven;
  for (int64_t i = info.rowBegin; i < info.rowEnd; ++i) {
    mask.rowIntervals(i, t.M, allowed, proven);
    for (const KeyInterval &iv : allowed)
      counter.addAllowed(iv);
    for (const KeyInterval &iv : proven)
      counter.addProven(iv);
  }
  info.pairsAllowed = counter.allowedPairs;
  const int64_t rows = info.rowEnd - info.rowBegin, nKB = t.numKeyBlocks();
  TileClass *tiles = map.tiles.data() + qb * nKB;
  int64_t cover = 0, touch = 0, first = -1, last = -1;
  for (int64_t kb = 0; kb < nKB; ++kb) {
    cover += counter.cover[kb];
    touch += counter.touch[kb];
    tiles[kb] = cover == rows ? TileClass::Full : touch > 0 ? TileClass::Partial : TileClass::Empty;
    if (tiles[kb] != TileClass::Empty) {
      if (first < 0)
        first = kb;
      last = kb;
    }
  }
  if (first >= 0) {
    info.kvBegin = first;
    info.kvEnd = last + 1;
  }
  for (int64_t kb = info.kvBegin; kb < info.kvEnd; ++kb) {
    int64_t cols = std::min(t.M, (kb + 1) * t.BN) - kb * t.BN;
    switch (tiles[kb]) {
    case TileClass::Full:
      ++info.full;
      info.pairsComputed += rows * cols;
      break;
    case TileClass::Partial:
      ++info.partial;
      info.pairsComputed += rows * cols;
      break;
    case TileClass::Empty:
      ++info.empty;
      break;
    }
  }
  map.queryBlocks.push_back(info);
}

} // namespace

std::optional<BlockMap> classifyBlocks(const MaskModel &model, const SymbolValues &values,
                                       const Tiling &tiling, std::string *error) {
  if (tiling.N <= 0 || tiling.M <= 0 || tiling.BM <= 0 || tiling.BN <= 0) {
    fail(error, "expected positive N, M and block sizes, got N=" + std::to_string(tiling.N) +
                    " M=" + std::to_string(tiling.M) + " BM=" + std::to_string(tiling.BM) +
                    " BN=" + std::to_string(tiling.BN));
    return std::nullopt;
  }
  std::optional<BoundMask> bound = model.bind(values, error);
  if (!bound)
    return std::nullopt;
  BlockMap map;
  map.tiling = tiling;
  map.kind = model.kind();
  map.exact = std::none_of(model.disjuncts().begin(), model.disjuncts().end(),
                           [](const Conjunction &c) { return c.hasRuntimeAtom(); });
  map.tiles.assign(tiling.numQueryBlocks() * tiling.numKeyBlocks(), TileClass::Empty);
  map.queryBlocks.reserve(tiling.numQueryBlocks());
  RowCounter counter(tiling);
  for (int64_t qb = 0; qb < tiling.numQueryBlocks(); ++qb)
    classifyQueryBlock(*bound, tiling, qb, counter, map);
  return map;
}

std::optional<ExplainReport> explainMask(const MaskModel &model, const SymbolValues &values,
                                         const Tiling &tiling, int64_t headDim,
                                         std::string *error) {
  std::optional<BlockMap> map = classifyBlocks(model, values, tiling, error);
  if (!map)
    return std::nullopt;
  ExplainReport r;
  r.maskText = model.str();
  r.headDim = headDim;
  r.symbols = values;
  r.tilesTotal = tiling.numQueryBlocks() * tiling.numKeyBlocks();
  for (const QueryBlockInfo &q : map->queryBlocks) {
    r.tilesVisited += q.kvEnd - q.kvBegin;
    r.full += q.full;
    r.partial += q.partial;
    r.empty += q.empty;
    r.pairsComputed += q.pairsComputed;
    r.pairsAllowed += q.pairsAllowed;
  }
  r.pairsDense = tiling.N * tiling.M;
  r.flopsComputed = 4.0 * headDim * static_cast<double>(r.pairsComputed);
  r.flopsDense = 4.0 * headDim * static_cast<double>(r.pairsDense);
  r.allowedFraction = static_cast<double>(r.pairsAllowed) / static_cast<double>(r.pairsDense);
  r.map = std::move(*map);
  return r;
}

std::optional<ExplainReport> explainMask(const MaskModel &model, const Tiling &tiling,
                                         int64_t headDim, const SymbolValues &overrides,
                                         std::string *error) {
  std::optional<SymbolValues> values = model.bindSymbols(tiling.N, tiling.M, overrides, error);
  if (!values)
    return std::nullopt;
  return explainMask(model, *values, tiling, headDim, error);
}

namespace {
std::string fmt(const char *f, double a) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, a);
  return buf;
}

std::string flops(double v) {
  const char *units[] = {"", "K", "M", "G", "T", "P"};
  int u = 0;
  while (v >= 1000.0 && u < 5)
    v /= 1000.0, ++u;
  return fmt("%.3f ", v) + units[u] + "FLOP";
}

void printRow(std::ostream &os, const QueryBlockInfo &q) {
  char buf[160];
  std::string range = q.kvBegin == q.kvEnd
                          ? "(none)"
                          : "[" + std::to_string(q.kvBegin) + ", " + std::to_string(q.kvEnd) + ")";
  std::string rows = std::to_string(q.rowBegin) + "-" + std::to_string(q.rowEnd - 1);
  std::snprintf(buf, sizeof buf, "%8lld  %15s  %14s  %6lld  %7lld  %6lld\n",
                static_cast<long long>(q.index), rows.c_str(), range.c_str(),
                static_cast<long long>(q.full), static_cast<long long>(q.partial),
                static_cast<long long>(q.empty));
  os << buf;
}
} // namespace

void printExplain(std::ostream &os, const ExplainReport &r, size_t maxRows) {
  const Tiling &t = r.map.tiling;
  os << "kernel " << (r.kernelName.empty() ? "<unnamed>" : r.kernelName) << "\n";
  os << "  mask:     " << r.maskText << "\n";
  os << "  kind:     " << toString(r.map.kind)
     << (r.map.exact ? "" : " (needs a run-time block map: the data-dependent part is unknown here, so partial tiles are upper bounds)")
     << "\n";
  os << "  problem:  N=" << t.N << " M=" << t.M << " D=" << r.headDim << ", tiles " << t.BM << " x "
     << t.BN << " (" << t.numQueryBlocks() << " x " << t.numKeyBlocks() << ")\n";
  if (!r.symbols.empty()) {
    os << "  symbols: ";
    for (const auto &[name, value] : r.symbols)
      os << " " << name << "=" << value;
    os << "\n";
  }
  os << "\n   block             rows       kv blocks    full  partial   empty\n";
  const auto &qbs = r.map.queryBlocks;
  size_t n = qbs.size();
  bool elide = maxRows && n > maxRows;
  size_t head = elide ? (maxRows + 1) / 2 : n, tail = elide ? maxRows / 2 : 0;
  for (size_t k = 0; k < head; ++k)
    printRow(os, qbs[k]);
  if (elide) {
    os << "     ...  (" << n - head - tail << " more query blocks)\n";
    for (size_t k = n - tail; k < n; ++k)
      printRow(os, qbs[k]);
  }
  os << "\n  tiles:    " << r.tilesTotal << " total, " << r.tilesVisited << " visited (" << r.full
     << " full, " << r.partial << " partial, " << r.empty << " empty), "
     << r.tilesTotal - r.tilesVisited << " skipped\n";
  os << "  pairs:    " << r.pairsComputed << " computed of " << r.pairsDense << " dense ("
     << fmt("%.2f", 100.0 * r.pairsComputed / r.pairsDense) << "%); " << r.pairsAllowed
     << (r.map.exact ? "" : " at most") << " allowed (" << fmt("%.4f", 100.0 * r.allowedFraction)
     << "% of N*M)\n";
  os << "  FLOPs:    4*D*pairs = " << flops(r.flopsComputed)
     << " vs dense 4*N*M*D = " << flops(r.flopsDense) << " ("
     << fmt("%.2f", r.flopsDense > 0 ? 100.0 * r.flopsComputed / r.flopsDense : 0.0) << "%)\n";
}

} // namespace attnc::analysis
