//===- Nvrtc.h - CUDA C++ -> cubin with NVRTC ---------------------------*- C++ -*-===//
//
// One call compiles generated CUDA C++ for one arch. The embedded templates are always
// passed as in-memory headers; the CUDA toolkit headers (cuda_bf16.h, cuda_fp16.h) are
// found at run time under $CUDA_HOME/include, $CUDA_PATH/include or /usr/local/cuda/include.
// A compile error quotes NVRTC's log and, for every "prog.cu(LINE): error" it names, the
// generated source line, since users never see the generated file otherwise.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_NVRTC_H
#define ATTNC_RUNTIME_NVRTC_H

#include "attnc/Runtime/Error.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace attnc::runtime {

/// What to compile. Options are passed to NVRTC after the fixed ones (see
/// `Nvrtc::fixedOptions`); math flags such as --use_fast_math are the caller's choice.
struct NvrtcRequest {
  std::string source;
  std::string programName = "attnc_kernel.cu";
  std::string arch = "sm_90a"; ///< a real arch ("sm_80", "sm_90a"), so a cubin exists
  std::vector<std::string> options;
  /// Headers besides the embedded templates (name -> content); these win on a clash.
  std::vector<std::pair<std::string, std::string>> extraHeaders;
  bool wantPtx = false;
};

/// What NVRTC produced.
struct NvrtcOutput {
  std::vector<char> cubin; ///< an ELF image, loadable with cuModuleLoadData
  std::string ptx;         ///< only when requested
  std::string log;         ///< warnings, even on success
};

namespace Nvrtc {
/// The NVRTC library's version (e.g. 13, 0).
void version(int &major, int &minor);
/// "13.0".
std::string versionString();
/// The CUDA toolkit include directory holding cuda_fp16.h and cuda_bf16.h.
Expected<std::string> cudaIncludeDir();
/// The options every compile gets: -arch, -std=c++17, -default-device, -I<cuda include>
/// and, where the toolkit has it (CUDA 13), -I<cuda include>/cccl for libcu++.
Expected<std::vector<std::string>> fixedOptions(const std::string &arch);
/// Compiles `request`; an ErrorCode::CompileError carries the log and quoted lines.
Expected<NvrtcOutput> compile(const NvrtcRequest &request);
/// Builds the compile-error message for `log` over `source` (exposed for tests).
std::string formatCompileError(std::string_view programName, std::string_view source,
                               std::string_view log);
} // namespace Nvrtc

} // namespace attnc::runtime

#endif // ATTNC_RUNTIME_NVRTC_H
