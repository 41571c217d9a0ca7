//===- Measurer.h - Compile and time one candidate ----------------*- C++ -*-===//
//
// The interface between the search and whatever runs candidates: the GPU measurer
// (NVRTC compile, CUDA-event timing, the float64 correctness check) and the synthetic
// cost model the tests use implement the same two calls. compile() may run on several
// threads at once (the compile pool); measure() runs on one thread, one call at a time.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TUNER_MEASURER_H
#define ATTNC_TUNER_MEASURER_H

#include "attnc/Tuner/Candidate.h"
#include "attnc/Tuner/SearchSpace.h"

#include <optional>
#include <string>

namespace attnc::tuner {

/// What compiling a candidate produced; registers and local memory come from the cubin.
struct CompileResult {
  bool ok = false;
  std::string reason;  ///< why compilation failed; empty when ok
  int registers = 0;   ///< per thread
  int localBytes = 0;  ///< per-thread local memory (spills, stack frame)
  int sharedBytes = 0; ///< per block, static plus dynamic; 0 when unknown
};

/// How a measurement ended.
enum class MeasureStatus {
  Ok,      ///< timed, and the output matched the reference
  Failed,  ///< faulted or errored (reason says how)
  Wrong,   ///< ran, but the output did not match the float64 reference
  Timeout, ///< the watchdog fired
};

/// "ok", "failed", "wrong" or "timeout".
const char *measureStatusName(MeasureStatus status);

/// The timing of one candidate: the median of `samples` runs and their spread.
struct Measurement {
  MeasureStatus status = MeasureStatus::Failed;
  std::string reason; ///< why it is not Ok; empty when Ok
  double medianMs = 0, minMs = 0, maxMs = 0;
  int samples = 0;

  bool ok() const { return status == MeasureStatus::Ok; }
};

class Measurer {
public:
  virtual ~Measurer() = default;
  /// Compiles `candidate`; must be safe to call from several threads at once.
  virtual CompileResult compile(const Candidate &candidate) = 0;
  /// Checks and times a candidate whose compile() succeeded.
  virtual Measurement measure(const Candidate &candidate) = 0;
};

/// Blocks of `threads` threads that fit on one SM at once, from registers (allocated in
/// units of 8 per thread), shared memory and threads; INT_MAX when nothing limits.
int blocksPerSM(const CompileResult &result, int threads, const DeviceLimits &limits);

/// Post-compile pruning: nullopt when a compiled candidate may be measured, else why
/// not (local memory or spills; too many registers for one block of `threads`;
/// occupancy under limits.minBlocksPerSM).
std::optional<std::string> postCompileReject(const CompileResult &result, int threads,
                                             const DeviceLimits &limits);

} // namespace attnc::tuner

#endif // ATTNC_TUNER_MEASURER_H
