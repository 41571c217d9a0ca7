//===- CubinInfo.h - Resource use read from a cubin's ELF ---------------*- C++ -*-===//
//
// Registers and stack frame per kernel, read from the cubin itself (the .nv.info
// attributes ptxas writes), not from ptxas' -v log: NVRTC serves repeated compiles from
// the CUDA compute cache (~/.nv/ComputeCache) whenever a driver is installed, and a cached
// compile prints no ptxas report. Works without a GPU.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_CUBININFO_H
#define ATTNC_RUNTIME_CUBININFO_H

#include "attnc/Runtime/Error.h"

#include <string>
#include <vector>

namespace attnc::runtime {

/// What a cubin records about one entry function.
struct CubinFunctionInfo {
  int registers = 0;     ///< EIATTR_REGCOUNT
  int frameBytes = 0;    ///< EIATTR_FRAME_SIZE: per-thread stack (local memory) frame
  int minStackBytes = 0; ///< EIATTR_MIN_STACK_SIZE
  int codeBytes = 0;     ///< size of .text.<function>
  /// True when the function uses local memory (a stack frame: spills or local arrays).
  bool usesLocalMemory() const { return frameBytes > 0 || minStackBytes > 0; }
};

/// Reads `function`'s entry from `cubin` (an ELF64 image from NVRTC or nvcc).
Expected<CubinFunctionInfo> readCubinFunctionInfo(const std::vector<char> &cubin,
                                                  const std::string &function);

} // namespace attnc::runtime

#endif // ATTNC_RUNTIME_CUBININFO_H
