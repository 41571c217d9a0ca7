//===- PrefillTuner.h - Tune one prefill problem and record every trial -*- C++ -*-===//
//
// One `attnc tune` problem, end to end: the key (device fingerprint, kernel fingerprint,
// bucketed problem), the workloads (a small ragged check problem with its float64
// reference, and the benchmark's rotated input sets), the prefill search space pruned by
// the device's limits and the database's blocklist, the search (compiles on a thread
// pool, measurements in a child process under a watchdog), and the database: every trial
// committed as soon as it ends, wrong / faulting / hanging configs blocklisted for this
// device and driver, the winner's cubin stored so a deploy database can ship it. The
// per-arch default config is always measured too, so the gain from tuning is reported.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TUNER_PREFILLTUNER_H
#define ATTNC_TUNER_PREFILLTUNER_H

#include "attnc/Driver/CompiledProgram.h"
#include "attnc/Driver/GpuHarness.h"
#include "attnc/Tuner/Evaluator.h"
#include "attnc/Tuner/ProblemKey.h"
#include "attnc/Tuner/TuneRun.h"
#include "attnc/Tuner/TuningDb.h"

#include <chrono>
#include <optional>
#include <string>

namespace attnc::tuner {

struct TuneRequest {
  const CompiledProgram *program = nullptr;
  const dsl::Kernel *ast = nullptr;
  std::string kernel;
  int headDim = 128;
  ProblemShape shape;
  runtime::DeviceInfo device; ///< from probeDeviceInChild
  std::string cacheDir;       ///< cubin cache ("" = default)
  TuningDb *db = nullptr;     ///< where trials go; null: nothing is recorded
  std::string strategy = "auto"; ///< "auto", "exhaustive", "random-local", "evolutionary"
  SearchBudget budget;
  unsigned compileThreads = 2;
  unsigned long long seed = 1;
  std::chrono::milliseconds watchdog{30000};
  int warmup = 5;
  int iterations = 30;
  std::string toolVersion;
  ProgressFn progress;
};

/// Tunes `request.kernel` for `request.shape`. Errors: the kernel does not generate,
/// the workloads cannot be built, the database fails.
runtime::Expected<TuneReport> tunePrefill(const TuneRequest &request);

/// The shape candidates are checked on: `shape` itself when its reference is cheap, else
/// the same head ratio and mask parameters on short ragged sequences (the kernels take
/// lengths at run time, so the same code runs). Input files are not carried over.
ProblemShape checkShapeFor(const ProblemShape &shape);

} // namespace attnc::tuner

#endif // ATTNC_TUNER_PREFILLTUNER_H
