//===- Maintenance.cpp - Blocklist, cubins, merge, prune and deploy export --===//
//
// Merging and exporting copy rows between files with ATTACH and INSERT ... SELECT, mapping
// row ids through the natural keys (fingerprints, problem text) so two databases with
// different ids combine correctly; trials are deduplicated by their uid. The source file
// is validated by a read-only open first and attached read-only, so it is never modified.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/TuningDb.h"

#include "Schema.h"
#include "Sqlite.h"
#include "Transaction.h"

#include <cstdio>
#include <ctime>
#include <filesystem>

namespace attnc::tuner {

using runtime::ErrorCode;
using runtime::Expected;
using runtime::makeError;
using runtime::Status;
using sqlite::Stmt;

namespace {

/// Runs a statement that returns no rows.
int run(Stmt &st) {
  if (!st.ok())
    return st.rc();
  int rc = st.step();
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/// A read-only URI for ATTACH; '%', '?' and '#' are the characters a URI path must escape.
std::string readOnlyUri(const std::string &path) {
  std::string uri = "file:";
  for (char c : path) {
    if (c == '%' || c == '?' || c == '#') {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      uri += buf;
    } else {
      uri += c;
    }
  }
  return uri + "?mode=ro";
}

} // namespace

Status TuningDb::blockConfig(const std::string &device, const std::string &kernel,
                             const std::string &config, const std::string &reason) {
  Stmt st(db_, "INSERT OR REPLACE INTO blocklist(device, kernel, config, reason, created_at) "
               "VALUES(?1, ?2, ?3, ?4, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))");
  if (st.ok())
    st.bind(1, device).bind(2, kernel).bind(3, config).bind(4, reason);
  if (int rc = run(st); rc != SQLITE_OK)
    return error(rc, "blocklisting a config");
  return Status::success();
}

Expected<bool> TuningDb::isBlocked(const std::string &device, const std::string &kernel,
                                   const std::string &config) const {
  Stmt st(db_, "SELECT 1 FROM blocklist WHERE device = ?1 AND kernel = ?2 AND config = ?3");
  if (!st.ok())
    return error(st.rc(), "reading the blocklist");
  st.bind(1, device).bind(2, kernel).bind(3, config);
  int rc = st.step();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return error(rc, "reading the blocklist");
  return rc == SQLITE_ROW;
}

Status TuningDb::storeCubin(const CubinRecord &c) {
  Stmt st(db_, "INSERT OR REPLACE INTO cubins(key, arch, spec_text, cubin, created_at) "
               "VALUES(?1, ?2, ?3, ?4, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))");
  if (st.ok())
    st.bind(1, c.key).bind(2, c.arch).bind(3, c.specText).bindBlob(4, c.cubin);
  if (int rc = run(st); rc != SQLITE_OK)
    return error(rc, "storing a cubin");
  return Status::success();
}

Expected<std::optional<CubinRecord>> TuningDb::cubin(const std::string &key) const {
  Stmt st(db_, "SELECT key, arch, spec_text, cubin FROM cubins WHERE key = ?1");
  if (!st.ok())
    return error(st.rc(), "reading a cubin");
  st.bind(1, key);
  int rc = st.step();
  if (rc == SQLITE_DONE)
    return std::optional<CubinRecord>();
  if (rc != SQLITE_ROW)
    return error(rc, "reading a cubin");
  return std::optional<CubinRecord>(CubinRecord{st.text(0), st.text(1), st.text(2), st.blob(3)});
}

Expected<std::vector<std::string>> TuningDb::cubinKeys() const {
  Stmt st(db_, "SELECT key FROM cubins ORDER BY key");
  if (!st.ok())
    return error(st.rc(), "listing cubins");
  std::vector<std::string> keys;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW)
    keys.push_back(st.text(0));
  if (rc != SQLITE_DONE)
    return error(rc, "listing cubins");
  return keys;
}

Status TuningDb::attach(const std::string &otherPath, const std::string &alias) const {
  // Validate first: garbage, foreign, corrupt or old files are reported here, by path.
  Expected<std::unique_ptr<TuningDb>> other = open(otherPath, {Mode::ReadOnly, 5000});
  if (!other)
    return other.takeError();
  Stmt st(db_, "ATTACH DATABASE ?1 AS " + alias);
  if (st.ok())
    st.bind(1, readOnlyUri(otherPath));
  if (int rc = run(st); rc != SQLITE_OK)
    return sqlite::sqliteError(db_, rc, otherPath, "attaching it to " + path_);
  return Status::success();
}

Expected<CopyStats> TuningDb::copyFrom(const std::string &a, const std::string &where) {
  CopyStats stats;
  Transaction txn(*this, "copying rows from another database");
  if (!txn.begun())
    return txn.takeError();
  const std::string sel = "(SELECT id FROM temp.copy_sel)";
  const std::string steps[] = {
      "CREATE TEMP TABLE copy_sel AS SELECT t.id FROM " + a + ".trials t JOIN " + a +
          ".devices d ON d.id = t.device_id WHERE " + where,
      "INSERT OR IGNORE INTO main.devices(fingerprint, arch) SELECT fingerprint, arch FROM " + a +
          ".devices WHERE id IN (SELECT device_id FROM " + a + ".trials WHERE id IN " + sel + ")",
      "INSERT INTO main.kernels(fingerprint, name) SELECT fingerprint, name FROM " + a +
          ".kernels WHERE id IN (SELECT kernel_id FROM " + a + ".trials WHERE id IN " + sel +
          ") ON CONFLICT(fingerprint) DO UPDATE SET name = excluded.name WHERE "
          "main.kernels.name = ''",
      "INSERT OR IGNORE INTO main.problems SELECT NULL, key_text, shape_class, family, dtype, "
      "head_dim, head_dim_v, batch_bucket, heads_q, heads_kv, seq_q_bucket, seq_k_bucket, "
      "mask_kind FROM " +
          a + ".problems WHERE id IN (SELECT problem_id FROM " + a + ".trials WHERE id IN " + sel +
          ")",
      "INSERT OR IGNORE INTO main.trials(device_id, kernel_id, problem_id, config, status, "
      "reason, median_ms, min_ms, max_ms, samples, tool_version, created_at, cubin_key, uid) "
      "SELECT md.id, mk.id, mp.id, t.config, t.status, t.reason, t.median_ms, t.min_ms, "
      "t.max_ms, t.samples, t.tool_version, t.created_at, t.cubin_key, t.uid FROM " +
          a + ".trials t JOIN " + a + ".devices d ON d.id = t.device_id JOIN " + a +
          ".kernels k ON k.id = t.kernel_id JOIN " + a +
          ".problems p ON p.id = t.problem_id JOIN main.devices md ON md.fingerprint = "
          "d.fingerprint JOIN main.kernels mk ON mk.fingerprint = k.fingerprint JOIN "
          "main.problems mp ON mp.key_text = p.key_text WHERE t.id IN " +
          sel + " ORDER BY t.id",
      "INSERT OR IGNORE INTO main.cubins SELECT * FROM " + a +
          ".cubins WHERE key IN (SELECT cubin_key FROM " + a + ".trials WHERE id IN " + sel + ")",
      "DROP TABLE temp.copy_sel"};
  for (size_t i = 0; i < std::size(steps); ++i) {
    Stmt st(db_, steps[i]);
    if (int rc = run(st); rc != SQLITE_OK)
      return error(rc, "copying rows from another database");
    if (i == 4)
      stats.trials = sqlite3_changes(db_);
    if (i == 5)
      stats.cubins = sqlite3_changes(db_);
  }
  if (Status st = txn.commit(); !st)
    return st.takeError();
  return stats;
}

Expected<CopyStats> TuningDb::mergeFrom(const std::string &otherPath) {
  if (readOnly())
    return makeError(ErrorCode::InvalidArgument,
                     "tuning database " + path_ + " is open read-only; cannot merge into it");
  if (Status st = attach(otherPath, "src"); !st)
    return st.takeError();
  Expected<CopyStats> stats = copyFrom("src", "1");
  if (stats) {
    // Unreferenced cubins and the blocklist come along too: nothing is dropped by a merge.
    Stmt cubins(db_, "INSERT OR IGNORE INTO main.cubins SELECT * FROM src.cubins");
    Stmt blocked(db_, "INSERT OR IGNORE INTO main.blocklist SELECT * FROM src.blocklist");
    if (int rc = run(cubins); rc != SQLITE_OK)
      stats = error(rc, "merging cubins");
    else if ((stats->cubins += sqlite3_changes(db_)), (rc = run(blocked)) != SQLITE_OK)
      stats = error(rc, "merging the blocklist");
    else
      stats->blocked = sqlite3_changes(db_);
  }
  sqlite3_exec(db_, "DETACH DATABASE src", nullptr, nullptr, nullptr);
  return stats;
}

Expected<int64_t> TuningDb::prune(const PruneOptions &options) {
  if (readOnly())
    return makeError(ErrorCode::InvalidArgument,
                     "tuning database " + path_ + " is open read-only; cannot prune it");
  std::string cutoff;
  if (options.olderThanDays) {
    std::time_t t = std::time(nullptr) - static_cast<std::time_t>(*options.olderThanDays) * 86400;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    cutoff = buf;
  }
  Transaction txn(*this, "pruning trials");
  if (!txn.begun())
    return txn.takeError();
  Stmt st(db_, "DELETE FROM trials WHERE id NOT IN (" + schema::winnerIdsSql("main") +
                   ") AND ((?1 AND status != 'ok') OR (?2 AND status = 'ok')) AND (?3 = '' OR "
                   "created_at < ?3)");
  if (st.ok())
    st.bind(1, options.failed ? 1 : 0).bind(2, options.losers ? 1 : 0).bind(3, cutoff);
  if (int rc = run(st); rc != SQLITE_OK)
    return error(rc, "pruning trials");
  int64_t removed = sqlite3_changes(db_);
  if (Status s = txn.commit(); !s)
    return s.takeError();
  return removed;
}

Expected<CopyStats> TuningDb::exportDeploy(const std::string &device,
                                           const std::string &outPath) const {
  std::error_code ec;
  if (std::filesystem::exists(outPath, ec))
    return makeError(ErrorCode::InvalidArgument, "deploy database " + outPath +
                                                     " already exists; it was left unchanged "
                                                     "(remove it or choose another -o path)");
  Expected<std::unique_ptr<TuningDb>> out = open(outPath);
  if (!out)
    return out.takeError();
  Expected<CopyStats> stats = (*out)->copyWinners(path_, device);
  if (!stats) {
    // The file is ours and half-written: remove it rather than leave a misleading deploy db.
    out->reset();
    for (const char *suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(outPath + suffix, ec);
  }
  return stats;
}

Expected<CopyStats> TuningDb::copyWinners(const std::string &srcPath, const std::string &device) {
  TuningDb &dst = *this;
  if (Status st = dst.attach(srcPath, "src"); !st)
    return st.takeError();
  std::string quoted;
  {
    Stmt quote(dst.db_, "SELECT quote(?1)");
    quote.bind(1, device);
    if (int rc = quote.step(); rc != SQLITE_ROW)
      return dst.error(rc, "quoting the device fingerprint");
    quoted = quote.text(0);
  }
  Expected<CopyStats> stats = dst.copyFrom("src", "t.id IN (" + schema::winnerIdsSql("src") +
                                                      ") AND d.fingerprint = " + quoted);
  sqlite3_exec(dst.db_, "DETACH DATABASE src", nullptr, nullptr, nullptr);
  if (!stats)
    return stats;
  if (Status st = dst.exec("PRAGMA journal_mode = DELETE", "leaving WAL mode"); !st)
    return st.takeError();
  return stats;
}

} // namespace attnc::tuner
