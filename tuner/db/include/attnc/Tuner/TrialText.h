//===- TrialText.h - Trials as tab-separated text ----------------------*- C++ -*-===//
//
// A plain-text interchange form for trials, for `attnc db import` and `attnc db export
// --format tsv`: the line "attnc-trials 1", then one trial per line with these
// tab-separated fields (a '#' line is a comment, a blank line is skipped):
//
//   device  kernel  kernel_name  problem  config  status  median_ms  min_ms  max_ms
//   samples  tool_version  created_at  reason
//
// `problem` is ProblemKey::str(), `status` one of ok/failed/wrong/timeout, `created_at`
// may be "-" (import time). Fields hold no tabs or newlines. Trial uids are not part of
// the text: importing the same file twice stores its trials twice.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TUNER_TRIALTEXT_H
#define ATTNC_TUNER_TRIALTEXT_H

#include "attnc/Tuner/TuningDb.h"

#include <string>
#include <vector>

namespace attnc::tuner {

/// Writes `trials` in the text form above (header line included).
std::string formatTrialsText(const std::vector<TrialRecord> &trials);
/// Parses the text form; errors name `sourceName`, the line and the field.
runtime::Expected<std::vector<TrialRecord>> parseTrialsText(const std::string &text,
                                                            const std::string &sourceName);

/// Lays out `rows` under `header` as an aligned plain-text table (two spaces between
/// columns, a dashed rule under the header).
std::string formatTable(const std::vector<std::string> &header,
                        const std::vector<std::vector<std::string>> &rows);

} // namespace attnc::tuner

#endif // ATTNC_TUNER_TRIALTEXT_H
