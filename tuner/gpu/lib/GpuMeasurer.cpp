//===- GpuMeasurer.cpp - Compile, check and time prefill candidates --------===//
//
// compile() may run on several pool threads; generation takes a lock, NVRTC does not.
// measure() runs in a child process that owns the only CUDA context of its lifetime.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/GpuMeasurer.h"

#include "attnc/Runtime/CubinCache.h"
#include "attnc/Runtime/CubinInfo.h"
#include "attnc/Runtime/Runtime.h"
#include "attnc/Tuner/ChildProcess.h"
#include "attnc/Tuner/Spaces.h"

#include <cstdio>
#include <cstring>
#include <sstream>

namespace attnc::tuner {

namespace {

constexpr std::chrono::milliseconds kCompileWatchdog{600000}; // NVRTC on a loaded machine
constexpr const char *kChildOk = "ok ";
constexpr const char *kChildError = "error ";

CompileResult compileFailure(std::string reason) {
  CompileResult r;
  r.reason = std::move(reason);
  return r;
}

Measurement measureFailure(MeasureStatus status, std::string reason) {
  Measurement m;
  m.status = status;
  m.reason = std::move(reason);
  return m;
}

} // namespace

CompileResult compileInChild(const GeneratedKernel &generated, const std::string &arch,
                             const std::string &cacheDir, std::optional<CompiledCandidate> &out) {
  runtime::NvrtcRequest request;
  request.source = generated.source;
  request.programName = generated.spec.entryName + ".cu";
  request.arch = arch;
  runtime::Expected<runtime::CacheKeyInputs> keyInputs = runtime::cacheKeyInputsFor(request);
  if (!keyInputs)
    return compileFailure(keyInputs.error().message);

  // NVRTC runs in a child: it may initialise the CUDA driver, and the measuring children
  // forked from this process could not use CUDA after that.
  const std::string entry = generated.spec.entryName;
  ChildOutcome child = runInChild(
      [&]() -> std::string {
        auto cache = runtime::CubinCache::open(cacheDir);
        if (!cache)
          return kChildError + cache.error().message;
        runtime::Expected<std::vector<char>> cubin = (*cache)->compile(request);
        if (!cubin)
          return kChildError + cubin.error().message;
        runtime::Expected<runtime::CubinFunctionInfo> info =
            runtime::readCubinFunctionInfo(*cubin, entry);
        if (!info)
          return kChildError + info.error().message;
        return kChildOk + std::to_string(info->registers) + " " +
               std::to_string(std::max(info->frameBytes, info->minStackBytes)) + "\n" +
               std::string(cubin->begin(), cubin->end());
      },
      kCompileWatchdog, "compile process");
  if (child.kind != ChildOutcome::Kind::Finished)
    return compileFailure(child.failure);
  const std::string &text = child.output;
  if (text.rfind(kChildOk, 0) != 0)
    return compileFailure(text.rfind(kChildError, 0) == 0 ? text.substr(std::strlen(kChildError))
                                                          : "compile process wrote no result");
  size_t newline = text.find('\n');
  CompileResult result;
  if (newline == std::string::npos ||
      std::sscanf(text.c_str() + std::strlen(kChildOk), "%d %d", &result.registers,
                  &result.localBytes) != 2)
    return compileFailure("compile process wrote an unreadable result");
  result.ok = true;
  result.sharedBytes = generated.spec.dynamicSmemBytes;
  out = CompiledCandidate{std::vector<char>(text.begin() + newline + 1, text.end()),
                          generated.spec, runtime::computeCacheKey(*keyInputs)};
  return result;
}

CompileResult GpuMeasurer::compile(const Candidate &candidate) {
  cuda::PrefillConfig config = toPrefillConfig(candidate);
  std::optional<GeneratedKernel> generated;
  std::ostringstream diag;
  {
    std::lock_guard<std::mutex> lock(generateMutex_);
    generated = problem_.program->generate(problem_.kernel, problem_.headDim, config, diag);
  }
  if (!generated)
    return compileFailure("code generation failed: " + diag.str());
  std::optional<CompiledCandidate> artefacts;
  CompileResult result =
      compileInChild(*generated, problem_.device.arch(), problem_.cacheDir, artefacts);
  if (artefacts) {
    std::lock_guard<std::mutex> lock(compiledMutex_);
    compiled_[candidate.text()] = std::move(*artefacts);
  }
  return result;
}

std::optional<CompiledCandidate> GpuMeasurer::compiled(const Candidate &candidate) const {
  std::lock_guard<std::mutex> lock(compiledMutex_);
  auto it = compiled_.find(candidate.text());
  if (it == compiled_.end())
    return std::nullopt;
  return it->second;
}

Measurement GpuMeasurer::measure(const Candidate &candidate) {
  std::optional<CompiledCandidate> artefacts = compiled(candidate);
  if (!artefacts)
    return measureFailure(MeasureStatus::Failed, "measured before it was compiled");
  auto rt = runtime::Runtime::create(problem_.device.ordinal, problem_.cacheDir);
  if (!rt)
    return measureFailure(MeasureStatus::Failed, std::string(kEnvironmentFailure) + rt.error().message);
  auto kernel = (*rt)->load(artefacts->cubin, artefacts->spec);
  if (!kernel)
    return measureFailure(MeasureStatus::Failed, kernel.error().message);

  runtime::Expected<CheckResult> check = checkSoftmax(**rt, **kernel, *problem_.check);
  if (!check)
    return measureFailure(MeasureStatus::Failed, check.error().message);
  if (!check->passed()) {
    char reason[192];
    std::snprintf(reason, sizeof(reason),
                  "differs from the float64 reference: rel err %.3e (tolerance %.0e), lse err "
                  "%.3e, %lld non-finite of %lld",
                  check->relError, check->tolerance, check->lseMaxError,
                  static_cast<long long>(check->nonFinite),
                  static_cast<long long>(check->elements));
    return measureFailure(MeasureStatus::Wrong, reason);
  }
  runtime::Expected<BenchResult> bench =
      benchSoftmax(**rt, **kernel, *problem_.bench, problem_.warmup, problem_.iterations);
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
