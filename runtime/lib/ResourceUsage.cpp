//===- ResourceUsage.cpp - Parse ptxas -v reports --------------------------===//
//
// The report is line oriented: "Compiling entry function 'F' for 'sm_XX'", then
// "N bytes stack frame, S bytes spill stores, L bytes spill loads" and
// "Used R registers, used B barriers". Lines of other functions are skipped.
//
//===----------------------------------------------------------------------===//
#include "attnc/Runtime/ResourceUsage.h"

#include <cstdio>
#include <sstream>

namespace attnc::runtime {

namespace {

/// The integer right before `label` in `line`, if `label` occurs.
std::optional<int> numberBefore(const std::string &line, const char *label) {
  size_t at = line.find(label);
  if (at == std::string::npos)
    return std::nullopt;
  size_t end = line.find_last_not_of(' ', at - 1);
  if (end == std::string::npos)
    return std::nullopt;
  size_t begin = line.find_last_not_of("0123456789", end);
  begin = begin == std::string::npos ? 0 : begin + 1;
  if (begin > end)
    return std::nullopt;
  return std::stoi(line.substr(begin, end - begin + 1));
}

} // namespace

std::string ResourceUsage::str() const {
  std::ostringstream os;
  os << arch << " " << function << ": " << registers << " registers, " << stackFrameBytes
     << " B stack, " << spillStoreBytes << " B spill stores, " << spillLoadBytes
     << " B spill loads";
  return os.str();
}

std::optional<ResourceUsage> parseResourceUsage(std::string_view log,
                                                std::string_view function) {
  std::istringstream in{std::string(log)};
  std::string line;
  std::optional<ResourceUsage> usage;
  bool inFunction = false;
  const std::string entry = "Compiling entry function '" + std::string(function) + "'";
  while (std::getline(in, line)) {
    if (line.find("Compiling entry function") != std::string::npos) {
      inFunction = line.find(entry) != std::string::npos;
      if (inFunction) {
        usage = ResourceUsage{};
        usage->function = std::string(function);
        size_t forAt = line.find("for '");
        if (forAt != std::string::npos)
          usage->arch = line.substr(forAt + 5, line.find('\'', forAt + 5) - forAt - 5);
      }
      continue;
    }
    if (!inFunction)
      continue;
    if (auto v = numberBefore(line, "bytes stack frame"))
      usage->stackFrameBytes = *v;
    if (auto v = numberBefore(line, "bytes spill stores"))
      usage->spillStoreBytes = *v;
    if (auto v = numberBefore(line, "bytes spill loads"))
      usage->spillLoadBytes = *v;
    if (auto v = numberBefore(line, "registers"))
      usage->registers = *v;
    if (auto v = numberBefore(line, "barriers"))
      usage->barriers = *v;
  }
  return usage;
}

} // namespace attnc::runtime
