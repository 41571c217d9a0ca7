//===- TunedKernel.h - The serving path: a kernel from the tuning databases -*- C++ -*-===//
//
// What a runtime opened on tuning databases does instead of searching: compute the
// problem key, look it up (LayeredDb: exact -> nearest bucket -> same arch -> per-arch
// default), and load the winner. When a layer stores the winner's cubin (a deploy
// database), it is loaded as is and NVRTC never runs; otherwise the config is generated
// and compiled through the cubin cache. With no record, the first per-arch default that
// uses no local memory is taken, as without a database. The linear family is served the
// same way, keyed by its recurrence and configured by a cuda::LinearConfig.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TUNER_TUNEDKERNEL_H
#define ATTNC_TUNER_TUNEDKERNEL_H

#include "attnc/Driver/CompiledProgram.h"
#include "attnc/Driver/GpuHarness.h"
#include "attnc/Runtime/Runtime.h"
#include "attnc/Tuner/LayeredDb.h"

#include <memory>

namespace attnc::tuner {

/// The problem key of a prefill launch, as the tuner records it.
ProblemKey prefillProblemKey(const GeneratedKernel &kernel, const ProblemShape &shape);

/// The problem key of a linear launch: family "linear", headDim K, headDimV V, one head
/// group (H query and key heads), seq T, and the recurrence's name as the mask kind.
ProblemKey linearProblemKey(const GeneratedKernel &kernel, const ProblemShape &shape);

/// The gate kind of a generated linear kernel, as cuda::LinearConfig's rules take it.
cuda::LinearGateKind linearGateKind(const GeneratedKernel &kernel);
/// The update rule of a generated linear kernel (the delta rule reads a beta input).
cuda::LinearRule linearRule(const GeneratedKernel &kernel);

/// The linear kernel generated with the first default tile shape that fits its head dims,
/// gate and rule (the defaults of LinearSelection: per-channel for "vector_gate", else the
/// scalar-gate ones; the delta rule's for delta_rule and gated_delta_rule) within
/// `smemLimitBytes` of shared memory (0: any); nullopt with the emitter's diagnostics in
/// `diag`.
std::optional<GeneratedKernel> generateLinearDefault(const CompiledProgram &program,
                                                     const std::string &kernel, int headDimK,
                                                     int headDimV, std::ostream &diag,
                                                     int smemLimitBytes = 0);

/// A loaded kernel and how it was chosen.
struct TunedKernel {
  std::unique_ptr<runtime::Kernel> kernel;
  GeneratedKernel generated; ///< the spec and config in use (source empty if deployed)
  LookupResult lookup;       ///< provenance; source ArchDefault when no record matched
  bool deployedCubin = false; ///< loaded from a database's cubin: no NVRTC ran
  double lookupMs = 0;       ///< key + database lookup
  double loadMs = 0;         ///< module load (and compile, when not deployed)
};

/// Chooses and loads the kernel for `shape` (see the file comment). `db` may be null:
/// then the per-arch defaults are used, as without a database.
runtime::Expected<TunedKernel> loadTunedKernel(runtime::Runtime &rt,
                                               const CompiledProgram &program,
                                               const std::string &kernel, int headDim,
                                               const ProblemShape &shape, const LayeredDb *db);

/// The linear family's loadTunedKernel: the looked-up LinearConfig (a stored cubin loads
/// without NVRTC), else the defaults for the kernel's gate until one is spill-free.
runtime::Expected<TunedKernel> loadTunedLinearKernel(runtime::Runtime &rt,
                                                     const CompiledProgram &program,
                                                     const std::string &kernel, int headDimK,
                                                     int headDimV, const ProblemShape &shape,
                                                     const LayeredDb *db);

} // namespace attnc::tuner

#endif // ATTNC_TUNER_TUNEDKERNEL_H
