//===- LinearMeasurer.cpp - Compile, check and time linear candidates ------===//
//
// compile() may run on several pool threads; generation takes a lock, NVRTC runs in a
// child. measure() runs in a child process that owns the only CUDA context of its life.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/LinearMeasurer.h"

#include "attnc/Runtime/Runtime.h"
#include "attnc/Tuner/Spaces.h"

#include <cstdio>
#include <sstream>

namespace attnc::tuner {

namespace {

Measurement measureFailure(MeasureStatus status, std::string reason) {
  Measurement m;
  m.status = status;
  m.reason = std::move(reason);
  return m;
}

} // namespace

CompileResult LinearMeasurer::compile(const Candidate &candidate) {
  std::optional<GeneratedKernel> generated;
  std::ostringstream diag;
  {
    std::lock_guard<std::mutex> lock(generateMutex_);
    generated = problem_.program->generateLinear(problem_.kernel, problem_.headDimK,
                                                 problem_.headDimV, toLinearConfig(candidate),
                                                 diag);
  }
  if (!generated) {
    CompileResult failed;
    failed.reason = "code generation failed: " + diag.str();
    return failed;
  }
  std::optional<CompiledCandidate> artefacts;
  CompileResult result =
      compileInChild(*generated, problem_.device.arch(), problem_.cacheDir, artefacts);
  if (artefacts) {
    std::lock_guard<std::mutex> lock(compiledMutex_);
    compiled_[candidate.text()] = std::move(*artefacts);
  }
  return result;
}

std::optional<CompiledCandidate> LinearMeasurer::compiled(const Candidate &candidate) const {
  std::lock_guard<std::mutex> lock(compiledMutex_);
  auto it = compiled_.find(candidate.text());
  if (it == compiled_.end())
    return std::nullopt;
  return it->second;
}

Measurement LinearMeasurer::measure(const Candidate &candidate) {
  std::optional<CompiledCandidate> artefacts = compiled(candidate);
  if (!artefacts)
    return measureFailure(MeasureStatus::Failed, "measured before it was compiled");
  auto rt = runtime::Runtime::create(problem_.device.ordinal, problem_.cacheDir);
  if (!rt)
    return measureFailure(MeasureStatus::Failed,
                          std::string(kEnvironmentFailure) + rt.error().message);
  auto kernel = (*rt)->load(artefacts->cubin, artefacts->spec);
  if (!kernel)
    return measureFailure(MeasureStatus::Failed, kernel.error().message);

  runtime::Expected<LinearCheckResult> check =
      checkLinear(**rt, **kernel, *problem_.ast, problem_.check);
  if (!check)
    return measureFailure(MeasureStatus::Failed, check.error().message);
  if (!check->passed()) {
    char reason[192];
    std::snprintf(reason, sizeof(reason),
                  "differs from the float64 recurrence: rel err %.3e (tolerance %.0e), state "
                  "rel err %.3e, %lld non-finite of %lld",
                  check->relError, check->tolerance, check->stateRelError,
                  static_cast<long long>(check->nonFinite),
                  static_cast<long long>(check->elements));
    return measureFailure(MeasureStatus::Wrong, reason);
  }
  runtime::Expected<BenchResult> bench = benchLinear(**rt, **kernel, *problem_.ast,
                                                     problem_.bench, problem_.warmup,
                                                     problem_.iterations);
  if (!bench)
    return measureFailure(MeasureStatus::Failed, bench.error().message);
  Measurement m;
  m.status = MeasureStatus::Ok;
  m.medianMs = bench->medianMs;
  m.minMs = bench->minMs;
  m.maxMs = bench->maxMs;
  m.samples = bench->samples;
  return m;
}

} // namespace attnc::tuner
