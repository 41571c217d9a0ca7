//===- KernelSelection.cpp - Pick a kernel, head dim and tile config -------===//
//
// Shared by compile, check and run so they agree on defaults and error messages.
//
//===----------------------------------------------------------------------===//
#include "KernelSelection.h"

#include <iostream>

namespace attnc::cli {

void addKernelOptions(po::options_description &desc) {
  desc.add_options()
      ("kernel", po::value<std::string>()->default_value(""), "kernel to use when the file holds several")
      ("head-dim", po::value<int>(), "head dim D to specialise for (default: the declared one, else 128)")
      ("block-m", po::value<int>(), "query rows per CTA (default: per head dim)")
      ("block-n", po::value<int>(), "keys per pipeline stage")
      ("warps", po::value<int>(), "warps per CTA")
      ("stages", po::value<int>(), "K/V pipeline depth")
      ("q-in-regs", po::value<bool>(), "hold Q fragments in registers (true/false)");
}

std::optional<KernelChoice> chooseKernel(const CompiledProgram &program,
                                         const po::variables_map &vm) {
  KernelChoice c;
  std::vector<std::string> names = program.kernelNames();
  c.kernel = vm["kernel"].as<std::string>();
  if (c.kernel.empty()) {
    if (names.size() != 1) {
      std::cerr << "attnc: error: the file holds " << names.size()
                << " kernels; choose one with --kernel NAME\n";
      return std::nullopt;
    }
    c.kernel = names.front();
  } else if (std::find(names.begin(), names.end(), c.kernel) == names.end()) {
    std::cerr << "attnc: error: no kernel named '" << c.kernel << "'\n";
    return std::nullopt;
  }
  std::optional<int> declared = program.declaredHeadDim(c.kernel);
  c.headDim = vm.count("head-dim") ? vm["head-dim"].as<int>() : declared.value_or(128);
  if (declared && *declared != c.headDim) {
    std::cerr << "attnc: error: --head-dim " << c.headDim << " does not match the head dim "
              << *declared << " that kernel '" << c.kernel << "' declares\n";
    return std::nullopt;
  }
  std::vector<cuda::PrefillConfig> defaults = cuda::prefillCandidates(c.headDim);
  c.explicitConfig = vm.count("block-m") || vm.count("block-n") || vm.count("warps") ||
                     vm.count("stages") || vm.count("q-in-regs");
  if (!c.explicitConfig) {
    c.configs = defaults;
    return c;
  }
  cuda::PrefillConfig cfg = defaults.front();
  if (vm.count("block-m")) cfg.blockM = vm["block-m"].as<int>();
  if (vm.count("block-n")) cfg.blockN = vm["block-n"].as<int>();
  if (vm.count("warps")) cfg.numWarps = vm["warps"].as<int>();
  if (vm.count("stages")) cfg.stages = vm["stages"].as<int>();
  if (vm.count("q-in-regs")) cfg.qInRegs = vm["q-in-regs"].as<bool>();
  if (cfg.numWarps <= 0 || cfg.blockM <= 0 || cfg.blockN <= 0 || cfg.stages < 2 ||
      cfg.blockM % (16 * cfg.numWarps) != 0 || cfg.blockN % 16 != 0) {
    std::cerr << "attnc: error: tile config " << cfg.str()
              << " is not valid: BLOCK_M must be a multiple of 16 x warps, BLOCK_N of 16, "
                 "and stages at least 2\n";
    return std::nullopt;
  }
  c.configs = {cfg};
  return c;
}

} // namespace attnc::cli
