//===- MaskTestUtil.h - Brute-force tile classification for tests -*- C++ -*-===//
//
// The ground truth the mask model is checked against: evaluate a predicate at every
// (i, j) of an N x M problem and classify each BM x BN tile by counting allowed pairs.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TESTS_ANALYSIS_MASKTESTUTIL_H
#define ATTNC_TESTS_ANALYSIS_MASKTESTUTIL_H

#include "attnc/Analysis/BlockClassification.h"

#include <gtest/gtest.h>

#include <functional>
#include <sstream>

namespace attnc::analysis::testing {

using Predicate = std::function<bool(int64_t i, int64_t j)>;

/// Per-tile classes and per-query-block ranges/counts from brute force over every pair.
inline BlockMap bruteForce(const Predicate &allowed, const Tiling &t) {
  BlockMap map;
  map.tiling = t;
  const int64_t nQB = t.numQueryBlocks(), nKB = t.numKeyBlocks();
  map.tiles.assign(nQB * nKB, TileClass::Empty);
  std::vector<int64_t> count(nKB);
  for (int64_t qb = 0; qb < nQB; ++qb) {
    QueryBlockInfo q;
    q.index = qb;
    q.rowBegin = qb * t.BM;
    q.rowEnd = std::min(t.N, q.rowBegin + t.BM);
    std::fill(count.begin(), count.end(), 0);
    for (int64_t i = q.rowBegin; i < q.rowEnd; ++i)
      for (int64_t j = 0; j < t.M; ++j)
        if (allowed(i, j))
          ++count[j / t.BN];
    int64_t first = -1, last = -1, rows = q.rowEnd - q.rowBegin;
    for (int64_t kb = 0; kb < nKB; ++kb) {
      int64_t cols = std::min(t.M, (kb + 1) * t.BN) - kb * t.BN;
      TileClass c = count[kb] == 0             ? TileClass::Empty
                    : count[kb] == rows * cols ? TileClass::Full
                                               : TileClass::Partial;
      map.tiles[qb * nKB + kb] = c;
      q.pairsAllowed += count[kb];
      if (c != TileClass::Empty) {
        if (first < 0)
          first = kb;
        last = kb;
      }
    }
    if (first >= 0)
      q.kvBegin = first, q.kvEnd = last + 1;
    for (int64_t kb = q.kvBegin; kb < q.kvEnd; ++kb) {
      int64_t cols = std::min(t.M, (kb + 1) * t.BN) - kb * t.BN;
      TileClass c = map.tiles[qb * nKB + kb];
      q.full += c == TileClass::Full;
      q.partial += c == TileClass::Partial;
      q.empty += c == TileClass::Empty;
      if (c != TileClass::Empty)
        q.pairsComputed += rows * cols;
    }
    map.queryBlocks.push_back(q);
  }
  return map;
}

inline std::string describe(const Tiling &t) {
  std::ostringstream os;
  os << "N=" << t.N << " M=" << t.M << " BM=" << t.BM << " BN=" << t.BN;
  return os.str();
}

/// Expects `got` to match the brute-force `want` tile by tile and block by block.
inline void expectSameBlocks(const BlockMap &want, const BlockMap &got) {
  const Tiling &t = want.tiling;
  SCOPED_TRACE(describe(t));
  ASSERT_EQ(want.tiles.size(), got.tiles.size());
  ASSERT_EQ(want.queryBlocks.size(), got.queryBlocks.size());
  int reported = 0;
  for (size_t k = 0; k < want.tiles.size() && reported < 5; ++k)
    if (want.tiles[k] != got.tiles[k]) {
      ADD_FAILURE() << "tile (" << k / t.numKeyBlocks() << ", " << k % t.numKeyBlocks()
                    << "): want " << toString(want.tiles[k]) << ", got " << toString(got.tiles[k]);
      ++reported;
    }
  for (size_t qb = 0; qb < want.queryBlocks.size(); ++qb) {
    const QueryBlockInfo &w = want.queryBlocks[qb], &g = got.queryBlocks[qb];
    SCOPED_TRACE("query block " + std::to_string(qb));
    EXPECT_EQ(w.rowBegin, g.rowBegin);
    EXPECT_EQ(w.rowEnd, g.rowEnd);
    EXPECT_EQ(w.kvBegin, g.kvBegin);
    EXPECT_EQ(w.kvEnd, g.kvEnd);
    EXPECT_EQ(w.full, g.full);
    EXPECT_EQ(w.partial, g.partial);
    EXPECT_EQ(w.empty, g.empty);
    EXPECT_EQ(w.pairsAllowed, g.pairsAllowed);
    EXPECT_EQ(w.pairsComputed, g.pairsComputed);
    if (::testing::Test::HasFailure())
      return;
  }
}

} // namespace attnc::analysis::testing

#endif // ATTNC_TESTS_ANALYSIS_MASKTESTUTIL_H
