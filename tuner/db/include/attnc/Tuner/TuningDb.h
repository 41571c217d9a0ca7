//===- TuningDb.h - The SQLite tuning database -------------------------*- C++ -*-===//
//
// One SQLite file holding every autotuning trial ever run (winners and losers, failures
// with their reason), keyed by device fingerprint (DeviceInfo::fingerprint: name, arch, SM
// count, driver and NVRTC versions), kernel fingerprint (a hash of the canonical IR) and
// problem key (ProblemKey: bucketed shape). Configs are opaque text, so the search space
// is never part of a key. Deployment databases additionally hold cubins keyed like the
// cubin cache, so a deployed runtime needs no NVRTC.
//
// Safety: the file runs in WAL mode with a busy timeout and every write is one
// `BEGIN IMMEDIATE` transaction, so concurrent tuners lose nothing and a killed tuner
// loses only its uncommitted trial. Opening checks the file before anything writes to it:
// a file that is not an attnc database (garbage, truncated, another application's, a newer
// schema) is an error naming the path and is never modified. The schema is versioned
// (PRAGMA user_version) and migrated forward in place, one step per version.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TUNER_TUNINGDB_H
#define ATTNC_TUNER_TUNINGDB_H

#include "attnc/Runtime/Error.h"
#include "attnc/Tuner/ProblemKey.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;

namespace attnc::tuner {

/// How a trial ended.
enum class TrialStatus { Ok, Failed, Wrong, Timeout };
/// "ok", "failed", "wrong", "timeout".
const char *trialStatusName(TrialStatus status);
runtime::Expected<TrialStatus> parseTrialStatus(const std::string &name);

/// The NVRTC arch field of a DeviceInfo::fingerprint ("sm_90a"), or "" when malformed.
std::string archOfFingerprint(const std::string &deviceFingerprint);

/// One measured (or failed) config.
struct TrialRecord {
  int64_t id = 0;         ///< row id; filled when read back
  std::string device;     ///< DeviceInfo::fingerprint()
  std::string kernel;     ///< kernel fingerprint (hash of the canonical IR)
  std::string kernelName; ///< human-readable name; informational, not part of the key
  ProblemKey problem;
  std::string config; ///< the config's text form, e.g. "128x64 w4 s2 q:smem"
  TrialStatus status = TrialStatus::Ok;
  std::string reason; ///< why it failed / was wrong; empty for ok
  double medianMs = 0, minMs = 0, maxMs = 0;
  int samples = 0;
  std::string toolVersion;
  std::string createdAt; ///< UTC "YYYY-MM-DDTHH:MM:SSZ"; empty = now on record
  std::string cubinKey;  ///< computeCacheKey of this config's cubin, if stored
  std::string uid;       ///< globally unique trial id (merge dedups on it); empty = random
};

/// A stored cubin with the spec its launch needs.
struct CubinRecord {
  std::string key; ///< runtime::computeCacheKey
  std::string arch;
  std::string specText; ///< runtime::serializeKernelSpec
  std::vector<char> cubin;
};

/// Restricts listings; empty fields match everything.
struct TrialFilter {
  std::string device;  ///< substring of the device fingerprint
  std::string kernel;  ///< prefix of the kernel fingerprint, or the kernel name
  std::string problem; ///< substring of the problem key text
  bool okOnly = false;
};

/// One (device, kernel, problem) with its trial counts and best ok trial.
struct SummaryRow {
  std::string device, kernel, kernelName, problem;
  int64_t trials = 0, okTrials = 0;
  std::optional<TrialRecord> best;
};

/// What prune may delete. Winners (the best ok trial of each key) are always kept.
struct PruneOptions {
  bool failed = true;               ///< failed / wrong / timeout trials
  bool losers = false;              ///< ok trials that are not their key's winner
  std::optional<int> olderThanDays; ///< only trials at least this old
};

/// Counts from merge/import/export.
struct CopyStats {
  int64_t trials = 0; ///< rows added (already-present uids are skipped)
  int64_t cubins = 0;
  int64_t blocked = 0;
};

class TuningDb {
public:
  enum class Mode { ReadWrite, ReadOnly };
  struct Options {
    Mode mode = Mode::ReadWrite;
    int busyTimeoutMs = 30000;
  };
  /// The schema version this build reads and writes.
  static constexpr int kSchemaVersion = 2;

  /// $ATTNC_DB, else $XDG_DATA_HOME/attnc/tune.db, else $HOME/.local/share/attnc/tune.db.
  static runtime::Expected<std::string> defaultPath();

  /// Opens (ReadWrite: creating or migrating as needed) the database at `path`.
  static runtime::Expected<std::unique_ptr<TuningDb>> open(const std::string &path,
                                                           Options options);
  static runtime::Expected<std::unique_ptr<TuningDb>> open(const std::string &path) {
    return open(path, Options());
  }
  ~TuningDb();
  TuningDb(const TuningDb &) = delete;
  TuningDb &operator=(const TuningDb &) = delete;

  const std::string &path() const { return path_; }
  bool readOnly() const { return options_.mode == Mode::ReadOnly; }

  /// Stores one trial in its own transaction; returns its row id.
  runtime::Expected<int64_t> recordTrial(const TrialRecord &trial);
  /// Stores many trials in one transaction (all or none).
  runtime::Status recordTrials(const std::vector<TrialRecord> &trials);

  /// The fastest ok, non-blocklisted trial for exactly this key, if any.
  runtime::Expected<std::optional<TrialRecord>>
  bestTrial(const std::string &device, const std::string &kernel, const ProblemKey &problem) const;
  /// The best ok trial of every (device, problem) of `kernel` in `problem`'s shape class:
  /// the candidates bucket-neighbour lookup ranks.
  runtime::Expected<std::vector<TrialRecord>> winnersInShapeClass(const std::string &kernel,
                                                                  const ProblemKey &problem) const;

  /// Every trial matching `filter`, oldest first.
  runtime::Expected<std::vector<TrialRecord>> trials(const TrialFilter &filter) const;
  /// One row per key matching `filter`.
  runtime::Expected<std::vector<SummaryRow>> summary(const TrialFilter &filter) const;

  /// Never propose `config` for (device, kernel) again (e.g. it produced wrong results).
  runtime::Status blockConfig(const std::string &device, const std::string &kernel,
                              const std::string &config, const std::string &reason);
  runtime::Expected<bool> isBlocked(const std::string &device, const std::string &kernel,
                                    const std::string &config) const;

  /// Stores (or replaces) a cubin under its cache key.
  runtime::Status storeCubin(const CubinRecord &cubin);
  runtime::Expected<std::optional<CubinRecord>> cubin(const std::string &key) const;
  /// Keys of all stored cubins.
  runtime::Expected<std::vector<std::string>> cubinKeys() const;

  /// Copies every trial, cubin and blocklist entry of the database at `otherPath` (opened
  /// read-only, never modified) into this one; trials already present (same uid) are
  /// skipped, so merging twice adds nothing.
  runtime::Expected<CopyStats> mergeFrom(const std::string &otherPath);
  /// Deletes trials as `options` allow; returns how many.
  runtime::Expected<int64_t> prune(const PruneOptions &options);
  /// Writes a new database at `outPath` (which must not exist) holding, for `device`, only
  /// the winning trial of each (kernel, problem) and the cubins those winners name. The
  /// file is left in rollback-journal mode so it can be shipped and opened read-only.
  runtime::Expected<CopyStats> exportDeploy(const std::string &device,
                                            const std::string &outPath) const;

private:
  TuningDb(sqlite3 *db, std::string path, Options options)
      : db_(db), path_(std::move(path)), options_(options) {}
  runtime::Status exec(const std::string &sql, const std::string &what) const;
  runtime::Status migrate();
  runtime::Status checkReadable();
  runtime::Status checkSnapshot();
  runtime::Expected<int64_t> insertTrial(const TrialRecord &trial);
  runtime::Error error(int rc, const std::string &what) const;
  runtime::Status attach(const std::string &otherPath, const std::string &alias) const;
  runtime::Expected<CopyStats> copyWinners(const std::string &srcPath, const std::string &device);
  runtime::Expected<CopyStats> copyFrom(const std::string &alias, const std::string &where);
  friend class Transaction;

  sqlite3 *db_;
  std::string path_;
  Options options_;
};

} // namespace attnc::tuner

#endif // ATTNC_TUNER_TUNINGDB_H
