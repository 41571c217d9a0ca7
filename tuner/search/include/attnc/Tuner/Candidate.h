//===- Candidate.h - One point of a tuning search space ------------*- C++ -*-===//
//
// A candidate configuration: named integer parameters in the order its search space
// declares them (booleans are 0/1). Its text form, "bm=128 bn=64 w=4 s=2 qregs=0", is
// stable: the tuning database stores it as config_text and parseCandidate reads it back.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TUNER_CANDIDATE_H
#define ATTNC_TUNER_CANDIDATE_H

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attnc::tuner {

/// One named parameter value of a candidate.
struct Param {
  std::string name;
  int value = 0;
  bool operator==(const Param &other) const { return name == other.name && value == other.value; }
};

/// A configuration point; parameters appear in the search space's dimension order.
struct Candidate {
  std::vector<Param> params;

  /// The value of parameter `name`; asserts that it exists.
  int get(std::string_view name) const;
  /// The value of parameter `name`, or nullopt.
  std::optional<int> find(std::string_view name) const;
  /// "name=value" pairs separated by single spaces, in parameter order.
  std::string text() const;

  bool operator==(const Candidate &other) const { return params == other.params; }
  bool operator!=(const Candidate &other) const { return !(*this == other); }
};

/// Reads a text form written by Candidate::text; nullopt when malformed.
std::optional<Candidate> parseCandidate(std::string_view text);

} // namespace attnc::tuner

#endif // ATTNC_TUNER_CANDIDATE_H
