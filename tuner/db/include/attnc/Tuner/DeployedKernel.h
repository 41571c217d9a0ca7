//===- DeployedKernel.h - A tuned config with its ready-made cubin -----*- C++ -*-===//
//
// The serving-path question "which kernel do I launch for this problem?", answered from
// databases alone: the looked-up config plus, when the winning record names a cubin the
// databases hold, that cubin and its parsed KernelSpec, which Runtime::load turns into a
// Kernel with no NVRTC call. When there is no cubin the caller compiles the config.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TUNER_DEPLOYEDKERNEL_H
#define ATTNC_TUNER_DEPLOYEDKERNEL_H

#include "attnc/Runtime/KernelSpec.h"
#include "attnc/Tuner/LayeredDb.h"

#include <optional>
#include <vector>

namespace attnc::tuner {

/// A lookup result and, when some layer stores its cubin, the cubin and spec.
struct DeployedKernel {
  LookupResult lookup;
  std::optional<runtime::KernelSpec> spec;
  std::vector<char> cubin; ///< empty when `spec` is empty
};

/// Looks `problem` up (see LayeredDb::lookup) and fetches the winner's cubin from the
/// first layer that has it; a stored spec that does not parse is an error naming the db.
runtime::Expected<DeployedKernel> findDeployedKernel(const LayeredDb &db, const std::string &device,
                                                     const std::string &kernel,
                                                     const ProblemKey &problem,
                                                     const std::string &archDefault);

} // namespace attnc::tuner

#endif // ATTNC_TUNER_DEPLOYEDKERNEL_H
