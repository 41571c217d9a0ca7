//===- LayeredDb.h - User database over shipped databases --------------*- C++ -*-===//
//
// Like MIOpen's user and system databases: one user database (read-write; where the tuner
// writes, and the first place lookup looks) over any number of shipped read-only databases
// (never written). lookup() goes exact key -> nearest shape bucket on this device -> the
// nearest bucket on another device of the same arch -> the per-arch default, and says in a
// sentence which one it used and why, for `attnc explain` and logs. A runtime opened on a
// database takes the config it returns and never searches.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TUNER_LAYEREDDB_H
#define ATTNC_TUNER_LAYEREDDB_H

#include "attnc/Tuner/TuningDb.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace attnc::tuner {

/// Where a looked-up config came from, best first.
enum class LookupSource { Exact, NearestBucket, SameArch, ArchDefault };
/// "exact", "nearest-bucket", "same-arch", "arch-default".
const char *lookupSourceName(LookupSource source);

/// A lookup's answer.
struct LookupResult {
  LookupSource source = LookupSource::ArchDefault;
  std::string config;                ///< the config text (the given default for ArchDefault)
  std::string cubinKey;              ///< the record's cubin key, if it has one
  std::string dbPath;                ///< the database that answered; empty for ArchDefault
  std::optional<TrialRecord> record; ///< the trial it came from
  double distance = 0;               ///< bucket distance from the query (ProblemKey::distance)
  std::string provenance;            ///< one sentence: which record, from which database, and why
};

class LayeredDb {
public:
  /// Opens `userPath` read-write (skipped when empty) and each of `shippedPaths` read-only.
  static runtime::Expected<std::unique_ptr<LayeredDb>>
  open(const std::string &userPath, const std::vector<std::string> &shippedPaths);

  /// The user database, or null when none was given.
  TuningDb *user() { return user_.get(); }
  /// All layers, user first.
  std::vector<const TuningDb *> layers() const;

  /// The config to use for `kernel` on `device` and `problem`. Order: the exact key (user
  /// layer first); else the nearest bucket of the same shape class on this device (smaller
  /// distance first, then earlier layer); else the nearest bucket on another device of the
  /// same arch; else `archDefault` with source ArchDefault.
  runtime::Expected<LookupResult> lookup(const std::string &device, const std::string &kernel,
                                         const ProblemKey &problem,
                                         const std::string &archDefault) const;

private:
  std::unique_ptr<TuningDb> user_;
  std::vector<std::unique_ptr<TuningDb>> shipped_;
};

} // namespace attnc::tuner

#endif // ATTNC_TUNER_LAYEREDDB_H
