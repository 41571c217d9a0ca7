//===- ResourceUsage.h - Registers, spills and stack of a compiled kernel -*- C++ -*-===//
//
// ptxas (through NVRTC's `-Xptxas=-v`) reports, per entry function, the registers used,
// the stack frame and the bytes spilled to local memory. CI fails an example that spills
// or uses local memory; the tuner prunes such candidates. Parsing the log works without
// a GPU, which is what CI has.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_RESOURCEUSAGE_H
#define ATTNC_RUNTIME_RESOURCEUSAGE_H

#include <optional>
#include <string>
#include <string_view>

namespace attnc::runtime {

/// What ptxas said about one entry function.
struct ResourceUsage {
  std::string function;
  std::string arch;
  int registers = 0;
  int stackFrameBytes = 0;
  int spillStoreBytes = 0;
  int spillLoadBytes = 0;
  int barriers = 0;

  /// True when the function touches local memory (spills or a stack frame).
  bool usesLocalMemory() const {
    return stackFrameBytes > 0 || spillStoreBytes > 0 || spillLoadBytes > 0;
  }
  /// "sm_90a attnc_causal: 230 registers, 0 B stack, 0 B spill stores, 0 B spill loads"
  std::string str() const;
};

/// The report for `function` in a ptxas -v log; nullopt when the log has none.
std::optional<ResourceUsage> parseResourceUsage(std::string_view log,
                                                std::string_view function);

} // namespace attnc::runtime

#endif // ATTNC_RUNTIME_RESOURCEUSAGE_H
