//===- TopKTest.cpp - The final table ---------------------------------------===//
//
// Order, truncation to k, the ratio to the winner and the failure summary.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/TopK.h"

#include <gtest/gtest.h>

#include <sstream>

using namespace attnc::tuner;

namespace {
Trial timed(int a, double ms) {
  Trial t;
  t.candidate = Candidate{{{"a", a}}};
  t.measurement.status = MeasureStatus::Ok;
  t.measurement.medianMs = ms;
  t.measurement.minMs = ms * 0.99;
  t.measurement.maxMs = ms * 1.01;
  t.measurement.samples = 9;
  return t;
}
} // namespace

TEST(TopKTest, FastestFirstAndFailuresListed) {
  SearchResult result;
  result.trials = {timed(1, 2.0), timed(2, 1.0), timed(3, 4.0)};
  Trial bad;
  bad.candidate = Candidate{{{"a", 4}}};
  bad.measurement.status = MeasureStatus::Wrong;
  bad.reason = "wrong: relative error 0.5";
  result.trials.push_back(bad);
  result.pruned.push_back({Candidate{{{"a", 5}}}, "too big"});
  EXPECT_EQ(topK(result, 2), (std::vector<size_t>{1, 0}));

  std::ostringstream os;
  printTopK(os, result, 2);
  std::string table = os.str();
  EXPECT_NE(table.find("   1  a=2        1.0000    0.9900..1.0100      2.0%        9    1.00x"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("   2  a=1        2.0000"), std::string::npos) << table;
  EXPECT_NE(table.find("2.00x"), std::string::npos);
  EXPECT_EQ(table.find("a=3 "), std::string::npos);
  EXPECT_NE(table.find("4 measured, 2 shown, 1 did not count, 1 pruned before compiling"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("  a=4: wrong: relative error 0.5"), std::string::npos);
}
