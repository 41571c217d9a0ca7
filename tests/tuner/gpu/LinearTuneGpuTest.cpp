//===- LinearTuneGpuTest.cpp - A real linear tune, then a deploy database --===//
//
// TuneGpuTest for the linear family: tune examples/simple_gla.attn (per-token gate) on a
// small problem with a budget of 3 configs, check that every trial reached the database
// under a "linear" key and the winner's cubin was stored, export a deploy database, then
// in a fresh process with an empty cubin cache serve the kernel from the deploy database
// alone: zero NVRTC compiles, the winner's LinearConfig, and o and the final state
// matching the float64 recurrence. A second tune measures the first default at every fixed
// split p1 .. p64 (the seeds after the defaults; at T = 1000 most of p64's segments are
// empty), each checked against the float64 recurrence first. Skips itself without a GPU.
//
//===----------------------------------------------------------------------===//
#include "attnc/DSL/Frontend.h"
#include "attnc/Runtime/Runtime.h"
#include "attnc/Tuner/ChildProcess.h"
#include "attnc/Tuner/DeviceProbe.h"
#include "attnc/Tuner/LinearTuner.h"
#include "attnc/Tuner/Spaces.h"
#include "attnc/Tuner/TunedKernel.h"

#include "TuneGpuSteps.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

using namespace attnc;
using namespace attnc::tuner;
using namespace attnc::tuner::testing;
namespace fs = std::filesystem;

namespace {

constexpr int kBudget = 3;
constexpr int kSplitSeeds = 7; ///< p1, p2, ..., p64
constexpr int kHeadDim = 128;
constexpr std::chrono::milliseconds kServeWatchdog{120000};
constexpr uint64_t kServeSeed = 5;

/// examples/simple_gla.attn parsed and compiled, and the GPU; skips without one.
class LinearTuneGpu : public ::testing::Test {
protected:
  void SetUp() override {
    runtime::Expected<runtime::DeviceInfo> probed = probeDeviceInChild(0);
    if (!probed)
      GTEST_SKIP() << "no GPU: " << probed.error().message;
    device = *probed;
    buffer.emplace(path, readFile(path));
    dsl::DiagnosticEngine diags(*buffer);
    ast = dsl::parseAndCheck(*buffer, diags);
    ASSERT_TRUE(ast.has_value());
    std::ostringstream diag;
    program = CompiledProgram::load(path, diag);
    ASSERT_TRUE(program) << diag.str();
  }

  const std::string path = examplePath("simple_gla");
  runtime::DeviceInfo device;
  std::optional<dsl::SourceBuffer> buffer;
  std::optional<dsl::Program> ast;
  std::unique_ptr<CompiledProgram> program;
};

} // namespace

TEST_F(LinearTuneGpu, SimpleGlaTunesThenDeployServesWithZeroCompiles) {
  const fs::path dir = freshDir("attnc_linear_tune_gpu");

  ProblemShape shape;
  shape.batch = 2;
  shape.headsQ = shape.headsKv = 4;
  shape.seqQ = shape.seqK = 1000;
  runtime::Expected<std::unique_ptr<TuningDb>> db = TuningDb::open((dir / "tune.db").string());
  ASSERT_TRUE(db) << db.error().message;

  LinearTuneRequest req;
  req.program = program.get();
  req.ast = &ast->kernels.front();
  req.kernel = "simple_gla";
  req.headDimK = req.headDimV = kHeadDim;
  req.shape = shape;
  req.device = device;
  req.cacheDir = (dir / "cache-tune").string();
  req.db = db->get();
  req.plan.budget.maxMeasured = kBudget;
  req.toolVersion = "test";
  runtime::Expected<TuneReport> report = tuneLinear(req);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->problem.family, "linear");
  ASSERT_NE(report->result.bestTrial(), nullptr) << "no config ran correctly";
  const std::string winner = toLinearConfig(report->result.bestTrial()->candidate).str();
  expectTuneRecorded(**db, device.fingerprint(), *report, winner,
                     (dir / "deploy.db").string());
  db->reset();

  // Serving, in a fresh process: a ragged length of the same bucket, an empty cache.
  ProblemShape serve = shape;
  serve.seqQ = serve.seqK = 999;
  const dsl::Kernel &kernelAst = ast->kernels.front();
  ChildOutcome served = runInChild(
      [&]() -> std::string {
        auto rt = runtime::Runtime::create(0, (dir / "cache-serve").string());
        if (!rt)
          return "error " + rt.error().message;
        auto layered = LayeredDb::open("", {(dir / "deploy.db").string()});
        if (!layered)
          return "error " + layered.error().message;
        auto tuned = loadTunedLinearKernel(**rt, *program, "simple_gla", kHeadDim, kHeadDim,
                                           serve, layered->get());
        if (!tuned)
          return "error " + tuned.error().message;
        LinearProblem problem = LinearProblem::fromShape(serve);
        problem.seed = kServeSeed;
        auto check = checkLinear(**rt, *tuned->kernel, kernelAst, problem);
        if (!check)
          return "error " + check.error().message;
        return servingLine(*tuned, (*rt)->cache().stats().compiles,
                           tuned->generated.linearConfig.str(), check->passed(), check->relError);
      },
      kServeWatchdog, "serving process");
  expectServedWithoutCompiles(served, winner);
  fs::remove_all(dir);
}

TEST_F(LinearTuneGpu, EverySplitOfTheFirstDefaultIsCheckedAndMeasured) {
  const fs::path dir = freshDir("attnc_linear_split_tune_gpu");

  const std::vector<cuda::LinearConfig> defaults =
      cuda::linearCandidates(kHeadDim, kHeadDim, cuda::LinearGateKind::PerToken,
                             cuda::LinearRule::Additive, device.maxSharedMemoryPerBlockOptin);
  ASSERT_FALSE(defaults.empty());
  LinearTuneRequest req;
  req.program = program.get();
  req.ast = &ast->kernels.front();
  req.kernel = "simple_gla";
  req.headDimK = req.headDimV = kHeadDim;
  req.shape.batch = 2;
  req.shape.headsQ = req.shape.headsKv = 4;
  req.shape.seqQ = req.shape.seqK = 1000;
  req.device = device;
  req.cacheDir = (dir / "cache").string();
  req.plan.budget.maxMeasured = int(defaults.size()) + kSplitSeeds;
  req.toolVersion = "test";
  runtime::Expected<TuneReport> report = tuneLinear(req);
  ASSERT_TRUE(report) << report.error().message;
  for (int p = 1; p <= cuda::kMaxLinearSegments; p *= 2) {
    cuda::LinearConfig split = defaults.front();
    split.segments = p;
    const auto trial = std::find_if(
        report->result.trials.begin(), report->result.trials.end(),
        [&](const Trial &t) { return toLinearConfig(t.candidate) == split; });
    ASSERT_NE(trial, report->result.trials.end()) << split.str() << " was not measured";
    EXPECT_TRUE(trial->ok()) << split.str() << ": " << trial->measurement.reason;
  }
  fs::remove_all(dir);
}
