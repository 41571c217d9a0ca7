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
#include "OptionParsing.h"
#include "SourceLoading.h"

#include "attnc/DSL/Frontend.h"
#include "attnc/Driver/CompiledProgram.h"
#include "attnc/Runtime/Nvrtc.h"
#include "attnc/Runtime/ResourceUsage.h"

#include <fstream>
#include <iostream>
#include <map>

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

int compileWithNvrtc(const GeneratedKernel &kernel, const std::string &emit,
                     const po::variables_map &vm) {
  const std::string arch = vm["arch"].as<std::string>();
  std::optional<int> limit = smemLimit(arch);
  if (!limit) {
    std::cerr << "attnc: error: unknown --arch '" << arch
              << "' (expected sm_80, sm_86, sm_87, sm_89, sm_90, sm_90a, sm_100a or sm_120)\n";
    return kExitUserError;
  }
  if (kernel.spec.dynamicSmemBytes > *limit) {
    std::cerr << "attnc: error: kernel '" << kernel.kernelName << "' with tile config "
              << kernel.config.str() << " needs " << kernel.spec.dynamicSmemBytes
              << " bytes of shared memory; " << arch << " allows " << *limit
              << " per block (use smaller --block-m/--block-n or fewer --stages)\n";
    return kExitUserError;
  }
  runtime::NvrtcRequest request;
  request.source = kernel.source;
  request.programName = kernel.kernelName + ".cu";
  request.arch = arch;
  request.options = {"-Xptxas=-v"};
  request.wantPtx = emit == "ptx";
  runtime::Expected<runtime::NvrtcOutput> out = runtime::Nvrtc::compile(request);
  if (!out) {
    std::cerr << "attnc: error: " << out.error().message << "\n";
    return out.error().code == runtime::ErrorCode::CompileError ? kExitInternalError
                                                                : kExitUserError;
  }
  std::optional<runtime::ResourceUsage> usage =
      runtime::parseResourceUsage(out->log, kernel.spec.entryName);
  std::ostream &report = vm.count("output") ? std::cout : std::cerr;
  report << "kernel " << kernel.kernelName << ": " << kernel.config.str() << ", head dim "
         << kernel.spec.headDim << ", mask " << analysis::toString(kernel.maskKind) << ", "
         << kernel.spec.dynamicSmemBytes << " B shared memory\n";
  if (usage)
    report << usage->str() << "\n";
  if (vm.count("no-spills")) {
    if (!usage) {
      std::cerr << "attnc: error: NVRTC gave no resource report for '" << kernel.spec.entryName
                << "'\n";
      return kExitInternalError;
    }
    if (usage->usesLocalMemory()) {
      std::cerr << "attnc: error: kernel '" << kernel.kernelName << "' uses local memory on "
                << arch << " (" << usage->str() << ")\n";
      return kExitUserError;
    }
  }
  if (emit == "ptx")
    return writeOutput(vm, out->ptx);
  return writeOutput(vm, std::string(out->cubin.begin(), out->cubin.end()));
}

} // namespace

int runCompile(const Args &args) {
  po::options_description desc("compile options");
  desc.add_options()
      ("emit", po::value<std::string>(), "ast, mlir (as imported), mlir-opt (after the passes), cu, ptx or cubin (default: from -o's extension, else mlir-opt)")
      ("arch", po::value<std::string>()->default_value("sm_90a"), "GPU architecture for ptx/cubin")
      ("output,o", po::value<std::string>(), "output file (default: standard output)")
      ("no-spills", "fail when the kernel spills registers or uses local memory");
  addKernelOptions(desc);
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
  std::optional<KernelChoice> choice = chooseKernel(*program, vm);
  if (!choice)
    return kExitUserError;
  if (program->family(choice->kernel) != "softmax") {
    std::cerr << "attnc: error: kernel '" << choice->kernel
              << "' is of the linear family; its CUDA code generation is not implemented "
                 "yet (only --emit=ast|mlir|mlir-opt)\n";
    return kExitUserError;
  }
  std::optional<GeneratedKernel> kernel =
      program->generate(choice->kernel, choice->headDim, choice->config, std::cerr);
  if (!kernel)
    return kExitUserError;
  if (emit == "cu")
    return writeOutput(vm, kernel->source);
  return compileWithNvrtc(*kernel, emit, vm);
}

} // namespace attnc::cli
