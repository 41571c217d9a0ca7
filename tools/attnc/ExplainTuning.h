//===- ExplainTuning.h - Which tuning record a run would use, and why -*- C++ -*-===//
//
// `attnc explain FILE ... --db tune.db [--shipped-db deploy.db] --shape B=..,H=..,N=..`
// adds to the mask report the tuning lookup a runtime opened on those databases makes for
// that problem on this GPU (or the device named by --device-match): the problem key, the
// kernel fingerprint, the config, and the sentence saying which record of which database
// answered (exact key, nearest bucket, same arch) or that the per-arch default applies.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TOOLS_EXPLAINTUNING_H
#define ATTNC_TOOLS_EXPLAINTUNING_H

#include "OptionParsing.h"

#include "attnc/Driver/CompiledProgram.h"

#include <ostream>
#include <string>

namespace attnc::cli {

/// Adds --db, --shipped-db, --shape and --device-match.
void addExplainTuningOptions(po::options_description &desc);
/// True when the options ask for the tuning section.
bool wantsTuningExplanation(const po::variables_map &vm);
/// Prints the tuning section for `kernel`; returns an exit code.
int explainTuning(const po::variables_map &vm, const CompiledProgram &program,
                  const std::string &kernel, int headDim, std::ostream &os);

} // namespace attnc::cli

#endif // ATTNC_TOOLS_EXPLAINTUNING_H
