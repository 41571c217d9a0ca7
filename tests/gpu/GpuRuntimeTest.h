//===- GpuRuntimeTest.h - The fixture every GPU test suite shares -*- C++ -*-===//
//
// One attnc::runtime::Runtime per test suite, created in SetUpTestSuite; without a CUDA
// device it stays null and `skipReason` says why, which each test passes to GTEST_SKIP.
// Also the example filter of the device scripts, the examples directory (ATTNC_EXAMPLES_DIR, overridable from the environment so
// the static test binary runs on the device machine), a file reader, and an example
// re-declared in another dtype.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TESTS_GPURUNTIMETEST_H
#define ATTNC_TESTS_GPURUNTIMETEST_H

#include "attnc/Runtime/Runtime.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace attnc {

class GpuRuntimeTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    auto rt = runtime::Runtime::create(0);
    if (!rt) {
      skipReason = "no CUDA device: " + rt.error().message;
      return;
    }
    runtimeInstance = rt.takeValue().release();
  }
  static void TearDownTestSuite() {
    delete runtimeInstance;
    runtimeInstance = nullptr;
  }
  static inline runtime::Runtime *runtimeInstance = nullptr;
  static inline std::string skipReason;
};

inline std::string examplesDir() {
  const char *env = std::getenv("ATTNC_EXAMPLES_DIR");
  return env && *env ? env : ATTNC_EXAMPLES_DIR;
}

inline std::string readFile(const std::string &path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// The example `name` with its `dtype bf16` line replaced by `dtype`, written to a
/// temporary file whose path is returned.
inline std::string exampleWithDtype(const std::string &name, const std::string &dtype) {
  std::string text = readFile(examplesDir() + "/" + name + ".attn");
  size_t at = text.find("dtype bf16");
  EXPECT_NE(at, std::string::npos) << name << " declares no 'dtype bf16'";
  if (at != std::string::npos)
    text.replace(at, 10, "dtype " + dtype);
  std::string path = (std::filesystem::temp_directory_path() /
                      ("attnc_gpu_" + name + "_" + dtype + ".attn"))
                         .string();
  std::ofstream(path) << text;
  return path;
}

/// Whether $ATTNC_GPU_EXAMPLES (a comma list, e.g. "causal,mlstm"; unset or empty: every
/// example) names `example`: bench/gpu_tests.sh runs each example's checks in a process of
/// its own, since their time is NVRTC and float64 references on the CPU.
inline bool exampleSelected(const std::string &example) {
  const char *only = std::getenv("ATTNC_GPU_EXAMPLES");
  if (only == nullptr || *only == '\0')
    return true;
  return ("," + std::string(only) + ",").find("," + example + ",") != std::string::npos;
}

/// No example filter: a test's count of checks covers every example it knows.
inline bool everyExampleSelected() {
  const char *only = std::getenv("ATTNC_GPU_EXAMPLES");
  return only == nullptr || *only == '\0';
}

} // namespace attnc

#endif // ATTNC_TESTS_GPURUNTIMETEST_H
