//===- SearchStrategyTest.cpp - Every strategy against the synthetic model -===//
//
// Exhaustive search finds the optimum exactly; the budgeted strategies reach it within
// a fifth of the space; budgets (count and time) hold; failures are recorded with their
// reasons while the search carries on; progress is monotone; fixed seeds reproduce.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/Search.h"
#include "attnc/Tuner/Spaces.h"

#include "SyntheticSpaces.h"

#include <gtest/gtest.h>

#include <set>

using namespace attnc::tuner;
using namespace attnc::tuner::testing;

namespace {
constexpr int kBudget = 100; // a fifth of the 512-point cube

std::vector<std::string> trialTexts(const SearchResult &result) {
  std::vector<std::string> texts;
  for (const Trial &t : result.trials)
    texts.push_back(t.candidate.text());
  return texts;
}

class BudgetedStrategyTest : public ::testing::TestWithParam<std::string> {};
class AnyStrategyTest : public ::testing::TestWithParam<std::string> {};
} // namespace

TEST(ExhaustiveSearchTest, FindsTheOptimumExactly) {
  SearchSpace space = cubeSpace();
  SyntheticMeasurer measurer(bowlModel());
  SearchResult result = ExhaustiveSearch().run(space, DeviceLimits(), measurer, {});
  ASSERT_TRUE(result.bestTrial());
  EXPECT_EQ(result.bestTrial()->candidate, cubeOptimum());
  EXPECT_EQ(result.measuredCount(), 512);
  EXPECT_EQ(measurer.measureCalls(), 512);
  EXPECT_FALSE(result.budgetExhausted);
}

TEST_P(BudgetedStrategyTest, ReachesTheOptimumWithinBudget) {
  for (unsigned long long seed : {1ull, 2ull, 3ull, 4ull, 5ull}) {
    SyntheticMeasurer measurer(bowlModel());
    SearchOptions options;
    options.budget.maxMeasured = kBudget;
    options.seed = seed;
    SearchResult result =
        makeStrategy(GetParam())->run(cubeSpace(), DeviceLimits(), measurer, options);
    ASSERT_TRUE(result.bestTrial());
    EXPECT_LE(result.measuredCount(), kBudget);
    EXPECT_EQ(result.bestTrial()->candidate, cubeOptimum())
        << "seed " << seed << " best " << result.bestTrial()->candidate.text() << " after "
        << result.measuredCount();
  }
}

TEST_P(BudgetedStrategyTest, FindsThePrefillOptimum) {
  SyntheticModel model;
  model.targets = {
      {"bm", 128, 0.3}, {"bn", 64, 0.2}, {"w", 4, 0.2}, {"s", 3, 0.5}, {"qregs", 0, 0.05}};
  SyntheticMeasurer measurer(model);
  SearchOptions options;
  options.budget.maxMeasured = 60;
  SearchResult result =
      makeStrategy(GetParam())->run(prefillSpace(128), DeviceLimits(), measurer, options);
  ASSERT_TRUE(result.bestTrial());
  EXPECT_EQ(result.bestTrial()->candidate.text(), "bm=128 bn=64 w=4 s=3 qregs=0");
  EXPECT_FALSE(result.pruned.empty());
}

TEST_P(AnyStrategyTest, HonoursTheMeasurementBudget) {
  SyntheticMeasurer measurer(bowlModel());
  SearchOptions options;
  options.budget.maxMeasured = 37;
  SearchResult result =
      makeStrategy(GetParam())->run(cubeSpace(), DeviceLimits(), measurer, options);
  EXPECT_EQ(result.measuredCount(), 37);
  EXPECT_EQ(measurer.measureCalls(), 37);
  EXPECT_TRUE(result.budgetExhausted);
}

TEST_P(AnyStrategyTest, MeasuresTheSeedsFirst) {
  SyntheticMeasurer measurer(bowlModel());
  SearchOptions options;
  options.budget.maxMeasured = 3;
  Candidate invalid = cubeOptimum();
  invalid.params[0].value = 3; // no such x in the cube
  options.seeds = {cubeOptimum(), invalid};
  SearchResult result =
      makeStrategy(GetParam())->run(cubeSpace(), DeviceLimits(), measurer, options);
  ASSERT_FALSE(result.trials.empty());
  EXPECT_EQ(result.trials.front().candidate, cubeOptimum());
  ASSERT_TRUE(result.bestTrial());
  EXPECT_EQ(result.bestTrial()->candidate, cubeOptimum()) << "a budget of 3 keeps the seed";
  EXPECT_EQ(result.measuredCount(), 3);
}

TEST_P(AnyStrategyTest, HonoursTheTimeBudget) {
  SyntheticModel model = bowlModel();
  model.measureDelay = std::chrono::milliseconds(5);
  SyntheticMeasurer measurer(model);
  SearchOptions options;
  options.budget.maxTime = std::chrono::milliseconds(100);
  auto start = std::chrono::steady_clock::now();
  SearchResult result =
      makeStrategy(GetParam())->run(cubeSpace(), DeviceLimits(), measurer, options);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(result.timeExhausted);
  EXPECT_LT(result.measuredCount(), 512);
  EXPECT_GT(result.measuredCount(), 0);
  EXPECT_LT(took, std::chrono::milliseconds(1000));
}

TEST_P(AnyStrategyTest, RecordsFailuresWithReasonsAndCarriesOn) {
  SyntheticModel model = bowlModel();
  model.spills = [](const Candidate &c) { return c.get("z") == 128; };
  model.faults = [](const Candidate &c) { return c.get("x") == 8 && c.get("z") != 128; };
  model.hangs = [](const Candidate &c) { return c.get("y") == 2 && c.get("x") != 8; };
  model.wrong = [](const Candidate &c) { return c.get("y") == 8 && c.get("x") == 16; };
  SyntheticMeasurer measurer(model);
  SearchOptions options;
  options.budget.maxMeasured = GetParam() == "exhaustive" ? 0 : 150;
  SearchResult result =
      makeStrategy(GetParam())->run(cubeSpace(), DeviceLimits(), measurer, options);
  ASSERT_TRUE(result.bestTrial());
  EXPECT_EQ(result.bestTrial()->candidate, cubeOptimum());
  int spills = 0, faults = 0, hangs = 0, wrong = 0;
  for (const Trial &t : result.trials) {
    if (t.outcome == TrialOutcome::CompileRejected) {
      ++spills;
      EXPECT_EQ(t.reason, "uses 64 B of local memory (spills)");
      continue;
    }
    ASSERT_EQ(t.outcome, TrialOutcome::Measured);
    switch (t.measurement.status) {
    case MeasureStatus::Failed:
      ++faults;
      EXPECT_EQ(t.reason, "failed: synthetic fault: illegal memory access");
      break;
    case MeasureStatus::Timeout:
      ++hangs;
      EXPECT_EQ(t.reason, "timeout: synthetic hang");
      break;
    case MeasureStatus::Wrong:
      ++wrong;
      EXPECT_NE(t.reason.find("wrong: synthetic mismatch"), std::string::npos);
      break;
    case MeasureStatus::Ok:
      EXPECT_TRUE(t.reason.empty());
      break;
    }
  }
  if (GetParam() == "exhaustive") {
    EXPECT_EQ(spills, 64);
    EXPECT_EQ(faults, 56);
    EXPECT_EQ(hangs, 49);
    EXPECT_EQ(wrong, 7);
    EXPECT_EQ(static_cast<int>(result.trials.size()), 512);
  } else {
    EXPECT_GT(spills + faults + hangs + wrong, 0);
  }
}

TEST_P(AnyStrategyTest, ProgressIsMonotone) {
  SyntheticMeasurer measurer(bowlModel());
  SearchOptions options;
  options.budget.maxMeasured = 80;
  std::vector<Progress> reports;
  options.progress = [&](const Progress &p) { reports.push_back(p); };
  SearchResult result =
      makeStrategy(GetParam())->run(cubeSpace(), DeviceLimits(), measurer, options);
  ASSERT_EQ(reports.size(), result.trials.size());
  for (size_t i = 0; i < reports.size(); ++i) {
    EXPECT_LE(reports[i].done, reports[i].total);
    EXPECT_EQ(reports[i].total, 80);
    EXPECT_EQ(reports[i].trials, static_cast<int>(i + 1));
    ASSERT_TRUE(reports[i].best);
    if (i == 0)
      continue;
    EXPECT_GE(reports[i].done, reports[i - 1].done);
    EXPECT_GE(reports[i].elapsed, reports[i - 1].elapsed);
    EXPECT_LE(reports[i].best->measurement.medianMs, reports[i - 1].best->measurement.medianMs);
  }
  EXPECT_EQ(reports.back().done, 80);
  EXPECT_EQ(reports.back().eta.count(), 0);
}

TEST_P(AnyStrategyTest, IsDeterministicForAFixedSeed) {
  auto run = [&](unsigned long long seed) {
    SyntheticMeasurer measurer(bowlModel());
    SearchOptions options;
    options.budget.maxMeasured = 60;
    options.compileThreads = 4;
    options.seed = seed;
    return makeStrategy(GetParam())->run(cubeSpace(), DeviceLimits(), measurer, options);
  };
  SearchResult a = run(7), b = run(7), c = run(8);
  EXPECT_EQ(trialTexts(a), trialTexts(b));
  ASSERT_TRUE(a.best && b.best);
  EXPECT_EQ(*a.best, *b.best);
  EXPECT_EQ(a.bestTrial()->measurement.medianMs, b.bestTrial()->measurement.medianMs);
  if (GetParam() != "exhaustive") {
    EXPECT_NE(trialTexts(a), trialTexts(c));
  }
}

TEST(StrategyChoiceTest, NamesAndDefaults) {
  EXPECT_STREQ(makeStrategy("exhaustive")->name(), "exhaustive");
  EXPECT_STREQ(makeStrategy("random-local")->name(), "random-local");
  EXPECT_STREQ(makeStrategy("evolutionary")->name(), "evolutionary");
  EXPECT_FALSE(makeStrategy("annealing"));
  SearchBudget budget;
  EXPECT_STREQ(defaultStrategy(500, budget)->name(), "exhaustive");
  budget.maxMeasured = 100;
  EXPECT_STREQ(defaultStrategy(100, budget)->name(), "exhaustive");
  EXPECT_STREQ(defaultStrategy(101, budget)->name(), "random-local");
}

INSTANTIATE_TEST_SUITE_P(Search, BudgetedStrategyTest,
                         ::testing::Values("random-local", "evolutionary"));
INSTANTIATE_TEST_SUITE_P(Search, AnyStrategyTest,
                         ::testing::Values("exhaustive", "random-local", "evolutionary"));

TEST_P(AnyStrategyTest, RecordsEachPrunedCandidateOnce) {
  SyntheticModel model;
  model.targets = {{"bm", 64, 0.3}, {"bn", 32, 0.2}, {"w", 2, 0.2}, {"s", 2, 0.5}};
  SyntheticMeasurer measurer(model);
  SearchSpace space = prefillSpace(128);
  Enumeration points = space.enumerate(DeviceLimits());
  SearchResult result = makeStrategy(GetParam())->run(space, DeviceLimits(), measurer, {});
  EXPECT_EQ(result.pruned.size(), points.pruned.size());
  EXPECT_EQ(result.trials.size(), points.valid.size());
  std::set<std::string> texts;
  for (const Trial &t : result.trials)
    EXPECT_TRUE(texts.insert(t.candidate.text()).second) << "measured twice";
  EXPECT_EQ(measurer.compileCalls(), static_cast<int>(points.valid.size()));
}

TEST(EvaluatorTest, SkipsRepeatsAndRecordsInvalidCandidatesAsPruned) {
  SearchSpace space = lineSpace(4);
  space.addConstraint([](const Candidate &c, const DeviceLimits &) -> std::optional<std::string> {
    if (c.get("a") == 3)
      return "three is out";
    return std::nullopt;
  });
  SyntheticModel model;
  model.targets = {{"a", 2, 0.2}};
  SyntheticMeasurer measurer(model);
  SearchOptions options;
  Evaluator evaluator(space, DeviceLimits(), measurer, options, 3);
  Candidate one{{{"a", 1}}}, three{{{"a", 3}}};
  EXPECT_EQ(evaluator.evaluate({one, one, three}).size(), 1u);
  EXPECT_TRUE(evaluator.evaluate({one, three}).empty());
  SearchResult result = evaluator.finish();
  ASSERT_EQ(result.pruned.size(), 1u);
  EXPECT_EQ(result.pruned[0].reason, "three is out");
  EXPECT_EQ(measurer.measureCalls(), 1);
}

TEST_P(BudgetedStrategyTest, EscapesShallowerBasins) {
  SyntheticModel model = bowlModel();
  model.basins = {{{{"x", 1, 0.3}, {"y", 128, 0.2}, {"z", 2, 0.1}}, 1.1},
                  {{{"x", 128, 0.3}, {"y", 1, 0.2}, {"z", 128, 0.1}}, 1.05}};
  int hits = 0;
  for (unsigned long long seed = 1; seed <= 10; ++seed) {
    SyntheticMeasurer measurer(model);
    SearchOptions options;
    options.budget.maxMeasured = 150;
    options.seed = seed;
    SearchResult result =
        makeStrategy(GetParam())->run(cubeSpace(), DeviceLimits(), measurer, options);
    ASSERT_TRUE(result.bestTrial());
    hits += result.bestTrial()->candidate == cubeOptimum();
    EXPECT_LE(measurer.expectedMs(result.bestTrial()->candidate), 1.1 * model.baseMs);
  }
  EXPECT_GE(hits, 9);
}
