//===- ExplainReportTest.cpp - Totals, FLOPs and the printed explain table -===//
//
// Hand-computed totals for causal and sliding-window masks, and the table `attnc explain`
// prints (columns, elision of long tables, symbol bindings, block-map notes).
//
//===----------------------------------------------------------------------===//
#include "MaskTestUtil.h"

#include <chrono>
#include <sstream>

using namespace attnc::analysis;

namespace {

TEST(ExplainReport, CausalTotalsByHand) {
  std::string error;
  auto m = MaskModel::parse("j <= i", &error);
  ASSERT_TRUE(m) << error;
  auto r = explainMask(*m, SymbolValues{}, Tiling{1024, 1024, 128, 128}, 64, &error);
  ASSERT_TRUE(r) << error;
  EXPECT_EQ(r->tilesTotal, 64);
  EXPECT_EQ(r->tilesVisited, 36); // 1 + 2 + ... + 8
  EXPECT_EQ(r->full, 28);
  EXPECT_EQ(r->partial, 8);
  EXPECT_EQ(r->empty, 0);
  EXPECT_EQ(r->pairsComputed, 36 * 128 * 128);
  EXPECT_EQ(r->pairsAllowed, 1024 * 1025 / 2);
  EXPECT_EQ(r->pairsDense, 1024 * 1024);
  EXPECT_DOUBLE_EQ(r->flopsComputed, 4.0 * 64 * 36 * 128 * 128);
  EXPECT_DOUBLE_EQ(r->flopsDense, 4.0 * 64 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(r->allowedFraction, 1025.0 / 2048.0);
  for (const QueryBlockInfo &q : r->map.queryBlocks) {
    EXPECT_EQ(q.kvBegin, 0);
    EXPECT_EQ(q.kvEnd, q.index + 1);
    EXPECT_EQ(q.full, q.index);
    EXPECT_EQ(q.partial, 1);
  }
}

TEST(ExplainReport, SlidingWindowSkipsOldBlocks) {
  std::string error;
  auto m = MaskModel::parse("j <= i && i - j < window", &error);
  ASSERT_TRUE(m) << error;
  // window 256 with 128-wide tiles: each block row sees the diagonal tile, one full tile
  // and one partial tile at the window's start (except near the beginning).
  auto r =
      explainMask(*m, SymbolValues{{"window", 256}}, Tiling{1024, 1024, 128, 128}, 128, &error);
  ASSERT_TRUE(r) << error;
  const auto &q = r->map.queryBlocks;
  EXPECT_EQ(q[0].kvBegin, 0);
  EXPECT_EQ(q[0].kvEnd, 1);
  EXPECT_EQ(q[5].kvBegin, 3);
  EXPECT_EQ(q[5].kvEnd, 6);
  EXPECT_EQ(q[5].full, 1);
  EXPECT_EQ(q[5].partial, 2);
  EXPECT_EQ(r->tilesVisited, 1 + 2 + 3 * 6);
}

TEST(ExplainReport, BindsSymbolsFromRolesAndOverrides) {
  std::string error;
  auto m = MaskModel::parse("j <= i + Mk - Nq && i - j < window", &error);
  ASSERT_TRUE(m) << error;
  m->symbolInfo() = {{"Nq", SymbolInfo::Role::QueryLength, std::nullopt},
                     {"Mk", SymbolInfo::Role::KeyLength, std::nullopt},
                     {"window", SymbolInfo::Role::Param, 1024}};
  auto r = explainMask(*m, Tiling{100, 300, 64, 64}, 128, SymbolValues{{"window", 64}}, &error);
  ASSERT_TRUE(r) << error;
  EXPECT_EQ(r->symbols.at("Nq"), 100);
  EXPECT_EQ(r->symbols.at("Mk"), 300);
  EXPECT_EQ(r->symbols.at("window"), 64);
  // Row i sees keys [i - 63, i + 200]: block 0 (rows 0..63) sees 0..263.
  EXPECT_EQ(r->map.queryBlocks[0].kvBegin, 0);
  EXPECT_EQ(r->map.queryBlocks[0].kvEnd, 5);
  m->symbolInfo().pop_back();
  EXPECT_FALSE(explainMask(*m, Tiling{100, 300, 64, 64}, 128, SymbolValues{}, &error));
  EXPECT_NE(error.find("--param window"), std::string::npos) << error;
}

TEST(ExplainReport, PrintsATable) {
  std::string error;
  auto m = MaskModel::parse("j <= i", &error);
  ASSERT_TRUE(m) << error;
  auto r = explainMask(*m, SymbolValues{}, Tiling{1000, 777, 64, 128}, 128, &error);
  ASSERT_TRUE(r) << error;
  r->kernelName = "causal";
  std::ostringstream os;
  printExplain(os, *r, /*maxRows=*/0);
  std::string s = os.str();
  EXPECT_NE(s.find("kernel causal"), std::string::npos) << s;
  EXPECT_NE(s.find("mask:     j <= i"), std::string::npos) << s;
  EXPECT_NE(s.find("kind:     affine"), std::string::npos) << s;
  EXPECT_NE(s.find("N=1000 M=777 D=128, tiles 64 x 128 (16 x 7)"), std::string::npos) << s;
  EXPECT_NE(s.find("block             rows       kv blocks    full  partial   empty"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("      15          960-999          [0, 7)       7        0       0"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("4*D*pairs = "), std::string::npos) << s;
  EXPECT_EQ(s.find("..."), std::string::npos) << s;

  std::ostringstream shortOs;
  printExplain(shortOs, *r, /*maxRows=*/4);
  EXPECT_NE(shortOs.str().find("(12 more query blocks)"), std::string::npos) << shortOs.str();
}

TEST(ExplainReport, BlockMapMasksSayTheBoundIsLoose) {
  std::string error;
  auto m = MaskModel::parse("runtime('reads input doc') && j <= i", &error);
  ASSERT_TRUE(m) << error;
  auto r = explainMask(*m, SymbolValues{}, Tiling{256, 256, 64, 64}, 64, &error);
  ASSERT_TRUE(r) << error;
  std::ostringstream os;
  printExplain(os, *r);
  EXPECT_NE(os.str().find("affine_blockmap (needs a run-time block map"), std::string::npos)
      << os.str();
  EXPECT_NE(os.str().find("at most allowed"), std::string::npos) << os.str();
}

TEST(ExplainReport, NoMaskIsDense) {
  std::string error;
  auto r = explainMask(MaskModel::none(), SymbolValues{}, Tiling{100, 1000, 64, 128}, 64, &error);
  ASSERT_TRUE(r) << error;
  EXPECT_EQ(r->map.kind, MaskKind::None);
  EXPECT_EQ(r->full, 2 * 8);
  EXPECT_EQ(r->partial, 0);
  EXPECT_EQ(r->pairsComputed, r->pairsDense);
  EXPECT_EQ(r->pairsAllowed, r->pairsDense);
}

} // namespace

namespace {

TEST(ExplainReport, LongSequencesStayCheap) {
  // 128k x 128k with 64 x 64 tiles: 4M tiles, 128k rows x 5 disjuncts. Linear in rows
  // plus tiles; a quadratic slip (per pair) would take minutes, not milliseconds.
  std::string error;
  auto m = MaskModel::parse("j >= min(max(i - radius, 0), M - 2 * radius - 1) && "
                            "j <= min(max(i - radius, 0), M - 2 * radius - 1) + 2 * radius",
                            &error);
  ASSERT_TRUE(m) << error;
  const int64_t n = 131072;
  auto start = std::chrono::steady_clock::now();
  auto r = explainMask(*m, SymbolValues{{"radius", 1000}, {"M", n}}, Tiling{n, n, 64, 64}, 128,
                       &error);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(r) << error;
  EXPECT_EQ(r->pairsAllowed, n * 2001);
  EXPECT_LT(seconds, 5.0);
}

} // namespace
