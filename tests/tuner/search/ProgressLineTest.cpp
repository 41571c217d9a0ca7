//===- ProgressLineTest.cpp - The progress line ------------------------------===//
//
// The bar, the counts, the best config and the times, before and after a first success.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/ProgressLine.h"

#include <gtest/gtest.h>

using namespace attnc::tuner;

TEST(ProgressLineTest, DrawsBarBestAndTimes) {
  Progress p;
  p.done = 5;
  p.total = 20;
  p.elapsed = std::chrono::milliseconds(1500);
  p.eta = std::chrono::milliseconds(4500);
  EXPECT_EQ(formatProgress(p, 8),
            "[##......]  5/20  no successful config yet  1.5s elapsed, eta 4.5s");
  Trial best;
  best.candidate = Candidate{{{"bm", 128}, {"bn", 64}}};
  best.measurement.status = MeasureStatus::Ok;
  best.measurement.medianMs = 1.25;
  p.best = best;
  p.done = 20;
  p.eta = std::chrono::milliseconds(0);
  EXPECT_EQ(formatProgress(p, 8),
            "[########]  20/20  best 1.2500 ms  bm=128 bn=64  1.5s elapsed, eta 0.0s");
}
