//===- Error.h - The runtime's one error type ---------------------------*- C++ -*-===//
//
// The runtime reports failure through `Expected<T>`: either a value or an `Error` holding
// a code and a message meant for users. Each C API the runtime wraps (NVRTC, the CUDA
// driver, POSIX) has exactly one converter into `Error` (see `nvrtcError`, `driverError`,
// `systemError`), so messages have one shape everywhere. No exceptions are thrown, which
// keeps the C ABI and `-fno-exceptions` callers simple.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_RUNTIME_ERROR_H
#define ATTNC_RUNTIME_ERROR_H

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace attnc::runtime {

/// Broad classes of failure; the C ABI maps these one to one onto its status codes.
enum class ErrorCode {
  InvalidArgument = 1, ///< bad tensors, params or spec: the caller's mistake
  NoDriver,            ///< libcuda.so.1 missing or unusable
  NoDevice,            ///< driver present but no (such) device
  CompileError,        ///< NVRTC rejected the source
  CudaError,           ///< a CUDA driver call failed
  IoError,             ///< cache directory / file trouble
  Internal,            ///< a bug in attnc
};

/// Returns a short lower-case name for `code` ("invalid argument", ...).
const char *errorCodeName(ErrorCode code);

/// A failure: a code and a complete, user-readable message.
struct Error {
  ErrorCode code = ErrorCode::Internal;
  std::string message;
};

/// Makes an `Error`; `message` should name the offending thing and what was expected.
inline Error makeError(ErrorCode code, std::string message) {
  return Error{code, std::move(message)};
}

/// Either a `T` or an `Error`. Check with `operator bool` before dereferencing.
template <typename T> class [[nodiscard]] Expected {
public:
  Expected(T value) : value_(std::move(value)) {}
  Expected(Error error) : error_(std::move(error)) {}

  explicit operator bool() const { return value_.has_value(); }
  T &operator*() {
    assert(value_);
    return *value_;
  }
  const T &operator*() const {
    assert(value_);
    return *value_;
  }
  T *operator->() {
    assert(value_);
    return &*value_;
  }
  const T *operator->() const {
    assert(value_);
    return &*value_;
  }
  /// The error; only valid when `!*this`.
  const Error &error() const {
    assert(!value_);
    return error_;
  }
  Error takeError() {
    assert(!value_);
    return std::move(error_);
  }
  T takeValue() {
    assert(value_);
    return std::move(*value_);
  }

private:
  std::optional<T> value_;
  Error error_;
};

/// Success or an `Error`, for operations without a result.
class [[nodiscard]] Status {
public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), failed_(true) {}
  static Status success() { return Status(); }

  explicit operator bool() const { return !failed_; }
  const Error &error() const {
    assert(failed_);
    return error_;
  }
  Error takeError() {
    assert(failed_);
    return std::move(error_);
  }

private:
  Error error_;
  bool failed_ = false;
};

/// Converts a POSIX failure (`err` is an errno value) into an IoError naming `what`.
Error systemError(int err, const std::string &what);

} // namespace attnc::runtime

#endif // ATTNC_RUNTIME_ERROR_H
