//===- TestHelpers.h - Shared helpers for the DSL unit tests -------*- C++ -*-===//
//
// Runs the front end on an in-memory string and keeps everything a test wants to look at:
// the checked program (if any), the raw diagnostics and their rendered text.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TESTS_DSL_TESTHELPERS_H
#define ATTNC_TESTS_DSL_TESTHELPERS_H

#include "attnc/DSL/Frontend.h"

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

namespace attnc::dsl::test {

struct FrontendResult {
  std::unique_ptr<SourceBuffer> buffer;
  std::unique_ptr<DiagnosticEngine> diags;
  std::optional<Program> program;
  std::string rendered;

  bool ok() const { return program.has_value() && !diags->hasErrors(); }
  /// The first error's message, or "" when there is none.
  std::string firstError() const {
    for (const Diagnostic &d : diags->diagnostics())
      if (d.severity == Severity::Error)
        return d.message;
    return "";
  }
  SourceLoc firstErrorLoc() const {
    for (const Diagnostic &d : diags->diagnostics())
      if (d.severity == Severity::Error)
        return d.loc;
    return {};
  }
};

inline FrontendResult runFrontend(const std::string &text, const std::string &path = "t.attn") {
  FrontendResult r;
  r.buffer = std::make_unique<SourceBuffer>(path, text);
  r.diags = std::make_unique<DiagnosticEngine>(*r.buffer);
  r.program = parseAndCheck(*r.buffer, *r.diags);
  std::ostringstream os;
  r.diags->print(os);
  r.rendered = os.str();
  return r;
}

inline std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A softmax kernel with the standard tensors and the given extra lines.
inline std::string softmaxKernel(const std::string &body) {
  return "kernel t {\n  dtype bf16\n  q[B, Hq, N, D]; k[B, Hkv, M, D]; v[B, Hkv, M, D]\n" + body +
         "\n}\n";
}

/// A linear kernel with the standard tensors and the given extra lines.
inline std::string linearKernel(const std::string &body) {
  return "kernel t {\n  dtype bf16\n  q[B, H, T, K]; k[B, H, T, K]; v[B, H, T, V]\n" + body +
         "\n}\n";
}

} // namespace attnc::dsl::test

#endif // ATTNC_TESTS_DSL_TESTHELPERS_H
