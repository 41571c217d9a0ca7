//===- LinearExamplesGpuTest.cpp - Every supported linear example on the GPU ===//
//
// For every linear example the chunkwise templates implement (linear, lightning, retnet,
// simple_gla, gla; mlstm and mlstm_sig, whose states C, n and m are checked as the
// unstabilised C and n; deltanet and gated_deltanet): generate the kernel through
// CompiledProgram::generateLinear (each default tile config that uses no local memory, so
// both chunk shapes are exercised), run it on fresh inputs with realistic gates (the delta
// rule: L2-normalised keys, beta = sigmoid(x)), a non-zero initial state and the output
// and final state poisoned, and compare o and the final state with the float64
// recurrence. T is no multiple of any chunk; K = V = 128 and K = 64 / V = 128; both
// [B, H, T, D] and [B, T, H, D] storage. The split path of the decay family (sequences cut
// into segments, a state pre-pass, a workspace) is checked the same way: fixed and
// automatic segment counts, segments ending mid-sequence and mid-chunk, empty segments,
// packed sequences shorter than a segment. The delta rule's two stages (always a
// workspace) are checked on packed sequences too, empty and chunk-sized ones included.
// Every example also once in fp16 (its first spill-free default config). Chunks of several
// tiles (span: 256 to 1024 tokens) for the decay family's examples, one-kernel and split, and
// for the mLSTM's, with T long enough to cross several chunks and end inside one; and
// T = 65536 with strong gates read from files, one-tile and 16-tile chunks.
// $ATTNC_GPU_EXAMPLES limits the examples (bench/gpu_tests.sh: one process per example).
// Skips, with the reason, without a CUDA device.
//
//===----------------------------------------------------------------------===//
#include "attnc/DSL/Frontend.h"
#include "attnc/Driver/CompiledProgram.h"
#include "attnc/Driver/LinearHarness.h"

#include "GpuRuntimeTest.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

namespace attnc {
namespace {

const char *const kSupported[] = {"linear", "lightning", "retnet",   "simple_gla", "gla",
                                  "mlstm",  "mlstm_sig", "deltanet", "gated_deltanet"};

struct HeadDims {
  int k, v;
};
const HeadDims kHeadDims[] = {{128, 128}, {64, 128}};

/// (B, H, T): T = 1000 and 77 are no multiple of 64 or 128; T = 1 is a single token.
const int64_t kProblems[][3] = {{2, 3, 1000}, {1, 2, 77}, {3, 1, 1}};

class LinearExamplesGpu : public GpuRuntimeTest {};

/// Expects the check of `example` (`config`, key head dim K) on `problem` to pass, and
/// prints the line the device scripts read: "<path> <example> <config> K<k> <problem> rel
/// err E  state E".
void expectPasses(const char *path, const char *example, const cuda::LinearConfig &config,
                  int headDimK, const LinearProblem &problem, const LinearCheckResult &r) {
  EXPECT_TRUE(r.passed()) << path << " " << example << " " << config.str() << " K" << headDimK
                          << " " << problem.str() << ": rel err " << r.relError
                          << ", final state rel err " << r.stateRelError << ", non-finite "
                          << r.nonFinite << " of " << r.elements;
  std::printf("%s %-14s %-22s K%-3d %-42s rel err %.2e  state %.2e\n", path, example,
              config.str().c_str(), headDimK, problem.str().c_str(), r.relError,
              r.stateRelError);
}

/// A padded batch of B sequences of T tokens on H heads.
LinearProblem padded(int64_t b, int64_t h, int64_t t, bool tokenMajor, uint64_t seed) {
  LinearProblem problem;
  problem.batch = b;
  problem.heads = h;
  problem.seqLen = t;
  problem.tokenMajor = tokenMajor;
  problem.seed = seed;
  return problem;
}

/// An example's program and checked AST.
struct LoadedExample {
  std::unique_ptr<CompiledProgram> program;
  std::unique_ptr<dsl::SourceBuffer> buffer;
  std::optional<dsl::Program> ast;
  const dsl::Kernel &kernel() const { return ast->kernels.front(); }
  cuda::LinearGateKind gate() const { return program->linearGate(kernel().name); }
  cuda::LinearRule rule() const { return cuda::linearRuleOf(program->recurrence(kernel().name)); }
};

/// The example at `path` (default: examples/<example>.attn).
LoadedExample loadExample(const char *example, std::string path = "") {
  LoadedExample e;
  if (path.empty())
    path = examplesDir() + "/" + example + ".attn";
  std::ostringstream diag;
  e.program = CompiledProgram::load(path, diag);
  EXPECT_TRUE(e.program) << diag.str();
  e.buffer = std::make_unique<dsl::SourceBuffer>(path, readFile(path));
  dsl::DiagnosticEngine diags(*e.buffer);
  e.ast = dsl::parseAndCheck(*e.buffer, diags);
  EXPECT_TRUE(e.ast && !diags.hasErrors()) << example;
  return e;
}

TEST_F(LinearExamplesGpu, MatchFloat64Recurrence) {
  if (!runtimeInstance)
    GTEST_SKIP() << skipReason;
  runtime::Runtime &rt = *runtimeInstance;
  int checked = 0;
  for (const char *example : kSupported) {
    if (!exampleSelected(example))
      continue;
    LoadedExample e = loadExample(example);
    ASSERT_TRUE(e.program && e.ast);
    const dsl::Kernel &kernel = e.kernel();
    std::ostringstream diag;
    for (const HeadDims &dims : kHeadDims) {
      for (cuda::LinearConfig config :
           cuda::linearCandidates(dims.k, dims.v, e.gate(), e.rule())) {
        config.segments = 1; // the one-kernel path; SplitSegments covers the others
        std::optional<GeneratedKernel> generated =
            e.program->generateLinear(kernel.name, dims.k, dims.v, config, diag);
        ASSERT_TRUE(generated) << diag.str();
        auto compiled = rt.compile(generated->source, generated->spec);
        ASSERT_TRUE(compiled) << example << " " << config.str() << ": " << compiled.error().message;
        if ((*compiled)->resources().localBytes != 0)
          continue; // a command would take the next default; so does the test
        for (const auto &[b, h, t] : kProblems)
          for (bool tokenMajor : {false, true}) {
            const LinearProblem problem = padded(b, h, t, tokenMajor, 7 + checked);
            auto r = checkLinear(rt, **compiled, kernel, problem);
            ASSERT_TRUE(r) << example << ": " << r.error().message;
            expectPasses("one-kernel", example, config, dims.k, problem, *r);
            ++checked;
          }
      }
    }
  }
  if (everyExampleSelected())
    EXPECT_GT(checked, 0);
}

TEST_F(LinearExamplesGpu, HalfPrecisionMatchesFloat64Recurrence) {
  if (!runtimeInstance)
    GTEST_SKIP() << skipReason;
  runtime::Runtime &rt = *runtimeInstance;
  int checked = 0;
  for (const char *example : kSupported) {
    if (!exampleSelected(example))
      continue;
    LoadedExample e = loadExample(example, exampleWithDtype(example, "f16"));
    ASSERT_TRUE(e.program && e.ast);
    const dsl::Kernel &kernel = e.kernel();
    std::ostringstream diag;
    const HeadDims dims = kHeadDims[0];
    // The first default without local memory, as a command would pick.
    for (cuda::LinearConfig config : cuda::linearCandidates(dims.k, dims.v, e.gate(), e.rule())) {
      std::optional<GeneratedKernel> generated =
          e.program->generateLinear(kernel.name, dims.k, dims.v, config, diag);
      ASSERT_TRUE(generated) << diag.str();
      auto compiled = rt.compile(generated->source, generated->spec);
      ASSERT_TRUE(compiled) << example << " " << config.str() << ": " << compiled.error().message;
      if ((*compiled)->resources().localBytes != 0)
        continue;
      ASSERT_EQ((*compiled)->spec().dtype, runtime::DType::F16) << example;
      for (bool tokenMajor : {false, true}) {
        const LinearProblem problem = padded(2, 3, 1000, tokenMajor, 11 + checked);
        auto r = checkLinear(rt, **compiled, kernel, problem);
        ASSERT_TRUE(r) << example << ": " << r.error().message;
        expectPasses("f16", example, config, dims.k, problem, *r);
        ++checked;
      }
      break;
    }
  }
  if (everyExampleSelected())
    EXPECT_EQ(checked, 2 * int(std::size(kSupported)));
}

/// Split-path problems: padded batches whose T is no multiple of the chunk (segments end
/// mid-sequence; the last ends mid-chunk), two chunks cut three ways (an empty segment),
/// long sequences on few heads (the state pre-pass cut into pieces),
/// and packed sequences of 1 to 699 tokens (shorter than a segment, and empty segments
/// at their ends).
std::vector<LinearProblem> splitProblems() {
  std::vector<LinearProblem> problems;
  // B = 1, H = 2, T = 8192 at P = 3: 4 to 8 pre-pass CTAs, so each earlier segment is cut
  // into R = 2 (c128 v128) or 5 (GLA's c64 v64) pieces (linearStatePiecesFor), whose
  // boundaries fall between the segments'. Plain linear attention (no decay) is the case
  // that shows a wrong record: decays hide one.
  for (const auto &[b, h, t] :
       {std::tuple<int64_t, int64_t, int64_t>{2, 3, 1000}, {1, 2, 77}, {1, 2, 8192}}) {
    problems.push_back(padded(b, h, t, false, 1));
  }
  problems.push_back(LinearProblem::packed(2, {300, 1, 699, 537}));
  problems.push_back(LinearProblem::packed(3, {1, 40, 130}));
  return problems;
}

TEST_F(LinearExamplesGpu, SplitSegmentsMatchFloat64Recurrence) {
  if (!runtimeInstance)
    GTEST_SKIP() << skipReason;
  runtime::Runtime &rt = *runtimeInstance;
  int checked = 0;
  for (const char *example : kSupported) {
    if (!exampleSelected(example))
      continue;
    LoadedExample e = loadExample(example);
    ASSERT_TRUE(e.program && e.ast);
    if (e.gate() == cuda::LinearGateKind::MlstmSig || e.gate() == cuda::LinearGateKind::MlstmExp)
      continue; // the mLSTM template has no split path: one CTA walks each sequence
    if (e.rule() == cuda::LinearRule::Delta)
      continue; // the delta rule does not split sequences; DeltaPackedSequences covers it
    const HeadDims dims = kHeadDims[0];
    std::vector<cuda::LinearConfig> defaults =
        cuda::linearCandidates(dims.k, dims.v, e.gate(), e.rule());
    ASSERT_FALSE(defaults.empty());
    for (int segments : {0, 3}) { // 0: chosen per launch from the SM count
      cuda::LinearConfig config = defaults.front();
      config.segments = segments;
      std::ostringstream diag;
      std::optional<GeneratedKernel> generated =
          e.program->generateLinear(e.kernel().name, dims.k, dims.v, config, diag);
      ASSERT_TRUE(generated) << diag.str();
      auto compiled = rt.compile(generated->source, generated->spec);
      ASSERT_TRUE(compiled) << example << " " << config.str() << ": " << compiled.error().message;
      EXPECT_EQ((*compiled)->resources().localBytes, 0) << example << " " << config.str();
      for (LinearProblem problem : splitProblems())
        for (bool tokenMajor : {false, true}) {
          problem.tokenMajor = tokenMajor;
          problem.seed = 100 + checked;
          auto r = checkLinear(rt, **compiled, e.kernel(), problem);
          ASSERT_TRUE(r) << example << " " << config.str() << ": " << r.error().message;
          expectPasses("split", example, config, dims.k, problem, *r);
          ++checked;
        }
    }
  }
  if (everyExampleSelected())
    EXPECT_GT(checked, 0);
}

TEST_F(LinearExamplesGpu, ChunksOfSeveralTilesMatchFloat64Recurrence) {
  if (!runtimeInstance)
    GTEST_SKIP() << skipReason;
  runtime::Runtime &rt = *runtimeInstance;
  // c64 w4 (one stripe per warp) at 4 tiles per chunk (256 tokens) and at 16 (1024) split
  // into 3 segments, and c128 w8 at 8 (1024) where it fits; K = 128, and K = 64 once.
  const cuda::LinearConfig configs[] = {
      {64, 16, 64, 4, 1, 2, 4}, {64, 16, 64, 4, 3, 2, 16}, {128, 16, 64, 8, 1, 2, 8}};
  int checked = 0;
  for (const char *example :
       {"linear", "lightning", "retnet", "simple_gla", "gla", "mlstm", "mlstm_sig"}) {
    if (!exampleSelected(example))
      continue;
    LoadedExample e = loadExample(example);
    ASSERT_TRUE(e.program && e.ast);
    const bool mlstm = e.gate() == cuda::LinearGateKind::MlstmSig ||
                       e.gate() == cuda::LinearGateKind::MlstmExp;
    for (const HeadDims dims : kHeadDims)
      for (cuda::LinearConfig config : configs) {
        if (dims.k != 128 && std::string(example) != "simple_gla")
          continue;
        if (mlstm)
          config.segments = 0; // the mLSTM does not split sequences
        if (!cuda::linearConfigProblem(dims.k, dims.v, e.gate(), e.rule(), config).empty() ||
            cuda::linearSmemBytes(dims.k, e.gate(), e.rule(), config) >
                rt.device().maxSharedMemoryPerBlockOptin)
          continue; // K=64 takes at most 4 warps; GLA's c128 gate rows exceed the SM
        std::ostringstream diag;
        std::optional<GeneratedKernel> generated =
            e.program->generateLinear(e.kernel().name, dims.k, dims.v, config, diag);
        ASSERT_TRUE(generated) << diag.str();
        auto compiled = rt.compile(generated->source, generated->spec);
        ASSERT_TRUE(compiled) << example << " " << config.str() << ": "
                              << compiled.error().message;
        for (const auto &[b, h, t] : {std::tuple<int64_t, int64_t, int64_t>{2, 3, 2500},
                                      {1, 2, 77}, {1, 2, 4100}}) {
          LinearProblem problem = padded(b, h, t, false, 1);
          problem.seed = 300 + checked;
          auto r = checkLinear(rt, **compiled, e.kernel(), problem);
          ASSERT_TRUE(r) << example << " " << config.str() << ": " << r.error().message;
          expectPasses("span", example, config, dims.k, problem, *r);
          ++checked;
        }
      }
  }
  if (everyExampleSelected())
    EXPECT_GE(checked, 3 * 20);
}

/// `values` as raw little-endian f32 in a temporary file named after `name`; its path.
std::string writeGateFile(const std::string &name, const std::vector<float> &values) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("attnc_gpu_gate_" + name + ".f32")).string();
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char *>(values.data()),
             static_cast<std::streamsize>(values.size() * sizeof(float)));
  return path;
}

/// N(mean, spread) draws, passed through logsigmoid when `logSigmoid`.
std::vector<float> gateValues(int64_t n, double mean, double spread, bool logSigmoid,
                              uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(mean, spread);
  std::vector<float> out(n);
  for (float &x : out) {
    const double y = normal(rng);
    x = static_cast<float>(logSigmoid ? std::min(y, 0.0) - std::log1p(std::exp(-std::abs(y))) : y);
  }
  return out;
}

// Issue 5's numerics at T = 65536 with gates from files (the harness's --input path):
// per-token and per-channel log gates near logsigmoid(-8) and the mLSTM's forget gate
// around -8 with input gates N(0, 3), one-tile chunks beside chunks of 16 tiles (whose
// exponents run from the chunk's start over 1024 tokens); and a file for an input the
// kernel does not have is an error naming it.
TEST_F(LinearExamplesGpu, StrongGatesFromFilesAt64kTokens) {
  if (!runtimeInstance)
    GTEST_SKIP() << skipReason;
  runtime::Runtime &rt = *runtimeInstance;
  constexpr int64_t kTokens = 65536, kHeadK = 128;
  const std::string token = writeGateFile("token", gateValues(kTokens, -8, 1, true, 51));
  const std::string channel =
      writeGateFile("channel", gateValues(kTokens * kHeadK, -8, 1, true, 52));
  const std::string forget = writeGateFile("forget", gateValues(kTokens, -8, 1, false, 53));
  const std::string input = writeGateFile("input", gateValues(kTokens, 0, 3, false, 54));
  const std::map<std::string, std::map<std::string, std::string>> files = {
      {"simple_gla", {{"g", token}}},
      {"gla", {{"g", channel}}},
      {"mlstm", {{"fgate", forget}, {"igate", input}}}};
  int checked = 0;
  for (const auto &[example, inputs] : files) {
    if (!exampleSelected(example))
      continue;
    LoadedExample e = loadExample(example.c_str());
    ASSERT_TRUE(e.program && e.ast);
    for (int span : {1, 16}) {
      const cuda::LinearConfig config{64, 16, 64, 4, example == "mlstm" ? 0 : 1, 2, span};
      std::ostringstream diag;
      std::optional<GeneratedKernel> generated =
          e.program->generateLinear(e.kernel().name, 128, 128, config, diag);
      ASSERT_TRUE(generated) << diag.str();
      auto compiled = rt.compile(generated->source, generated->spec);
      ASSERT_TRUE(compiled) << example << " " << config.str() << ": " << compiled.error().message;
      LinearProblem problem = padded(1, 1, kTokens, false, 60 + checked);
      problem.inputFiles = inputs;
      auto r = checkLinear(rt, **compiled, e.kernel(), problem);
      ASSERT_TRUE(r) << example << " " << config.str() << ": " << r.error().message;
      expectPasses("strong", example.c_str(), config, 128, problem, *r);
      ++checked;
      if (span == 1) {
        problem.seqLen = 100;
        problem.inputFiles = {{"nosuch", token}};
        auto wrong = checkLinear(rt, **compiled, e.kernel(), problem);
        ASSERT_FALSE(wrong);
        EXPECT_NE(wrong.error().message.find("--input nosuch: kernel '" + example +
                                             "' has no input of that name"),
                  std::string::npos)
            << wrong.error().message;
      }
    }
  }
  if (everyExampleSelected())
    EXPECT_EQ(checked, 6);
}

TEST_F(LinearExamplesGpu, DeltaPackedSequencesMatchFloat64Recurrence) {
  if (!runtimeInstance)
    GTEST_SKIP() << skipReason;
  runtime::Runtime &rt = *runtimeInstance;
  int checked = 0;
  for (const char *example : {"deltanet", "gated_deltanet"}) {
    if (!exampleSelected(example))
      continue;
    LoadedExample e = loadExample(example);
    ASSERT_TRUE(e.program && e.ast);
    for (const HeadDims &dims : kHeadDims) {
      std::vector<cuda::LinearConfig> defaults =
          cuda::linearCandidates(dims.k, dims.v, e.gate(), e.rule());
      ASSERT_FALSE(defaults.empty());
      std::ostringstream diag;
      std::optional<GeneratedKernel> generated =
          e.program->generateLinear(e.kernel().name, dims.k, dims.v, defaults.front(), diag);
      ASSERT_TRUE(generated) << diag.str();
      auto compiled = rt.compile(generated->source, generated->spec);
      ASSERT_TRUE(compiled) << example << ": " << compiled.error().message;
      EXPECT_EQ((*compiled)->resources().localBytes, 0) << example;
      // The prepare stage's packed grid: one-token, empty and exactly-one-chunk sequences.
      for (LinearProblem problem : {LinearProblem::packed(2, {300, 1, 699, 537}),
                                    LinearProblem::packed(2, {64, 0, 1, 235, 128})})
        for (bool tokenMajor : {false, true}) {
          problem.tokenMajor = tokenMajor;
          problem.seed = 200 + checked;
          auto r = checkLinear(rt, **compiled, e.kernel(), problem);
          ASSERT_TRUE(r) << example << ": " << r.error().message;
          expectPasses("delta", example, defaults.front(), dims.k, problem, *r);
          ++checked;
        }
    }
  }
  if (everyExampleSelected())
    EXPECT_GT(checked, 0);
}

} // namespace
} // namespace attnc
