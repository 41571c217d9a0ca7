//===- TrialText.cpp - Trials as tab-separated text, and text tables -------===//
//
// The parser is strict (exact field count, numbers that parse completely, a valid problem
// key and status), because an import that guessed would put wrong records into a
// database that is never supposed to lose or invent anything.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/TrialText.h"

#include <algorithm>
#include <cstdlib>
#include <sstream>

namespace attnc::tuner {

using runtime::ErrorCode;
using runtime::Expected;
using runtime::makeError;

namespace {

constexpr const char *kHeader = "attnc-trials 1";
constexpr size_t kFields = 13;

std::vector<std::string> splitTabs(const std::string &line) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t tab = line.find('\t', start);
    out.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos)
      return out;
    start = tab + 1;
  }
}

bool parseNumber(const std::string &text, double &out) {
  char *end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return !text.empty() && end && *end == '\0';
}

std::string formatNumber(double v) {
  std::ostringstream os;
  os.precision(9);
  os << v;
  return os.str();
}

} // namespace

std::string formatTrialsText(const std::vector<TrialRecord> &trials) {
  std::ostringstream os;
  os << kHeader << "\n";
  for (const TrialRecord &t : trials)
    os << t.device << '\t' << t.kernel << '\t' << t.kernelName << '\t' << t.problem.str() << '\t'
       << t.config << '\t' << trialStatusName(t.status) << '\t' << formatNumber(t.medianMs) << '\t'
       << formatNumber(t.minMs) << '\t' << formatNumber(t.maxMs) << '\t' << t.samples << '\t'
       << t.toolVersion << '\t' << (t.createdAt.empty() ? "-" : t.createdAt) << '\t' << t.reason
       << "\n";
  return os.str();
}

Expected<std::vector<TrialRecord>> parseTrialsText(const std::string &text,
                                                   const std::string &sourceName) {
  std::istringstream is(text);
  std::string line;
  int lineNo = 0;
  auto fail = [&](const std::string &what) {
    return makeError(ErrorCode::InvalidArgument,
                     sourceName + ":" + std::to_string(lineNo) + ": " + what);
  };
  bool sawHeader = false;
  std::vector<TrialRecord> out;
  while (std::getline(is, line)) {
    ++lineNo;
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.empty() || line[0] == '#')
      continue;
    if (!sawHeader) {
      if (line != kHeader)
        return fail("expected the header line '" + std::string(kHeader) + "', got '" + line + "'");
      sawHeader = true;
      continue;
    }
    std::vector<std::string> f = splitTabs(line);
    if (f.size() != kFields)
      return fail("expected " + std::to_string(kFields) + " tab-separated fields, got " +
                  std::to_string(f.size()));
    TrialRecord t;
    t.device = f[0];
    t.kernel = f[1];
    t.kernelName = f[2];
    if (t.device.empty() || t.kernel.empty() || f[4].empty())
      return fail("device, kernel and config must not be empty");
    Expected<ProblemKey> problem = ProblemKey::parse(f[3]);
    if (!problem)
      return fail(problem.error().message);
    t.problem = *problem;
    t.config = f[4];
    Expected<TrialStatus> status = parseTrialStatus(f[5]);
    if (!status)
      return fail(status.error().message);
    t.status = *status;
    double samples = 0;
    if (!parseNumber(f[6], t.medianMs) || !parseNumber(f[7], t.minMs) ||
        !parseNumber(f[8], t.maxMs) || !parseNumber(f[9], samples) || samples < 0 ||
        samples != static_cast<int>(samples))
      return fail("expected numbers for median_ms, min_ms, max_ms and an integer sample count");
    t.samples = static_cast<int>(samples);
    t.toolVersion = f[10];
    t.createdAt = f[11] == "-" ? "" : f[11];
    t.reason = f[12];
    out.push_back(std::move(t));
  }
  if (!sawHeader)
    return makeError(ErrorCode::InvalidArgument,
                     sourceName + ": empty; expected the header line '" + kHeader + "'");
  return out;
}

std::string formatTable(const std::vector<std::string> &header,
                        const std::vector<std::vector<std::string>> &rows) {
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c)
    width[c] = header[c].size();
  for (const auto &row : rows)
    for (size_t c = 0; c < row.size() && c < width.size(); ++c)
      width[c] = std::max(width[c], row[c].size());
  std::ostringstream os;
  auto line = [&](const std::vector<std::string> &cells) {
    std::string text;
    for (size_t c = 0; c < width.size(); ++c) {
      std::string cell = c < cells.size() ? cells[c] : "";
      text += cell;
      if (c + 1 < width.size())
        text += std::string(width[c] - cell.size() + 2, ' ');
    }
    while (!text.empty() && text.back() == ' ')
      text.pop_back();
    os << text << "\n";
  };
  line(header);
  std::vector<std::string> rule;
  for (size_t w : width)
    rule.push_back(std::string(w, '-'));
  line(rule);
  for (const auto &row : rows)
    line(row);
  return os.str();
}

} // namespace attnc::tuner
