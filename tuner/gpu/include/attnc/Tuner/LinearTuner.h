//===- LinearTuner.h - Tune one linear-family problem and record every trial -*- C++ -*-===//
//
// tunePrefill's counterpart for chunkwise linear kernels: the key (family "linear",
// headDim K, headDimV V, seq T, the recurrence's name as the mask kind), a small ragged
// check problem for the float64 recurrence and the tuned shape for timing, the space of
// LinearTraits' parameters (chunk, sub, v, w) and the launch's split p pruned by the
// device's shared memory and the database's blocklist, the search (NVRTC and measurements
// in forked children), and the database (every trial, the blocklist, the winner's cubin)
// through TuneRun. The default tile shapes for the kernel's gate are always measured
// first, then the first default at every fixed split p1 .. p64 (one cubin).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TUNER_LINEARTUNER_H
#define ATTNC_TUNER_LINEARTUNER_H

#include "attnc/Driver/CompiledProgram.h"
#include "attnc/Driver/LinearHarness.h"
#include "attnc/Tuner/TuneRun.h"

#include <chrono>
#include <string>

namespace attnc::tuner {

struct LinearTuneRequest {
  const CompiledProgram *program = nullptr;
  const dsl::Kernel *ast = nullptr;
  std::string kernel;
  int headDimK = 128, headDimV = 128;
  ProblemShape shape;         ///< B, H (= Hq = Hkv) and N (= M) as the length T
  runtime::DeviceInfo device; ///< from probeDeviceInChild
  std::string cacheDir;       ///< cubin cache ("" = default)
  TuningDb *db = nullptr;     ///< where trials go; null: nothing is recorded
  SearchPlan plan;
  std::chrono::milliseconds watchdog{30000};
  int warmup = 5;
  int iterations = 30;
  std::string toolVersion;
};

/// Tunes `request.kernel` for `request.shape`. Errors: the shape is not a linear one
/// (Hkv != Hq or M != N), the kernel does not generate, the database fails.
runtime::Expected<TuneReport> tuneLinear(const LinearTuneRequest &request);

/// The problem candidates are checked on: `shape` itself when short, else at most 2
/// sequences of 2 heads and a ragged length no chunk divides; its gates are drawn, not
/// read from the shape's input files (those hold the timed shape).
LinearProblem linearCheckProblem(const ProblemShape &shape);

} // namespace attnc::tuner

#endif // ATTNC_TUNER_LINEARTUNER_H
