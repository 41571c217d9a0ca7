//===- ChildProcessMeasurer.cpp - fork, pipe, watchdog ---------------------===//
//
// The child measures, writes the result to a pipe and leaves with _exit (no atexit
// handlers, no flushing of stdio buffers it inherited). The parent reads the pipe under
// a deadline; at the deadline it kills the child with SIGKILL. A child that dies before
// writing a complete result is reported with the signal or exit status that ended it.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/ChildProcessMeasurer.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <poll.h>
#include <signal.h>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace attnc::tuner {

namespace {
constexpr int kChildFailureExit = 3;

Measurement failed(MeasureStatus status, std::string reason) {
  Measurement m;
  m.status = status;
  m.reason = std::move(reason);
  return m;
}

void writeAll(int fd, const std::string &text) {
  const char *data = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(fd, data, left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      ::_exit(kChildFailureExit);
    data += n;
    left -= static_cast<size_t>(n);
  }
}

/// Reads `fd` to EOF or until `deadline`; false on timeout.
bool readUntil(int fd, std::chrono::steady_clock::time_point deadline, std::string &out) {
  char buffer[4096];
  for (;;) {
    auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return false;
    pollfd pfd{fd, POLLIN, 0};
    int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR)
      continue;
    if (ready <= 0)
      return false; // the deadline passed, or poll failed: either way, stop waiting
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return true;
    out.append(buffer, static_cast<size_t>(n));
  }
}

std::string describeExit(int status) {
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    return "measurement process killed by signal " + std::to_string(sig) + " (" + ::strsignal(sig) +
           ")";
  }
  return "measurement process exited with status " + std::to_string(WEXITSTATUS(status)) +
         " before reporting";
}
} // namespace

std::string serializeMeasurement(const Measurement &m) {
  char numbers[128];
  std::snprintf(numbers, sizeof(numbers), "%d %.17g %.17g %.17g %d\n", static_cast<int>(m.status),
                m.medianMs, m.minMs, m.maxMs, m.samples);
  return numbers + m.reason;
}

std::optional<Measurement> deserializeMeasurement(const std::string &text) {
  size_t newline = text.find('\n');
  if (newline == std::string::npos)
    return std::nullopt;
  std::istringstream numbers(text.substr(0, newline));
  Measurement m;
  int status = -1;
  if (!(numbers >> status >> m.medianMs >> m.minMs >> m.maxMs >> m.samples) ||
      status < static_cast<int>(MeasureStatus::Ok) ||
      status > static_cast<int>(MeasureStatus::Timeout))
    return std::nullopt;
  m.status = static_cast<MeasureStatus>(status);
  m.reason = text.substr(newline + 1);
  return m;
}

Measurement ChildProcessMeasurer::measure(const Candidate &candidate) {
  int fds[2];
  if (::pipe(fds) != 0)
    return failed(MeasureStatus::Failed, std::string("pipe: ") + std::strerror(errno));
  std::fflush(nullptr); // so the child cannot re-flush the parent's buffered output
  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return failed(MeasureStatus::Failed, std::string("fork: ") + std::strerror(err));
  }
  if (pid == 0) {
    ::close(fds[0]);
    writeAll(fds[1], serializeMeasurement(inner_.measure(candidate)));
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string text;
  bool finished = readUntil(fds[0], std::chrono::steady_clock::now() + watchdog_, text);
  ::close(fds[0]);
  if (!finished)
    ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!finished)
    return failed(MeasureStatus::Timeout, "no result within the " +
                                              std::to_string(watchdog_.count()) +
                                              " ms watchdog; measurement process killed");
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    if (std::optional<Measurement> m = deserializeMeasurement(text))
      return *m;
  return failed(MeasureStatus::Failed, describeExit(status));
}

} // namespace attnc::tuner
