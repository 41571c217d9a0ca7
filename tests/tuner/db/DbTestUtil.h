//===- DbTestUtil.h - Shared helpers of the tuning-database tests ------*- C++ -*-===//
//
// A fresh temporary directory per test, trial builders with sensible defaults, and file
// byte snapshots for "the file was left unchanged" checks.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TESTS_TUNER_DB_DBTESTUTIL_H
#define ATTNC_TESTS_TUNER_DB_DBTESTUTIL_H

#include "attnc/Tuner/TuningDb.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <unistd.h>

namespace attnc::tuner::test {

constexpr const char *kH100 = "NVIDIA H100 80GB HBM3|sm_90a|132SM|smem232448|driver13000|nvrtc13.0";
constexpr const char *kH200 = "NVIDIA H200|sm_90a|132SM|smem232448|driver13000|nvrtc13.0";
constexpr const char *kA100 = "NVIDIA A100-SXM4-80GB|sm_80|108SM|smem166912|driver13000|nvrtc13.0";
constexpr const char *kKernel = "a3f1c0de00112233445566778899aabbccddeeff00112233445566778899aabb";

/// A temporary directory removed with the fixture.
class DbTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::string templ = (std::filesystem::temp_directory_path() / "attnc-db-XXXXXX").string();
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string &name) const { return (dir_ / name).string(); }

  std::filesystem::path dir_;
};

inline ProblemKey problem(int64_t n, int64_t m = 0, int64_t batch = 1) {
  return ProblemKey::fromShape("softmax-prefill", "bf16", 128, 128, batch, 32, 8, n, m ? m : n,
                               "causal");
}

inline TrialRecord trial(const std::string &device, const ProblemKey &p, const std::string &config,
                         double medianMs, TrialStatus status = TrialStatus::Ok) {
  TrialRecord t;
  t.device = device;
  t.kernel = kKernel;
  t.kernelName = "causal";
  t.problem = p;
  t.config = config;
  t.status = status;
  t.reason = status == TrialStatus::Ok ? "" : "too many registers";
  t.medianMs = medianMs;
  t.minMs = medianMs * 0.95;
  t.maxMs = medianMs * 1.1;
  t.samples = 20;
  t.toolVersion = "0.1.0";
  return t;
}

inline std::string readBytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void writeBytes(const std::string &path, const std::string &bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

} // namespace attnc::tuner::test

#endif // ATTNC_TESTS_TUNER_DB_DBTESTUTIL_H
