//===- ChildProcessMeasurer.cpp - A measurement in a child process ---------===//
//
// The child measures and reports its Measurement in a line-based text form; the parent
// turns a timeout into Timeout and a death (signal, exit status) into Failed.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/ChildProcessMeasurer.h"
#include "attnc/Tuner/ChildProcess.h"

#include <cstdio>
#include <sstream>

namespace attnc::tuner {

namespace {
Measurement failed(MeasureStatus status, std::string reason) {
  Measurement m;
  m.status = status;
  m.reason = std::move(reason);
  return m;
}
} // namespace

std::string serializeMeasurement(const Measurement &m) {
  char numbers[128];
  std::snprintf(numbers, sizeof(numbers), "%d %.17g %.17g %.17g %d\n", static_cast<int>(m.status),
                m.medianMs, m.minMs, m.maxMs, m.samples);
  return numbers + m.reason;
}

std::optional<Measurement> deserializeMeasurement(const std::string &text) {
  size_t newline = text.find('\n');
  if (newline == std::string::npos)
    return std::nullopt;
  std::istringstream numbers(text.substr(0, newline));
  Measurement m;
  int status = -1;
  if (!(numbers >> status >> m.medianMs >> m.minMs >> m.maxMs >> m.samples) ||
      status < static_cast<int>(MeasureStatus::Ok) ||
      status > static_cast<int>(MeasureStatus::Timeout))
    return std::nullopt;
  m.status = static_cast<MeasureStatus>(status);
  m.reason = text.substr(newline + 1);
  return m;
}

Measurement ChildProcessMeasurer::measure(const Candidate &candidate) {
  ChildOutcome outcome = runInChild(
      [&] { return serializeMeasurement(inner_.measure(candidate)); }, watchdog_,
      "measurement process");
  switch (outcome.kind) {
  case ChildOutcome::Kind::Finished:
    if (std::optional<Measurement> m = deserializeMeasurement(outcome.output))
      return *m;
    return failed(MeasureStatus::Failed, "measurement process wrote an unreadable result");
  case ChildOutcome::Kind::TimedOut:
    return failed(MeasureStatus::Timeout, outcome.failure);
  case ChildOutcome::Kind::Died:
  case ChildOutcome::Kind::Failed:
    break;
  }
  return failed(MeasureStatus::Failed, outcome.failure);
}

} // namespace attnc::tuner
