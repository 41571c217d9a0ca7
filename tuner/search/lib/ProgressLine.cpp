//===- ProgressLine.cpp - One line of search progress ----------------------===//
//
// Plain ASCII so it works in any terminal and in CI logs; the caller decides whether to
// redraw it in place ('\r') or print one line per trial.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/ProgressLine.h"

#include <algorithm>
#include <cstdio>

namespace attnc::tuner {

namespace {
std::string seconds(std::chrono::milliseconds ms) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.1fs", ms.count() / 1000.0);
  return buffer;
}
} // namespace

std::string formatProgress(const Progress &progress, int barWidth) {
  int filled =
      progress.total > 0 ? std::min(barWidth, progress.done * barWidth / progress.total) : barWidth;
  std::string line = "[" + std::string(filled, '#') + std::string(barWidth - filled, '.') + "]";
  char counts[48];
  std::snprintf(counts, sizeof(counts), "  %d/%d", progress.done, progress.total);
  line += counts;
  if (progress.best) {
    char best[48];
    std::snprintf(best, sizeof(best), "  best %.4f ms  ", progress.best->measurement.medianMs);
    line += best + progress.best->candidate.text();
  } else {
    line += "  no successful config yet";
  }
  line += "  " + seconds(progress.elapsed) + " elapsed, eta " + seconds(progress.eta);
  return line;
}

} // namespace attnc::tuner
