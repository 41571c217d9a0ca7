//===- LinearTuneGpuTest.cpp - A real linear tune, then a deploy database --===//
//
// TuneGpuTest for the linear family: tune examples/simple_gla.attn (per-token gate) on a
// small problem with a budget of 3 configs, check that every trial reached the database
// under a "linear" key and the winner's cubin was stored, export a deploy database, then
// in a fresh process with an empty cubin cache serve the kernel from the deploy database
// alone: zero NVRTC compiles, the winner's LinearConfig, and o and the final state
// matching the float64 recurrence. Skips itself without a GPU.
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

#include <filesystem>
#include <sstream>

using namespace attnc;
using namespace attnc::tuner;
using namespace attnc::tuner::testing;
namespace fs = std::filesystem;

namespace {

constexpr int kBudget = 3;
constexpr int kHeadDim = 128;
constexpr std::chrono::milliseconds kServeWatchdog{120000};
constexpr uint64_t kServeSeed = 5;

} // namespace

TEST(LinearTuneGpu, SimpleGlaTunesThenDeployServesWithZeroCompiles) {
  runtime::Expected<runtime::DeviceInfo> device = probeDeviceInChild(0);
  if (!device)
    GTEST_SKIP() << "no GPU: " << device.error().message;

  const fs::path dir = freshDir("attnc_linear_tune_gpu");
  const std::string path = examplePath("simple_gla");
  dsl::SourceBuffer buffer(path, readFile(path));
  dsl::DiagnosticEngine diags(buffer);
  std::optional<dsl::Program> ast = dsl::parseAndCheck(buffer, diags);
  ASSERT_TRUE(ast.has_value());
  std::ostringstream diag;
  std::unique_ptr<CompiledProgram> program = CompiledProgram::load(path, diag);
  ASSERT_TRUE(program) << diag.str();

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
  req.device = *device;
  req.cacheDir = (dir / "cache-tune").string();
  req.db = db->get();
  req.plan.budget.maxMeasured = kBudget;
  req.toolVersion = "test";
  runtime::Expected<TuneReport> report = tuneLinear(req);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->problem.family, "linear");
  ASSERT_NE(report->result.bestTrial(), nullptr) << "no config ran correctly";
  const std::string winner = toLinearConfig(report->result.bestTrial()->candidate).str();
  expectTuneRecorded(**db, device->fingerprint(), *report, winner,
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
