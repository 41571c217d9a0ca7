//===- TunedKernel.cpp - The serving path: a kernel from the tuning databases ===//
//
// Generation needs no NVRTC (it is the MLIR emitter), so the key is computed from a
// generated default; only a config without a stored cubin is compiled.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/TunedKernel.h"

#include "attnc/Tuner/DeployedKernel.h"

#include <chrono>
#include <sstream>

namespace attnc::tuner {

namespace {
using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

runtime::Error generationError(const std::string &kernel, const std::ostringstream &diag) {
  return runtime::Error{runtime::ErrorCode::InvalidArgument,
                        "cannot generate kernel '" + kernel + "': " + diag.str()};
}
} // namespace

ProblemKey prefillProblemKey(const GeneratedKernel &kernel, const ProblemShape &shape) {
  return ProblemKey::fromShape(runtime::familyName(kernel.spec.family),
                               runtime::dtypeName(kernel.spec.dtype), kernel.spec.headDim,
                               kernel.spec.headDimV, shape.batch,
                               static_cast<int>(shape.headsQ), static_cast<int>(shape.headsKv),
                               shape.seqQ, shape.seqK, analysis::toString(kernel.maskKind));
}

runtime::Expected<TunedKernel> loadTunedKernel(runtime::Runtime &rt,
                                               const CompiledProgram &program,
                                               const std::string &kernel, int headDim,
                                               const ProblemShape &shape, const LayeredDb *db) {
  auto started = Clock::now();
  const std::vector<cuda::PrefillConfig> defaults =
      cuda::prefillCandidates(headDim, rt.device().arch());
  std::ostringstream diag;
  std::optional<GeneratedKernel> first = program.generate(kernel, headDim, defaults.front(), diag);
  if (!first)
    return generationError(kernel, diag);

  TunedKernel out;
  out.lookup.source = LookupSource::ArchDefault;
  out.lookup.config = defaults.front().str();
  out.lookup.provenance = "no tuning database: the per-arch default";
  if (db) {
    runtime::Expected<DeployedKernel> found =
        findDeployedKernel(*db, rt.device().fingerprint(), program.fingerprint(kernel),
                           prefillProblemKey(*first, shape), defaults.front().str());
    if (!found)
      return found.takeError();
    out.lookup = found->lookup;
    out.lookupMs = msSince(started);
    if (found->spec) {
      auto load = Clock::now();
      auto loaded = rt.load(found->cubin, *found->spec);
      if (!loaded)
        return loaded.takeError();
      out.kernel = loaded.takeValue();
      out.generated = {kernel, "", *found->spec, first->maskKind,
                       cuda::PrefillConfig::parse(found->lookup.config).value_or(first->config)};
      out.deployedCubin = true;
      out.loadMs = msSince(load);
      return out;
    }
  }

  // Compile: the looked-up config, or the defaults in order until one is spill-free.
  std::vector<cuda::PrefillConfig> configs = defaults;
  if (out.lookup.source != LookupSource::ArchDefault) {
    std::optional<cuda::PrefillConfig> tuned = cuda::PrefillConfig::parse(out.lookup.config);
    if (!tuned)
      return runtime::Error{runtime::ErrorCode::IoError,
                            "tuning database " + out.lookup.dbPath + ": config '" +
                                out.lookup.config + "' is not a prefill tile config"};
    configs = {*tuned};
  }
  auto load = Clock::now();
  for (const cuda::PrefillConfig &config : configs) {
    std::optional<GeneratedKernel> generated = program.generate(kernel, headDim, config, diag);
    if (!generated)
      return generationError(kernel, diag);
    auto compiled = rt.compile(generated->source, generated->spec);
    if (!compiled)
      return compiled.takeError();
    out.kernel = compiled.takeValue();
    out.generated = *generated;
    if (out.kernel->resources().localBytes == 0)
      break;
  }
  out.loadMs = msSince(load);
  return out;
}

} // namespace attnc::tuner
