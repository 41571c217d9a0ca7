//===- SyntheticSpaces.h - Shared fixtures of the search tests -----*- C++ -*-===//
//
// A 512-point space (three power-of-two dimensions) and a cost bowl with a known
// optimum at x=16 y=4 z=64, used by the strategy, pool and isolation tests.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TESTS_TUNER_SEARCH_SYNTHETICSPACES_H
#define ATTNC_TESTS_TUNER_SEARCH_SYNTHETICSPACES_H

#include "attnc/Tuner/SearchSpace.h"
#include "attnc/Tuner/SyntheticMeasurer.h"

namespace attnc::tuner::testing {

inline SearchSpace cubeSpace() {
  SearchSpace space("cube");
  std::vector<int> powers{1, 2, 4, 8, 16, 32, 64, 128};
  space.addDimension("x", powers).addDimension("y", powers).addDimension("z", powers);
  return space;
}

inline Candidate cubeOptimum() { return Candidate{{{"x", 16}, {"y", 4}, {"z", 64}}}; }

inline SyntheticModel bowlModel() {
  SyntheticModel model;
  model.targets = {{"x", 16, 0.3}, {"y", 4, 0.2}, {"z", 64, 0.1}};
  model.seed = 42;
  return model;
}

/// A small space for tests whose candidates are slow on purpose.
inline SearchSpace lineSpace(int points) {
  std::vector<int> values;
  for (int i = 1; i <= points; ++i)
    values.push_back(i);
  SearchSpace space("line");
  space.addDimension("a", values);
  return space;
}

} // namespace attnc::tuner::testing

#endif // ATTNC_TESTS_TUNER_SEARCH_SYNTHETICSPACES_H
