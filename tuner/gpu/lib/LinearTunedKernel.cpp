//===- LinearTunedKernel.cpp - The serving path for the linear family ------===//
//
// loadTunedKernel's linear counterpart: the key comes from a kernel generated with the
// first fitting default (generation is the MLIR emitter, no NVRTC), the database answers
// with a LinearConfig's text ("c64 sub32 v64 w4"), and a stored cubin loads as is.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/TunedKernel.h"

#include "attnc/Tuner/ServeKernel.h"

namespace attnc::tuner {

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
  case runtime::LinearGate::MlstmSig: return cuda::LinearGateKind::MlstmSig;
  case runtime::LinearGate::MlstmExp: return cuda::LinearGateKind::MlstmExp;
  }
  return cuda::LinearGateKind::None;
}

cuda::LinearRule linearRule(const GeneratedKernel &kernel) {
  return kernel.spec.linear.betaInput.empty() ? cuda::LinearRule::Additive
                                              : cuda::LinearRule::Delta;
}

std::optional<GeneratedKernel> generateLinearDefault(const CompiledProgram &program,
                                                     const std::string &kernel, int headDimK,
                                                     int headDimV, std::ostream &diag,
                                                     int smemLimitBytes) {
  const cuda::LinearGateKind gate = program.linearGate(kernel);
  std::vector<cuda::LinearConfig> defaults =
      cuda::linearCandidates(headDimK, headDimV, gate,
                             cuda::linearRuleOf(program.recurrence(kernel)), smemLimitBytes);
  // Head dims the template does not support leave no default: the emitter says why.
  return program.generateLinear(kernel, headDimK, headDimV,
                                defaults.empty() ? cuda::LinearConfig{} : defaults.front(), diag);
}

runtime::Expected<TunedKernel> loadTunedLinearKernel(runtime::Runtime &rt,
                                                     const CompiledProgram &program,
                                                     const std::string &kernel, int headDimK,
                                                     int headDimV, const ProblemShape &shape,
                                                     const LayeredDb *db) {
  auto started = std::chrono::steady_clock::now();
  std::ostringstream diag;
  const int smemLimit = rt.device().maxSharedMemoryPerBlockOptin;
  std::optional<GeneratedKernel> first =
      generateLinearDefault(program, kernel, headDimK, headDimV, diag, smemLimit);
  if (!first)
    return generationError(kernel, diag);
  std::vector<cuda::LinearConfig> defaults = cuda::linearCandidates(
      headDimK, headDimV, linearGateKind(*first), linearRule(*first), smemLimit);
  if (defaults.empty())
    defaults = {first->linearConfig};

  ServingFamily family;
  family.configWord = "linear";
  for (const cuda::LinearConfig &config : defaults)
    family.defaults.push_back(config.str());
  family.parses = [](const std::string &config) {
    return cuda::LinearConfig::parse(config).has_value();
  };
  family.generate = [&](const std::string &config, std::ostream &os) {
    return program.generateLinear(kernel, headDimK, headDimV,
                                  *cuda::LinearConfig::parse(config), os);
  };
  family.deployed = [&](const runtime::KernelSpec &spec, const std::string &config) {
    GeneratedKernel described = *first;
    described.source.clear();
    described.spec = spec;
    described.linearConfig = cuda::LinearConfig::parse(config).value_or(first->linearConfig);
    return described;
  };
  return serveKernel(rt, program, kernel, linearProblemKey(*first, shape), family, db,
                     started);
}

} // namespace attnc::tuner
