//===- Evaluator.h - Compile, prune, measure and record candidates -*- C++ -*-===//
//
// The loop every strategy shares: a batch of candidates is queued on the compile pool,
// then measured one by one in order while later compiles continue. Each candidate is
// evaluated at most once; the record of every trial (pruned, rejected after compiling,
// failed, wrong, timed out or timed) is kept with its reason. The budget counts measured
// candidates; the time budget stops the loop between candidates.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TUNER_EVALUATOR_H
#define ATTNC_TUNER_EVALUATOR_H

#include "attnc/Tuner/CompilePool.h"
#include "attnc/Tuner/Measurer.h"
#include "attnc/Tuner/SearchSpace.h"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace attnc::tuner {

/// How much a search may spend: measured configs (`--budget N`) and wall time
/// (`--time-budget`). Zero means unlimited.
struct SearchBudget {
  int maxMeasured = 0;
  std::chrono::milliseconds maxTime{0};
};

/// How a trial ended.
enum class TrialOutcome {
  Measured,       ///< see measurement.status
  CompileFailed,  ///< compile() failed
  CompileRejected ///< compiled, but post-compile pruning rejected it
};

/// One evaluated candidate.
struct Trial {
  Candidate candidate;
  TrialOutcome outcome = TrialOutcome::Measured;
  CompileResult compile;
  Measurement measurement;
  std::string reason; ///< empty for a successful measurement

  bool ok() const { return outcome == TrialOutcome::Measured && measurement.ok(); }
};

/// Reported after every trial; `done` never decreases.
struct Progress {
  int done = 0;  ///< candidates measured so far (what the budget counts)
  int total = 0; ///< the most that will be measured: min(budget, valid points)
  int trials = 0;
  std::optional<Trial> best;
  std::chrono::milliseconds elapsed{0};
  std::chrono::milliseconds eta{0}; ///< remaining, from the mean time per measurement
};
using ProgressFn = std::function<void(const Progress &)>;

/// Everything a search did, in the order it happened, and its winner.
struct SearchResult {
  std::vector<Trial> trials;
  std::vector<PrunedCandidate> pruned; ///< rejected before compiling
  std::optional<size_t> best;          ///< index into trials of the fastest ok trial
  bool budgetExhausted = false;
  bool timeExhausted = false;

  const Trial *bestTrial() const { return best ? &trials[*best] : nullptr; }
  int measuredCount() const;
};

/// Settings shared by all strategies.
struct SearchOptions {
  SearchBudget budget;
  unsigned compileThreads = 2;
  unsigned long long seed = 1;
  ProgressFn progress;
  /// Called with every trial as soon as it is recorded (before `progress`), e.g. to commit
  /// it to the tuning database so that a killed tuner keeps what it measured.
  std::function<void(const Trial &)> onTrial;
  /// Candidates every strategy evaluates first, in order (the per-arch defaults), so a
  /// search whose budget ends early never reports less than the best of them.
  std::vector<Candidate> seeds;
};

class Evaluator {
public:
  Evaluator(const SearchSpace &space, const DeviceLimits &limits, Measurer &measurer,
            const SearchOptions &options, int validPoints);

  /// Evaluates the candidates of `batch` not seen before, in order, within the budget.
  /// Returns the indices of their trials in result().
  std::vector<size_t> evaluate(const std::vector<Candidate> &batch);
  /// Records candidates pruned before compiling (an enumeration's), once each.
  void addPruned(std::vector<PrunedCandidate> pruned);
  /// Evaluates the options' seeds (strategies call it before their own order).
  void evaluateSeeds() {
    if (!options_.seeds.empty())
      evaluate(options_.seeds);
  }
  /// The trial of a seen candidate, or nullptr.
  const Trial *find(const Candidate &candidate) const;
  bool seen(const Candidate &candidate) const { return find(candidate) != nullptr; }
  /// True once the measurement or time budget is spent.
  bool exhausted() const;
  SearchResult &result() { return result_; }
  /// Moves the result out, noting which budget ended the search.
  SearchResult finish();

private:
  void record(Trial trial);
  Trial runOne(const Candidate &candidate, const CompileResult &compiled);
  int remainingBudget() const;
  bool outOfTime();
  std::chrono::milliseconds elapsed() const;

  const SearchSpace &space_;
  DeviceLimits limits_;
  Measurer &measurer_;
  const SearchOptions &options_;
  int total_;
  std::chrono::steady_clock::time_point start_;
  std::map<std::string, size_t> index_;
  std::set<std::string> pruned_;
  SearchResult result_;
  int measured_ = 0;
  std::unique_ptr<CompilePool> pool_; // last: joined before the rest is destroyed
};

} // namespace attnc::tuner

#endif // ATTNC_TUNER_EVALUATOR_H
