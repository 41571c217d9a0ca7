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

/// Adds --kernel, --head-dim, --block-m, --block-n, --warps, --stages, --q-in-regs.
void addKernelOptions(po::options_description &desc);

struct KernelChoice {
  std::string kernel;
  int headDim = 0;
  /// The tile shape given on the command line, or the defaults best first: a command
  /// uses the first whose compiled kernel touches no local memory.
  std::vector<cuda::PrefillConfig> configs;
  bool explicitConfig = false;
};

/// Resolves the options; prints an error and returns nullopt when they do not fit.
std::optional<KernelChoice> chooseKernel(const CompiledProgram &program,
                                         const po::variables_map &vm);

} // namespace attnc::cli

#endif // ATTNC_TOOLS_KERNELSELECTION_H
