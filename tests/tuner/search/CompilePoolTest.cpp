//===- CompilePoolTest.cpp - Compiles run in parallel and ahead of timing --===//
//
// With a measurer whose compile and measure both sleep, a search's wall time must be
// well under the serial sum: compiles overlap each other and the measurement loop.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/CompilePool.h"
#include "attnc/Tuner/Search.h"

#include "SyntheticSpaces.h"

#include <gtest/gtest.h>

using namespace attnc::tuner;
using namespace attnc::tuner::testing;

namespace {
constexpr std::chrono::milliseconds kDelay(50);
constexpr int kPoints = 8;

SyntheticModel slowModel() {
  SyntheticModel model;
  model.targets = {{"a", 3, 0.2}};
  model.compileDelay = kDelay;
  model.measureDelay = kDelay;
  return model;
}
} // namespace

TEST(CompilePoolTest, CompilesInParallel) {
  SyntheticMeasurer measurer(slowModel());
  auto start = std::chrono::steady_clock::now();
  {
    CompilePool pool(measurer, 4);
    std::vector<std::shared_future<CompileResult>> futures;
    for (int a = 1; a <= kPoints; ++a)
      futures.push_back(pool.submit(Candidate{{{"a", a}}}));
    for (auto &f : futures)
      EXPECT_TRUE(f.get().ok);
  }
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(measurer.compileCalls(), kPoints);
  EXPECT_LT(took, kDelay * kPoints * 3 / 4);
}

TEST(CompilePoolTest, CompilesOverlapMeasurement) {
  SyntheticMeasurer measurer(slowModel());
  SearchOptions options;
  options.compileThreads = 4;
  auto start = std::chrono::steady_clock::now();
  SearchResult result =
      ExhaustiveSearch().run(lineSpace(kPoints), DeviceLimits(), measurer, options);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(result.measuredCount(), kPoints);
  auto serial = 2 * kDelay * kPoints; // 800 ms; overlapped it is about 450 ms
  EXPECT_LT(took, serial * 3 / 4)
      << "took " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
  EXPECT_EQ(result.bestTrial()->candidate.get("a"), 3);
}
