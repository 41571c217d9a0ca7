//===- ExhaustiveSearch.cpp - Every valid point of a small space -----------===//
//
// For spaces whose valid points fit the budget (decode splits, block-map granularity,
// prefill for one head dim after pruning): no guessing, the winner is the true one.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/Search.h"

namespace attnc::tuner {

SearchResult ExhaustiveSearch::run(const SearchSpace &space, const DeviceLimits &limits,
                                   Measurer &measurer, const SearchOptions &options) {
  Enumeration points = space.enumerate(limits);
  Evaluator evaluator(space, limits, measurer, options, static_cast<int>(points.valid.size()));
  evaluator.addPruned(std::move(points.pruned));
  evaluator.evaluateSeeds();
  evaluator.evaluate(points.valid);
  return evaluator.finish();
}

} // namespace attnc::tuner
