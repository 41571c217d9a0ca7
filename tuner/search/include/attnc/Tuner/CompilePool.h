//===- CompilePool.h - Compile candidates ahead of measurement -----*- C++ -*-===//
//
// A fixed set of std::threads that run Measurer::compile for queued candidates, so
// NVRTC compiles of the next candidates proceed while the current one is timed on the
// GPU. Results come back through futures, in whatever order the caller waits on them.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TUNER_COMPILEPOOL_H
#define ATTNC_TUNER_COMPILEPOOL_H

#include "attnc/Tuner/Measurer.h"

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace attnc::tuner {

class CompilePool {
public:
  /// Starts `threads` workers (at least one) compiling through `measurer`.
  CompilePool(Measurer &measurer, unsigned threads);
  /// Drops queued work that has not started and joins the workers.
  ~CompilePool();
  CompilePool(const CompilePool &) = delete;
  CompilePool &operator=(const CompilePool &) = delete;

  /// Queues a compile of `candidate`.
  std::shared_future<CompileResult> submit(const Candidate &candidate);

private:
  struct Job {
    Candidate candidate;
    std::promise<CompileResult> promise;
  };
  void work();

  Measurer &measurer_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

} // namespace attnc::tuner

#endif // ATTNC_TUNER_COMPILEPOOL_H
