//===- ChildProcess.cpp - fork, pipe, watchdog ------------------------------===//
//
// The child runs the work, writes the result to a pipe and leaves with _exit. The parent
// polls the pipe under a deadline; at the deadline it kills the child with SIGKILL.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/ChildProcess.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace attnc::tuner {

namespace {
constexpr int kChildFailureExit = 3;

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

std::string describeExit(int status, const std::string &what) {
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    return what + " killed by signal " + std::to_string(sig) + " (" + ::strsignal(sig) + ")";
  }
  return what + " exited with status " + std::to_string(WEXITSTATUS(status)) +
         " before reporting";
}
} // namespace


ChildOutcome runInChild(const std::function<std::string()> &work,
                        std::chrono::milliseconds watchdog, const std::string &what) {
  ChildOutcome outcome;
  int fds[2];
  if (::pipe(fds) != 0) {
    outcome.failure = std::string("pipe: ") + std::strerror(errno);
    return outcome;
  }
  std::fflush(nullptr); // so the child cannot re-flush the parent's buffered output
  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    outcome.failure = std::string("fork: ") + std::strerror(err);
    return outcome;
  }
  if (pid == 0) {
    ::close(fds[0]);
    writeAll(fds[1], work());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string text;
  bool finished = readUntil(fds[0], std::chrono::steady_clock::now() + watchdog, text);
  ::close(fds[0]);
  if (!finished)
    ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!finished) {
    outcome.kind = ChildOutcome::Kind::TimedOut;
    outcome.failure = "no result within the " + std::to_string(watchdog.count()) +
                      " ms watchdog; " + what + " killed";
    return outcome;
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    outcome.kind = ChildOutcome::Kind::Finished;
    outcome.output = std::move(text);
    return outcome;
  }
  outcome.kind = ChildOutcome::Kind::Died;
  outcome.failure = describeExit(status, what);
  return outcome;
}

} // namespace attnc::tuner
