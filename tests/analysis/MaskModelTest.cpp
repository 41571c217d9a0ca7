//===- MaskModelTest.cpp - Mask model vs brute force over every (i, j) ----===//
//
// Each case states a mask twice: in DSL syntax (parsed through the same algebra the
// attn-analyze-masks pass uses) and as a C++ predicate. For ragged problem sizes and
// several tilings, the model's tile classes, per-block KV ranges and counts must equal a
// brute-force classification, and the model's own `evaluate` must equal the predicate.
//
//===----------------------------------------------------------------------===//
#include "MaskTestUtil.h"

#include "attnc/Analysis/MaskBuilder.h"

using namespace attnc::analysis;
using namespace attnc::analysis::testing;

namespace {

struct MaskCase {
  const char *name;
  const char *text;
  SymbolValues symbols; ///< N and M are added per tiling
  std::function<bool(int64_t i, int64_t j, const SymbolValues &s)> pred;
  MaskKind kind;
};

int64_t sym(const SymbolValues &s, const char *name) { return s.at(name); }

std::vector<MaskCase> maskCases() {
  return {
      {"causal",
       "j <= i",
       {},
       [](int64_t i, int64_t j, const SymbolValues &) { return j <= i; },
       MaskKind::Affine},
      {"sliding_window",
       "j <= i && i - j < window",
       {{"window", 100}},
       [](int64_t i, int64_t j, const SymbolValues &s) {
         return j <= i && i - j < sym(s, "window");
       },
       MaskKind::Affine},
      {"sliding_window_wide",
       "j <= i && i - j < window",
       {{"window", 256}},
       [](int64_t i, int64_t j, const SymbolValues &s) {
         return j <= i && i - j < sym(s, "window");
       },
       MaskKind::Affine},
      {"prefix_lm",
       "j <= i || j < prefix",
       {{"prefix", 300}},
       [](int64_t i, int64_t j, const SymbolValues &s) { return j <= i || j < sym(s, "prefix"); },
       MaskKind::Affine},
      {"chunked_local",
       "j <= i && i / chunk == j / chunk",
       {{"chunk", 100}},
       [](int64_t i, int64_t j, const SymbolValues &s) {
         int64_t c = sym(s, "chunk");
         return j <= i && floorDiv(i, c) == floorDiv(j, c);
       },
       MaskKind::Affine},
      {"chunked_local_aligned",
       "j <= i && i / chunk == j / chunk",
       {{"chunk", 128}},
       [](int64_t i, int64_t j, const SymbolValues &s) {
         int64_t c = sym(s, "chunk");
         return j <= i && floorDiv(i, c) == floorDiv(j, c);
       },
       MaskKind::Affine},
      {"neighborhood_1d",
       "j >= min(max(i - radius, 0), M - 2 * radius - 1) && "
       "j <= min(max(i - radius, 0), M - 2 * radius - 1) + 2 * radius",
       {{"radius", 63}},
       [](int64_t i, int64_t j, const SymbolValues &s) {
         int64_t r = sym(s, "radius"), m = sym(s, "M");
         int64_t start = std::min(std::max(i - r, int64_t(0)), m - 2 * r - 1);
         return j >= start && j <= start + 2 * r;
       },
       MaskKind::Affine},
      {"neighborhood_abs",
       "abs(i - j) <= radius",
       {{"radius", 50}},
       [](int64_t i, int64_t j, const SymbolValues &s) {
         return std::abs(i - j) <= sym(s, "radius");
       },
       MaskKind::Affine},
      {"bottom_right_causal",
       "j <= i + M - N",
       {},
       [](int64_t i, int64_t j, const SymbolValues &s) {
         return j <= i + sym(s, "M") - sym(s, "N");
       },
       MaskKind::Affine},
      {"sink_and_window",
       "j < sink || (j <= i && i - j < window)",
       {{"sink", 4}, {"window", 200}},
       [](int64_t i, int64_t j, const SymbolValues &s) {
         return j < sym(s, "sink") || (j <= i && i - j < sym(s, "window"));
       },
       MaskKind::Affine},
      {"diagonal",
       "i == j",
       {},
       [](int64_t i, int64_t j, const SymbolValues &) { return i == j; },
       MaskKind::Affine},
      {"not_diagonal",
       "!(i == j)",
       {},
       [](int64_t i, int64_t j, const SymbolValues &) { return i != j; },
       MaskKind::Affine},
      {"strided_rows",
       "i >= 200 && j > i / 3 * 2 + 7",
       {},
       [](int64_t i, int64_t j, const SymbolValues &) {
         return i >= 200 && j > floorDiv(i, 3) * 2 + 7;
       },
       MaskKind::Affine},
      {"where_bound",
       "j <= where(i < split, i, split + i / 2)",
       {{"split", 333}},
       [](int64_t i, int64_t j, const SymbolValues &s) {
         int64_t sp = sym(s, "split");
         return j <= (i < sp ? i : sp + floorDiv(i, 2));
       },
       MaskKind::Affine},
      {"modulo_bound",
       "j <= i % period + 10",
       {{"period", 90}},
       [](int64_t i, int64_t j, const SymbolValues &s) {
         return j <= i - floorDiv(i, sym(s, "period")) * sym(s, "period") + 10;
       },
       MaskKind::BlockMap}, // i % p: not monotone, exact on the host, block map on GPU
      {"full_true",
       "true",
       {},
       [](int64_t, int64_t, const SymbolValues &) { return true; },
       MaskKind::Affine},
      {"all_false",
       "false",
       {},
       [](int64_t, int64_t, const SymbolValues &) { return false; },
       MaskKind::Affine},
      {"rows_only",
       "i >= 100 && i < 600",
       {},
       [](int64_t i, int64_t, const SymbolValues &) { return i >= 100 && i < 600; },
       MaskKind::Affine},
  };
}

std::vector<Tiling> tilings() {
  return {{1000, 777, 64, 128},  {777, 1000, 128, 64}, {1024, 1024, 64, 64}, {1000, 1000, 128, 128},
          {333, 1000, 16, 32},   {1, 1000, 64, 128},   {1000, 3, 64, 64},    {65, 65, 64, 64},
          {2048, 2048, 128, 64}, {1500, 1200, 96, 80}};
}

class MaskVsBruteForce : public ::testing::TestWithParam<MaskCase> {};

TEST_P(MaskVsBruteForce, TilesAndRangesMatch) {
  const MaskCase &c = GetParam();
  std::string error;
  std::optional<MaskModel> model = MaskModel::parse(c.text, &error);
  ASSERT_TRUE(model) << error;
  SCOPED_TRACE(std::string(c.text) + "  =>  " + model->str());
  EXPECT_EQ(model->kind(), c.kind) << toString(model->kind());
  for (const Tiling &t : tilings()) {
    SymbolValues s = c.symbols;
    s["N"] = t.N;
    s["M"] = t.M;
    auto pred = [&](int64_t i, int64_t j) { return c.pred(i, j, s); };
    BlockMap want = bruteForce(pred, t);
    std::optional<BlockMap> got = classifyBlocks(*model, s, t, &error);
    ASSERT_TRUE(got) << error;
    expectSameBlocks(want, *got);
    if (HasFailure())
      return;
  }
}

TEST_P(MaskVsBruteForce, EvaluateMatchesPredicate) {
  const MaskCase &c = GetParam();
  std::string error;
  std::optional<MaskModel> model = MaskModel::parse(c.text, &error);
  ASSERT_TRUE(model) << error;
  SymbolValues s = c.symbols;
  s["N"] = 700;
  s["M"] = 650;
  std::optional<BoundMask> bound = model->bind(s, &error);
  ASSERT_TRUE(bound) << error;
  for (int64_t i = 0; i < 700; i += 3)
    for (int64_t j = 0; j < 650; ++j) {
      bool want = c.pred(i, j, s);
      ASSERT_EQ(model->evaluate(i, j, s), want) << "i=" << i << " j=" << j;
      ASSERT_EQ(bound->evaluate(i, j), want) << "i=" << i << " j=" << j;
    }
}

TEST_P(MaskVsBruteForce, PrintedFormParsesBackToTheSameModel) {
  const MaskCase &c = GetParam();
  std::string error;
  std::optional<MaskModel> model = MaskModel::parse(c.text, &error);
  ASSERT_TRUE(model) << error;
  std::optional<MaskModel> again = MaskModel::parse(model->str(), &error);
  ASSERT_TRUE(again) << model->str() << ": " << error;
  EXPECT_EQ(again->str(), model->str());
  EXPECT_EQ(again->kind(), model->kind());
  // Disjunct by disjunct too (the form stored in the `mask_bounds` attribute).
  Cond any = Cond::falsity();
  for (const std::string &d : model->disjunctStrings()) {
    std::optional<MaskModel> part = MaskModel::parse(d, &error);
    ASSERT_TRUE(part) << d << ": " << error;
    any = condOr(any, Cond{part->disjuncts()});
  }
  EXPECT_EQ(toModel(any).str(), model->str());
}

INSTANTIATE_TEST_SUITE_P(Masks, MaskVsBruteForce, ::testing::ValuesIn(maskCases()),
                         [](const auto &info) { return std::string(info.param.name); });

TEST(MaskModel, PrintsReadableBounds) {
  std::string error;
  EXPECT_EQ(MaskModel::parse("j <= i", &error)->str(), "j <= i");
  EXPECT_EQ(MaskModel::parse("j <= i && i - j < window", &error)->str(),
            "j <= i && j >= i - window + 1");
  EXPECT_EQ(MaskModel::parse("j <= i || j < prefix", &error)->str(),
            "(j <= i) || (j <= prefix - 1)");
  EXPECT_EQ(MaskModel::parse("j <= i && i / chunk == j / chunk", &error)->str(),
            "j <= i && j >= chunk * (i / chunk) && j <= chunk * (i / chunk) + chunk - 1");
  EXPECT_EQ(MaskModel::parse("j <= i + M - N", &error)->str(), "j <= i + M - N");
  EXPECT_EQ(MaskModel::none().str(), "true");
  EXPECT_EQ(MaskModel::none().kind(), MaskKind::None);
}

TEST(MaskModel, NeighborhoodSplitsIntoCases) {
  std::string error;
  auto m = MaskModel::parse("abs(i - j) <= radius", &error);
  ASSERT_TRUE(m) << error;
  EXPECT_EQ(m->kind(), MaskKind::Affine);
  EXPECT_EQ(m->str(), "(j <= i && j >= i - radius) || (j >= i + 1 && j <= i + radius)");
}

TEST(MaskModel, DataDependentConjunctKeepsTheAffinePart) {
  std::string error;
  auto doc = MaskModel::parse("runtime('reads input doc') && j <= i", &error);
  ASSERT_TRUE(doc) << error;
  EXPECT_EQ(doc->kind(), MaskKind::AffineBlockMap);
  EXPECT_EQ(doc->str(), "runtime('reads input doc') && j <= i");
  Tiling t{1000, 1000, 64, 64};
  SymbolValues s;
  auto map = classifyBlocks(*doc, s, t, &error);
  ASSERT_TRUE(map) << error;
  EXPECT_FALSE(map->exact);
  // The causal part still skips the upper triangle; nothing is provably full.
  for (const QueryBlockInfo &q : map->queryBlocks) {
    EXPECT_EQ(q.kvBegin, 0);
    EXPECT_EQ(q.kvEnd, q.index + 1);
    EXPECT_EQ(q.full, 0);
    EXPECT_EQ(q.partial, q.index + 1);
  }
  auto opaque = MaskModel::parse("runtime('2d') || j <= i", &error);
  ASSERT_TRUE(opaque) << error;
  EXPECT_EQ(opaque->kind(), MaskKind::BlockMap);
}

TEST(MaskModel, NarrowMeansBandedOrDataDependent) {
  std::string error;
  for (const char *narrow :
       {"j <= i && i - j < window", "j <= i && i / chunk == j / chunk", "abs(i - j) <= radius",
        "j >= min(max(i - radius, 0), M - 2 * radius - 1) && "
        "j <= min(max(i - radius, 0), M - 2 * radius - 1) + 2 * radius",
        "runtime('reads input doc') && j <= i"})
    EXPECT_TRUE(MaskModel::parse(narrow, &error)->isNarrow()) << narrow;
  for (const char *wide : {"j <= i", "j <= i || j < prefix", "j >= i - window + 1"})
    EXPECT_FALSE(MaskModel::parse(wide, &error)->isNarrow()) << wide;
  EXPECT_FALSE(MaskModel::none().isNarrow());
}

TEST(MaskModel, NonAffineFormsBecomeRuntimeAtoms) {
  std::string error;
  // 2D neighbourhood: j % width uses j plainly and floor-divided.
  auto m = MaskModel::parse("j % width >= min(max(i % width - radius, 0), width - 2 * "
                            "radius - 1) && j / width == i / width",
                            &error);
  ASSERT_TRUE(m) << error;
  EXPECT_EQ(m->kind(), MaskKind::AffineBlockMap);
  EXPECT_NE(m->str().find("runtime("), std::string::npos);
  auto prod = MaskModel::parse("j <= i * i", &error);
  ASSERT_TRUE(prod) << error;
  EXPECT_EQ(prod->kind(), MaskKind::BlockMap);
  EXPECT_NE(prod->str().find("multiplies two index expressions"), std::string::npos);
  auto twoJ = MaskModel::parse("2 * j <= i", &error);
  ASSERT_TRUE(twoJ) << error;
  EXPECT_EQ(twoJ->kind(), MaskKind::BlockMap);
  auto symProd = MaskModel::parse("j <= window * chunk", &error);
  ASSERT_TRUE(symProd) << error;
  EXPECT_EQ(symProd->kind(), MaskKind::BlockMap);
}

TEST(MaskModel, ConstantConditionsFold) {
  std::string error;
  EXPECT_EQ(MaskModel::parse("j <= i && 3 < 4", &error)->str(), "j <= i");
  EXPECT_EQ(MaskModel::parse("j <= i && 4 < 3", &error)->str(), "false");
  EXPECT_EQ(MaskModel::parse("j >= 0 || j < 0", &error)->str(), "true");
  EXPECT_EQ(MaskModel::parse("j <= i && !(j <= i)", &error)->str(), "false");
  EXPECT_EQ(MaskModel::parse("j <= i && j <= i + 5", &error)->str(), "j <= i");
  EXPECT_EQ(MaskModel::parse("j >= i + 3 && j <= i + 2", &error)->str(), "false");
}

TEST(MaskModel, BindSymbolsUsesRolesOverridesAndDefaults) {
  std::string error;
  auto m = MaskModel::parse("j <= i + Mk - Nq && i - j < window", &error);
  ASSERT_TRUE(m) << error;
  m->symbolInfo() = {{"Nq", SymbolInfo::Role::QueryLength, std::nullopt},
                     {"Mk", SymbolInfo::Role::KeyLength, std::nullopt},
                     {"window", SymbolInfo::Role::Param, 1024}};
  auto v = m->bindSymbols(10, 20, {}, &error);
  ASSERT_TRUE(v) << error;
  EXPECT_EQ(v->at("Nq"), 10);
  EXPECT_EQ(v->at("Mk"), 20);
  EXPECT_EQ(v->at("window"), 1024);
  v = m->bindSymbols(10, 20, {{"window", 7}}, &error);
  ASSERT_TRUE(v) << error;
  EXPECT_EQ(v->at("window"), 7);
  m->symbolInfo().pop_back();
  EXPECT_FALSE(m->bindSymbols(10, 20, {}, &error));
  EXPECT_NE(error.find("'window'"), std::string::npos) << error;
}

TEST(MaskModel, BindRejectsBadDivisorsAndMissingSymbols) {
  std::string error;
  auto m = MaskModel::parse("i / chunk == j / chunk", &error);
  ASSERT_TRUE(m) << error;
  EXPECT_FALSE(m->bind({{"chunk", 0}}, &error));
  EXPECT_NE(error.find("expected a positive value"), std::string::npos) << error;
  EXPECT_FALSE(m->bind({}, &error));
  EXPECT_FALSE(classifyBlocks(*m, {{"chunk", 4}}, Tiling{0, 10, 64, 64}, &error));
  EXPECT_NE(error.find("expected positive"), std::string::npos) << error;
}

TEST(MaskModel, ParseErrorsSayWhere) {
  std::string error;
  EXPECT_FALSE(MaskModel::parse("j <= ", &error));
  EXPECT_NE(error.find("column"), std::string::npos) << error;
  EXPECT_FALSE(MaskModel::parse("i + j", &error));
  EXPECT_NE(error.find("bool"), std::string::npos) << error;
  EXPECT_FALSE(MaskModel::parse("j <= i)", &error));
  EXPECT_FALSE(MaskModel::parse("foo(i) <= j", &error));
}

} // namespace
