//===- SyntheticMeasurer.cpp - A deterministic cost model ------------------===//
//
// Noise is a hash of (seed, candidate text, sample index), not a shared random stream,
// so a candidate's timing does not depend on which candidates were measured before it or
// on which thread compiled it.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/SyntheticMeasurer.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <thread>

namespace attnc::tuner {

namespace {
constexpr int kSyntheticRegisters = 128;
constexpr int kSyntheticSpillBytes = 64;

uint64_t mix(uint64_t x) { // splitmix64 finaliser
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t hashText(const std::string &text, uint64_t seed) {
  uint64_t h = mix(seed);
  for (unsigned char ch : text)
    h = mix(h ^ ch);
  return h;
}

/// A uniform number in [-1, 1) for (seed, text, sample).
double unitNoise(uint64_t seed, const std::string &text, int sample) {
  uint64_t h = mix(hashText(text, seed) ^ static_cast<uint64_t>(sample));
  return static_cast<double>(h >> 11) / static_cast<double>(1ULL << 52) - 1.0;
}

bool holds(const CandidatePredicate &predicate, const Candidate &c) {
  return predicate && predicate(c);
}

/// 1 at the bottom of `targets`' bowl, rising with the weighted squared distance.
double bowl(const std::vector<SyntheticTarget> &targets, const Candidate &candidate) {
  double penalty = 0;
  for (const SyntheticTarget &t : targets) {
    int value = candidate.get(t.name);
    double distance = (value > 0 && t.optimum > 0)
                          ? std::log2(static_cast<double>(value) / t.optimum)
                          : static_cast<double>(value - t.optimum);
    penalty += t.weight * distance * distance;
  }
  return 1.0 + penalty;
}
} // namespace

double SyntheticMeasurer::expectedMs(const Candidate &candidate) const {
  double relative = bowl(model_.targets, candidate);
  for (const SyntheticBasin &basin : model_.basins)
    relative = std::min(relative, basin.depth * bowl(basin.targets, candidate));
  return model_.baseMs * relative;
}

CompileResult SyntheticMeasurer::compile(const Candidate &candidate) {
  ++compileCalls_;
  if (model_.compileDelay.count() > 0)
    std::this_thread::sleep_for(model_.compileDelay);
  CompileResult result;
  result.ok = true;
  result.registers = kSyntheticRegisters;
  if (holds(model_.spills, candidate))
    result.localBytes = kSyntheticSpillBytes;
  return result;
}

Measurement SyntheticMeasurer::measure(const Candidate &candidate) {
  ++measureCalls_;
  if (model_.measureDelay.count() > 0)
    std::this_thread::sleep_for(model_.measureDelay);
  Measurement m;
  if (holds(model_.faults, candidate)) {
    if (model_.realFailures)
      std::abort();
    m.status = MeasureStatus::Failed;
    m.reason = "synthetic fault: illegal memory access";
    return m;
  }
  if (holds(model_.hangs, candidate)) {
    if (model_.realFailures)
      for (volatile bool spin = true; spin;)
        ;
    m.status = MeasureStatus::Timeout;
    m.reason = "synthetic hang";
    return m;
  }
  if (holds(model_.wrong, candidate)) {
    m.status = MeasureStatus::Wrong;
    m.reason = "synthetic mismatch: relative error 0.5 over tolerance 0.01";
    return m;
  }
  std::string text = candidate.text();
  std::vector<double> times;
  double expected = expectedMs(candidate);
  for (int s = 0; s < model_.samples; ++s)
    times.push_back(expected * (1.0 + model_.noise * unitNoise(model_.seed, text, s)));
  std::sort(times.begin(), times.end());
  m.status = MeasureStatus::Ok;
  m.samples = static_cast<int>(times.size());
  m.minMs = times.front();
  m.maxMs = times.back();
  m.medianMs = times[times.size() / 2];
  return m;
}

} // namespace attnc::tuner
