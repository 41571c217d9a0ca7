//===- Nvrtc.cpp - Driving NVRTC, and turning its failures into Errors -----------===//
//
// `nvrtcError` is the single converter from nvrtcResult to Error. The program object is
// owned by a small RAII guard so every early return destroys it.
//
//===----------------------------------------------------------------------===//
#include "attnc/Runtime/Nvrtc.h"

#include "attnc/Runtime/EmbeddedHeaders.h"

#include <cstdlib>
#include <map>
#include <nvrtc.h>
#include <sys/stat.h>

namespace attnc::runtime {

namespace {

Error nvrtcError(nvrtcResult result, const std::string &call, const std::string &log = {}) {
  std::string message = call + " failed: " + nvrtcGetErrorString(result);
  if (!log.empty())
    message += "\n" + log;
  return makeError(ErrorCode::CompileError, message);
}

bool fileExists(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

struct ProgramGuard {
  nvrtcProgram program = nullptr;
  ~ProgramGuard() {
    if (program)
      nvrtcDestroyProgram(&program);
  }
};

std::string programLog(nvrtcProgram program) {
  size_t size = 0;
  if (nvrtcGetProgramLogSize(program, &size) != NVRTC_SUCCESS || size <= 1)
    return {};
  std::string log(size, '\0');
  if (nvrtcGetProgramLog(program, log.data()) != NVRTC_SUCCESS)
    return {};
  log.resize(size - 1); // drop the terminating NUL
  return log;
}

/// Returns line `line` (1-based) of `source`, or nullopt.
std::optional<std::string_view> sourceLine(std::string_view source, long line) {
  size_t begin = 0;
  for (long current = 1; current < line; ++current) {
    size_t nl = source.find('\n', begin);
    if (nl == std::string_view::npos)
      return std::nullopt;
    begin = nl + 1;
  }
  if (begin > source.size())
    return std::nullopt;
  size_t end = source.find('\n', begin);
  return source.substr(begin, end == std::string_view::npos ? end : end - begin);
}

} // namespace

void Nvrtc::version(int &major, int &minor) {
  if (nvrtcVersion(&major, &minor) != NVRTC_SUCCESS)
    major = minor = 0;
}

std::string Nvrtc::versionString() {
  int major, minor;
  version(major, minor);
  return std::to_string(major) + "." + std::to_string(minor);
}

Expected<std::string> Nvrtc::cudaIncludeDir() {
  std::vector<std::string> candidates;
  for (const char *var : {"CUDA_HOME", "CUDA_PATH"})
    if (const char *root = std::getenv(var); root && *root)
      candidates.push_back(std::string(root) + "/include");
  candidates.push_back("/usr/local/cuda/include");
#ifdef ATTNC_BUILD_CUDA_INCLUDE
  candidates.push_back(ATTNC_BUILD_CUDA_INCLUDE);
#endif
  for (const std::string &dir : candidates)
    if (fileExists(dir + "/cuda_fp16.h") && fileExists(dir + "/cuda_bf16.h"))
      return dir;
  std::string tried;
  for (const std::string &dir : candidates)
    tried += (tried.empty() ? "" : ", ") + dir;
  return makeError(ErrorCode::CompileError,
                   "CUDA headers not found: no cuda_fp16.h and cuda_bf16.h in " + tried +
                       " (set CUDA_HOME to the CUDA toolkit root)");
}

Expected<std::vector<std::string>> Nvrtc::fixedOptions(const std::string &arch) {
  Expected<std::string> include = cudaIncludeDir();
  if (!include)
    return include.takeError();
  std::vector<std::string> options = {"-arch=" + arch, "-std=c++17", "-default-device",
                                      "-I" + *include};
  // CUDA 13 moved libcu++ (<cuda/std/limits>, ...) under include/cccl.
  if (fileExists(*include + "/cccl/cuda/std/limits"))
    options.push_back("-I" + *include + "/cccl");
  return options;
}

std::string Nvrtc::formatCompileError(std::string_view programName, std::string_view source,
                                      std::string_view log) {
  std::string message = "NVRTC could not compile the generated kernel " + std::string(programName) +
                        ":\n" + std::string(log);
  if (message.back() != '\n')
    message += '\n';
  // Quote the generated line behind each "<programName>(LINE): error" in the log.
  std::string marker = std::string(programName) + "(";
  std::string quoted;
  for (size_t pos = log.find(marker); pos != std::string_view::npos;
       pos = log.find(marker, pos + 1)) {
    if (pos > 0 && log[pos - 1] != '\n')
      continue;
    size_t digits = pos + marker.size();
    size_t close = log.find("): error", digits);
    if (close == std::string_view::npos || log.find('\n', digits) < close)
      continue;
    long line = std::strtol(std::string(log.substr(digits, close - digits)).c_str(), nullptr, 10);
    if (auto text = sourceLine(source, line))
      quoted += "  " + std::string(programName) + ":" + std::to_string(line) + ": " +
                std::string(*text) + "\n";
  }
  if (!quoted.empty())
    message += "generated source at the error lines:\n" + quoted;
  return message;
}

Expected<NvrtcOutput> Nvrtc::compile(const NvrtcRequest &request) {
  std::map<std::string, std::string> headerMap;
  for (const auto &[name, content] : embeddedHeaders())
    headerMap[name] = std::string(content);
  for (const auto &[name, content] : request.extraHeaders)
    headerMap[name] = content;
  std::vector<const char *> headerNames, headerContents;
  for (const auto &[name, content] : headerMap) {
    headerNames.push_back(name.c_str());
    headerContents.push_back(content.c_str());
  }

  ProgramGuard guard;
  nvrtcResult res =
      nvrtcCreateProgram(&guard.program, request.source.c_str(), request.programName.c_str(),
                         int(headerMap.size()), headerContents.data(), headerNames.data());
  if (res != NVRTC_SUCCESS)
    return nvrtcError(res, "nvrtcCreateProgram");

  Expected<std::vector<std::string>> fixed = fixedOptions(request.arch);
  if (!fixed)
    return fixed.takeError();
  std::vector<std::string> options = fixed.takeValue();
  options.insert(options.end(), request.options.begin(), request.options.end());
  std::vector<const char *> optionPtrs;
  for (const std::string &opt : options)
    optionPtrs.push_back(opt.c_str());

  res = nvrtcCompileProgram(guard.program, int(optionPtrs.size()), optionPtrs.data());
  NvrtcOutput out;
  out.log = programLog(guard.program);
  if (res == NVRTC_ERROR_COMPILATION)
    return makeError(ErrorCode::CompileError,
                     formatCompileError(request.programName, request.source, out.log));
  if (res != NVRTC_SUCCESS)
    return nvrtcError(res, "nvrtcCompileProgram", out.log);

  size_t size = 0;
  if ((res = nvrtcGetCUBINSize(guard.program, &size)) != NVRTC_SUCCESS)
    return nvrtcError(res, "nvrtcGetCUBINSize");
  if (size == 0)
    return makeError(ErrorCode::CompileError,
                     "NVRTC produced no cubin for " + request.arch +
                         " (a real arch such as sm_90a is needed, not compute_90a)");
  out.cubin.resize(size);
  if ((res = nvrtcGetCUBIN(guard.program, out.cubin.data())) != NVRTC_SUCCESS)
    return nvrtcError(res, "nvrtcGetCUBIN");
  if (request.wantPtx) {
    if ((res = nvrtcGetPTXSize(guard.program, &size)) != NVRTC_SUCCESS)
      return nvrtcError(res, "nvrtcGetPTXSize");
    out.ptx.resize(size);
    if ((res = nvrtcGetPTX(guard.program, out.ptx.data())) != NVRTC_SUCCESS)
      return nvrtcError(res, "nvrtcGetPTX");
    if (!out.ptx.empty() && out.ptx.back() == '\0')
      out.ptx.pop_back();
  }
  return out;
}

} // namespace attnc::runtime
