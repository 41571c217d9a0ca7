//===- ChildProcessMeasurer.h - Measure in a forked child with a watchdog -*- C++ -*-===//
//
// Runs an inner measurer's measure() in a child process, so what a faulting kernel
// poisons (a CUDA context after an illegal address, the process after a signal) dies
// with the child: a crash becomes a Failed measurement naming the signal, a child that
// outlives the watchdog is killed and reported as Timeout, and the tuning run goes on.
// compile() runs in the calling process. Two rules follow from fork: a CUDA context does
// not survive it, and a child of a process that called cuInit cannot use CUDA at all, so
// the parent must not initialise CUDA (query the device in a child too; NVRTC needs no
// driver); and the inner measure() must not take locks that compile() may hold on the
// compile pool's threads at the moment of the fork.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TUNER_CHILDPROCESSMEASURER_H
#define ATTNC_TUNER_CHILDPROCESSMEASURER_H

#include "attnc/Tuner/Measurer.h"

#include <chrono>
#include <optional>
#include <string>

namespace attnc::tuner {

class ChildProcessMeasurer : public Measurer {
public:
  ChildProcessMeasurer(Measurer &inner, std::chrono::milliseconds watchdog)
      : inner_(inner), watchdog_(watchdog) {}

  CompileResult compile(const Candidate &candidate) override { return inner_.compile(candidate); }
  Measurement measure(const Candidate &candidate) override;

private:
  Measurer &inner_;
  std::chrono::milliseconds watchdog_;
};

/// The line-based form a child writes its Measurement in (exposed for tests).
std::string serializeMeasurement(const Measurement &measurement);
std::optional<Measurement> deserializeMeasurement(const std::string &text);

} // namespace attnc::tuner

#endif // ATTNC_TUNER_CHILDPROCESSMEASURER_H
