//===- SourceLoading.h - Read and check a .attn file for the CLI --*- C++ -*-===//
//
// Reads a `.attn` file, runs the DSL front end, prints located diagnostics to stderr and
// picks the kernel a command works on (`--kernel NAME`, or the only one in the file).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TOOLS_SOURCELOADING_H
#define ATTNC_TOOLS_SOURCELOADING_H

#include "attnc/DSL/AST.h"
#include "attnc/DSL/Diagnostics.h"

#include <memory>
#include <optional>
#include <string>

namespace attnc::cli {

/// A checked program together with the buffer its locations point into.
struct LoadedProgram {
  std::unique_ptr<dsl::SourceBuffer> buffer;
  dsl::Program program;
};

/// Reads and checks `path`; on failure prints why to stderr and returns nullopt.
std::optional<LoadedProgram> loadProgram(const std::string &path);

/// The kernel named `name`, or the only kernel when `name` is empty; prints an error and
/// returns null when there is no such kernel or the choice is ambiguous.
const dsl::Kernel *selectKernel(const LoadedProgram &loaded, const std::string &name);

} // namespace attnc::cli

#endif // ATTNC_TOOLS_SOURCELOADING_H
