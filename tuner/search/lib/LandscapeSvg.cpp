//===- LandscapeSvg.cpp - A picture of a tuning run -------------------------===//
//
// Layout: a title, a time axis on the left, bars left to right from fastest to slowest,
// labels rotated under the bars, then one text line per config that did not count.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/LandscapeSvg.h"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace attnc::tuner {

namespace {

constexpr int kBarWidth = 18;
constexpr int kBarGap = 6;
constexpr int kPlotHeight = 300;
constexpr int kLeftMargin = 70;
constexpr int kTopMargin = 50;
constexpr int kLabelSpace = 150; ///< below the plot, for rotated config labels
constexpr int kLineHeight = 16;
constexpr int kAxisTicks = 5;
constexpr int kMinWidth = 640;
constexpr const char *kBarColour = "#4c78a8";
constexpr const char *kBestColour = "#2ca02c";
constexpr const char *kDefaultColour = "#f58518";

std::string escape(const std::string &text) {
  std::string out;
  for (char c : text) {
    switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    default: out += c;
    }
  }
  return out;
}

std::string number(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.4g", v);
  return buffer;
}

} // namespace

void writeLandscapeSvg(std::ostream &os, const SearchResult &result,
                       const LandscapeOptions &options) {
  auto label = [&](const Candidate &c) { return options.label ? options.label(c) : c.text(); };
  std::vector<size_t> ok, other;
  for (size_t i = 0; i < result.trials.size(); ++i)
    (result.trials[i].ok() ? ok : other).push_back(i);
  std::sort(ok.begin(), ok.end(), [&](size_t a, size_t b) {
    return result.trials[a].measurement.medianMs < result.trials[b].measurement.medianMs;
  });
  double top = 0;
  for (size_t i : ok)
    top = std::max(top, result.trials[i].measurement.maxMs);
  top = top > 0 ? top * 1.05 : 1.0;

  const int plotWidth = static_cast<int>(ok.size()) * (kBarWidth + kBarGap) + kBarGap;
  const int width = std::max(kMinWidth, kLeftMargin + plotWidth + 20);
  const int failuresTop = kTopMargin + kPlotHeight + kLabelSpace;
  const int height = failuresTop + (static_cast<int>(other.size()) + 2) * kLineHeight;
  auto y = [&](double ms) { return kTopMargin + kPlotHeight * (1.0 - ms / top); };

  os << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\""
     << height << "\" font-family=\"sans-serif\" font-size=\"11\">\n"
     << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
     << "<text x=\"10\" y=\"20\" font-size=\"14\">" << escape(options.title) << "</text>\n"
     << "<text x=\"10\" y=\"38\">" << ok.size() << " configs measured (median, whiskers min-max), "
     << other.size() << " did not count; green: fastest, orange: per-arch default</text>\n";
  for (int t = 0; t <= kAxisTicks; ++t) {
    double ms = top * t / kAxisTicks;
    os << "<line x1=\"" << kLeftMargin - 4 << "\" x2=\"" << kLeftMargin + plotWidth << "\" y1=\""
       << y(ms) << "\" y2=\"" << y(ms) << "\" stroke=\"#ddd\"/>\n"
       << "<text x=\"" << kLeftMargin - 8 << "\" y=\"" << y(ms) + 4
       << "\" text-anchor=\"end\">" << number(ms) << " ms</text>\n";
  }
  for (size_t n = 0; n < ok.size(); ++n) {
    const Trial &t = result.trials[ok[n]];
    const Measurement &m = t.measurement;
    int x = kLeftMargin + kBarGap + static_cast<int>(n) * (kBarWidth + kBarGap);
    const char *colour = ok[n] == result.best ? kBestColour
                         : ok[n] == options.defaultTrial ? kDefaultColour
                                                         : kBarColour;
    int mid = x + kBarWidth / 2;
    os << "<rect x=\"" << x << "\" y=\"" << y(m.medianMs) << "\" width=\"" << kBarWidth
       << "\" height=\"" << kTopMargin + kPlotHeight - y(m.medianMs) << "\" fill=\"" << colour
       << "\"><title>" << escape(label(t.candidate)) << ": " << number(m.medianMs)
       << " ms</title></rect>\n"
       << "<line x1=\"" << mid << "\" x2=\"" << mid << "\" y1=\"" << y(m.minMs) << "\" y2=\""
       << y(m.maxMs) << "\" stroke=\"black\"/>\n"
       << "<text transform=\"translate(" << mid + 3 << "," << kTopMargin + kPlotHeight + 6
       << ") rotate(60)\">" << escape(label(t.candidate)) << "</text>\n";
  }
  os << "<text x=\"10\" y=\"" << failuresTop << "\" font-weight=\"bold\">did not count</text>\n";
  for (size_t n = 0; n < other.size(); ++n) {
    const Trial &t = result.trials[other[n]];
    std::string why = t.outcome == TrialOutcome::Measured ? t.measurement.reason
                      : t.outcome == TrialOutcome::CompileFailed ? t.compile.reason
                                                                 : t.reason;
    os << "<text x=\"10\" y=\"" << failuresTop + (static_cast<int>(n) + 1) * kLineHeight
       << "\">" << escape(label(t.candidate)) << ": " << escape(why.substr(0, 160))
       << "</text>\n";
  }
  os << "</svg>\n";
}

} // namespace attnc::tuner
