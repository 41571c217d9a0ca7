//===- TopK.cpp - The final table of a search ------------------------------===//
//
// The table `attnc tune` prints at the end: the fastest configs with their spread, so a
// reader can tell a real win from noise, then every trial that did not count and why.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/TopK.h"

#include <algorithm>
#include <cstdio>
#include <numeric>

namespace attnc::tuner {

namespace {
constexpr size_t kMaxListedFailures = 20;

std::string format(const char *pattern, double a, double b = 0, double c = 0) {
  char buffer[96];
  std::snprintf(buffer, sizeof(buffer), pattern, a, b, c);
  return buffer;
}
} // namespace

std::vector<size_t> topK(const SearchResult &result, size_t k) {
  std::vector<size_t> ok;
  for (size_t i = 0; i < result.trials.size(); ++i)
    if (result.trials[i].ok())
      ok.push_back(i);
  std::stable_sort(ok.begin(), ok.end(), [&](size_t a, size_t b) {
    return result.trials[a].measurement.medianMs < result.trials[b].measurement.medianMs;
  });
  if (ok.size() > k)
    ok.resize(k);
  return ok;
}

void printTopK(std::ostream &os, const SearchResult &result, size_t k) {
  std::vector<size_t> top = topK(result, k);
  size_t width = 6;
  for (size_t i : top)
    width = std::max(width, result.trials[i].candidate.text().size());
  os << "rank  " << std::string("config") << std::string(width - 6, ' ')
     << "  median ms  min..max ms          spread  samples  vs best\n";
  for (size_t r = 0; r < top.size(); ++r) {
    const Trial &t = result.trials[top[r]];
    const Measurement &m = t.measurement;
    double best = result.trials[top[0]].measurement.medianMs;
    std::string text = t.candidate.text();
    os << format("%4.0f  ", static_cast<double>(r + 1)) << text
       << std::string(width - text.size(), ' ') << format("  %9.4f", m.medianMs)
       << format("  %8.4f..%-8.4f", m.minMs, m.maxMs)
       << format("  %5.1f%%", m.medianMs > 0 ? 100.0 * (m.maxMs - m.minMs) / m.medianMs : 0)
       << format("  %7.0f", m.samples) << format("  %6.2fx\n", m.medianMs / best);
  }
  std::vector<const Trial *> failures;
  for (const Trial &t : result.trials)
    if (!t.ok())
      failures.push_back(&t);
  os << result.measuredCount() << " measured, " << top.size() << " shown, " << failures.size()
     << " did not count, " << result.pruned.size() << " pruned before compiling";
  if (result.budgetExhausted)
    os << "; measurement budget spent";
  if (result.timeExhausted)
    os << "; time budget spent";
  os << "\n";
  for (size_t i = 0; i < failures.size() && i < kMaxListedFailures; ++i)
    os << "  " << failures[i]->candidate.text() << ": " << failures[i]->reason << "\n";
  if (failures.size() > kMaxListedFailures)
    os << "  ... and " << failures.size() - kMaxListedFailures << " more\n";
}

} // namespace attnc::tuner
