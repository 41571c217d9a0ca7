//===- SearchSpace.h - Named dimensions, constraints and pruning ---*- C++ -*-===//
//
// A template family's tuning space: dimensions with their allowed values and named
// constraints that reject a point before anything is compiled (divisibility rules the
// template static_asserts, the device's shared-memory, thread and register limits).
// Strategies walk it through enumerate, contains-style checks and neighbours.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TUNER_SEARCHSPACE_H
#define ATTNC_TUNER_SEARCHSPACE_H

#include "attnc/Tuner/Candidate.h"

#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace attnc::tuner {

/// The limits of the device a space is pruned for (from runtime::DeviceInfo).
struct DeviceLimits {
  int smemOptinBytes = 227 * 1024; ///< maxSharedMemoryPerBlockOptin
  int maxThreadsPerBlock = 1024;
  int registersPerBlock = 64 * 1024;
  int maxRegistersPerThread = 255; ///< an ISA limit on every arch attnc targets
  int smemPerSMBytes = 228 * 1024; ///< maxSharedMemoryPerMultiprocessor
  int registersPerSM = 64 * 1024;
  int maxThreadsPerSM = 2048;
  int minBlocksPerSM = 1; ///< post-compile pruning rejects lower occupancy
};

/// One tunable parameter and its allowed values, in increasing order.
struct Dimension {
  std::string name;
  std::vector<int> values;
};

/// A predicate over a candidate: nullopt when it holds, else the reason it does not.
using ConstraintFn =
    std::function<std::optional<std::string>(const Candidate &, const DeviceLimits &)>;

/// A candidate the space rejected before compiling, with the reason.
struct PrunedCandidate {
  Candidate candidate;
  std::string reason;
};

/// All points of a space split into the valid ones and the pruned ones.
struct Enumeration {
  std::vector<Candidate> valid;
  std::vector<PrunedCandidate> pruned;
};

class SearchSpace {
public:
  explicit SearchSpace(std::string family) : family_(std::move(family)) {}

  /// Adds a dimension; `values` must be non-empty and strictly increasing.
  SearchSpace &addDimension(std::string name, std::vector<int> values);
  /// Adds a constraint; constraints are checked in the order they were added.
  SearchSpace &addConstraint(ConstraintFn constraint);
  /// Sets how many threads a candidate launches per block (for post-compile pruning).
  SearchSpace &setThreadsPerBlock(std::function<int(const Candidate &)> threads);

  const std::string &family() const { return family_; }
  const std::vector<Dimension> &dimensions() const { return dims_; }
  /// The number of points before pruning.
  size_t size() const;
  /// Threads per block of `candidate`; 0 when the space does not say.
  int threadsPerBlock(const Candidate &candidate) const;

  /// nullopt when `candidate` has exactly this space's dimensions, allowed values and
  /// satisfies every constraint under `limits`; else why not.
  std::optional<std::string> check(const Candidate &candidate, const DeviceLimits &limits) const;
  /// Every point, in lexicographic order of value indices, split by `check`.
  Enumeration enumerate(const DeviceLimits &limits) const;
  /// The points that differ from `candidate` in one dimension by one value step (not
  /// checked against constraints).
  std::vector<Candidate> neighbours(const Candidate &candidate) const;
  /// A uniformly random point (not checked against constraints).
  Candidate randomPoint(std::mt19937_64 &rng) const;
  /// The candidate at the given value indices, one per dimension.
  Candidate at(const std::vector<size_t> &indices) const;
  /// The value indices of `candidate`; nullopt if a value is not allowed.
  std::optional<std::vector<size_t>> indicesOf(const Candidate &candidate) const;

private:
  std::string family_;
  std::vector<Dimension> dims_;
  std::vector<ConstraintFn> constraints_;
  std::function<int(const Candidate &)> threads_;
};

} // namespace attnc::tuner

#endif // ATTNC_TUNER_SEARCHSPACE_H
