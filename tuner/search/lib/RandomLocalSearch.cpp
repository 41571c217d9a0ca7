//===- RandomLocalSearch.cpp - Random sample, then hill climbing -----------===//
//
// Tile-shape costs are mostly smooth in each parameter's log, so a random sample finds
// the right basin and steepest descent over one-step neighbours walks to its bottom. At a
// local optimum the climb restarts from the best measured point not yet climbed from,
// and when none is left, from fresh random samples.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/Search.h"

#include "RandomOrder.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace attnc::tuner {

namespace {
/// The fastest ok trial whose candidate is not in `climbed`, or nullptr.
const Trial *bestUnclimbed(const SearchResult &result, const std::set<std::string> &climbed) {
  const Trial *best = nullptr;
  for (const Trial &t : result.trials)
    if (t.ok() && !climbed.count(t.candidate.text()) &&
        (!best || t.measurement.medianMs < best->measurement.medianMs))
      best = &t;
  return best;
}
} // namespace

SearchResult RandomLocalSearch::run(const SearchSpace &space, const DeviceLimits &limits,
                                    Measurer &measurer, const SearchOptions &options) {
  Enumeration points = space.enumerate(limits);
  int valid = static_cast<int>(points.valid.size());
  Evaluator evaluator(space, limits, measurer, options, valid);
  evaluator.addPruned(std::move(points.pruned));
  evaluator.evaluateSeeds();
  std::mt19937_64 rng(options.seed);
  RandomOrder order(std::move(points.valid), rng);

  int planned =
      options.budget.maxMeasured > 0 ? std::min(options.budget.maxMeasured, valid) : valid;
  size_t sample = std::max<size_t>(1, static_cast<size_t>(std::lround(planned * sampleShare_)));
  size_t refillSize = std::max(1u, options.compileThreads) * 2;
  evaluator.evaluate(order.take(sample, evaluator));

  std::set<std::string> climbed;
  const Trial *current = bestUnclimbed(evaluator.result(), climbed);
  while (!evaluator.exhausted()) {
    if (!current) {
      std::vector<Candidate> fresh = order.take(refillSize, evaluator);
      if (fresh.empty())
        break; // every valid point has been evaluated
      evaluator.evaluate(fresh);
      current = bestUnclimbed(evaluator.result(), climbed);
      continue;
    }
    Candidate here = current->candidate;
    double hereMs = current->measurement.medianMs;
    // Once its neighbourhood is evaluated, a point never needs climbing from again.
    climbed.insert(here.text());
    evaluator.evaluate(space.neighbours(here));
    const Trial *bestNeighbour = nullptr;
    for (const Candidate &n : space.neighbours(here))
      if (const Trial *t = evaluator.find(n))
        if (t->ok() && t->measurement.medianMs < hereMs &&
            (!bestNeighbour || t->measurement.medianMs < bestNeighbour->measurement.medianMs))
          bestNeighbour = t;
    // Downhill if possible; at a local optimum, restart from the best unclimbed point.
    current = bestNeighbour ? bestNeighbour : bestUnclimbed(evaluator.result(), climbed);
  }
  return evaluator.finish();
}

} // namespace attnc::tuner
