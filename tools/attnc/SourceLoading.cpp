//===- SourceLoading.cpp - Read and check a .attn file for the CLI ---------===//
//
// File reading and kernel selection shared by every subcommand that takes a `.attn`
// file, so they all report unreadable files and front-end errors the same way.
//
//===----------------------------------------------------------------------===//
#include "SourceLoading.h"

#include "attnc/DSL/Frontend.h"

#include <fstream>
#include <iostream>
#include <sstream>

namespace attnc::cli {

std::optional<LoadedProgram> loadProgram(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "attnc: error: cannot open '" << path << "'\n";
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  LoadedProgram loaded;
  loaded.buffer = std::make_unique<dsl::SourceBuffer>(path, text.str());
  dsl::DiagnosticEngine diags(*loaded.buffer);
  std::optional<dsl::Program> program = dsl::parseAndCheck(*loaded.buffer, diags);
  diags.print(std::cerr);
  if (!program || diags.hasErrors())
    return std::nullopt;
  loaded.program = std::move(*program);
  return loaded;
}

const dsl::Kernel *selectKernel(const LoadedProgram &loaded, const std::string &name) {
  const auto &kernels = loaded.program.kernels;
  if (name.empty()) {
    if (kernels.size() == 1)
      return &kernels.front();
    std::cerr << "attnc: error: '" << loaded.program.path << "' holds " << kernels.size()
              << " kernels; choose one with --kernel NAME\n";
    return nullptr;
  }
  for (const dsl::Kernel &k : kernels)
    if (k.name == name)
      return &k;
  std::cerr << "attnc: error: no kernel named '" << name << "' in '" << loaded.program.path
            << "'\n";
  return nullptr;
}

} // namespace attnc::cli
