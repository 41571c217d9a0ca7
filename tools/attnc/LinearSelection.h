//===- LinearSelection.h - Head dims and tile shape of a linear kernel -*- C++ -*-===//
//
// The linear-family counterpart of KernelSelection: K from --head-dim (or the declared
// key dim, else 128), V from --head-dim-v (or the declared value dim, else K), and the
// chunkwise tile shape from --chunk/--sub/--slice-v/--warps/--stages/--segments or the
// defaults for the kernel's gate kind (best first).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TOOLS_LINEARSELECTION_H
#define ATTNC_TOOLS_LINEARSELECTION_H

#include "KernelSelection.h"

namespace attnc::cli {

/// Adds --head-dim-v, --chunk, --sub, --slice-v, --segments, --seqlens.
void addLinearOptions(po::options_description &desc);

/// The packed sequence lengths --seqlens gives (empty without it); prints an error naming
/// the bad item and returns nullopt for a malformed list or an empty packed row.
std::optional<std::vector<int>> parseSeqlens(const po::variables_map &vm);

struct LinearChoice {
  int headDimK = 0, headDimV = 0;
  std::vector<cuda::LinearConfig> configs; ///< the given config, or the defaults best first
  bool explicitConfig = false;
};

/// V for linear kernel `kernel` with key head dim `headDimK`: --head-dim-v, else the
/// declared value dim, else K. Prints an error and returns nullopt when --head-dim-v
/// contradicts the declaration. Shared with `attnc tune`.
std::optional<int> chooseValueDim(const CompiledProgram &program, const std::string &kernel,
                                  int headDimK, const po::variables_map &vm);

/// Resolves the options for the linear kernel `choice.kernel`; prints an error and returns
/// nullopt when they do not fit. The defaults leave out tile shapes over `smemLimitBytes`
/// (the target's per-block shared memory).
std::optional<LinearChoice> chooseLinear(const CompiledProgram &program, const KernelChoice &choice,
                                         const po::variables_map &vm, int smemLimitBytes);

/// "c64 sub32 v64 w4, K 128, V 128, scalar_decay (per-head gate)".
std::string describeLinear(const GeneratedKernel &kernel);

} // namespace attnc::cli

#endif // ATTNC_TOOLS_LINEARSELECTION_H
