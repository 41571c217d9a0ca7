//===- ChildProcess.h - Run a function in a forked child with a watchdog -*- C++ -*-===//
//
// The isolation the tuner relies on: `work` runs in a forked child, which writes its
// string result to a pipe and leaves with _exit (no atexit handlers, no re-flushing of
// inherited stdio buffers). The parent reads under a deadline and kills the child with
// SIGKILL when it passes. A child that dies before finishing is reported with the signal
// or exit status that ended it. Whatever the child breaks (a CUDA context after a fault,
// its heap) dies with it.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TUNER_CHILDPROCESS_H
#define ATTNC_TUNER_CHILDPROCESS_H

#include <chrono>
#include <functional>
#include <string>

namespace attnc::tuner {

struct ChildOutcome {
  enum class Kind {
    Finished, ///< `work` returned; `output` is its result
    TimedOut, ///< the watchdog fired and the child was killed
    Died,     ///< the child ended without finishing (signal, exit status)
    Failed,   ///< no child could be started (pipe, fork)
  };
  Kind kind = Kind::Failed;
  std::string output;
  std::string failure; ///< why it did not finish; empty when Finished
};

/// Runs `work` in a child process and waits at most `watchdog` for its result.
/// `what` names the child in failure messages ("measurement process").
ChildOutcome runInChild(const std::function<std::string()> &work,
                        std::chrono::milliseconds watchdog, const std::string &what);

} // namespace attnc::tuner

#endif // ATTNC_TUNER_CHILDPROCESS_H
