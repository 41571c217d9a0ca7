//===- TunedKernel.cpp - The serving path: a kernel from the tuning databases ===//
//
// Generation needs no NVRTC (it is the MLIR emitter), so the key is computed from a
// generated default; ServeKernel.cpp does the rest, as for the linear family.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/TunedKernel.h"

#include "attnc/Tuner/ServeKernel.h"

namespace attnc::tuner {

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
  auto started = std::chrono::steady_clock::now();
  const std::vector<cuda::PrefillConfig> defaults =
      cuda::prefillCandidates(headDim, rt.device().arch(), program.maskReach(kernel));
  std::ostringstream diag;
  std::optional<GeneratedKernel> first = program.generate(kernel, headDim, defaults.front(), diag);
  if (!first)
    return generationError(kernel, diag);

  ServingFamily family;
  family.configWord = "prefill";
  for (const cuda::PrefillConfig &config : defaults)
    family.defaults.push_back(config.str());
  family.parses = [](const std::string &config) {
    return cuda::PrefillConfig::parse(config).has_value();
  };
  family.generate = [&](const std::string &config, std::ostream &os) {
    return program.generate(kernel, headDim, *cuda::PrefillConfig::parse(config), os);
  };
  family.deployed = [&](const runtime::KernelSpec &spec, const std::string &config) {
    return GeneratedKernel{kernel, "", spec, first->maskKind,
                           cuda::PrefillConfig::parse(config).value_or(first->config)};
  };
  return serveKernel(rt, program, kernel, prefillProblemKey(*first, shape), family, db,
                     started);
}

} // namespace attnc::tuner
