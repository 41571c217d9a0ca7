//===- CudaDriver.cpp - dlopen libcuda and resolve its entry points ----------------===//
//
// Resolution uses the symbol names <cuda.h> maps each API to (macro-expanded before
// stringification), so the typed pointer and the resolved symbol always agree. The
// process-wide driver is created once under std::call_once semantics (a function-local
// static) and never unloaded: modules and contexts may outlive any one Runtime.
//
//===----------------------------------------------------------------------===//
#include "attnc/Runtime/CudaDriver.h"

#include <cerrno>
#include <cstring>
#include <dlfcn.h>

namespace attnc::runtime {

#define ATTNC_STRINGIFY_EXPANDED(x) ATTNC_STRINGIFY(x)
#define ATTNC_STRINGIFY(x) #x

const char *errorCodeName(ErrorCode code) {
  switch (code) {
  case ErrorCode::InvalidArgument:
    return "invalid argument";
  case ErrorCode::NoDriver:
    return "no CUDA driver";
  case ErrorCode::NoDevice:
    return "no CUDA device";
  case ErrorCode::CompileError:
    return "compile error";
  case ErrorCode::CudaError:
    return "CUDA error";
  case ErrorCode::IoError:
    return "I/O error";
  case ErrorCode::Internal:
    return "internal error";
  }
  return "unknown error";
}

Error systemError(int err, const std::string &what) {
  return makeError(ErrorCode::IoError, what + ": " + std::strerror(err));
}

Expected<CudaDriver> CudaDriver::load(const std::string &libraryName) {
  void *handle = dlopen(libraryName.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *why = dlerror();
    return makeError(ErrorCode::NoDriver, "no CUDA driver: " + libraryName + " not found (" +
                                              (why ? why : "dlopen failed") + ")");
  }
  CudaDriver driver;
  driver.handle_ = handle;
  std::string missing;
#define ATTNC_RESOLVE_DRIVER_FN(name)                                                              \
  driver.name =                                                                                    \
      reinterpret_cast<decltype(&::name)>(dlsym(handle, ATTNC_STRINGIFY_EXPANDED(name)));          \
  if (!driver.name)                                                                                \
    missing += std::string(missing.empty() ? "" : ", ") + ATTNC_STRINGIFY_EXPANDED(name);
  ATTNC_CUDA_DRIVER_FUNCTIONS(ATTNC_RESOLVE_DRIVER_FN)
#undef ATTNC_RESOLVE_DRIVER_FN
  if (!missing.empty()) {
    dlclose(handle);
    return makeError(ErrorCode::NoDriver, "no CUDA driver: " + libraryName +
                                              " lacks entry points attnc needs (" + missing +
                                              "); the driver is too old for a CUDA " +
                                              std::to_string(CUDA_VERSION / 1000) + " build");
  }
  return driver;
}

Expected<const CudaDriver *> CudaDriver::get() {
  static Expected<const CudaDriver *> instance = []() -> Expected<const CudaDriver *> {
    Expected<CudaDriver> loaded = load("libcuda.so.1");
    if (!loaded)
      return loaded.takeError();
    auto *driver = new CudaDriver(loaded.takeValue()); // lives for the whole process
    if (Status st = driver->check(driver->cuInit(0), "cuInit"); !st) {
      // No GPU behind a working driver is "no device"; anything else means the driver
      // itself is unusable (version mismatch, broken install).
      Error err = st.takeError();
      bool noDevice = err.code == ErrorCode::NoDevice;
      err.code = noDevice ? ErrorCode::NoDevice : ErrorCode::NoDriver;
      err.message = (noDevice ? "no CUDA device: " : "no CUDA driver: ") + err.message;
      return err;
    }
    return static_cast<const CudaDriver *>(driver);
  }();
  return instance;
}

Status CudaDriver::check(CUresult result, const char *call) const {
  if (result == CUDA_SUCCESS)
    return Status::success();
  const char *name = nullptr;
  const char *text = nullptr;
  if (cuGetErrorName)
    cuGetErrorName(result, &name);
  if (cuGetErrorString)
    cuGetErrorString(result, &text);
  std::string message =
      std::string(call) + " failed: " + (name ? name : "CUresult " + std::to_string(int(result)));
  if (text)
    message += std::string(" (") + text + ")";
  ErrorCode code = result == CUDA_ERROR_NO_DEVICE || result == CUDA_ERROR_INVALID_DEVICE
                       ? ErrorCode::NoDevice
                       : ErrorCode::CudaError;
  return makeError(code, message);
}

} // namespace attnc::runtime
