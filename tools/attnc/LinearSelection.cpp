//===- LinearSelection.cpp - Head dims and tile shape of a linear kernel ---===//
//
// Shared by compile, check and run so they agree on the linear defaults and errors. The
// prefill-only options (--block-m, --block-n, --stages, --q-in-regs) are refused here
// rather than silently ignored.
//
//===----------------------------------------------------------------------===//
#include "LinearSelection.h"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <iostream>

namespace attnc::cli {

void addLinearOptions(po::options_description &desc) {
  desc.add_options()(
      "head-dim-v", po::value<int>(),
      "linear family: value head dim V (default: the declared one, else the key head dim)")(
      "chunk", po::value<int>(), "linear family: tokens per chunk tile")(
      "span", po::value<int>(),
      "linear family: tiles per chunk (chunks of span x chunk tokens, up to 1024, whose "
      "tiles also multiply against their chunk's earlier tiles; not the delta rule)")(
      "sub", po::value<int>(), "linear family: key sub-tile of the intra-chunk product")(
      "slice-v", po::value<int>(), "linear family: V columns of the state per CTA")(
      "segments", po::value<int>(),
      "linear family: split each sequence into this many segments walked in parallel "
      "(1: one CTA walks it; default: chosen per launch from the SM count)")(
      "seqlens", po::value<std::string>(),
      "linear family, check and run: packed variable-length sequences of these lengths "
      "(e.g. 300,1,699) in batch row 0, passed to the kernel as cumulative offsets; "
      "--shape's B and N are then unused");
}

std::optional<std::vector<int>> parseSeqlens(const po::variables_map &vm) {
  std::vector<int> lengths;
  if (!vm.count("seqlens"))
    return lengths;
  const std::string text = vm["seqlens"].as<std::string>();
  long long total = 0;
  size_t begin = 0;
  while (begin <= text.size()) {
    const size_t end = std::min(text.find(',', begin), text.size());
    const std::string item = text.substr(begin, end - begin);
    char *stop = nullptr;
    const long long len = std::strtoll(item.c_str(), &stop, 10);
    if (item.empty() || *stop != '\0' || len < 0 || len > INT_MAX) {
      std::cerr << "attnc: error: --seqlens '" << text
                << "': expected comma-separated sequence lengths >= 0, got '" << item << "'\n";
      return std::nullopt;
    }
    lengths.push_back(static_cast<int>(len));
    total += len;
    begin = end + 1;
  }
  if (total == 0 || total > INT_MAX) {
    std::cerr << "attnc: error: --seqlens '" << text << "': the packed row holds " << total
              << " tokens; expected 1 to " << INT_MAX << "\n";
    return std::nullopt;
  }
  return lengths;
}

std::optional<int> chooseValueDim(const CompiledProgram &program, const std::string &kernel,
                                  int headDimK, const po::variables_map &vm) {
  std::optional<int> declaredV = program.declaredValueDim(kernel);
  int headDimV = vm.count("head-dim-v") ? vm["head-dim-v"].as<int>() : declaredV.value_or(headDimK);
  if (declaredV && *declaredV != headDimV) {
    std::cerr << "attnc: error: --head-dim-v " << headDimV << " does not match the head dim "
              << *declaredV << " that kernel '" << kernel << "' declares\n";
    return std::nullopt;
  }
  return headDimV;
}

std::optional<LinearChoice> chooseLinear(const CompiledProgram &program, const KernelChoice &choice,
                                         const po::variables_map &vm, int smemLimitBytes) {
  // chooseKernel leaves a linear kernel's tile options to this function, so every softmax
  // template option is refused here rather than ignored.
  for (const char *prefillOnly : {"template", "block-m", "block-n", "q-in-regs", "overlap",
                                  "ctas-per-sm", "persistent", "pingpong"})
    if (vm.count(prefillOnly)) {
      std::cerr << "attnc: error: --" << prefillOnly << " applies to softmax kernels; kernel '"
                << choice.kernel << "' is of the linear family (use --chunk, --sub, --slice-v, "
                << "--warps, --stages, --span, --segments)\n";
      return std::nullopt;
    }
  LinearChoice c;
  c.headDimK = choice.headDim;
  std::optional<int> headDimV = chooseValueDim(program, choice.kernel, c.headDimK, vm);
  if (!headDimV)
    return std::nullopt;
  c.headDimV = *headDimV;
  const cuda::LinearGateKind gate = program.linearGate(choice.kernel);
  std::vector<cuda::LinearConfig> defaults =
      cuda::linearCandidates(c.headDimK, c.headDimV, gate,
                             cuda::linearRuleOf(program.recurrence(choice.kernel)), smemLimitBytes);
  c.explicitConfig =
      vm.count("chunk") || vm.count("sub") || vm.count("slice-v") || vm.count("warps") ||
      vm.count("stages") || vm.count("span") || vm.count("segments");
  if (!c.explicitConfig) {
    // Head dims the template does not support leave no default: the emitter says why.
    c.configs = defaults.empty() ? std::vector<cuda::LinearConfig>{{}} : defaults;
    return c;
  }
  cuda::LinearConfig cfg = defaults.empty() ? cuda::LinearConfig{} : defaults.front();
  if (vm.count("chunk"))
    cfg.chunk = vm["chunk"].as<int>();
  if (vm.count("sub"))
    cfg.sub = vm["sub"].as<int>();
  if (vm.count("slice-v"))
    cfg.sliceV = vm["slice-v"].as<int>();
  if (vm.count("warps"))
    cfg.numWarps = vm["warps"].as<int>();
  if (vm.count("stages"))
    cfg.stages = vm["stages"].as<int>();
  if (vm.count("span"))
    cfg.span = vm["span"].as<int>();
  if (vm.count("segments"))
    cfg.segments = vm["segments"].as<int>();
  c.configs = {cfg};
  return c;
}

std::string describeLinear(const GeneratedKernel &k) {
  return k.linearConfig.str() + ", K " + std::to_string(k.spec.headDim) + ", V " +
         std::to_string(k.spec.headDimV) + ", " + k.recurrence + " (" +
         runtime::linearGateName(k.spec.linear.gate) + " gate)";
}

} // namespace attnc::cli
