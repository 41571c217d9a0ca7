//===- TestSupport.h - Helpers shared by the reference tests ------*- C++ -*-===//
//
// Parses kernels from text or from the examples/ directory (ATTNC_SOURCE_DIR is defined
// by the test's CMakeLists) and builds random inputs with the realistic value ranges the
// recurrences are used with: log-sigmoid gates, beta in (0, 1), L2-normalised keys.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TESTS_REFERENCE_TESTSUPPORT_H
#define ATTNC_TESTS_REFERENCE_TESTSUPPORT_H

#include "attnc/DSL/Frontend.h"
#include "attnc/Reference/Evaluator.h"
#include "attnc/Reference/HostTensor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <memory>
#include <sstream>

namespace attnc::reference::test {

/// A parsed and checked program; `kernel()` is its first kernel.
struct Parsed {
  std::shared_ptr<dsl::Program> program;
  const dsl::Kernel &kernel() const { return program->kernels.front(); }
  explicit operator bool() const { return program && !program->kernels.empty(); }
};

inline Parsed parseText(const std::string &text, const std::string &path = "test.attn") {
  dsl::SourceBuffer buffer(path, text);
  dsl::DiagnosticEngine diags(buffer);
  auto program = dsl::parseAndCheck(buffer, diags);
  if (!program) {
    std::ostringstream os;
    diags.print(os);
    ADD_FAILURE() << "failed to parse " << path << ":\n" << os.str();
    return {};
  }
  return {std::make_shared<dsl::Program>(std::move(*program))};
}

inline std::string examplePath(const std::string &name) {
  return std::string(ATTNC_SOURCE_DIR) + "/examples/" + name + ".attn";
}

inline Parsed parseExample(const std::string &name) {
  std::ifstream in(examplePath(name));
  if (!in) {
    ADD_FAILURE() << "cannot read " << examplePath(name);
    return {};
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return parseText(ss.str(), examplePath(name));
}

inline double sigmoidOf(double x) { return 1.0 / (1.0 + std::exp(-x)); }
inline double logSigmoidOf(double x) { return -std::log1p(std::exp(-x)); }

/// Applies `f` to every element.
template <class F> HostTensor mapped(HostTensor t, F f) {
  for (double &x : t.data)
    x = f(x);
  return t;
}

/// A tensor whose every element is 1.0.
inline HostTensor ones(std::vector<int64_t> shape) {
  HostTensor t(std::move(shape));
  for (double &x : t.data)
    x = 1.0;
  return t;
}

} // namespace attnc::reference::test

#endif // ATTNC_TESTS_REFERENCE_TESTSUPPORT_H
