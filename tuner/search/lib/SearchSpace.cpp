//===- SearchSpace.cpp - Enumeration, checks and neighbourhoods ------------===//
//
// Points are addressed by one value index per dimension; enumeration counts through the
// indices like an odometer, so its order (and every strategy built on it) is stable.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/SearchSpace.h"

#include <algorithm>
#include <cassert>

namespace attnc::tuner {

SearchSpace &SearchSpace::addDimension(std::string name, std::vector<int> values) {
  assert(!values.empty() && std::is_sorted(values.begin(), values.end()) &&
         std::adjacent_find(values.begin(), values.end()) == values.end() &&
         "dimension values must be non-empty and strictly increasing");
  dims_.push_back({std::move(name), std::move(values)});
  return *this;
}

SearchSpace &SearchSpace::addConstraint(ConstraintFn constraint) {
  constraints_.push_back(std::move(constraint));
  return *this;
}

SearchSpace &SearchSpace::setThreadsPerBlock(std::function<int(const Candidate &)> threads) {
  threads_ = std::move(threads);
  return *this;
}

size_t SearchSpace::size() const {
  size_t n = 1;
  for (const Dimension &d : dims_)
    n *= d.values.size();
  return n;
}

int SearchSpace::threadsPerBlock(const Candidate &candidate) const {
  return threads_ ? threads_(candidate) : 0;
}

std::optional<std::vector<size_t>> SearchSpace::indicesOf(const Candidate &candidate) const {
  if (candidate.params.size() != dims_.size())
    return std::nullopt;
  std::vector<size_t> indices;
  for (size_t d = 0; d < dims_.size(); ++d) {
    const std::vector<int> &values = dims_[d].values;
    auto it = std::lower_bound(values.begin(), values.end(), candidate.params[d].value);
    if (candidate.params[d].name != dims_[d].name || it == values.end() ||
        *it != candidate.params[d].value)
      return std::nullopt;
    indices.push_back(it - values.begin());
  }
  return indices;
}

Candidate SearchSpace::at(const std::vector<size_t> &indices) const {
  assert(indices.size() == dims_.size());
  Candidate c;
  for (size_t d = 0; d < dims_.size(); ++d)
    c.params.push_back({dims_[d].name, dims_[d].values[indices[d]]});
  return c;
}

std::optional<std::string> SearchSpace::check(const Candidate &candidate,
                                              const DeviceLimits &limits) const {
  if (!indicesOf(candidate))
    return "not a point of the " + family_ + " space: " + candidate.text();
  for (const ConstraintFn &constraint : constraints_)
    if (std::optional<std::string> reason = constraint(candidate, limits))
      return reason;
  return std::nullopt;
}

Enumeration SearchSpace::enumerate(const DeviceLimits &limits) const {
  Enumeration out;
  std::vector<size_t> indices(dims_.size(), 0);
  for (size_t n = size(); n > 0; --n) {
    Candidate c = at(indices);
    if (std::optional<std::string> reason = check(c, limits))
      out.pruned.push_back({std::move(c), std::move(*reason)});
    else
      out.valid.push_back(std::move(c));
    // Odometer step, last dimension fastest.
    for (size_t d = dims_.size(); d-- > 0;) {
      if (++indices[d] < dims_[d].values.size())
        break;
      indices[d] = 0;
    }
  }
  return out;
}

std::vector<Candidate> SearchSpace::neighbours(const Candidate &candidate) const {
  std::vector<Candidate> out;
  std::optional<std::vector<size_t>> indices = indicesOf(candidate);
  if (!indices)
    return out;
  for (size_t d = 0; d < dims_.size(); ++d) {
    for (int step : {-1, 1}) {
      if ((step < 0 && (*indices)[d] == 0) ||
          (step > 0 && (*indices)[d] + 1 == dims_[d].values.size()))
        continue;
      std::vector<size_t> next = *indices;
      next[d] += step;
      out.push_back(at(next));
    }
  }
  return out;
}

Candidate SearchSpace::randomPoint(std::mt19937_64 &rng) const {
  std::vector<size_t> indices;
  for (const Dimension &d : dims_)
    indices.push_back(std::uniform_int_distribution<size_t>(0, d.values.size() - 1)(rng));
  return at(indices);
}

} // namespace attnc::tuner
