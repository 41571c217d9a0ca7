//===- RandomOrder.h - Valid points in a seeded random order -------*- C++ -*-===//
//
// The sampling source of the budgeted strategies: every valid point once, shuffled by the
// search's seed, handed out skipping points already evaluated. Private to the library.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TUNER_RANDOMORDER_H
#define ATTNC_TUNER_RANDOMORDER_H

#include "attnc/Tuner/Evaluator.h"

#include <algorithm>
#include <random>
#include <vector>

namespace attnc::tuner {

class RandomOrder {
public:
  RandomOrder(std::vector<Candidate> valid, std::mt19937_64 &rng) : points_(std::move(valid)) {
    std::shuffle(points_.begin(), points_.end(), rng);
  }

  /// Up to `n` points the evaluator has not seen, in shuffled order.
  std::vector<Candidate> take(size_t n, const Evaluator &evaluator) {
    std::vector<Candidate> out;
    while (out.size() < n && next_ < points_.size()) {
      const Candidate &c = points_[next_++];
      if (!evaluator.seen(c))
        out.push_back(c);
    }
    return out;
  }

private:
  std::vector<Candidate> points_;
  size_t next_ = 0;
};

} // namespace attnc::tuner

#endif // ATTNC_TUNER_RANDOMORDER_H
