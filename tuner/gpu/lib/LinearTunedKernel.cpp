//===- LinearTunedKernel.cpp - The serving path for the linear family ------===//
//
// loadTunedKernel's linear counterpart: the key comes from a kernel generated with the
// first fitting default (generation is the MLIR emitter, no NVRTC), the database answers
// with a LinearConfig's text ("c64 sub32 v64 w4"), and a stored cubin loads as is.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/TunedKernel.h"

#include "attnc/Tuner/DeployedKernel.h"

#include <chrono>
#include <sstream>

namespace attnc::tuner {

namespace {
using Clock = std::chrono::steady_clock;
constexpr const char *kVectorGateRecurrence = "vector_gate";

double msSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

runtime::Error generationError(const std::string &kernel, const std::ostringstream &diag) {
  return runtime::Error{runtime::ErrorCode::InvalidArgument,
                        "cannot generate kernel '" + kernel + "': " + diag.str()};
}
} // namespace

ProblemKey linearProblemKey(const GeneratedKernel &kernel, const ProblemShape &shape) {
  return ProblemKey::fromShape(runtime::familyName(kernel.spec.family),
                               runtime::dtypeName(kernel.spec.dtype), kernel.spec.headDim,
                               kernel.spec.headDimV, shape.batch,
                               static_cast<int>(shape.headsQ), static_cast<int>(shape.headsQ),
                               shape.seqQ, shape.seqQ, kernel.recurrence);
}

cuda::LinearGateKind linearGateKind(const GeneratedKernel &kernel) {
  switch (kernel.spec.linear.gate) {
  case runtime::LinearGate::None: return cuda::LinearGateKind::None;
  case runtime::LinearGate::PerHead: return cuda::LinearGateKind::PerHead;
  case runtime::LinearGate::PerToken: return cuda::LinearGateKind::PerToken;
  case runtime::LinearGate::PerChannel: return cuda::LinearGateKind::PerChannel;
  }
  return cuda::LinearGateKind::None;
}

cuda::LinearRule linearRule(const GeneratedKernel &kernel) {
  return kernel.spec.linear.betaInput.empty() ? cuda::LinearRule::Additive
                                              : cuda::LinearRule::Delta;
}

std::optional<GeneratedKernel> generateLinearDefault(const CompiledProgram &program,
                                                     const std::string &kernel, int headDimK,
                                                     int headDimV, std::ostream &diag) {
  const std::string recurrence = program.recurrence(kernel);
  const cuda::LinearGateKind gate = recurrence == kVectorGateRecurrence
                                        ? cuda::LinearGateKind::PerChannel
                                        : cuda::LinearGateKind::PerToken;
  std::vector<cuda::LinearConfig> defaults =
      cuda::linearCandidates(headDimK, headDimV, gate, cuda::linearRuleOf(recurrence));
  // Head dims the template does not support leave no default: the emitter says why.
  return program.generateLinear(kernel, headDimK, headDimV,
                                defaults.empty() ? cuda::LinearConfig{} : defaults.front(), diag);
}

runtime::Expected<TunedKernel> loadTunedLinearKernel(runtime::Runtime &rt,
                                                     const CompiledProgram &program,
                                                     const std::string &kernel, int headDimK,
                                                     int headDimV, const ProblemShape &shape,
                                                     const LayeredDb *db) {
  auto started = Clock::now();
  std::ostringstream diag;
  std::optional<GeneratedKernel> first =
      generateLinearDefault(program, kernel, headDimK, headDimV, diag);
  if (!first)
    return generationError(kernel, diag);
  std::vector<cuda::LinearConfig> defaults =
      cuda::linearCandidates(headDimK, headDimV, linearGateKind(*first), linearRule(*first));
  if (defaults.empty())
    defaults = {first->linearConfig};

  TunedKernel out;
  out.lookup.source = LookupSource::ArchDefault;
  out.lookup.config = defaults.front().str();
  out.lookup.provenance = "no tuning database: the per-arch default";
  if (db) {
    runtime::Expected<DeployedKernel> found =
        findDeployedKernel(*db, rt.device().fingerprint(), program.fingerprint(kernel),
                           linearProblemKey(*first, shape), defaults.front().str());
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
      out.generated = *first;
      out.generated.source.clear();
      out.generated.spec = *found->spec;
      out.generated.linearConfig =
          cuda::LinearConfig::parse(found->lookup.config).value_or(first->linearConfig);
      out.deployedCubin = true;
      out.loadMs = msSince(load);
      return out;
    }
  }

  std::vector<cuda::LinearConfig> configs = defaults;
  if (out.lookup.source != LookupSource::ArchDefault) {
    std::optional<cuda::LinearConfig> tuned = cuda::LinearConfig::parse(out.lookup.config);
    if (!tuned)
      return runtime::Error{runtime::ErrorCode::IoError,
                            "tuning database " + out.lookup.dbPath + ": config '" +
                                out.lookup.config + "' is not a linear tile config"};
    configs = {*tuned};
  }
  auto load = Clock::now();
  for (const cuda::LinearConfig &config : configs) {
    std::optional<GeneratedKernel> generated =
        program.generateLinear(kernel, headDimK, headDimV, config, diag);
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
