//===- TuneRun.cpp - What the prefill and linear tuners share --------------===//
//
// Factored out of PrefillTuner so that the linear tuner records, blocklists, searches and
// stores exactly as the prefill one does. The database sees each trial through
// SearchOptions::onTrial, one transaction each, so a tuner killed mid-run keeps every
// finished trial.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/TuneRun.h"

#include "attnc/Runtime/KernelSpec.h"
#include "attnc/Tuner/Search.h"

#include <algorithm>
#include <set>

namespace attnc::tuner {

namespace {

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

/// Appends `part` to `all`, keeping the faster winner.
void mergeResult(SearchResult &all, SearchResult part) {
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

/// Compiles, rejects or measures one candidate outside a search.
Trial runOne(const Candidate &c, const SearchSpace &space, const DeviceLimits &limits,
             Measurer &measurer) {
  Trial t;
  t.candidate = c;
  t.compile = measurer.compile(c);
  if (!t.compile.ok) {
    t.outcome = TrialOutcome::CompileFailed;
  } else if (std::optional<std::string> why =
                 postCompileReject(t.compile, space.threadsPerBlock(c), limits)) {
    t.outcome = TrialOutcome::CompileRejected;
    t.reason = *why;
  } else {
    t.measurement = measurer.measure(c);
    t.reason = t.measurement.reason;
  }
  return t;
}

} // namespace

TrialRecord trialRecord(const Trial &t, const TuneContext &ctx, const TuneReport &report) {
  TrialRecord r;
  r.device = ctx.device;
  r.kernel = report.kernelFingerprint;
  r.kernelName = ctx.kernelName;
  r.problem = report.problem;
  r.config = ctx.configText(t.candidate);
  r.status = statusOf(t);
  r.reason = r.status == TrialStatus::Ok ? "" : reasonOf(t);
  r.medianMs = t.measurement.medianMs;
  r.minMs = t.measurement.minMs;
  r.maxMs = t.measurement.maxMs;
  r.samples = t.measurement.samples;
  r.toolVersion = ctx.toolVersion;
  if (r.status == TrialStatus::Ok)
    if (std::optional<CompiledCandidate> c = ctx.compiled(t.candidate))
      r.cubinKey = c->cacheKey;
  return r;
}

runtime::Status applyBlocklist(std::vector<SearchSpace> &spaces, const DeviceLimits &limits,
                               const TuneContext &ctx, TuneReport &report) {
  for (SearchSpace &space : spaces) {
    if (ctx.db) {
      std::set<std::string> blocked;
      for (const Candidate &c : space.enumerate(limits).valid) {
        std::string config = ctx.configText(c);
        runtime::Expected<bool> isBlocked =
            ctx.db->isBlocked(ctx.device, report.kernelFingerprint, config);
        if (!isBlocked)
          return isBlocked.takeError();
        if (*isBlocked)
          blocked.insert(config);
      }
      report.blockedPoints += static_cast<int>(blocked.size());
      ConfigText text = ctx.configText;
      space.addConstraint([blocked, text](const Candidate &c,
                                          const DeviceLimits &) -> std::optional<std::string> {
        if (blocked.count(text(c)))
          return "blocklisted in the tuning database for this device and kernel";
        return std::nullopt;
      });
    }
    report.validPoints += static_cast<int>(space.enumerate(limits).valid.size());
  }
  return runtime::Status::success();
}

runtime::Status runSearches(const std::vector<SearchSpace> &spaces, const DeviceLimits &limits,
                            Measurer &measurer, const SearchPlan &plan,
                            const std::vector<Candidate> &defaults,
                            const std::function<const SearchSpace &(const Candidate &)> &spaceOf,
                            std::chrono::steady_clock::time_point started,
                            const TuneContext &ctx, TuneReport &report) {
  std::optional<runtime::Error> dbError;
  auto recordTrial = [&](const Trial &t) {
    if (!ctx.db || dbError)
      return;
    TrialRecord r = trialRecord(t, ctx, report);
    if (runtime::Expected<int64_t> id = ctx.db->recordTrial(r); !id)
      dbError = id.error();
    bool faulted = t.outcome == TrialOutcome::Measured && r.status != TrialStatus::Ok &&
                   r.reason.rfind(kEnvironmentFailure, 0) != 0;
    if (faulted && !dbError)
      if (runtime::Status st =
              ctx.db->blockConfig(ctx.device, report.kernelFingerprint, r.config, r.reason);
          !st)
        dbError = st.error();
  };

  for (const SearchSpace &space : spaces) {
    const int valid = static_cast<int>(space.enumerate(limits).valid.size());
    SearchOptions options;
    options.budget = plan.budget;
    if (plan.budget.maxMeasured > 0) {
      options.budget.maxMeasured = plan.budget.maxMeasured - report.result.measuredCount();
      if (options.budget.maxMeasured <= 0)
        break;
    }
    auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    if (plan.budget.maxTime.count() > 0) {
      options.budget.maxTime = plan.budget.maxTime - spent;
      if (options.budget.maxTime.count() <= 0)
        break;
    }
    std::unique_ptr<SearchStrategy> strategy = plan.strategy == "auto"
                                                   ? defaultStrategy(valid, options.budget)
                                                   : makeStrategy(plan.strategy);
    if (!strategy)
      return runtime::Error{runtime::ErrorCode::InvalidArgument,
                            "unknown strategy '" + plan.strategy +
                                "' (expected auto, exhaustive, random-local or evolutionary)"};
    report.strategy += (report.strategy.empty() ? "" : " + ") + std::string(strategy->name()) +
                       " (" + space.family() + ")";
    options.compileThreads = std::max(1u, plan.compileThreads);
    options.seed = plan.seed;
    options.progress = plan.progress;
    options.onTrial = recordTrial;
    for (const std::vector<Candidate> *list : {&defaults, &plan.seeds})
      for (const Candidate &c : *list)
        if (&spaceOf(c) == &space)
          options.seeds.push_back(c);
    mergeResult(report.result, strategy->run(space, limits, measurer, options));
  }

  // The per-arch default: the first default that runs correctly. Every strategy measures
  // the defaults first (SearchOptions::seeds); one the budget left out (an earlier space
  // spent it) is measured here, so that the gain from tuning is always known.
  SearchResult &all = report.result;
  for (const Candidate &c : defaults) {
    auto it = std::find_if(all.trials.begin(), all.trials.end(),
                           [&](const Trial &t) { return t.candidate == c; });
    if (it == all.trials.end()) {
      const SearchSpace &space = spaceOf(c);
      if (space.check(c, limits))
        continue; // pruned (e.g. blocklisted): not a usable default here
      Trial t = runOne(c, space, limits, measurer);
      recordTrial(t);
      all.trials.push_back(t);
      it = all.trials.end() - 1;
      if (it->ok() &&
          (!all.best || it->measurement.medianMs < all.bestTrial()->measurement.medianMs))
        all.best = static_cast<size_t>(it - all.trials.begin());
    }
    if (it->ok()) {
      report.defaultTrial = static_cast<size_t>(it - all.trials.begin());
      break;
    }
  }
  if (dbError)
    return *dbError;
  if (!all.bestTrial())
    for (const Trial &t : all.trials)
      if (t.measurement.reason.rfind(kEnvironmentFailure, 0) == 0)
        return runtime::Error{runtime::ErrorCode::NoDevice,
                              "no candidate could be measured: " + t.measurement.reason};
  return runtime::Status::success();
}

runtime::Status storeWinnerCubin(const TuneContext &ctx, TuneReport &report) {
  const Trial *best = report.result.bestTrial();
  if (!best || !ctx.db)
    return runtime::Status::success();
  std::optional<CompiledCandidate> c = ctx.compiled(best->candidate);
  if (!c)
    return runtime::Status::success();
  runtime::Status st =
      ctx.db->storeCubin({c->cacheKey, ctx.arch, runtime::serializeKernelSpec(c->spec), c->cubin});
  if (!st)
    return st;
  report.storedCubinKey = c->cacheKey;
  return runtime::Status::success();
}

} // namespace attnc::tuner
