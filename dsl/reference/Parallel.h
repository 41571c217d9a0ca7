//===- Parallel.h - Spread independent (b, h) work over threads (internal) -*- C++ -*-===//
//
// The reference's outer loops over batch and head are independent, and a check at a
// realistic size (N = 4096, D = 128) is tens of GFLOP in float64, so they run on every
// core. The first exception thrown by any item is rethrown on the caller's thread.
// Internal to AttnReference.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_REFERENCE_LIB_PARALLEL_H
#define ATTNC_REFERENCE_LIB_PARALLEL_H

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace attnc::reference::detail {

/// Calls `f(item)` for item in [0, count), on up to hardware_concurrency threads when the
/// caller estimates more than `minWorkPerThread` work in total (`work`, any unit).
template <class F>
void parallelFor(int64_t count, double work, F f, double minWorkPerThread = 2e6) {
  unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  int64_t threads = std::min<int64_t>({count, int64_t(hw), int64_t(work / minWorkPerThread) + 1});
  if (threads <= 1) {
    for (int64_t n = 0; n < count; ++n)
      f(n);
    return;
  }
  std::atomic<int64_t> next{0};
  std::exception_ptr error;
  std::mutex errorMutex;
  auto worker = [&] {
    for (int64_t n; (n = next.fetch_add(1)) < count;) {
      try {
        f(n);
      } catch (...) {
        std::lock_guard<std::mutex> lock(errorMutex);
        if (!error)
          error = std::current_exception();
        next = count; // stop handing out work
      }
    }
  };
  std::vector<std::thread> pool;
  for (int64_t t = 0; t < threads; ++t)
    pool.emplace_back(worker);
  for (std::thread &t : pool)
    t.join();
  if (error)
    std::rethrow_exception(error);
}

} // namespace attnc::reference::detail

#endif // ATTNC_REFERENCE_LIB_PARALLEL_H
