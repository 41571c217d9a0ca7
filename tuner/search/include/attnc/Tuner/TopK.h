//===- TopK.h - The final table of a search ------------------------*- C++ -*-===//
//
// Prints the k fastest successful trials (config text, median, spread, samples, ratio to
// the winner) and a summary of the ones that did not count, grouped by reason.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TUNER_TOPK_H
#define ATTNC_TUNER_TOPK_H

#include "attnc/Tuner/Evaluator.h"

#include <ostream>
#include <vector>

namespace attnc::tuner {

/// Indices into result.trials of the k fastest ok trials, fastest first.
std::vector<size_t> topK(const SearchResult &result, size_t k);
/// Writes the top-k table and the failure summary to `os`.
void printTopK(std::ostream &os, const SearchResult &result, size_t k);

} // namespace attnc::tuner

#endif // ATTNC_TUNER_TOPK_H
