//===- LinearTuner.cpp - Tune one linear-family problem and record every trial ===//
//
// Config text in the database is the LinearConfig form ("c64 sub32 v64 w4"), which
// loadTunedLinearKernel parses back. The gate kind and the update rule, which decide the
// tile rules and the shared-memory plan, are read from a kernel generated with the first
// default.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/LinearTuner.h"

#include "attnc/Tuner/ChildProcessMeasurer.h"
#include "attnc/Tuner/DeviceProbe.h"
#include "attnc/Tuner/LinearMeasurer.h"
#include "attnc/Tuner/Spaces.h"
#include "attnc/Tuner/TunedKernel.h"

#include <algorithm>
#include <sstream>

namespace attnc::tuner {

namespace {
constexpr int64_t kCheckSeqLen = 509; ///< ragged: no chunk divides it
constexpr int64_t kCheckBatch = 2;
constexpr int64_t kCheckHeads = 2;
constexpr uint64_t kCheckSeed = 7;
constexpr uint64_t kBenchSeed = 11;
} // namespace

LinearProblem linearCheckProblem(const ProblemShape &shape) {
  LinearProblem p = LinearProblem::fromShape(shape);
  p.batch = std::min(p.batch, kCheckBatch);
  p.heads = std::min(p.heads, kCheckHeads);
  p.seqLen = std::min(p.seqLen, kCheckSeqLen);
  p.seed = kCheckSeed;
  p.inputFiles.clear(); // files hold the full shape; the check draws its gates (as prefill's)
  return p;
}

runtime::Expected<TuneReport> tuneLinear(const LinearTuneRequest &req) {
  auto started = std::chrono::steady_clock::now();
  if (req.shape.headsKv != req.shape.headsQ || req.shape.seqK != req.shape.seqQ)
    return runtime::Error{runtime::ErrorCode::InvalidArgument,
                          "kernel '" + req.kernel +
                              "' is of the linear family; its shape takes B, H and N (the "
                              "length T), with Hkv = H and M = N"};
  std::ostringstream diag;
  std::optional<GeneratedKernel> probe =
      generateLinearDefault(*req.program, req.kernel, req.headDimK, req.headDimV, diag);
  if (!probe)
    return runtime::Error{runtime::ErrorCode::InvalidArgument,
                          "cannot generate kernel '" + req.kernel + "': " + diag.str()};
  const cuda::LinearGateKind gate = linearGateKind(*probe);
  const cuda::LinearRule rule = linearRule(*probe);

  TuneReport report;
  report.kernelFingerprint = req.program->fingerprint(req.kernel);
  report.problem = linearProblemKey(*probe, req.shape);
  const LinearProblem check = linearCheckProblem(req.shape);
  report.checkShape = req.shape;
  report.checkShape.inputFiles.clear();
  report.checkShape.batch = check.batch;
  report.checkShape.headsQ = report.checkShape.headsKv = check.heads;
  report.checkShape.seqQ = report.checkShape.seqK = check.seqLen;

  const DeviceLimits limits = deviceLimits(req.device);
  std::vector<SearchSpace> spaces{linearSpace(req.headDimK, req.headDimV, gate, rule)};

  LinearTuneProblem problem;
  problem.program = req.program;
  problem.ast = req.ast;
  problem.kernel = req.kernel;
  problem.headDimK = req.headDimK;
  problem.headDimV = req.headDimV;
  problem.device = req.device;
  problem.cacheDir = req.cacheDir;
  problem.check = check;
  problem.bench = LinearProblem::fromShape(req.shape);
  problem.bench.seed = kBenchSeed;
  problem.warmup = req.warmup;
  problem.iterations = req.iterations;
  LinearMeasurer gpu(problem);
  ChildProcessMeasurer isolated(gpu, req.watchdog);

  TuneContext ctx;
  ctx.db = req.db;
  ctx.device = req.device.fingerprint();
  ctx.arch = req.device.arch();
  ctx.kernelName = req.kernel;
  ctx.toolVersion = req.toolVersion;
  ctx.configText = [](const Candidate &c) { return toLinearConfig(c).str(); };
  ctx.compiled = [&gpu](const Candidate &c) { return gpu.compiled(c); };
  if (runtime::Status st = applyBlocklist(spaces, limits, ctx, report); !st)
    return st.error();

  std::vector<Candidate> defaults;
  for (const cuda::LinearConfig &config :
       cuda::linearCandidates(req.headDimK, req.headDimV, gate, rule, limits.smemOptinBytes))
    defaults.push_back(fromLinearConfig(config));
  // The first default at every fixed split (p1 .. p64): they share its cubin, so a budgeted
  // search learns how often the state should go through HBM for the cost of measurements;
  // then every default at each deeper pipeline (pruned where its stages exceed shared
  // memory).
  SearchPlan plan = req.plan;
  if (!defaults.empty())
    for (int p = 1; p <= cuda::kMaxLinearSegments; p *= 2) {
      cuda::LinearConfig split = toLinearConfig(defaults.front());
      split.segments = p;
      plan.seeds.push_back(fromLinearConfig(split));
    }
  for (int s = cuda::kDefaultLinearStages + 1; s <= cuda::kMaxLinearStages; ++s)
    for (const Candidate &c : defaults) {
      cuda::LinearConfig deeper = toLinearConfig(c);
      deeper.stages = s;
      plan.seeds.push_back(fromLinearConfig(deeper));
    }
  auto spaceOf = [&spaces](const Candidate &) -> const SearchSpace & { return spaces.front(); };
  if (runtime::Status st = runSearches(spaces, limits, isolated, plan, defaults, spaceOf,
                                       started, ctx, report);
      !st)
    return st.error();
  if (runtime::Status st = storeWinnerCubin(ctx, report); !st)
    return st.error();
  report.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  return report;
}

} // namespace attnc::tuner
