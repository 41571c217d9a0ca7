//===- CompilePool.cpp - Worker threads for Measurer::compile --------------===//
//
// A plain queue under one mutex: compiles take hundreds of milliseconds, so contention
// on the queue never matters.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/CompilePool.h"

#include <algorithm>

namespace attnc::tuner {

CompilePool::CompilePool(Measurer &measurer, unsigned threads) : measurer_(measurer) {
  for (unsigned i = 0; i < std::max(1u, threads); ++i)
    workers_.emplace_back([this] { work(); });
}

CompilePool::~CompilePool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (std::thread &worker : workers_)
    worker.join();
}

std::shared_future<CompileResult> CompilePool::submit(const Candidate &candidate) {
  Job job{candidate, {}};
  std::shared_future<CompileResult> future = job.promise.get_future().share();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(std::move(job));
  }
  ready_.notify_one();
  return future;
}

void CompilePool::work() {
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_)
        return; // unstarted jobs are dropped: their futures report broken_promise
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job.promise.set_value(measurer_.compile(job.candidate));
  }
}

} // namespace attnc::tuner
