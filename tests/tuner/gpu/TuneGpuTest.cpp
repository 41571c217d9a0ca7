//===- TuneGpuTest.cpp - A real tune, then a deploy database, on the GPU ---===//
//
// End to end on a device: tune examples/causal.attn on a small ragged problem with a
// budget of a few configs (compiles on the pool, measurements in children), check that
// every trial reached the database and the winner's cubin was stored, export a deploy
// database, then in a fresh process with an empty cubin cache load the kernel from the
// deploy database alone: zero NVRTC compiles, the winner's config, and a correct result
// against the float64 reference. Like the tuner, this process never initialises CUDA
// itself; it probes and serves from children. Skips itself without a GPU.
//
//===----------------------------------------------------------------------===//
#include "attnc/DSL/Frontend.h"
#include "attnc/Runtime/Runtime.h"
#include "attnc/Tuner/ChildProcess.h"
#include "attnc/Tuner/DeviceProbe.h"
#include "attnc/Tuner/PrefillTuner.h"
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
constexpr std::chrono::milliseconds kServeWatchdog{120000};

} // namespace

TEST(TuneGpu, TuneRecordsEveryTrialThenDeployServesWithZeroCompiles) {
  runtime::Expected<runtime::DeviceInfo> device = probeDeviceInChild(0);
  if (!device)
    GTEST_SKIP() << "no GPU: " << device.error().message;

  const fs::path dir = freshDir("attnc_tune_gpu");
  const std::string path = examplePath("causal");
  dsl::SourceBuffer buffer(path, readFile(path));
  dsl::DiagnosticEngine diags(buffer);
  std::optional<dsl::Program> ast = dsl::parseAndCheck(buffer, diags);
  ASSERT_TRUE(ast.has_value());
  std::ostringstream diag;
  std::unique_ptr<CompiledProgram> program = CompiledProgram::load(path, diag);
  ASSERT_TRUE(program) << diag.str();

  ProblemShape shape;
  shape.batch = 2;
  shape.headsQ = 8;
  shape.headsKv = 2;
  shape.seqQ = shape.seqK = 1000;
  runtime::Expected<std::unique_ptr<TuningDb>> db = TuningDb::open((dir / "tune.db").string());
  ASSERT_TRUE(db) << db.error().message;

  TuneRequest req;
  req.program = program.get();
  req.ast = &ast->kernels.front();
  req.kernel = "causal";
  req.headDim = 128;
  req.shape = shape;
  req.device = *device;
  req.cacheDir = (dir / "cache-tune").string();
  req.db = db->get();
  req.budget.maxMeasured = kBudget;
  req.toolVersion = "test";
  runtime::Expected<TuneReport> report = tunePrefill(req);
  ASSERT_TRUE(report) << report.error().message;
  ASSERT_NE(report->result.bestTrial(), nullptr) << "no config ran correctly";
  const std::string winner = toPrefillConfig(report->result.bestTrial()->candidate).str();
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
        auto tuned = loadTunedKernel(**rt, *program, "causal", 128, serve, layered->get());
        if (!tuned)
          return "error " + tuned.error().message;
        auto check = checkSoftmax(**rt, *tuned->kernel, kernelAst, serve, 3);
        if (!check)
          return "error " + check.error().message;
        return servingLine(*tuned, (*rt)->cache().stats().compiles,
                           tuned->generated.config.str(), check->passed(), check->relError);
      },
      kServeWatchdog, "serving process");
  expectServedWithoutCompiles(served, winner);
  fs::remove_all(dir);
}
