//===- EventTimer.cpp - Time repeated kernel launches with CUDA events -----===//
//
// The two events are destroyed on every path, failures included.
//
//===----------------------------------------------------------------------===//
#include "attnc/Driver/EventTimer.h"

#include <algorithm>
#include <vector>

namespace attnc {

runtime::Expected<BenchResult> timeLaunches(const runtime::CudaDriver &drv,
                                            const std::function<runtime::Status(int)> &launch,
                                            int warmup, int iterations, int inputSets) {
  if (iterations <= 0)
    return runtime::Error{runtime::ErrorCode::InvalidArgument, "timing needs iterations"};
  for (int w = 0; w < warmup; ++w)
    if (runtime::Status st = launch(w); !st)
      return st.takeError();
  CUevent start = nullptr, stop = nullptr;
  if (runtime::Status st = drv.check(drv.cuEventCreate(&start, 0), "cuEventCreate"); !st)
    return st.takeError();
  if (runtime::Status st = drv.check(drv.cuEventCreate(&stop, 0), "cuEventCreate"); !st) {
    drv.cuEventDestroy(start);
    return st.takeError();
  }
  std::vector<double> times;
  runtime::Status status;
  for (int it = 0; it < iterations && status; ++it) {
    drv.cuEventRecord(start, nullptr);
    status = launch(it);
    drv.cuEventRecord(stop, nullptr);
    if (!status)
      break;
    status = drv.check(drv.cuEventSynchronize(stop), "cuEventSynchronize");
    float ms = 0;
    drv.cuEventElapsedTime(&ms, start, stop);
    times.push_back(ms);
  }
  drv.cuEventDestroy(start);
  drv.cuEventDestroy(stop);
  if (!status)
    return status.takeError();
  std::sort(times.begin(), times.end());
  BenchResult r;
  r.samples = iterations;
  r.medianMs = times[times.size() / 2];
  r.minMs = times.front();
  r.maxMs = times.back();
  r.inputSets = inputSets;
  return r;
}

} // namespace attnc
