//===- CompileCommand.cpp - attnc compile ----------------------------------===//
//
// `attnc compile FILE --emit=KIND [-o OUT]`: runs the compiler as far as asked and
// writes that stage: the checked AST, the attn dialect as imported or after the pass
// pipeline, the generated CUDA C++, or PTX / a cubin compiled by NVRTC for --arch. For
// PTX and cubins it prints ptxas' resource report; `--no-spills` turns any local-memory
// use into a failure (CI runs every example that way).
//
//===----------------------------------------------------------------------===//
#include "Commands.h"
#include "KernelSelection.h"
#include "LinearSelection.h"
#include "OptionParsing.h"
#include "SourceLoading.h"

#include "attnc/DSL/Frontend.h"
#include "attnc/Driver/CompiledProgram.h"
#include "attnc/Runtime/CubinInfo.h"
#include "attnc/Runtime/Nvrtc.h"
#include "attnc/Runtime/ResourceUsage.h"

#include <algorithm>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <variant>

namespace attnc::cli {
namespace {

const char *kUsage = "usage: attnc compile FILE [--emit=ast|mlir|mlir-opt|cu|ptx|cubin] "
                     "[--arch sm_90a] [-o OUT] [options]";

/// Largest dynamic shared memory one block may opt into, per arch (bytes).
std::optional<int> smemLimit(const std::string &arch) {
  static const std::map<std::string, int> limits = {
      {"sm_80", 166912}, {"sm_86", 101376}, {"sm_87", 166912}, {"sm_89", 101376},
      {"sm_90", 232448}, {"sm_90a", 232448}, {"sm_100", 232448}, {"sm_100a", 232448},
      {"sm_120", 101376}};
  auto it = limits.find(arch);
  return it == limits.end() ? std::nullopt : std::optional<int>(it->second);
}

/// Emit kind from -o's extension when --emit is not given.
std::string emitKind(const po::variables_map &vm) {
  if (vm.count("emit"))
    return vm["emit"].as<std::string>();
  std::string out = vm.count("output") ? vm["output"].as<std::string>() : "";
  for (const char *ext : {"cubin", "ptx", "cu", "mlir"})
    if (out.size() > strlen(ext) + 1 && out.compare(out.size() - strlen(ext), strlen(ext), ext) == 0 &&
        out[out.size() - strlen(ext) - 1] == '.')
      return std::string(ext) == "mlir" ? "mlir-opt" : ext;
  return "mlir-opt";
}

int writeOutput(const po::variables_map &vm, const std::string &data) {
  if (!vm.count("output")) {
    std::cout << data;
    return kExitOk;
  }
  const std::string path = vm["output"].as<std::string>();
  std::ofstream out(path, std::ios::binary);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!out) {
    std::cerr << "attnc: error: cannot write '" << path << "'\n";
    return kExitUserError;
  }
  return kExitOk;
}

bool isLinear(const GeneratedKernel &k) { return k.spec.family == runtime::KernelFamily::Linear; }

/// The tile config of either family, as its config struct prints it.
std::string configText(const GeneratedKernel &k) {
  return isLinear(k) ? k.linearConfig.str() : k.config.str();
}

/// A generated kernel compiled by NVRTC, with what ptxas (or the cubin) reports for each
/// entry point: the main one, then a linear kernel's split stages.
struct Compiled {
  GeneratedKernel kernel;
  runtime::NvrtcOutput output;
  std::vector<std::optional<runtime::ResourceUsage>> usages;

  bool reported() const {
    return std::all_of(usages.begin(), usages.end(), [](const auto &u) { return u.has_value(); });
  }
  bool usesLocalMemory() const {
    return std::any_of(usages.begin(), usages.end(),
                       [](const auto &u) { return u && u->usesLocalMemory(); });
  }
  std::string usageText() const {
    std::string text;
    for (const auto &u : usages)
      if (u)
        text += (text.empty() ? "" : "; ") + u->str();
    return text;
  }
};

/// The entry points of `kernel`: the main one, then a linear kernel's split stages.
std::vector<std::string> entryPoints(const GeneratedKernel &kernel) {
  std::vector<std::string> entries{kernel.spec.entryName};
  for (const runtime::LinearStage &stage : kernel.spec.linear.splitStages)
    entries.push_back(stage.entryName);
  return entries;
}

/// What ptxas reported for `entry`, or, when NVRTC served the compile from the driver's
/// compute cache and ptxas printed nothing, the registers and local-memory frame the
/// cubin records.
std::optional<runtime::ResourceUsage> usageOf(const runtime::NvrtcOutput &out,
                                              const std::string &entry, const std::string &arch) {
  std::optional<runtime::ResourceUsage> usage = runtime::parseResourceUsage(out.log, entry);
  if (usage)
    return usage;
  runtime::Expected<runtime::CubinFunctionInfo> info =
      runtime::readCubinFunctionInfo(out.cubin, entry);
  if (!info)
    return std::nullopt;
  usage = runtime::ResourceUsage{};
  usage->function = entry;
  usage->arch = arch;
  usage->registers = info->registers;
  usage->stackFrameBytes = std::max(info->frameBytes, info->minStackBytes);
  return usage;
}

/// Whether attnc knows `arch` (NVRTC's name); prints the ones it knows if not.
bool knownArch(const std::string &arch) {
  if (smemLimit(arch))
    return true;
  std::cerr << "attnc: error: unknown --arch '" << arch
            << "' (expected sm_80, sm_86, sm_87, sm_89, sm_90, sm_90a, sm_100a or sm_120)\n";
  return false;
}

/// Whether `kernel` fits `arch`'s shared memory per block; prints why not.
bool fitsSharedMemory(const GeneratedKernel &kernel, const std::string &arch) {
  std::optional<int> limit = smemLimit(arch);
  if (kernel.spec.dynamicSmemBytes <= *limit)
    return true;
  std::cerr << "attnc: error: kernel '" << kernel.kernelName << "' with tile config "
            << configText(kernel) << " needs " << kernel.spec.dynamicSmemBytes
            << " bytes of shared memory; " << arch << " allows " << *limit << " per block ("
            << (isLinear(kernel) ? "use a smaller --chunk/--slice-v or fewer --stages"
                                 : "use smaller --block-m/--block-n or fewer --stages")
            << ")\n";
  return false;
}

/// Compiles `kernel` for `arch`; prints why not and returns an exit code on failure.
std::variant<Compiled, int> compileKernel(GeneratedKernel kernel, const std::string &arch,
                                          bool wantPtx) {
  if (!fitsSharedMemory(kernel, arch))
    return kExitUserError;
  runtime::NvrtcRequest request;
  request.source = kernel.source;
  request.programName = kernel.kernelName + ".cu";
  request.arch = arch;
  request.options = {"-Xptxas=-v"};
  request.wantPtx = wantPtx;
  runtime::Expected<runtime::NvrtcOutput> out = runtime::Nvrtc::compile(request);
  if (!out) {
    std::cerr << "attnc: error: " << out.error().message << "\n";
    return out.error().code == runtime::ErrorCode::CompileError ? kExitInternalError
                                                                : kExitUserError;
  }
  std::vector<std::optional<runtime::ResourceUsage>> usages;
  for (const std::string &entry : entryPoints(kernel))
    usages.push_back(usageOf(*out, entry, arch));
  return Compiled{std::move(kernel), out.takeValue(), std::move(usages)};
}

/// Generates the kernel for the n-th candidate tile config (errors already printed).
using Generator = std::function<std::optional<GeneratedKernel>(size_t)>;

/// Tries the `count` candidate configs in order; keeps the first that uses no local
/// memory (or the last one tried, which --no-spills then rejects).
int compileWithNvrtc(const Generator &generate, size_t count, const std::string &emit,
                     const po::variables_map &vm) {
  const std::string arch = vm["arch"].as<std::string>();
  if (!knownArch(arch))
    return kExitUserError;
  std::optional<Compiled> chosen;
  for (size_t n = 0; n < count; ++n) {
    std::optional<GeneratedKernel> kernel = generate(n);
    if (!kernel)
      return kExitUserError;
    std::variant<Compiled, int> c = compileKernel(std::move(*kernel), arch, emit == "ptx");
    if (std::holds_alternative<int>(c))
      return std::get<int>(c);
    chosen = std::move(std::get<Compiled>(c));
    if (!chosen->usesLocalMemory())
      break;
    if (n + 1 < count)
      std::cerr << "attnc: note: tile config " << configText(chosen->kernel)
                << " uses local memory (" << chosen->usageText() << "); trying the next\n";
  }
  const Compiled &c = *chosen;
  std::ostream &report = vm.count("output") ? std::cout : std::cerr;
  if (isLinear(c.kernel))
    report << "kernel " << c.kernel.kernelName << ": " << describeLinear(c.kernel) << ", "
           << c.kernel.spec.dynamicSmemBytes << " B shared memory\n";
  else
    report << "kernel " << c.kernel.kernelName << ": " << c.kernel.config.str() << ", head dim "
           << c.kernel.spec.headDim << ", mask " << analysis::toString(c.kernel.maskKind) << ", "
           << c.kernel.spec.dynamicSmemBytes << " B shared memory\n";
  for (const auto &usage : c.usages)
    if (usage)
      report << usage->str() << "\n";
  if (vm.count("no-spills")) {
    if (!c.reported()) {
      std::cerr << "attnc: error: neither ptxas nor the cubin reported the resources of '"
                << c.kernel.spec.entryName << "'\n";
      return kExitInternalError;
    }
    if (c.usesLocalMemory()) {
      std::cerr << "attnc: error: kernel '" << c.kernel.kernelName << "' uses local memory on "
                << arch << " (" << c.usageText() << ")\n";
      return kExitUserError;
    }
  }
  if (emit == "ptx")
    return writeOutput(vm, c.output.ptx);
  return writeOutput(vm, std::string(c.output.cubin.begin(), c.output.cubin.end()));
}

} // namespace

int runCompile(const Args &args) {
  po::options_description desc("compile options");
  desc.add_options()
      ("emit", po::value<std::string>(), "ast, mlir (as imported), mlir-opt (after the passes), cu, ptx or cubin (default: from -o's extension, else mlir-opt)")
      ("arch", po::value<std::string>()->default_value("sm_90a"), "GPU architecture the kernel is generated for (tile configs, shared memory)")
      ("output,o", po::value<std::string>(), "output file (default: standard output)")
      ("no-spills", "fail when the kernel spills registers or uses local memory");
  addKernelOptions(desc);
  addLinearOptions(desc);
  po::variables_map vm;
  if (auto rc = parseOptions(args, desc, kUsage, vm))
    return *rc;
  const std::string file = vm["file"].as<std::string>();
  const std::string emit = emitKind(vm);

  if (emit == "ast") {
    std::optional<LoadedProgram> loaded = loadProgram(file);
    if (!loaded)
      return kExitUserError;
    std::ostringstream os;
    dsl::printProgram(loaded->program, os);
    return writeOutput(vm, os.str());
  }
  if (emit != "mlir" && emit != "mlir-opt" && emit != "cu" && emit != "ptx" && emit != "cubin") {
    std::cerr << "attnc: error: unknown --emit kind '" << emit
              << "' (expected ast, mlir, mlir-opt, cu, ptx or cubin)\n";
    return kExitUserError;
  }
  std::unique_ptr<CompiledProgram> program =
      CompiledProgram::load(file, std::cerr, /*runPipeline=*/emit != "mlir");
  if (!program)
    return kExitUserError;
  if (emit == "mlir" || emit == "mlir-opt") {
    std::ostringstream os;
    program->printIR(os);
    return writeOutput(vm, os.str());
  }
  std::optional<KernelChoice> choice = chooseKernel(*program, vm, vm["arch"].as<std::string>());
  if (!choice)
    return kExitUserError;
  Generator generate = [&](size_t n) {
    return program->generate(choice->kernel, choice->headDim, choice->configs[n], std::cerr);
  };
  size_t count = choice->configs.size();
  std::optional<LinearChoice> linear;
  if (program->family(choice->kernel) == "linear") {
    linear = chooseLinear(*program, *choice, vm,
                          smemLimit(vm["arch"].as<std::string>()).value_or(0));
    if (!linear)
      return kExitUserError;
    generate = [&](size_t n) {
      return program->generateLinear(choice->kernel, linear->headDimK, linear->headDimV,
                                     linear->configs[n], std::cerr);
    };
    count = linear->configs.size();
  }
  if (emit == "cu") {
    std::optional<GeneratedKernel> kernel = generate(0);
    if (!kernel)
      return kExitUserError;
    const std::string arch = vm["arch"].as<std::string>();
    if (!knownArch(arch) || !fitsSharedMemory(*kernel, arch))
      return kExitUserError;
    return writeOutput(vm, kernel->source);
  }
  return compileWithNvrtc(generate, count, emit, vm);
}

} // namespace attnc::cli
