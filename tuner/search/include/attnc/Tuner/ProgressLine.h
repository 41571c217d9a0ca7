//===- ProgressLine.h - One line of search progress ----------------*- C++ -*-===//
//
// What `attnc tune` redraws after every trial: a bar of measured against planned
// candidates, the best time and config so far, elapsed time and the estimate left.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TUNER_PROGRESSLINE_H
#define ATTNC_TUNER_PROGRESSLINE_H

#include "attnc/Tuner/Evaluator.h"

#include <string>

namespace attnc::tuner {

/// "[#######.............]  37/100  best 1.0023 ms  bm=128 bn=64 w=4 s=2 qregs=0
/// 12.3s elapsed, eta 21.0s"; no trailing newline.
std::string formatProgress(const Progress &progress, int barWidth = 20);

} // namespace attnc::tuner

#endif // ATTNC_TUNER_PROGRESSLINE_H
