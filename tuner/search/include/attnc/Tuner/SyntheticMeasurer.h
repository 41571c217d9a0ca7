//===- SyntheticMeasurer.h - A cost model behind the Measurer interface -*- C++ -*-===//
//
// A deterministic stand-in for the GPU: a candidate's time is a bowl around a known
// optimum (squared log2 distance per parameter), optionally with shallower basins that
// trap a greedy search, and seeded multiplicative noise, so a strategy's result can be
// checked exactly. Predicates mark candidates that spill at
// compile time, fault, hang or compute wrong results; with `realFailures` a fault calls
// abort() and a hang loops forever, to exercise ChildProcessMeasurer.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TUNER_SYNTHETICMEASURER_H
#define ATTNC_TUNER_SYNTHETICMEASURER_H

#include "attnc/Tuner/Measurer.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace attnc::tuner {

/// Where one parameter's cost is lowest and how steeply it rises away from there.
struct SyntheticTarget {
  std::string name;
  int optimum = 1;
  double weight = 0.1; ///< relative cost per squared log2 step (per unit for 0/1 values)
};

/// A further local optimum: its own bowl, `depth` times the global optimum's time at
/// its bottom (depth > 1 keeps the global optimum unique).
struct SyntheticBasin {
  std::vector<SyntheticTarget> targets;
  double depth = 1.2;
};

using CandidatePredicate = std::function<bool(const Candidate &)>;

/// The cost model and its failure injections.
struct SyntheticModel {
  std::vector<SyntheticTarget> targets;
  std::vector<SyntheticBasin> basins; ///< a time is the lowest over all bowls
  double baseMs = 1.0;                ///< the optimum's time
  double noise = 0.005;               ///< relative half-width of per-sample noise
  int samples = 9;
  uint64_t seed = 1;
  CandidatePredicate spills, faults, hangs, wrong; ///< empty: never
  bool realFailures = false;                       ///< fault: abort(); hang: loop forever
  std::chrono::milliseconds compileDelay{0}, measureDelay{0};
};

class SyntheticMeasurer : public Measurer {
public:
  explicit SyntheticMeasurer(SyntheticModel model) : model_(std::move(model)) {}

  CompileResult compile(const Candidate &candidate) override;
  Measurement measure(const Candidate &candidate) override;

  /// The noise-free time of `candidate`.
  double expectedMs(const Candidate &candidate) const;
  int compileCalls() const { return compileCalls_; }
  int measureCalls() const { return measureCalls_; }

private:
  SyntheticModel model_;
  std::atomic<int> compileCalls_{0};
  std::atomic<int> measureCalls_{0};
};

} // namespace attnc::tuner

#endif // ATTNC_TUNER_SYNTHETICMEASURER_H
