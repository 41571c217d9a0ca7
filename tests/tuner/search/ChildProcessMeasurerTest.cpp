//===- ChildProcessMeasurerTest.cpp - Crashes and hangs stay in the child --===//
//
// A measurer that really calls abort() or spins forever, run through the child-process
// wrapper: the parent gets Failed (with the signal) or Timeout, and a whole search over
// such candidates completes with the right winner.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/ChildProcessMeasurer.h"
#include "attnc/Tuner/Search.h"

#include "SyntheticSpaces.h"

#include <gtest/gtest.h>

using namespace attnc::tuner;
using namespace attnc::tuner::testing;

namespace {
constexpr std::chrono::milliseconds kWatchdog(300);

SyntheticModel crashingModel() {
  SyntheticModel model;
  model.targets = {{"a", 6, 0.2}};
  model.realFailures = true;
  model.faults = [](const Candidate &c) { return c.get("a") == 2; };
  model.hangs = [](const Candidate &c) { return c.get("a") == 4; };
  return model;
}

Candidate point(int a) { return Candidate{{{"a", a}}}; }
} // namespace

TEST(ChildProcessMeasurerTest, PassesResultsThroughExactly) {
  SyntheticMeasurer inner(crashingModel());
  ChildProcessMeasurer isolated(inner, kWatchdog);
  Measurement direct = inner.measure(point(3));
  Measurement viaChild = isolated.measure(point(3));
  ASSERT_TRUE(viaChild.ok()) << viaChild.reason;
  EXPECT_EQ(viaChild.medianMs, direct.medianMs);
  EXPECT_EQ(viaChild.minMs, direct.minMs);
  EXPECT_EQ(viaChild.maxMs, direct.maxMs);
  EXPECT_EQ(viaChild.samples, direct.samples);
  EXPECT_TRUE(isolated.compile(point(3)).ok);
}

TEST(ChildProcessMeasurerTest, AbortBecomesAFailureNamingTheSignal) {
  SyntheticMeasurer inner(crashingModel());
  ChildProcessMeasurer isolated(inner, kWatchdog);
  Measurement m = isolated.measure(point(2));
  EXPECT_EQ(m.status, MeasureStatus::Failed);
  EXPECT_NE(m.reason.find("killed by signal 6"), std::string::npos) << m.reason;
}

TEST(ChildProcessMeasurerTest, HangBecomesATimeout) {
  SyntheticMeasurer inner(crashingModel());
  ChildProcessMeasurer isolated(inner, kWatchdog);
  auto start = std::chrono::steady_clock::now();
  Measurement m = isolated.measure(point(4));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(m.status, MeasureStatus::Timeout);
  EXPECT_EQ(m.reason, "no result within the 300 ms watchdog; measurement process killed");
  EXPECT_GE(took, kWatchdog);
  EXPECT_LT(took, std::chrono::seconds(3));
}

TEST(ChildProcessMeasurerTest, SearchCarriesOnPastCrashesAndHangs) {
  SyntheticMeasurer inner(crashingModel());
  ChildProcessMeasurer isolated(inner, kWatchdog);
  SearchResult result = ExhaustiveSearch().run(lineSpace(8), DeviceLimits(), isolated, {});
  ASSERT_EQ(result.trials.size(), 8u);
  EXPECT_EQ(result.trials[1].measurement.status, MeasureStatus::Failed);
  EXPECT_EQ(result.trials[3].measurement.status, MeasureStatus::Timeout);
  EXPECT_NE(result.trials[3].reason.find("timeout: no result within"), std::string::npos);
  ASSERT_TRUE(result.bestTrial());
  EXPECT_EQ(result.bestTrial()->candidate, point(6));
}

TEST(ChildProcessMeasurerTest, SerializationRoundTrips) {
  Measurement m;
  m.status = MeasureStatus::Wrong;
  m.reason = "relative error 0.3\nover 0.01";
  m.medianMs = 1.0 / 3;
  m.minMs = 0.1;
  m.maxMs = 2e-9;
  m.samples = 31;
  std::optional<Measurement> back = deserializeMeasurement(serializeMeasurement(m));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->status, m.status);
  EXPECT_EQ(back->reason, m.reason);
  EXPECT_EQ(back->medianMs, m.medianMs);
  EXPECT_EQ(back->maxMs, m.maxMs);
  EXPECT_EQ(back->samples, 31);
  EXPECT_FALSE(deserializeMeasurement("garbage"));
  EXPECT_FALSE(deserializeMeasurement("9 1 1 1 1\n"));
}
