//===- Evaluator.cpp - The compile-ahead measurement loop ------------------===//
//
// Compiles are queued at most `2 x compile threads` ahead of the candidate being
// measured, and never more than the measurement budget could still use, so a budget or
// deadline wastes few compiles. Ties between equal medians go to the earlier trial,
// which keeps results deterministic.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/Evaluator.h"

#include <algorithm>
#include <climits>
#include <deque>
#include <utility>

namespace attnc::tuner {

namespace {
constexpr unsigned kLookaheadPerThread = 2;
} // namespace

int SearchResult::measuredCount() const {
  return static_cast<int>(std::count_if(trials.begin(), trials.end(), [](const Trial &t) {
    return t.outcome == TrialOutcome::Measured;
  }));
}

Evaluator::Evaluator(const SearchSpace &space, const DeviceLimits &limits, Measurer &measurer,
                     const SearchOptions &options, int validPoints)
    : space_(space), limits_(limits), measurer_(measurer), options_(options),
      total_(options.budget.maxMeasured > 0 ? std::min(options.budget.maxMeasured, validPoints)
                                            : validPoints),
      start_(std::chrono::steady_clock::now()),
      pool_(std::make_unique<CompilePool>(measurer, options.compileThreads)) {}

std::chrono::milliseconds Evaluator::elapsed() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start_);
}

int Evaluator::remainingBudget() const {
  return options_.budget.maxMeasured > 0 ? options_.budget.maxMeasured - measured_ : INT_MAX;
}

bool Evaluator::outOfTime() {
  if (options_.budget.maxTime.count() > 0 && elapsed() >= options_.budget.maxTime)
    result_.timeExhausted = true;
  return result_.timeExhausted;
}

bool Evaluator::exhausted() const {
  return remainingBudget() <= 0 || result_.timeExhausted ||
         (options_.budget.maxTime.count() > 0 && elapsed() >= options_.budget.maxTime);
}

void Evaluator::addPruned(std::vector<PrunedCandidate> pruned) {
  for (PrunedCandidate &p : pruned)
    if (pruned_.insert(p.candidate.text()).second)
      result_.pruned.push_back(std::move(p));
}

const Trial *Evaluator::find(const Candidate &candidate) const {
  auto it = index_.find(candidate.text());
  return it == index_.end() ? nullptr : &result_.trials[it->second];
}

Trial Evaluator::runOne(const Candidate &candidate, const CompileResult &compiled) {
  Trial trial;
  trial.candidate = candidate;
  trial.compile = compiled;
  if (!compiled.ok) {
    trial.outcome = TrialOutcome::CompileFailed;
    trial.reason = "compile failed: " + compiled.reason;
  } else if (std::optional<std::string> reject =
                 postCompileReject(compiled, space_.threadsPerBlock(candidate), limits_)) {
    trial.outcome = TrialOutcome::CompileRejected;
    trial.reason = *reject;
  } else {
    trial.measurement = measurer_.measure(candidate);
    if (!trial.measurement.ok())
      trial.reason = std::string(measureStatusName(trial.measurement.status)) + ": " +
                     trial.measurement.reason;
  }
  return trial;
}

void Evaluator::record(Trial trial) {
  if (trial.outcome == TrialOutcome::Measured)
    ++measured_;
  size_t at = result_.trials.size();
  index_[trial.candidate.text()] = at;
  result_.trials.push_back(std::move(trial));
  const Trial &added = result_.trials.back();
  if (added.ok() && (!result_.best || added.measurement.medianMs <
                                          result_.trials[*result_.best].measurement.medianMs))
    result_.best = at;
  if (options_.onTrial)
    options_.onTrial(added);
  if (!options_.progress)
    return;
  Progress progress;
  progress.done = measured_;
  progress.total = std::max(total_, measured_);
  progress.trials = static_cast<int>(result_.trials.size());
  if (result_.best)
    progress.best = result_.trials[*result_.best];
  progress.elapsed = elapsed();
  if (measured_ > 0) {
    progress.eta = progress.elapsed / measured_ * (progress.total - measured_);
    if (options_.budget.maxTime.count() > 0)
      progress.eta = std::min(progress.eta, std::max(std::chrono::milliseconds(0),
                                                     options_.budget.maxTime - progress.elapsed));
  }
  options_.progress(progress);
}

std::vector<size_t> Evaluator::evaluate(const std::vector<Candidate> &batch) {
  std::vector<Candidate> todo;
  std::set<std::string> queued;
  for (const Candidate &c : batch) {
    std::string text = c.text();
    if (index_.count(text) || pruned_.count(text) || !queued.insert(text).second)
      continue;
    if (std::optional<std::string> reason = space_.check(c, limits_)) {
      pruned_.insert(text);
      result_.pruned.push_back({c, std::move(*reason)});
      continue;
    }
    todo.push_back(c);
  }
  size_t lookahead = std::max(1u, options_.compileThreads) * kLookaheadPerThread;
  std::deque<std::pair<size_t, std::shared_future<CompileResult>>> inflight;
  size_t next = 0;
  auto refill = [&] {
    while (next < todo.size() && inflight.size() < lookahead &&
           static_cast<long>(inflight.size()) < remainingBudget()) {
      inflight.emplace_back(next, pool_->submit(todo[next]));
      ++next;
    }
  };
  std::vector<size_t> added;
  for (refill(); !inflight.empty() && remainingBudget() > 0 && !outOfTime(); refill()) {
    auto [i, compiled] = std::move(inflight.front());
    inflight.pop_front();
    const CompileResult &compileResult = compiled.get();
    if (outOfTime())
      break; // the deadline passed while this candidate compiled
    record(runOne(todo[i], compileResult));
    added.push_back(result_.trials.size() - 1);
  }
  return added;
}

SearchResult Evaluator::finish() {
  pool_.reset();
  outOfTime();
  result_.budgetExhausted = remainingBudget() <= 0;
  return std::move(result_);
}

} // namespace attnc::tuner
