//===- LandscapeSvg.h - A picture of a tuning run ----------------------*- C++ -*-===//
//
// `attnc tune --svg FILE`: one bar per measured config, sorted by median time (whiskers
// from min to max), the winner and the per-arch default marked, and the configs that did
// not count (failed, wrong, timed out, rejected) listed beneath with their reason. Plain
// SVG 1.1 text; no dependencies.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TUNER_LANDSCAPESVG_H
#define ATTNC_TUNER_LANDSCAPESVG_H

#include "attnc/Tuner/Evaluator.h"

#include <functional>
#include <optional>
#include <ostream>
#include <string>

namespace attnc::tuner {

struct LandscapeOptions {
  std::string title;
  std::optional<size_t> defaultTrial; ///< index into result.trials, marked "default"
  /// A config's label (default: Candidate::text()).
  std::function<std::string(const Candidate &)> label;
};

void writeLandscapeSvg(std::ostream &os, const SearchResult &result,
                       const LandscapeOptions &options);

} // namespace attnc::tuner

#endif // ATTNC_TUNER_LANDSCAPESVG_H
