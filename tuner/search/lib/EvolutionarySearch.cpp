//===- EvolutionarySearch.cpp - Tournament, crossover, mutation ------------===//
//
// Parents are drawn by tournament from the elite, the best `population` successful
// trials so far (so good points are never lost to a bad generation), crossed uniformly per
// dimension and mutated by one value step; children must be valid and new. When breeding yields too
// few, the generation is filled with random immigrants, which also ends the search once every valid
// point has been seen.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/Search.h"

#include "RandomOrder.h"

#include <algorithm>
#include <set>

namespace attnc::tuner {

namespace {
constexpr int kTournamentSize = 3;
constexpr int kBreedAttemptsPerChild = 20;

const Trial &tournament(const std::vector<const Trial *> &pool, std::mt19937_64 &rng) {
  std::uniform_int_distribution<size_t> pick(0, pool.size() - 1);
  const Trial *best = pool[pick(rng)];
  for (int i = 1; i < kTournamentSize; ++i) {
    const Trial *other = pool[pick(rng)];
    if (other->measurement.medianMs < best->measurement.medianMs)
      best = other;
  }
  return *best;
}

/// Uniform crossover of two parents' value indices, then each index moves one step with
/// probability 1/dimensions (at least one move, so a child differs from its parents' mix).
Candidate breed(const SearchSpace &space, const Candidate &a, const Candidate &b,
                std::mt19937_64 &rng) {
  std::vector<size_t> ia = *space.indicesOf(a), ib = *space.indicesOf(b), child(ia.size());
  std::bernoulli_distribution coin(0.5);
  for (size_t d = 0; d < child.size(); ++d)
    child[d] = coin(rng) ? ia[d] : ib[d];
  std::bernoulli_distribution mutate(1.0 / child.size());
  std::uniform_int_distribution<size_t> anyDim(0, child.size() - 1);
  size_t forced = anyDim(rng);
  for (size_t d = 0; d < child.size(); ++d) {
    if (d != forced && !mutate(rng))
      continue;
    size_t count = space.dimensions()[d].values.size();
    if (count == 1)
      continue;
    bool up = child[d] == 0 || (child[d] + 1 < count && coin(rng));
    child[d] = up ? child[d] + 1 : child[d] - 1;
  }
  return space.at(child);
}
} // namespace

SearchResult EvolutionarySearch::run(const SearchSpace &space, const DeviceLimits &limits,
                                     Measurer &measurer, const SearchOptions &options) {
  Enumeration points = space.enumerate(limits);
  Evaluator evaluator(space, limits, measurer, options, static_cast<int>(points.valid.size()));
  evaluator.addPruned(std::move(points.pruned));
  evaluator.evaluateSeeds();
  std::mt19937_64 rng(options.seed);
  RandomOrder order(std::move(points.valid), rng);
  size_t population = static_cast<size_t>(std::max(2, population_));

  evaluator.evaluate(order.take(population, evaluator));
  while (!evaluator.exhausted()) {
    std::vector<const Trial *> parents;
    for (const Trial &t : evaluator.result().trials)
      if (t.ok())
        parents.push_back(&t);
    std::stable_sort(parents.begin(), parents.end(), [](const Trial *a, const Trial *b) {
      return a->measurement.medianMs < b->measurement.medianMs;
    });
    if (parents.size() > population)
      parents.resize(population); // the elite: the best `population` points so far
    std::vector<Candidate> children;
    std::set<std::string> bred;
    for (size_t attempt = 0; !parents.empty() && children.size() < population &&
                             attempt < population * kBreedAttemptsPerChild;
         ++attempt) {
      Candidate child =
          breed(space, tournament(parents, rng).candidate, tournament(parents, rng).candidate, rng);
      if (!evaluator.seen(child) && !space.check(child, limits) && bred.insert(child.text()).second)
        children.push_back(std::move(child));
    }
    std::vector<Candidate> immigrants = order.take(population - children.size(), evaluator);
    children.insert(children.end(), immigrants.begin(), immigrants.end());
    if (children.empty())
      break; // every valid point has been evaluated
    evaluator.evaluate(children);
  }
  return evaluator.finish();
}

} // namespace attnc::tuner
