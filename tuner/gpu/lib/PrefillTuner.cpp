//===- PrefillTuner.cpp - Tune one prefill problem and record every trial -===//
//
// Recording, the blocklist, the searches and the cubin store are TuneRun's. Config text
// in the database is the PrefillConfig form ("128x64 w4 s2 q:smem"), which the serving
// path parses back.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/PrefillTuner.h"

#include "attnc/Tuner/ChildProcessMeasurer.h"
#include "attnc/Tuner/DeviceProbe.h"
#include "attnc/Tuner/GpuMeasurer.h"
#include "attnc/Tuner/Spaces.h"
#include "attnc/Tuner/TunedKernel.h"

#include <algorithm>
#include <sstream>

namespace attnc::tuner {

namespace {

constexpr int64_t kCheckSeqLen = 509;           ///< ragged: no tile divides it
constexpr int64_t kCheckPairsLimit = 1LL << 26; ///< B*Hq*N*M above which the check shrinks
constexpr int64_t kCheckKvHeads = 2;
constexpr uint64_t kCheckSeed = 7;

} // namespace

ProblemShape checkShapeFor(const ProblemShape &shape) {
  ProblemShape check = shape;
  check.inputFiles.clear();
  if (shape.batch * shape.headsQ * shape.seqQ * shape.seqK <= kCheckPairsLimit)
    return check;
  const int64_t ratio = shape.headsQ / std::max<int64_t>(shape.headsKv, 1);
  check.batch = std::min<int64_t>(shape.batch, 2);
  check.headsKv = std::min(shape.headsKv, kCheckKvHeads);
  check.headsQ = check.headsKv * ratio;
  check.seqQ = std::min(shape.seqQ, kCheckSeqLen);
  check.seqK = shape.seqK == shape.seqQ ? check.seqQ : std::min(shape.seqK, 2 * kCheckSeqLen + 1);
  return check;
}

runtime::Expected<TuneReport> tunePrefill(const TuneRequest &req) {
  auto started = std::chrono::steady_clock::now();
  std::ostringstream diag;
  const std::vector<cuda::PrefillConfig> defaults =
      cuda::prefillCandidates(req.headDim, req.device.arch(), req.program->maskReach(req.kernel));
  std::optional<GeneratedKernel> probe =
      req.program->generate(req.kernel, req.headDim, defaults.front(), diag);
  if (!probe)
    return runtime::Error{runtime::ErrorCode::InvalidArgument,
                          "cannot generate kernel '" + req.kernel + "': " + diag.str()};
  const runtime::DType dtype = probe->spec.dtype;
  const std::string device = req.device.fingerprint();

  TuneReport report;
  report.kernelFingerprint = req.program->fingerprint(req.kernel);
  report.problem = prefillProblemKey(*probe, req.shape);
  report.checkShape = checkShapeFor(req.shape);

  runtime::Expected<SoftmaxWorkload> check =
      makeWorkload(*req.ast, report.checkShape, req.headDim, dtype, kCheckSeed, true);
  if (!check)
    return check.takeError();
  runtime::Expected<std::vector<SoftmaxWorkload>> bench = makeBenchWorkloads(
      *req.ast, req.shape, req.headDim, dtype, req.device.l2CacheBytes);
  if (!bench)
    return bench.takeError();

  // The spaces of the templates this arch runs (the wgmma one first on sm_90a), each
  // minus what the database blocklists for this device and kernel.
  const DeviceLimits limits = deviceLimits(req.device);
  std::vector<SearchSpace> spaces;
  if (cuda::archHasWgmma(req.device.arch()))
    spaces.push_back(prefillSm90Space(req.headDim));
  spaces.push_back(prefillSpace(req.headDim));

  GpuTuneProblem problem;
  problem.program = req.program;
  problem.kernel = req.kernel;
  problem.headDim = req.headDim;
  problem.device = req.device;
  problem.cacheDir = req.cacheDir;
  problem.check = &*check;
  problem.bench = &*bench;
  problem.warmup = req.warmup;
  problem.iterations = req.iterations;
  GpuMeasurer gpu(problem);
  ChildProcessMeasurer isolated(gpu, req.watchdog);

  TuneContext ctx;
  ctx.db = req.db;
  ctx.device = device;
  ctx.arch = req.device.arch();
  ctx.kernelName = req.kernel;
  ctx.toolVersion = req.toolVersion;
  ctx.configText = [](const Candidate &c) { return toPrefillConfig(c).str(); };
  ctx.compiled = [&gpu](const Candidate &c) { return gpu.compiled(c); };
  if (runtime::Status st = applyBlocklist(spaces, limits, ctx, report); !st)
    return st.error();

  SearchPlan plan;
  plan.strategy = req.strategy;
  plan.budget = req.budget;
  plan.compileThreads = req.compileThreads;
  plan.seed = req.seed;
  plan.progress = req.progress;
  std::vector<Candidate> defaultCandidates;
  for (const cuda::PrefillConfig &config : defaults)
    defaultCandidates.push_back(fromPrefillConfig(config));
  auto spaceOf = [&spaces](const Candidate &c) -> const SearchSpace & {
    return toPrefillConfig(c).sm90 ? spaces.front() : spaces.back();
  };
  if (runtime::Status st = runSearches(spaces, limits, isolated, plan, defaultCandidates, spaceOf,
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
