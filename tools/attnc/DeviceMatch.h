//===- DeviceMatch.h - Name a device of a tuning database by a substring -*- C++ -*-===//
//
// Device fingerprints are long ("NVIDIA H100 80GB HBM3|sm_90a|132SM|..."); commands let a
// user name one by any substring that matches exactly one device the databases hold.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TOOLS_DEVICEMATCH_H
#define ATTNC_TOOLS_DEVICEMATCH_H

#include "attnc/Tuner/TuningDb.h"

#include <string>
#include <vector>

namespace attnc::cli {

/// The one device fingerprint in `dbs` equal to `text`, or else containing it; an error
/// listing the candidates when none or several match.
runtime::Expected<std::string> resolveDevice(const std::vector<const tuner::TuningDb *> &dbs,
                                             const std::string &text);

} // namespace attnc::cli

#endif // ATTNC_TOOLS_DEVICEMATCH_H
