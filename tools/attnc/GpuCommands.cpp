//===- GpuCommands.cpp - attnc check / attnc run ----------------------------===//
//
// Both commands compile the chosen kernel for the GPU they run on (NVRTC, through the
// cubin cache) and run it on fresh random inputs of --shape. `check` compares against
// the float64 CPU reference with the output poisoned first and prints the relative
// error; `run --bench` prints the median time over rotated inputs and TFLOP/s counted
// over the pairs the mask allows.
//
//===----------------------------------------------------------------------===//
#include "Commands.h"
#include "KernelSelection.h"
#include "LinearSelection.h"
#include "OptionParsing.h"
#include "ProblemOptions.h"
#include "SourceLoading.h"

#include "attnc/Analysis/BlockClassification.h"
#include "attnc/Driver/CompiledProgram.h"
#include "attnc/Driver/GpuHarness.h"
#include "attnc/Driver/LinearHarness.h"
#include "attnc/Tuner/TunedKernel.h"

#include <cstdio>
#include <iostream>

namespace attnc::cli {
namespace {

/// Everything a GPU command needs once the options are parsed.
struct GpuSession {
  std::optional<LoadedProgram> ast;
  std::unique_ptr<CompiledProgram> program;
  KernelChoice choice;
  std::optional<GeneratedKernel> generated;
  std::unique_ptr<runtime::Runtime> runtime;
  std::unique_ptr<runtime::Kernel> kernel;
  cuda::PrefillConfig config; ///< the tile shape actually compiled
  ProblemShape shape;
  std::string tuning; ///< how the config was chosen, when tuning databases were given
  bool linear = false; ///< a linear-family kernel (LinearHarness checks and times it)
  std::vector<int> packedLengths; ///< --seqlens: packed sequences instead of the padded batch
};

void addGpuOptions(po::options_description &desc) {
  desc.add_options()
      ("shape", po::value<std::string>()->default_value("B=2,H=8,N=1000"), "problem: B=..,Hq=..,Hkv=..,N=..,M=.. (H sets both head counts; M defaults to N) plus free dims");
  addProblemOptions(desc);
  addKernelOptions(desc);
  addLinearOptions(desc);
  addDatabaseOptions(desc);
}

/// Compiles s.generated into s.kernel through the cubin cache; an exit code on failure.
std::optional<int> compileGenerated(GpuSession &s) {
  auto kernel = s.runtime->compile(s.generated->source, s.generated->spec);
  if (!kernel) {
    std::cerr << "attnc: error: " << kernel.error().message << "\n";
    return kExitInternalError;
  }
  s.kernel = kernel.takeValue();
  return std::nullopt;
}

/// The linear family: the given tile shape; else, with databases, the tuned one (a
/// deployed cubin loads without NVRTC); else the first default that compiles without
/// local memory. Returns an exit code on failure.
std::optional<int> openLinear(const po::variables_map &vm, GpuSession &s,
                              const tuner::LayeredDb *db) {
  if (s.shape.headsKv != s.shape.headsQ || s.shape.seqK != s.shape.seqQ) {
    std::cerr << "attnc: error: kernel '" << s.choice.kernel
              << "' is of the linear family; its --shape takes B, H and N (the length T)\n";
    return kExitUserError;
  }
  std::optional<LinearChoice> linear = chooseLinear(
      *s.program, s.choice, vm, s.runtime->device().maxSharedMemoryPerBlockOptin);
  if (!linear)
    return kExitUserError;
  if (!linear->explicitConfig && db) {
    auto tuned = tuner::loadTunedLinearKernel(*s.runtime, *s.program, s.choice.kernel,
                                              linear->headDimK, linear->headDimV, s.shape, db);
    if (!tuned) {
      std::cerr << "attnc: error: " << tuned.error().message << "\n";
      return kExitInternalError;
    }
    s.kernel = std::move(tuned->kernel);
    s.generated = tuned->generated;
    char timing[160];
    std::snprintf(timing, sizeof(timing),
                  "; lookup %.2f ms, %s %.2f ms; NVRTC compiles in this process: %llu",
                  tuned->lookupMs, tuned->deployedCubin ? "load of the stored cubin" : "compile+load",
                  tuned->loadMs,
                  static_cast<unsigned long long>(s.runtime->cache().stats().compiles));
    s.tuning = std::string(tuner::lookupSourceName(tuned->lookup.source)) + ": " +
               tuned->lookup.provenance + timing;
    // The linear check and bench reports do not carry s.tuning: say it here.
    std::printf("tuning: %s\n", s.tuning.c_str());
    return std::nullopt;
  }
  for (const cuda::LinearConfig &config : linear->configs) {
    s.generated = s.program->generateLinear(s.choice.kernel, linear->headDimK, linear->headDimV,
                                            config, std::cerr);
    if (!s.generated)
      return kExitUserError;
    if (auto rc = compileGenerated(s))
      return rc;
    if (s.kernel->resources().localBytes == 0)
      break;
  }
  return std::nullopt;
}

/// Returns an exit code on failure.
std::optional<int> openSession(const po::variables_map &vm, GpuSession &s) {
  const std::string file = vm["file"].as<std::string>();
  s.ast = loadProgram(file);
  if (!s.ast)
    return kExitUserError;
  s.program = CompiledProgram::load(file, std::cerr);
  if (!s.program)
    return kExitUserError;
  std::optional<ProblemShape> shape = parseProblem(vm, vm["shape"].as<std::string>());
  if (!shape)
    return kExitUserError;
  s.shape = *shape;
  std::optional<std::vector<int>> packed = parseSeqlens(vm);
  if (!packed)
    return kExitUserError;
  s.packedLengths = *packed;
  bool dbFailed = false;
  std::unique_ptr<tuner::LayeredDb> db = openDatabases(vm, false, dbFailed);
  if (dbFailed)
    return kExitUserError;
  auto rt = runtime::Runtime::create(vm["device"].as<int>());
  if (!rt) {
    std::cerr << "attnc: error: " << rt.error().message << "\n";
    return kExitUserError;
  }
  s.runtime = rt.takeValue();
  std::optional<KernelChoice> choice = chooseKernel(*s.program, vm, s.runtime->device().arch());
  if (!choice)
    return kExitUserError;
  s.choice = *choice;
  s.linear = s.program->family(s.choice.kernel) == "linear";
  if (s.linear)
    return openLinear(vm, s, db.get());
  if (!s.packedLengths.empty()) {
    std::cerr << "attnc: error: --seqlens applies to linear kernels; kernel '" << s.choice.kernel
              << "' is a softmax one\n";
    return kExitUserError;
  }
  if (s.choice.explicitConfig) {
    s.generated =
        s.program->generate(s.choice.kernel, s.choice.headDim, s.choice.configs.front(), std::cerr);
    if (!s.generated)
      return kExitUserError;
    if (auto rc = compileGenerated(s))
      return rc;
    s.config = s.choice.configs.front();
    return std::nullopt;
  }
  // The tuned config when databases are given (a deployed cubin loads without NVRTC),
  // else the first per-arch default that uses no local memory.
  auto tuned = tuner::loadTunedKernel(*s.runtime, *s.program, s.choice.kernel, s.choice.headDim,
                                      s.shape, db.get());
  if (!tuned) {
    std::cerr << "attnc: error: " << tuned.error().message << "\n";
    return kExitInternalError;
  }
  s.kernel = std::move(tuned->kernel);
  s.generated = tuned->generated;
  s.config = tuned->generated.config;
  if (db) {
    char timing[160];
    std::snprintf(timing, sizeof(timing),
                  "; lookup %.2f ms, %s %.2f ms; NVRTC compiles in this process: %llu",
                  tuned->lookupMs, tuned->deployedCubin ? "load of the stored cubin" : "compile+load",
                  tuned->loadMs,
                  static_cast<unsigned long long>(s.runtime->cache().stats().compiles));
    s.tuning = std::string(tuner::lookupSourceName(tuned->lookup.source)) + ": " +
               tuned->lookup.provenance + timing;
  }
  return std::nullopt;
}

const dsl::Kernel &astKernel(const GpuSession &s) {
  return *selectKernel(*s.ast, s.choice.kernel);
}

/// The linear problem --shape (and --seqlens) describe, with --input's gate files.
LinearProblem linearProblem(const GpuSession &s) {
  LinearProblem p = s.packedLengths.empty()
                        ? LinearProblem::fromShape(s.shape)
                        : LinearProblem::packed(s.shape.headsQ, s.packedLengths);
  p.inputFiles = s.shape.inputFiles;
  return p;
}

/// `attnc check` of a linear kernel: both layouts, non-zero initial state, o and the final
/// state against the float64 recurrence.
int checkLinearKernel(const GpuSession &s, uint64_t seed) {
  std::printf("%s [%s] on %s\n", s.choice.kernel.c_str(), describeLinear(*s.generated).c_str(),
              s.runtime->device().name.c_str());
  bool passed = true;
  for (bool tokenMajor : {false, true}) {
    LinearProblem problem = linearProblem(s);
    problem.seed = seed;
    problem.tokenMajor = tokenMajor;
    auto r = checkLinear(*s.runtime, *s.kernel, astKernel(s), problem);
    if (!r) {
      std::cerr << "attnc: error: " << r.error().message << "\n";
      return kExitUserError;
    }
    std::printf("  %s: rel err %.3e (tolerance %.0e)  max abs err %.3e  final state rel err "
                "%.3e  non-finite %lld of %lld  %s\n",
                problem.str().c_str(), r->relError, r->tolerance, r->maxAbsError,
                r->stateRelError, static_cast<long long>(r->nonFinite),
                static_cast<long long>(r->elements), r->passed() ? "PASS" : "FAIL");
    passed = passed && r->passed();
  }
  return passed ? kExitOk : kExitUserError;
}

/// `attnc run` of a linear kernel: the median of CUDA-event timings.
int benchLinearKernel(const GpuSession &s, int warmup, int iters) {
  LinearProblem problem = linearProblem(s);
  problem.initialState = false;
  auto r = benchLinear(*s.runtime, *s.kernel, astKernel(s), problem, warmup, iters);
  if (!r) {
    std::cerr << "attnc: error: " << r.error().message << "\n";
    return kExitUserError;
  }
  std::printf("%s [%s] on %s, %s\n", s.choice.kernel.c_str(),
              describeLinear(*s.generated).c_str(), s.runtime->device().name.c_str(),
              problem.str().c_str());
  std::printf("  median %.4f ms (min %.4f, max %.4f, %d runs, %d input sets)\n", r->medianMs,
              r->minMs, r->maxMs, r->samples, r->inputSets);
  return kExitOk;
}

/// Useful FLOPs: 4 * D * allowed (i, j) pairs per (batch, head).
std::optional<double> usefulFlops(const GpuSession &s, bool &exact) {
  std::optional<analysis::MaskModel> model = s.program->maskModel(s.choice.kernel, std::cerr);
  if (!model)
    return std::nullopt;
  analysis::Tiling tiling{s.shape.seqQ, s.shape.seqK, s.config.blockM,
                          s.config.blockN};
  analysis::SymbolValues overrides(s.shape.dims.begin(), s.shape.dims.end());
  for (const auto &[k, v] : s.shape.params)
    overrides[k] = static_cast<int64_t>(v);
  std::string error;
  auto report = analysis::explainMask(*model, tiling, s.choice.headDim, overrides, &error);
  if (!report)
    return std::nullopt;
  exact = report->map.exact;
  return 4.0 * s.choice.headDim * static_cast<double>(report->pairsAllowed) * s.shape.batch *
         s.shape.headsQ;
}

} // namespace

int runCheck(const Args &args) {
  po::options_description desc("check options");
  desc.add_options()("seed", po::value<uint64_t>()->default_value(1), "random seed of the inputs");
  addGpuOptions(desc);
  po::variables_map vm;
  if (auto rc = parseOptions(args, desc, "usage: attnc check FILE --shape B=..,H=..,N=.. [options]", vm))
    return *rc;
  GpuSession s;
  if (auto rc = openSession(vm, s))
    return *rc;
  if (s.linear)
    return checkLinearKernel(s, vm["seed"].as<uint64_t>());
  auto result = checkSoftmax(*s.runtime, *s.kernel, astKernel(s), s.shape,
                             vm["seed"].as<uint64_t>());
  if (!result) {
    std::cerr << "attnc: error: " << result.error().message << "\n";
    return kExitUserError;
  }
  std::printf("%s [%s, D=%d, %s] on %s, %s\n", s.choice.kernel.c_str(),
              s.config.str().c_str(), s.choice.headDim,
              runtime::dtypeName(s.generated->spec.dtype), s.runtime->device().name.c_str(),
              s.shape.str().c_str());
  std::printf("  rel err %.3e (tolerance %.0e)  max abs err %.3e  lse max err %.3e  "
              "non-finite %lld of %lld  %s\n",
              result->relError, result->tolerance, result->maxAbsError, result->lseMaxError,
              static_cast<long long>(result->nonFinite), static_cast<long long>(result->elements),
              result->passed() ? "PASS" : "FAIL");
  if (!s.tuning.empty())
    std::printf("  tuning: %s\n", s.tuning.c_str());
  return result->passed() ? kExitOk : kExitUserError;
}

int runRun(const Args &args) {
  po::options_description desc("run options");
  desc.add_options()
      ("bench", "time the kernel: median of --iters launches over rotated inputs")
      ("iters", po::value<int>()->default_value(50), "timed launches")
      ("warmup", po::value<int>()->default_value(10), "untimed launches first")
      ("reuse-block-map", "data-dependent masks: build each input set's block map once and "
                          "time the attention alone (FlexAttention's BlockMask is timed so); "
                          "by default every launch rebuilds it");
  addGpuOptions(desc);
  po::variables_map vm;
  if (auto rc = parseOptions(args, desc, "usage: attnc run FILE --shape B=..,H=..,N=.. [--bench] [options]", vm))
    return *rc;
  GpuSession s;
  if (auto rc = openSession(vm, s))
    return *rc;
  int iters = vm.count("bench") ? vm["iters"].as<int>() : 1;
  int warmup = vm.count("bench") ? vm["warmup"].as<int>() : 0;
  if (iters <= 0 || warmup < 0) {
    std::cerr << "attnc: error: --iters must be positive and --warmup not negative\n";
    return kExitUserError;
  }
  const bool reuseMap = vm.count("reuse-block-map") > 0;
  if (reuseMap && !s.kernel->spec().needsBlockMap()) {
    std::cerr << "attnc: error: --reuse-block-map: kernel '" << s.choice.kernel
              << "' has no data-dependent mask, so no block map to reuse\n";
    return kExitUserError;
  }
  if (s.linear)
    return benchLinearKernel(s, warmup, iters);
  auto result =
      benchSoftmax(*s.runtime, *s.kernel, astKernel(s), s.shape, warmup, iters, reuseMap);
  if (!result) {
    std::cerr << "attnc: error: " << result.error().message << "\n";
    return kExitUserError;
  }
  bool exact = true;
  std::optional<double> flops = usefulFlops(s, exact);
  std::printf("%s [%s, D=%d] on %s, %s\n", s.choice.kernel.c_str(), s.config.str().c_str(),
              s.choice.headDim, s.runtime->device().name.c_str(), s.shape.str().c_str());
  std::printf("  median %.4f ms (min %.4f, max %.4f, %d runs, %d input sets)", result->medianMs,
              result->minMs, result->maxMs, result->samples, result->inputSets);
  if (flops)
    std::printf("  %.1f TFLOP/s%s", *flops / (result->medianMs * 1e-3) / 1e12,
                exact ? "" : " (upper bound: the mask reads data)");
  std::printf("\n");
  if (s.kernel->spec().needsBlockMap())
    std::printf("  block map: %s\n", reuseMap ? "built once per input set, reused by the timed launches"
                                              : "rebuilt by every launch");
  if (!s.tuning.empty())
    std::printf("  tuning: %s\n", s.tuning.c_str());
  return kExitOk;
}

} // namespace attnc::cli
