//===- GpuHarness.h - Check and time a generated kernel on the GPU --*- C++ -*-===//
//
// What `attnc check`, `attnc run --bench` and the GPU tests share: fresh random inputs
// (rounded once to the storage format, so the float64 reference sees exactly what the
// GPU reads), outputs poisoned with NaN before the launch, the comparison against the
// CPU reference (relative error, non-finite count, log-sum-exp), and timing with CUDA
// events after warm-up as the median of many launches over rotated input sets.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DRIVER_GPUHARNESS_H
#define ATTNC_DRIVER_GPUHARNESS_H

#include "attnc/DSL/AST.h"
#include "attnc/Driver/EventTimer.h"
#include "attnc/Reference/Evaluator.h"
#include "attnc/Reference/HostTensor.h"
#include "attnc/Runtime/Kernel.h"
#include "attnc/Runtime/Runtime.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace attnc {

/// A softmax problem: role sizes, free dim symbols, and param values.
struct ProblemShape {
  int64_t batch = 1, headsQ = 1, headsKv = 1, seqQ = 128, seqK = 128;
  std::map<std::string, int64_t> dims;   ///< dim symbols no tensor of q/k/v fixes
  std::map<std::string, double> params;  ///< overrides of param defaults
  /// Extra inputs read from files instead of drawn at random: raw little-endian values
  /// of the input's element type, row-major in its declared shape.
  std::map<std::string, std::string> inputFiles;
  std::string str() const;               ///< "B=2 Hq=8 Hkv=2 N=1000 M=1000"
};

/// Parses "B=2,Hq=8,Hkv=2,N=1000,M=777" (separators ',' or ' '; `H` sets Hq and Hkv; M
/// defaults to N and Hkv to Hq; other names bind free dim symbols).
std::optional<ProblemShape> parseShape(const std::string &text, std::string *error);

/// The inputs of one problem on the host, drawn once (seeded) and rounded to the storage
/// format, and optionally the float64 reference output and log-sum-exp. Needs no GPU: a
/// tuner builds its workloads once, before it forks the children that measure.
struct SoftmaxWorkload {
  ProblemShape shape;
  int headDim = 128;
  runtime::DType dtype = runtime::DType::BF16;
  reference::Inputs inputs;
  reference::Bindings bindings;
  std::vector<std::string> extraNames;   ///< extra inputs in declaration order
  std::vector<runtime::DType> extraTypes; ///< their element types
  /// q, k, v and the extra inputs encoded in their storage types, ready to upload.
  std::vector<std::vector<unsigned char>> storage;
  bool hasReference = false;
  reference::HostTensor expected, expectedLse; ///< the float64 reference, when hasReference
};

/// Reads input `name` from `path`: raw little-endian `dtype` values, row-major in `shape`
/// (an error names the input, the file and the byte counts when the size is wrong).
runtime::Expected<reference::HostTensor> readInputFile(const std::string &name,
                                                       const std::string &path,
                                                       std::vector<int64_t> shape,
                                                       runtime::DType dtype);

/// Draws the inputs of `shape` for `ast` (files in shape.inputFiles win over random
/// draws) and, with `withReference`, computes the float64 reference.
runtime::Expected<SoftmaxWorkload> makeWorkload(const dsl::Kernel &ast, const ProblemShape &shape,
                                                int headDim, runtime::DType dtype, uint64_t seed,
                                                bool withReference);

/// How many input sets a benchmark rotates through so that repeated runs miss in an L2
/// cache of `l2CacheBytes`.
int benchInputSets(int headDim, const ProblemShape &shape, int64_t l2CacheBytes);
/// The rotated input sets of a benchmark (no reference).
runtime::Expected<std::vector<SoftmaxWorkload>>
makeBenchWorkloads(const dsl::Kernel &ast, const ProblemShape &shape, int headDim,
                   runtime::DType dtype, int64_t l2CacheBytes);

struct CheckResult {
  double relError = 0;    ///< ||o - ref|| / ||ref||
  double maxAbsError = 0;
  double lseMaxError = 0; ///< max |lse - ref| over rows with any allowed key
  int64_t nonFinite = 0;  ///< NaN/inf outputs: unwritten (poison) or broken
  int64_t elements = 0;
  double tolerance = 0;   ///< 1e-2 for bf16, 2e-3 for fp16
  bool passed() const { return nonFinite == 0 && relError < tolerance && lseMaxError < 1e-2; }
};

/// Runs `kernel` once on fresh random inputs (seeded) and compares with the float64
/// reference of `ast`. Errors from the runtime (bad shape, CUDA failure) come back as is.
runtime::Expected<CheckResult> checkSoftmax(runtime::Runtime &rt, const runtime::Kernel &kernel,
                                            const dsl::Kernel &ast, const ProblemShape &shape,
                                            uint64_t seed);

/// Runs `kernel` once on `workload` (made with its reference) into a poisoned output and
/// compares.
runtime::Expected<CheckResult> checkSoftmax(runtime::Runtime &rt, const runtime::Kernel &kernel,
                                            const SoftmaxWorkload &workload);

/// Times `kernel` with CUDA events: `warmup` launches, then `iterations` timed ones, each
/// on the next of several input sets whose total size exceeds the L2 cache. A kernel with
/// a run-time block map rebuilds it in every launch, unless `reuseBlockMap`: then each
/// input set's map is built once before timing and the timed launches reuse it
/// (LaunchArgs::blockMapBuilt; how FlexAttention is timed, its BlockMask made beforehand).
runtime::Expected<BenchResult> benchSoftmax(runtime::Runtime &rt, const runtime::Kernel &kernel,
                                            const dsl::Kernel &ast, const ProblemShape &shape,
                                            int warmup = 10, int iterations = 50,
                                            bool reuseBlockMap = false);
/// The same over input sets made beforehand (makeBenchWorkloads), one per launch in turn.
runtime::Expected<BenchResult> benchSoftmax(runtime::Runtime &rt, const runtime::Kernel &kernel,
                                            const std::vector<SoftmaxWorkload> &workloads,
                                            int warmup, int iterations,
                                            bool reuseBlockMap = false);

} // namespace attnc

#endif // ATTNC_DRIVER_GPUHARNESS_H
