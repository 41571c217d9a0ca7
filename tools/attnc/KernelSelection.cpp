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
      ("template", po::value<std::string>(), "sm80 (mma.sync, any arch) or sm90 (wgmma, sm_90a only); default: the best for the arch")
      ("block-m", po::value<int>(), "query rows per CTA (default: per head dim)")
      ("block-n", po::value<int>(), "keys per pipeline stage")
      ("warps", po::value<int>(), "warps per CTA")
      ("stages", po::value<int>(), "K/V pipeline depth (linear family: chunks in flight, 2-4)")
      ("q-in-regs", po::value<bool>(), "sm80: hold Q fragments in registers (true/false)")
      ("overlap", po::value<bool>(), "sm90: overlap the previous block's P V with the softmax (true/false)")
      ("ctas-per-sm", po::value<int>(), "sm90: CTAs per SM, 1 (BLOCK_M 128) or 2 (BLOCK_M 64, half the registers and shared memory each)")
      ("persistent", po::value<int>(), "sm90: 0 (a CTA per query block), 1 or 2 (persistent CTAs walking the query blocks, with that many Q buffers)")
      ("pingpong", po::value<bool>(), "sm90: the two consumer warpgroups issue their products in turns, one's softmax under the other's products (true/false)");
}

std::optional<KernelChoice> chooseKernel(const CompiledProgram &program,
                                         const po::variables_map &vm, const std::string &arch) {
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
  if (program.family(c.kernel) == "linear")
    return c; // chooseLinear (LinearSelection.h) picks the chunkwise tile shape
  std::vector<cuda::PrefillConfig> defaults =
      cuda::prefillCandidates(c.headDim, arch, program.maskReach(c.kernel));
  c.explicitConfig = vm.count("template") || vm.count("block-m") || vm.count("block-n") ||
                     vm.count("warps") || vm.count("stages") || vm.count("q-in-regs") ||
                     vm.count("overlap") || vm.count("ctas-per-sm") || vm.count("persistent") ||
                     vm.count("pingpong");
  if (!c.explicitConfig) {
    c.configs = defaults;
    return c;
  }
  std::string tmpl = vm.count("template") ? vm["template"].as<std::string>()
                     : vm.count("overlap") || vm.count("ctas-per-sm") || vm.count("persistent") ||
                               vm.count("pingpong")
                         ? "sm90"
                     : vm.count("warps") || vm.count("q-in-regs") || vm.count("block-m")
                         ? "sm80"
                         : (defaults.front().sm90 ? "sm90" : "sm80");
  if (tmpl != "sm80" && tmpl != "sm90") {
    std::cerr << "attnc: error: unknown --template '" << tmpl << "' (expected sm80 or sm90)\n";
    return std::nullopt;
  }
  if (tmpl == "sm90") {
    if (!cuda::archHasWgmma(arch)) {
      std::cerr << "attnc: error: the sm90 template (wgmma) needs sm_90a, not " << arch << "\n";
      return std::nullopt;
    }
    const int ctas = vm.count("ctas-per-sm") ? vm["ctas-per-sm"].as<int>() : 1;
    if (vm.count("warps") || vm.count("q-in-regs") ||
        (vm.count("block-m") && vm["block-m"].as<int>() != cuda::sm90BlockM(ctas))) {
      std::cerr << "attnc: error: the sm90 template fixes BLOCK_M at " << cuda::kSm90BlockM
                << " (" << cuda::sm90BlockM(2)
                << " at --ctas-per-sm 2) and its warps; --warps and --q-in-regs belong to "
                   "the sm80 template\n";
      return std::nullopt;
    }
    cuda::PrefillConfig cfg = cuda::PrefillConfig::hopper(
        vm.count("block-n") ? vm["block-n"].as<int>() : (ctas == 2 ? 64 : 128),
        vm.count("stages") ? vm["stages"].as<int>() : (ctas == 2 ? 3 : 2),
        vm.count("overlap") && vm["overlap"].as<bool>(), ctas,
        vm.count("persistent") ? vm["persistent"].as<int>() : 0,
        vm.count("pingpong") && vm["pingpong"].as<bool>());
    if (std::optional<std::string> problem = cuda::sm90ConfigProblem(c.headDim, cfg)) {
      std::cerr << "attnc: error: tile config " << cfg.str() << " is not valid: " << *problem
                << "\n";
      return std::nullopt;
    }
    c.configs = {cfg};
    return c;
  }
  if (vm.count("overlap") || vm.count("ctas-per-sm") || vm.count("persistent") ||
      vm.count("pingpong")) {
    std::cerr << "attnc: error: --overlap, --ctas-per-sm, --persistent and --pingpong belong to "
                 "the sm90 template\n";
    return std::nullopt;
  }
  cuda::PrefillConfig cfg = cuda::prefillCandidates(c.headDim).front();
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
