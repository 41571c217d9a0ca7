//===- EventTimer.h - Time repeated kernel launches with CUDA events -*- C++ -*-===//
//
// The timing loop every harness shares: untimed warm-up launches, then each timed launch
// bracketed by CUDA events on the default stream and synchronised, so one sample is one
// launch; the result is the median with the min and max of the samples. The caller's
// launch function picks the input set of each call (rotating sets past L2).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DRIVER_EVENTTIMER_H
#define ATTNC_DRIVER_EVENTTIMER_H

#include "attnc/Runtime/CudaDriver.h"
#include "attnc/Runtime/Error.h"

#include <functional>

namespace attnc {

struct BenchResult {
  double medianMs = 0, minMs = 0, maxMs = 0;
  int samples = 0;
  int inputSets = 0; ///< rotated so that repeated runs do not hit in L2
};

/// Calls `launch(i)` for i in [0, warmup) untimed, then for i in [0, iterations) timed;
/// the first failing launch's error comes back as is. `inputSets` is copied to the result.
runtime::Expected<BenchResult> timeLaunches(const runtime::CudaDriver &driver,
                                            const std::function<runtime::Status(int)> &launch,
                                            int warmup, int iterations, int inputSets);

} // namespace attnc

#endif // ATTNC_DRIVER_EVENTTIMER_H
