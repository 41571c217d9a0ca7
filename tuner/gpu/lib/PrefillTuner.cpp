//===- PrefillTuner.cpp - Tune one prefill problem and record every trial -===//
//
// The database sees each trial through SearchOptions::onTrial, one transaction each, so a
// tuner killed mid-run keeps every finished trial. Config text in the database is the
// PrefillConfig form ("128x64 w4 s2 q:smem"), which the serving path parses back.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/PrefillTuner.h"

#include "attnc/Runtime/KernelSpec.h"
#include "attnc/Tuner/ChildProcessMeasurer.h"
#include "attnc/Tuner/DeviceProbe.h"
#include "attnc/Tuner/GpuMeasurer.h"
#include "attnc/Tuner/Search.h"
#include "attnc/Tuner/Spaces.h"
#include "attnc/Tuner/TunedKernel.h"

#include <algorithm>
#include <set>
#include <sstream>

namespace attnc::tuner {

namespace {

constexpr int64_t kCheckSeqLen = 509;           ///< ragged: no tile divides it
constexpr int64_t kCheckPairsLimit = 1LL << 26; ///< B*Hq*N*M above which the check shrinks
constexpr int64_t kCheckKvHeads = 2;
constexpr uint64_t kCheckSeed = 7;

TrialStatus statusOf(const Trial &t) {
  if (t.outcome != TrialOutcome::Measured)
    return TrialStatus::Failed;
  switch (t.measurement.status) {
  case MeasureStatus::Ok: return TrialStatus::Ok;
  case MeasureStatus::Wrong: return TrialStatus::Wrong;
  case MeasureStatus::Timeout: return TrialStatus::Timeout;
  case MeasureStatus::Failed: break;
  }
  return TrialStatus::Failed;
}

std::string reasonOf(const Trial &t) {
  switch (t.outcome) {
  case TrialOutcome::CompileFailed: return "compile failed: " + t.compile.reason;
  case TrialOutcome::CompileRejected: return "rejected after compiling: " + t.reason;
  case TrialOutcome::Measured: break;
  }
  return t.measurement.reason;
}

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
      cuda::prefillCandidates(req.headDim, req.device.arch());
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
  for (SearchSpace &space : spaces) {
    if (req.db) {
      std::set<std::string> blocked;
      for (const Candidate &c : space.enumerate(limits).valid) {
        std::string config = toPrefillConfig(c).str();
        runtime::Expected<bool> isBlocked =
            req.db->isBlocked(device, report.kernelFingerprint, config);
        if (!isBlocked)
          return isBlocked.takeError();
        if (*isBlocked)
          blocked.insert(config);
      }
      report.blockedPoints += static_cast<int>(blocked.size());
      space.addConstraint([blocked](const Candidate &c,
                                    const DeviceLimits &) -> std::optional<std::string> {
        if (blocked.count(toPrefillConfig(c).str()))
          return "blocklisted in the tuning database for this device and kernel";
        return std::nullopt;
      });
    }
    report.validPoints += static_cast<int>(space.enumerate(limits).valid.size());
  }

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

  std::optional<runtime::Error> dbError;
  auto recordTrial = [&](const Trial &t) {
    if (!req.db || dbError)
      return;
    TrialRecord r;
    r.device = device;
    r.kernel = report.kernelFingerprint;
    r.kernelName = req.kernel;
    r.problem = report.problem;
    r.config = toPrefillConfig(t.candidate).str();
    r.status = statusOf(t);
    r.reason = r.status == TrialStatus::Ok ? "" : reasonOf(t);
    r.medianMs = t.measurement.medianMs;
    r.minMs = t.measurement.minMs;
    r.maxMs = t.measurement.maxMs;
    r.samples = t.measurement.samples;
    r.toolVersion = req.toolVersion;
    if (r.status == TrialStatus::Ok)
      if (std::optional<CompiledCandidate> c = gpu.compiled(t.candidate))
        r.cubinKey = c->cacheKey;
    if (runtime::Expected<int64_t> id = req.db->recordTrial(r); !id)
      dbError = id.error();
    bool faulted = t.outcome == TrialOutcome::Measured && r.status != TrialStatus::Ok &&
                   r.reason.rfind(kEnvironmentFailure, 0) != 0;
    if (faulted && !dbError)
      if (runtime::Status st = req.db->blockConfig(device, report.kernelFingerprint, r.config,
                                                   r.reason);
          !st)
        dbError = st.error();
  };

  // One search per space, one after the other; the budgets span them all.
  for (const SearchSpace &space : spaces) {
    const int valid = static_cast<int>(space.enumerate(limits).valid.size());
    SearchOptions options;
    options.budget = req.budget;
    if (req.budget.maxMeasured > 0) {
      options.budget.maxMeasured = req.budget.maxMeasured - report.result.measuredCount();
      if (options.budget.maxMeasured <= 0)
        break;
    }
    auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    if (req.budget.maxTime.count() > 0) {
      options.budget.maxTime = req.budget.maxTime - spent;
      if (options.budget.maxTime.count() <= 0)
        break;
    }
    std::unique_ptr<SearchStrategy> strategy =
        req.strategy == "auto" ? defaultStrategy(valid, options.budget) : makeStrategy(req.strategy);
    if (!strategy)
      return runtime::Error{runtime::ErrorCode::InvalidArgument,
                            "unknown strategy '" + req.strategy +
                                "' (expected auto, exhaustive, random-local or evolutionary)"};
    report.strategy += (report.strategy.empty() ? "" : " + ") + std::string(strategy->name()) +
                       " (" + space.family() + ")";
    options.compileThreads = std::max(1u, req.compileThreads);
    options.seed = req.seed;
    options.progress = req.progress;
    options.onTrial = recordTrial;
    SearchResult part = strategy->run(space, limits, isolated, options);
    SearchResult &all = report.result;
    size_t offset = all.trials.size();
    for (Trial &t : part.trials)
      all.trials.push_back(std::move(t));
    for (PrunedCandidate &p : part.pruned)
      all.pruned.push_back(std::move(p));
    if (part.best && (!all.best || all.trials[offset + *part.best].measurement.medianMs <
                                       all.bestTrial()->measurement.medianMs))
      all.best = offset + *part.best;
    all.budgetExhausted = all.budgetExhausted || part.budgetExhausted;
    all.timeExhausted = all.timeExhausted || part.timeExhausted;
  }

  // The per-arch default: the first default config that runs correctly, measured here if
  // the search did not reach it, so that the gain from tuning is always known.
  for (const cuda::PrefillConfig &config : defaults) {
    Candidate c = fromPrefillConfig(config);
    auto it = std::find_if(report.result.trials.begin(), report.result.trials.end(),
                           [&](const Trial &t) { return t.candidate == c; });
    if (it == report.result.trials.end()) {
      const SearchSpace &space = config.sm90 ? spaces.front() : spaces.back();
      if (space.check(c, limits))
        continue; // pruned (e.g. blocklisted): not a usable default here
      Trial t;
      t.candidate = c;
      t.compile = isolated.compile(c);
      if (!t.compile.ok) {
        t.outcome = TrialOutcome::CompileFailed;
      } else if (std::optional<std::string> why =
                     postCompileReject(t.compile, space.threadsPerBlock(c), limits)) {
        t.outcome = TrialOutcome::CompileRejected;
        t.reason = *why;
      } else {
        t.measurement = isolated.measure(c);
        t.reason = t.measurement.reason;
      }
      recordTrial(t);
      report.result.trials.push_back(t);
      it = report.result.trials.end() - 1;
      if (it->ok() && (!report.result.best || it->measurement.medianMs <
                                                  report.result.bestTrial()->measurement.medianMs))
        report.result.best = static_cast<size_t>(it - report.result.trials.begin());
    }
    if (it->ok()) {
      report.defaultTrial = static_cast<size_t>(it - report.result.trials.begin());
      break;
    }
  }
  if (dbError)
    return *dbError;
  if (!report.result.bestTrial())
    for (const Trial &t : report.result.trials)
      if (t.measurement.reason.rfind(kEnvironmentFailure, 0) == 0)
        return runtime::Error{runtime::ErrorCode::NoDevice,
                              "no candidate could be measured: " + t.measurement.reason};

  if (const Trial *best = report.result.bestTrial(); best && req.db) {
    std::optional<CompiledCandidate> c = gpu.compiled(best->candidate);
    if (c) {
      runtime::Status st = req.db->storeCubin(
          {c->cacheKey, req.device.arch(), runtime::serializeKernelSpec(c->spec), c->cubin});
      if (!st)
        return st.error();
      report.storedCubinKey = c->cacheKey;
    }
  }
  report.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  return report;
}

} // namespace attnc::tuner
