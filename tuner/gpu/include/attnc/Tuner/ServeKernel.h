//===- ServeKernel.h - The serving path both kernel families share -*- C++ -*-===//
//
// Once a family has generated its first default (for the problem key) and listed its
// per-arch defaults, serving is the same for prefill and linear kernels: look the key up,
// load a stored cubin as is (no NVRTC), else compile the looked-up config, or the defaults
// in order until one uses no local memory. A family describes itself with ServingFamily.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TUNER_SERVEKERNEL_H
#define ATTNC_TUNER_SERVEKERNEL_H

#include "attnc/Tuner/TunedKernel.h"

#include <chrono>
#include <functional>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

namespace attnc::tuner {

/// What a kernel family tells serveKernel.
struct ServingFamily {
  const char *configWord; ///< "prefill" or "linear": names the config kind in errors
  std::vector<std::string> defaults; ///< config texts, the per-arch default first
  /// Whether `config` is a config text of this family.
  std::function<bool(const std::string &config)> parses;
  /// The kernel generated with config text `config` (one `parses` accepts); nullopt with
  /// the emitter's diagnostics in `diag`.
  std::function<std::optional<GeneratedKernel>(const std::string &config, std::ostream &diag)>
      generate;
  /// The description of a deployed cubin: launch spec `spec`, tuned config text `config`.
  std::function<GeneratedKernel(const runtime::KernelSpec &spec, const std::string &config)>
      deployed;
};

/// The error for a kernel the emitter could not generate.
runtime::Error generationError(const std::string &kernel, const std::ostringstream &diag);

/// Serves `kernel` for problem `key` (see the file comment); `started` is when the caller
/// began (the key's generation counts towards the lookup time).
runtime::Expected<TunedKernel> serveKernel(runtime::Runtime &rt, const CompiledProgram &program,
                                           const std::string &kernel, const ProblemKey &key,
                                           const ServingFamily &family, const LayeredDb *db,
                                           std::chrono::steady_clock::time_point started);

} // namespace attnc::tuner

#endif // ATTNC_TUNER_SERVEKERNEL_H
