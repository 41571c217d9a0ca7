//===- TuneRun.h - What the prefill and linear tuners share -------*- C++ -*-===//
//
// Both families tune the same way once their spaces and measurer exist: the database's
// blocklist is folded into each space as a constraint, one search runs per space with the
// budgets spanning them all, every trial becomes a TrialRecord committed as it ends (a
// wrong, faulting or hanging config is blocklisted unless the environment failed), the
// per-arch default is measured if the search did not reach it, and the winner's cubin is
// stored for a deploy database. A family only supplies how a candidate prints as config
// text and which artefacts its measurer compiled.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TUNER_TUNERUN_H
#define ATTNC_TUNER_TUNERUN_H

#include "attnc/Runtime/DeviceInfo.h"
#include "attnc/Tuner/Evaluator.h"
#include "attnc/Tuner/GpuMeasurer.h"
#include "attnc/Tuner/ProblemKey.h"
#include "attnc/Tuner/TuningDb.h"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace attnc::tuner {

/// What one tune did, for either family.
struct TuneReport {
  SearchResult result;
  ProblemKey problem;
  std::string kernelFingerprint;
  std::string strategy;
  ProblemShape checkShape;      ///< the shape every candidate was checked on
  int validPoints = 0;          ///< after pruning
  int blockedPoints = 0;        ///< pruned because the database blocklists them
  std::optional<size_t> defaultTrial; ///< the per-arch default's trial, if it ran ok
  std::string storedCubinKey;   ///< the winner's cubin, stored in the database
  std::chrono::milliseconds elapsed{0};
};

/// A candidate's config text as the database stores it (PrefillConfig or LinearConfig form).
using ConfigText = std::function<std::string(const Candidate &)>;
/// The artefacts a measurer compiled for a candidate, if it did.
using CompiledLookup = std::function<std::optional<CompiledCandidate>(const Candidate &)>;

/// The fixed parts of one tune's database rows, and how to read a family's candidates.
struct TuneContext {
  TuningDb *db = nullptr; ///< null: nothing is recorded
  std::string device;     ///< DeviceInfo::fingerprint()
  std::string arch;
  std::string kernelName;
  std::string toolVersion;
  ConfigText configText;
  CompiledLookup compiled;
};

/// How the searches run; the budgets span every space.
struct SearchPlan {
  std::string strategy = "auto";
  SearchBudget budget;
  unsigned compileThreads = 2;
  unsigned long long seed = 1;
  ProgressFn progress;
  /// Candidates measured right after the defaults, before the strategy's own order (the
  /// linear tuner's launch-time variants of its first default, which share its cubin).
  std::vector<Candidate> seeds;
};

/// The database row of trial `t` (report carries the problem and kernel fingerprint).
TrialRecord trialRecord(const Trial &t, const TuneContext &ctx, const TuneReport &report);

/// Adds to every space a constraint rejecting what the database blocklists for this device
/// and kernel; counts the blocked and valid points into `report`.
runtime::Status applyBlocklist(std::vector<SearchSpace> &spaces, const DeviceLimits &limits,
                               const TuneContext &ctx, TuneReport &report);

/// Runs one search per space (after a trial-recording hook), then measures the first
/// default (in order) the search did not reach, until one runs correctly; the report's
/// result, strategy and defaultTrial are filled. `spaceOf` names the space a default
/// belongs to. Errors: database failures, an unknown strategy, or no measurement at all
/// for a cause outside the candidates.
runtime::Status runSearches(const std::vector<SearchSpace> &spaces, const DeviceLimits &limits,
                            Measurer &measurer, const SearchPlan &plan,
                            const std::vector<Candidate> &defaults,
                            const std::function<const SearchSpace &(const Candidate &)> &spaceOf,
                            std::chrono::steady_clock::time_point started,
                            const TuneContext &ctx, TuneReport &report);

/// Stores the winner's cubin (if compiled) in the database; fills report.storedCubinKey.
runtime::Status storeWinnerCubin(const TuneContext &ctx, TuneReport &report);

} // namespace attnc::tuner

#endif // ATTNC_TUNER_TUNERUN_H
