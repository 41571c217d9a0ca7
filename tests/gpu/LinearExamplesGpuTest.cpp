//===- LinearExamplesGpuTest.cpp - Every supported linear example on the GPU ===//
//
// For every linear example the chunkwise templates implement (linear, lightning, retnet,
// simple_gla, gla; deltanet and gated_deltanet): generate the kernel through
// CompiledProgram::generateLinear (each default tile config that uses no local memory, so
// both chunk shapes are exercised), run it on fresh inputs with realistic gates (the delta
// rule: L2-normalised keys, beta = sigmoid(x)), a non-zero initial state and the output
// and final state poisoned, and compare o and the final state with the float64
// recurrence. T is no multiple of any chunk; K = V = 128 and K = 64 / V = 128; both
// [B, H, T, D] and [B, T, H, D] storage. Skips, with the reason, without a CUDA device.
//
//===----------------------------------------------------------------------===//
#include "attnc/DSL/Frontend.h"
#include "attnc/Driver/CompiledProgram.h"
#include "attnc/Driver/LinearHarness.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace attnc {
namespace {

const char *const kSupported[] = {"linear", "lightning", "retnet",        "simple_gla",
                                  "gla",    "deltanet",  "gated_deltanet"};

struct HeadDims {
  int k, v;
};
const HeadDims kHeadDims[] = {{128, 128}, {64, 128}};

/// (B, H, T): T = 1000 and 77 are no multiple of 64 or 128; T = 1 is a single token.
const int64_t kProblems[][3] = {{2, 3, 1000}, {1, 2, 77}, {3, 1, 1}};

std::string examplesDir() {
  const char *env = std::getenv("ATTNC_EXAMPLES_DIR");
  return env && *env ? env : ATTNC_EXAMPLES_DIR;
}

std::string readFile(const std::string &path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class LinearExamplesGpu : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    auto rt = runtime::Runtime::create(0);
    if (!rt) {
      skipReason = "no CUDA device: " + rt.error().message;
      return;
    }
    runtimeInstance = rt.takeValue().release();
  }
  static void TearDownTestSuite() { delete runtimeInstance; }
  static inline runtime::Runtime *runtimeInstance = nullptr;
  static inline std::string skipReason;
};

TEST_F(LinearExamplesGpu, MatchFloat64Recurrence) {
  if (!runtimeInstance)
    GTEST_SKIP() << skipReason;
  runtime::Runtime &rt = *runtimeInstance;
  int checked = 0;
  for (const char *example : kSupported) {
    const std::string path = examplesDir() + "/" + example + ".attn";
    std::ostringstream diag;
    std::unique_ptr<CompiledProgram> program = CompiledProgram::load(path, diag);
    ASSERT_TRUE(program) << diag.str();
    dsl::SourceBuffer buffer(path, readFile(path));
    dsl::DiagnosticEngine diags(buffer);
    std::optional<dsl::Program> ast = dsl::parseAndCheck(buffer, diags);
    ASSERT_TRUE(ast && !diags.hasErrors()) << example;
    const dsl::Kernel &kernel = ast->kernels.front();
    const std::string recurrence = program->recurrence(kernel.name);
    const cuda::LinearGateKind gate = recurrence == "vector_gate" ? cuda::LinearGateKind::PerChannel
                                                                  : cuda::LinearGateKind::PerToken;
    const cuda::LinearRule rule = cuda::linearRuleOf(recurrence);
    for (const HeadDims &dims : kHeadDims) {
      for (const cuda::LinearConfig &config : cuda::linearCandidates(dims.k, dims.v, gate, rule)) {
        std::optional<GeneratedKernel> generated =
            program->generateLinear(kernel.name, dims.k, dims.v, config, diag);
        ASSERT_TRUE(generated) << diag.str();
        auto compiled = rt.compile(generated->source, generated->spec);
        ASSERT_TRUE(compiled) << example << " " << config.str() << ": " << compiled.error().message;
        if ((*compiled)->resources().localBytes != 0)
          continue; // a command would take the next default; so does the test
        for (const auto &[b, h, t] : kProblems)
          for (bool tokenMajor : {false, true}) {
            LinearProblem problem;
            problem.batch = b;
            problem.heads = h;
            problem.seqLen = t;
            problem.tokenMajor = tokenMajor;
            problem.seed = 7 + checked;
            auto r = checkLinear(rt, **compiled, kernel, problem);
            ASSERT_TRUE(r) << example << ": " << r.error().message;
            EXPECT_TRUE(r->passed())
                << example << " " << config.str() << " K" << dims.k << " V" << dims.v << " "
                << problem.str() << ": rel err " << r->relError << ", final state rel err "
                << r->stateRelError << ", non-finite " << r->nonFinite << " of " << r->elements;
            ++checked;
          }
      }
    }
  }
  EXPECT_GT(checked, 0);
}

TEST_F(LinearExamplesGpu, UnsupportedRecurrencesAreRefused) {
  // Needs no device, but lives with the linear GPU checks it delimits.
  for (const char *example : {"mlstm", "mlstm_sig"}) {
    std::ostringstream diag;
    std::unique_ptr<CompiledProgram> program =
        CompiledProgram::load(examplesDir() + "/" + example + ".attn", diag);
    ASSERT_TRUE(program) << diag.str();
    const std::string name = program->kernelNames().front();
    EXPECT_FALSE(program->generateLinear(name, 128, 128, cuda::LinearConfig{}, diag));
    EXPECT_NE(diag.str().find("has no chunkwise CUDA template yet"), std::string::npos)
        << diag.str();
  }
}

} // namespace
} // namespace attnc
