//===- DeviceMatch.cpp - Name a device of a tuning database by a substring ===//
//
// Exact matches win over substring matches, so a full fingerprint is never ambiguous.
//
//===----------------------------------------------------------------------===//
#include "DeviceMatch.h"

#include <set>

namespace attnc::cli {

runtime::Expected<std::string> resolveDevice(const std::vector<const tuner::TuningDb *> &dbs,
                                             const std::string &text) {
  std::set<std::string> matches;
  std::string paths;
  for (const tuner::TuningDb *db : dbs) {
    auto rows = db->summary({});
    if (!rows)
      return rows.takeError();
    for (const tuner::SummaryRow &r : *rows)
      if (r.device == text)
        return r.device;
      else if (r.device.find(text) != std::string::npos)
        matches.insert(r.device);
    paths += (paths.empty() ? "" : ", ") + db->path();
  }
  if (matches.size() == 1)
    return *matches.begin();
  std::string list;
  for (const std::string &m : matches)
    list += "\n  " + m;
  return runtime::makeError(runtime::ErrorCode::InvalidArgument,
                            "device '" + text + "' matches " + std::to_string(matches.size()) +
                                " devices in " + paths + (list.empty() ? "" : ":" + list));
}

} // namespace attnc::cli
