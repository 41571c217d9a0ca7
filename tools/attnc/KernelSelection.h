//===- KernelSelection.h - Pick a kernel, head dim and tile config --*- C++ -*-===//
//
// The options every code-generating subcommand shares (--kernel, --head-dim, the tile
// shape) and their resolution against a compiled program: the only kernel unless one is
// named, the declared head dim unless one is given, the per-arch default tile shape
// unless one is given.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TOOLS_KERNELSELECTION_H
#define ATTNC_TOOLS_KERNELSELECTION_H

#include "OptionParsing.h"

#include "attnc/Driver/CompiledProgram.h"

#include <optional>
#include <string>

namespace attnc::cli {

/// Adds --kernel, --head-dim, --template, --block-m, --block-n, --warps, --stages,
/// --q-in-regs, --overlap.
void addKernelOptions(po::options_description &desc);

struct KernelChoice {
  std::string kernel;
  int headDim = 0;
  /// The tile shape given on the command line, or the defaults for `arch` best first: a
  /// command uses the first whose compiled kernel touches no local memory.
  std::vector<cuda::PrefillConfig> configs;
  bool explicitConfig = false;
};

/// Resolves the options for target `arch` (an NVRTC arch such as "sm_90a"); prints an
/// error and returns nullopt when they do not fit (an sm90 config off sm_90a included).
std::optional<KernelChoice> chooseKernel(const CompiledProgram &program,
                                         const po::variables_map &vm, const std::string &arch);

} // namespace attnc::cli

#endif // ATTNC_TOOLS_KERNELSELECTION_H
