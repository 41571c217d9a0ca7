//===- GpuMeasurer.h - Compile, check and time prefill candidates on a GPU -*- C++ -*-===//
//
// The Measurer the real tuner uses. compile() generates the kernel for the candidate's
// tile shape (serialised: the MLIR context is single-threaded), compiles it with NVRTC
// through the cubin cache in a forked child (in parallel on the compile pool; NVRTC may
// initialise the CUDA driver, which would leave this process unable to fork children that
// use CUDA), and reads registers and local memory from the cubin. measure() runs where ChildProcessMeasurer puts it, in a
// forked child: it opens its own Runtime, loads the cubin, runs the kernel once into a
// NaN-poisoned output and compares with the float64 reference (Wrong if it differs), then
// times it with CUDA events over input sets rotated past L2. The workloads are built
// once, before any fork, so children inherit them instead of redrawing them.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TUNER_GPUMEASURER_H
#define ATTNC_TUNER_GPUMEASURER_H

#include "attnc/Driver/CompiledProgram.h"
#include "attnc/Driver/GpuHarness.h"
#include "attnc/Tuner/Measurer.h"

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace attnc::tuner {

/// Starts the reason of a measurement that failed for a cause outside the candidate (no
/// driver, no device): such failures are not blocklisted.
constexpr const char *kEnvironmentFailure = "environment: ";

/// What measuring one problem needs; the program and workloads outlive the measurer.
struct GpuTuneProblem {
  const CompiledProgram *program = nullptr;
  std::string kernel;
  int headDim = 128;
  runtime::DeviceInfo device; ///< from probeDeviceInChild: the arch to compile for
  std::string cacheDir;       ///< cubin cache ("" = the default directory)
  const SoftmaxWorkload *check = nullptr;              ///< with its reference
  const std::vector<SoftmaxWorkload> *bench = nullptr; ///< rotated input sets
  int warmup = 5;
  int iterations = 30;
};

/// A compiled candidate: the cubin, its launch spec and its cubin-cache key.
struct CompiledCandidate {
  std::vector<char> cubin;
  runtime::KernelSpec spec;
  std::string cacheKey;
};

/// Compiles `generated` for `arch` with NVRTC through the cubin cache (`cacheDir`, "" =
/// default) in a forked child, and reads registers and local memory from the cubin. On
/// success `out` holds the artefacts. Shared by the prefill and linear measurers.
CompileResult compileInChild(const GeneratedKernel &generated, const std::string &arch,
                             const std::string &cacheDir, std::optional<CompiledCandidate> &out);

class GpuMeasurer : public Measurer {
public:
  explicit GpuMeasurer(const GpuTuneProblem &problem) : problem_(problem) {}

  CompileResult compile(const Candidate &candidate) override;
  Measurement measure(const Candidate &candidate) override;

  /// The artefacts of a candidate whose compile() succeeded.
  std::optional<CompiledCandidate> compiled(const Candidate &candidate) const;

private:
  GpuTuneProblem problem_;
  std::mutex generateMutex_;        // CompiledProgram::generate is not thread-safe
  mutable std::mutex compiledMutex_; // guards compiled_
  std::map<std::string, CompiledCandidate> compiled_;
};

} // namespace attnc::tuner

#endif // ATTNC_TUNER_GPUMEASURER_H
