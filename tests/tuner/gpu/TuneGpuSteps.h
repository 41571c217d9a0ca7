//===- TuneGpuSteps.h - Steps the end-to-end tune tests share ----*- C++ -*-===//
//
// TuneGpuTest (prefill) and LinearTuneGpuTest run the same story for two kernel
// families: tune into a database, check what the tune left behind, export a deploy
// database, serve from it in a fresh process and check that no NVRTC compile ran. The
// family-independent steps live here; each test keeps only its own request and check.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TESTS_TUNEGPUSTEPS_H
#define ATTNC_TESTS_TUNEGPUSTEPS_H

#include "attnc/Tuner/ChildProcess.h"
#include "attnc/Tuner/TuneRun.h"
#include "attnc/Tuner/TunedKernel.h"
#include "attnc/Tuner/TuningDb.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

namespace attnc::tuner::testing {

inline std::string examplePath(const std::string &name) {
  const char *env = std::getenv("ATTNC_EXAMPLES_DIR");
  return std::string(env && *env ? env : ATTNC_EXAMPLES_DIR) + "/" + name + ".attn";
}

inline std::string readFile(const std::string &path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// An empty scratch directory named after the test and this process.
inline std::filesystem::path freshDir(const std::string &name) {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / (name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

/// What every tune must leave: a winner no slower than the per-arch default, every trial
/// in the database, the winner (`winner`, its config text) recorded as the best, and a
/// deploy database at `deployPath` carrying its cubin.
inline void expectTuneRecorded(TuningDb &db, const std::string &device, const TuneReport &report,
                               const std::string &winner, const std::string &deployPath) {
  const Trial *best = report.result.bestTrial();
  ASSERT_NE(best, nullptr) << "no config ran correctly";
  ASSERT_TRUE(report.defaultTrial.has_value());
  EXPECT_LE(best->measurement.medianMs,
            report.result.trials[*report.defaultTrial].measurement.medianMs);
  EXPECT_FALSE(report.storedCubinKey.empty());
  auto trials = db.trials({});
  ASSERT_TRUE(trials) << trials.error().message;
  EXPECT_EQ(trials->size(), report.result.trials.size()) << "every trial is recorded";
  auto recorded = db.bestTrial(device, report.kernelFingerprint, report.problem);
  ASSERT_TRUE(recorded && recorded->has_value());
  EXPECT_EQ((*recorded)->config, winner);
  auto exported = db.exportDeploy(device, deployPath);
  ASSERT_TRUE(exported) << exported.error().message;
  EXPECT_EQ(exported->cubins, 1);
}

/// The serving child's one-line report, which expectServedWithoutCompiles reads.
inline std::string servingLine(const TunedKernel &tuned, int compiles, const std::string &config,
                               bool passed, double relError) {
  std::ostringstream out;
  out << "deployed=" << tuned.deployedCubin << " compiles=" << compiles
      << " source=" << lookupSourceName(tuned.lookup.source) << " config=" << config
      << " passed=" << passed << " relerr=" << relError
      << " lookup_load_ms=" << tuned.lookupMs + tuned.loadMs;
  return out.str();
}

/// The served kernel came from the deploy database's cubin with no compile, by an exact
/// lookup, as config `winner`, and its result passed the reference check.
inline void expectServedWithoutCompiles(const ChildOutcome &served, const std::string &winner) {
  ASSERT_EQ(served.kind, ChildOutcome::Kind::Finished) << served.failure;
  const std::string &out = served.output;
  std::cout << "  serving: " << out << "\n";
  EXPECT_NE(out.find("deployed=1"), std::string::npos) << out;
  EXPECT_NE(out.find("compiles=0"), std::string::npos) << out;
  EXPECT_NE(out.find("source=exact"), std::string::npos) << out;
  EXPECT_NE(out.find("config=" + winner), std::string::npos) << out;
  EXPECT_NE(out.find("passed=1"), std::string::npos) << out;
}

} // namespace attnc::tuner::testing

#endif // ATTNC_TESTS_TUNEGPUSTEPS_H
