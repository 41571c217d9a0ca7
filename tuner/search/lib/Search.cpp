//===- Search.cpp - Choosing a strategy by name or by space size -----------===//
//
// The names the CLI's --strategy flag accepts, and the default it uses without one.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/Search.h"

namespace attnc::tuner {

std::unique_ptr<SearchStrategy> makeStrategy(std::string_view name) {
  if (name == "exhaustive")
    return std::make_unique<ExhaustiveSearch>();
  if (name == "random-local")
    return std::make_unique<RandomLocalSearch>();
  if (name == "evolutionary")
    return std::make_unique<EvolutionarySearch>();
  return nullptr;
}

std::unique_ptr<SearchStrategy> defaultStrategy(int validPoints, const SearchBudget &budget) {
  if (budget.maxMeasured <= 0 || validPoints <= budget.maxMeasured)
    return std::make_unique<ExhaustiveSearch>();
  return std::make_unique<RandomLocalSearch>();
}

} // namespace attnc::tuner
