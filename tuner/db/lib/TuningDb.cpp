//===- TuningDb.cpp - Opening, checking and migrating a tuning database ----===//
//
// Opening is careful about the file it finds: it reads the header, application id, schema
// version and (for existing files) runs PRAGMA quick_check before anything is written, so a
// garbage, truncated, foreign or newer file is reported by path and left byte-for-byte as
// it was. Only then does a read-write open switch to WAL and migrate the schema.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/TuningDb.h"

#include "Schema.h"
#include "Sqlite.h"
#include "Transaction.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <thread>

namespace attnc::tuner {

using runtime::ErrorCode;
using runtime::Expected;
using runtime::makeError;
using runtime::Status;
using sqlite::Stmt;

namespace fs = std::filesystem;

Expected<std::string> TuningDb::defaultPath() {
  if (const char *env = std::getenv("ATTNC_DB"); env && *env)
    return std::string(env);
  if (const char *xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg)
    return std::string(xdg) + "/attnc/tune.db";
  if (const char *home = std::getenv("HOME"); home && *home)
    return std::string(home) + "/.local/share/attnc/tune.db";
  return makeError(ErrorCode::InvalidArgument,
                   "no tuning database path: set ATTNC_DB (or XDG_DATA_HOME or HOME)");
}

TuningDb::~TuningDb() { sqlite3_close_v2(db_); }

runtime::Error TuningDb::error(int rc, const std::string &what) const {
  return sqlite::sqliteError(db_, rc, path_, what);
}

Status TuningDb::exec(const std::string &sql, const std::string &what) const {
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK)
    return error(rc, what);
  return Status::success();
}

namespace {

constexpr int kPrimaryResultMask = 0xff; // extended result codes keep the primary in the low byte
constexpr std::chrono::milliseconds kWalRetryPause{5};

/// Reads a one-integer pragma (or count) into `out`.
int queryInt(sqlite3 *db, const std::string &sql, int64_t &out) {
  Stmt st(db, sql);
  if (!st.ok())
    return st.rc();
  int rc = st.step();
  if (rc == SQLITE_ROW) {
    out = st.int64(0);
    return SQLITE_OK;
  }
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

} // namespace

Status TuningDb::checkReadable() {
  // One read transaction, so the header fields and the table count come from one snapshot
  // even while another process is creating the schema.
  if (Status st = exec("BEGIN", "reading the database header"); !st)
    return st;
  Status st = checkSnapshot();
  sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  return st;
}

Status TuningDb::checkSnapshot() {
  int64_t appId = 0, version = 0, tables = 0;
  for (auto [sql, out] :
       {std::pair{"PRAGMA application_id", &appId}, std::pair{"PRAGMA user_version", &version},
        std::pair{"SELECT count(*) FROM sqlite_master", &tables}})
    if (int rc = queryInt(db_, sql, *out); rc != SQLITE_OK)
      return error(rc, "reading the database header");
  std::string where = "tuning database " + path_ + ": ";
  if (tables > 0 && appId != schema::kApplicationId)
    return makeError(ErrorCode::IoError,
                     where + "is a SQLite database of another application (no attnc "
                             "application id); the file was left unchanged: set ATTNC_DB "
                             "to another path");
  if (version > kSchemaVersion)
    return makeError(ErrorCode::IoError, where + "schema version " + std::to_string(version) +
                                             " is newer than this attnc reads (" +
                                             std::to_string(kSchemaVersion) +
                                             "); the file was left unchanged: use a newer attnc");
  if (tables == 0) {
    if (readOnly())
      return makeError(ErrorCode::IoError,
                       where + "is empty (no attnc schema); a read-only database must have "
                               "been written by attnc");
    return Status::success();
  }
  Stmt check(db_, "PRAGMA quick_check");
  if (!check.ok())
    return error(check.rc(), "checking the database's integrity");
  int rc = check.step();
  if (rc != SQLITE_ROW)
    return error(rc, "checking the database's integrity");
  if (std::string verdict = check.text(0); verdict != "ok")
    return makeError(ErrorCode::IoError,
                     where + "is corrupt (quick_check: " + verdict +
                         "); the file was left unchanged: move it aside or set ATTNC_DB to "
                         "another path");
  if (readOnly() && version < kSchemaVersion)
    return makeError(ErrorCode::IoError,
                     where + "has schema version " + std::to_string(version) +
                         " but this attnc reads version " + std::to_string(kSchemaVersion) +
                         "; open it read-write once (attnc db prune --keep-failed --db " + path_ +
                         " changes nothing else) to migrate it");
  return Status::success();
}

Status TuningDb::migrate() {
  int64_t current = 0;
  if (int rc = queryInt(db_, "PRAGMA user_version", current); rc != SQLITE_OK)
    return error(rc, "reading the schema version");
  if (current == kSchemaVersion)
    return Status::success(); // no write lock needed to open an up-to-date database
  Transaction txn(*this, "migrating the schema");
  if (!txn.begun())
    return txn.takeError();
  int64_t version = 0;
  // Re-read under the write lock: another process may have migrated meanwhile.
  if (int rc = queryInt(db_, "PRAGMA user_version", version); rc != SQLITE_OK)
    return error(rc, "reading the schema version");
  for (int64_t v = version; v < kSchemaVersion; ++v)
    if (Status st = exec(schema::migrationSql(static_cast<int>(v)),
                         "migrating the schema from version " + std::to_string(v));
        !st)
      return st;
  if (version < kSchemaVersion)
    if (Status st = exec("PRAGMA user_version = " + std::to_string(kSchemaVersion),
                         "setting the schema version");
        !st)
      return st;
  return txn.commit();
}

Expected<std::unique_ptr<TuningDb>> TuningDb::open(const std::string &path, Options options) {
  std::error_code ec;
  bool exists = fs::exists(path, ec);
  if (options.mode == Mode::ReadOnly && !exists)
    return makeError(ErrorCode::IoError, "tuning database " + path + ": no such file");
  if (!exists && options.mode == Mode::ReadWrite) {
    fs::path parent = fs::path(path).parent_path();
    if (!parent.empty() && !fs::exists(parent, ec) && !fs::create_directories(parent, ec))
      return runtime::systemError(ec.value(), "creating the directory of tuning database " + path);
  }
  int flags = SQLITE_OPEN_URI | SQLITE_OPEN_FULLMUTEX |
              (options.mode == Mode::ReadOnly ? SQLITE_OPEN_READONLY
                                              : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  sqlite3 *raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  std::unique_ptr<TuningDb> db(new TuningDb(raw, path, options));
  if (rc != SQLITE_OK)
    return db->error(rc, "opening the file");
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, options.busyTimeoutMs);
  if (Status st = db->checkReadable(); !st)
    return st.takeError();
  if (options.mode == Mode::ReadOnly)
    return db;
  // Switching to WAL needs an exclusive lock, and SQLite answers SQLITE_BUSY at once,
  // without its busy handler, when another connection holds a shared lock meanwhile (several
  // processes opening a new database together): retry until the busy timeout.
  const auto walDeadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(options.busyTimeoutMs);
  for (;;) {
    Stmt wal(raw, "PRAGMA journal_mode = WAL");
    rc = wal.ok() ? wal.step() : wal.rc();
    if (rc == SQLITE_ROW) {
      if (wal.text(0) != "wal")
        return makeError(ErrorCode::IoError,
                         "tuning database " + path + ": cannot use WAL mode (journal mode stays '" +
                             wal.text(0) + "'); set ATTNC_DB to a path on a local disk");
      break;
    }
    const int primary = rc & kPrimaryResultMask;
    if ((primary != SQLITE_BUSY && primary != SQLITE_LOCKED) ||
        std::chrono::steady_clock::now() >= walDeadline)
      return db->error(rc, "switching to WAL mode");
    std::this_thread::sleep_for(kWalRetryPause);
  }
  if (Status st = db->exec("PRAGMA synchronous = NORMAL", "setting synchronous mode"); !st)
    return st.takeError();
  if (Status st = db->migrate(); !st)
    return st.takeError();
  return db;
}

} // namespace attnc::tuner
