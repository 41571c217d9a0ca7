//===- LinearMeasurer.h - Compile, check and time linear candidates -*- C++ -*-===//
//
// GpuMeasurer's counterpart for the linear family. compile() generates the chunkwise
// kernel for the candidate's LinearConfig (serialised: the MLIR context is
// single-threaded) and compiles it with NVRTC in a forked child (compileInChild).
// measure() runs in a forked child (ChildProcessMeasurer): it opens its own Runtime,
// loads the cubin, runs the kernel once on the check problem with output and final state
// poisoned and compares both with the float64 recurrence (Wrong if they differ), then
// times it with CUDA events over input sets rotated past L2 (benchLinear).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TUNER_LINEARMEASURER_H
#define ATTNC_TUNER_LINEARMEASURER_H

#include "attnc/Driver/LinearHarness.h"
#include "attnc/Tuner/GpuMeasurer.h"

namespace attnc::tuner {

/// What measuring one linear problem needs; the program and AST outlive the measurer.
struct LinearTuneProblem {
  const CompiledProgram *program = nullptr;
  const dsl::Kernel *ast = nullptr; ///< the float64 recurrence comes from it
  std::string kernel;
  int headDimK = 128, headDimV = 128;
  runtime::DeviceInfo device; ///< from probeDeviceInChild: the arch to compile for
  std::string cacheDir;       ///< cubin cache ("" = the default directory)
  LinearProblem check;        ///< small and ragged: the reference is cheap
  LinearProblem bench;        ///< the tuned shape
  int warmup = 5;
  int iterations = 30;
};

class LinearMeasurer : public Measurer {
public:
  explicit LinearMeasurer(const LinearTuneProblem &problem) : problem_(problem) {}

  CompileResult compile(const Candidate &candidate) override;
  Measurement measure(const Candidate &candidate) override;

  /// The artefacts of a candidate whose compile() succeeded.
  std::optional<CompiledCandidate> compiled(const Candidate &candidate) const;

private:
  LinearTuneProblem problem_;
  std::mutex generateMutex_;         // CompiledProgram::generateLinear is not thread-safe
  mutable std::mutex compiledMutex_; // guards compiled_
  std::map<std::string, CompiledCandidate> compiled_;
};

} // namespace attnc::tuner

#endif // ATTNC_TUNER_LINEARMEASURER_H
