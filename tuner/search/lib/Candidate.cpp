//===- Candidate.cpp - Text form of a configuration point ------------------===//
//
// Printing and parsing of "name=value ..." so that a stored config_text reads back into
// the same candidate.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/Candidate.h"

#include <cassert>
#include <charconv>

namespace attnc::tuner {

std::optional<int> Candidate::find(std::string_view name) const {
  for (const Param &p : params)
    if (p.name == name)
      return p.value;
  return std::nullopt;
}

int Candidate::get(std::string_view name) const {
  std::optional<int> value = find(name);
  assert(value && "candidate has no such parameter");
  return value.value_or(0);
}

std::string Candidate::text() const {
  std::string out;
  for (const Param &p : params) {
    if (!out.empty())
      out += ' ';
    out += p.name + "=" + std::to_string(p.value);
  }
  return out;
}

std::optional<Candidate> parseCandidate(std::string_view text) {
  Candidate candidate;
  while (!text.empty()) {
    size_t end = text.find(' ');
    std::string_view item = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    size_t eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0)
      return std::nullopt;
    std::string_view digits = item.substr(eq + 1);
    int value = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || ptr != digits.data() + digits.size() || digits.empty())
      return std::nullopt;
    candidate.params.push_back({std::string(item.substr(0, eq)), value});
  }
  if (candidate.params.empty())
    return std::nullopt;
  return candidate;
}

} // namespace attnc::tuner
