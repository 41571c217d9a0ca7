//===- Search.h - Search strategies over a tuning space -----------*- C++ -*-===//
//
// Exhaustive search for small spaces; for large ones random sampling followed by hill
// climbing over neighbours, or an evolutionary search. All prune before compiling,
// compile on a thread pool ahead of measurement, honour the measurement and time budgets,
// report progress after every trial and, for a fixed seed and a deterministic measurer,
// return the same result every time.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TUNER_SEARCH_H
#define ATTNC_TUNER_SEARCH_H

#include "attnc/Tuner/Evaluator.h"

#include <memory>
#include <string_view>

namespace attnc::tuner {

class SearchStrategy {
public:
  virtual ~SearchStrategy() = default;
  /// "exhaustive", "random-local" or "evolutionary".
  virtual const char *name() const = 0;
  virtual SearchResult run(const SearchSpace &space, const DeviceLimits &limits, Measurer &measurer,
                           const SearchOptions &options) = 0;
};

/// Every valid point, in enumeration order.
class ExhaustiveSearch : public SearchStrategy {
public:
  const char *name() const override { return "exhaustive"; }
  SearchResult run(const SearchSpace &space, const DeviceLimits &limits, Measurer &measurer,
                   const SearchOptions &options) override;
};

/// A random sample of valid points, then steepest-descent hill climbing from the best
/// over one-step neighbours, restarting from the best unexplored sample at a local optimum.
class RandomLocalSearch : public SearchStrategy {
public:
  /// The share of the budget spent on the initial sample.
  explicit RandomLocalSearch(double sampleShare = 0.25) : sampleShare_(sampleShare) {}
  const char *name() const override { return "random-local"; }
  SearchResult run(const SearchSpace &space, const DeviceLimits &limits, Measurer &measurer,
                   const SearchOptions &options) override;

private:
  double sampleShare_;
};

/// Generations of `population` candidates bred from tournament-selected parents by
/// uniform crossover and one-step mutation; random immigrants when breeding stalls.
class EvolutionarySearch : public SearchStrategy {
public:
  explicit EvolutionarySearch(int population = 16) : population_(population) {}
  const char *name() const override { return "evolutionary"; }
  SearchResult run(const SearchSpace &space, const DeviceLimits &limits, Measurer &measurer,
                   const SearchOptions &options) override;

private:
  int population_;
};

/// The strategy called `name`, or nullptr.
std::unique_ptr<SearchStrategy> makeStrategy(std::string_view name);
/// The default for a space: exhaustive when its valid points fit the budget, else
/// random-local.
std::unique_ptr<SearchStrategy> defaultStrategy(int validPoints, const SearchBudget &budget);

} // namespace attnc::tuner

#endif // ATTNC_TUNER_SEARCH_H
