//===- Sqlite.cpp - SQLite statements and the SQLite error converter ------===//
//
// Statement binding/reading, and the mapping of SQLite result codes onto messages that
// tell a user what went wrong with which file and what to do: a lock held too long, a
// file system whose locks do not work (NFS and friends: point ATTNC_DB elsewhere), or a
// file that is not a database (left as it is).
//
//===----------------------------------------------------------------------===//
#include "Sqlite.h"

namespace attnc::tuner::sqlite {

using runtime::ErrorCode;
using runtime::makeError;

namespace {

bool isLockingFailure(int extended) {
  switch (extended) {
  case SQLITE_IOERR_LOCK:
  case SQLITE_IOERR_RDLOCK:
  case SQLITE_IOERR_UNLOCK:
  case SQLITE_IOERR_CHECKRESERVEDLOCK:
  case SQLITE_IOERR_SHMLOCK:
  case SQLITE_IOERR_SHMOPEN:
  case SQLITE_IOERR_SHMMAP:
  case SQLITE_IOERR_SHMSIZE:
  case SQLITE_PROTOCOL:
    return true;
  default:
    return false;
  }
}

} // namespace

runtime::Error sqliteError(sqlite3 *db, int rc, const std::string &path, const std::string &what) {
  int extended = db ? sqlite3_extended_errcode(db) : rc;
  if ((extended & 0xff) != (rc & 0xff))
    extended = rc;
  std::string detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string where = "tuning database " + path + ": ";
  int primary = rc & 0xff;
  if (isLockingFailure(extended))
    return makeError(ErrorCode::IoError,
                     where + "file locking failed while " + what + " (" + detail +
                         "); the file system does not support SQLite's locks (a network "
                         "file system?): set ATTNC_DB to a path on a local disk");
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
    return makeError(ErrorCode::IoError,
                     where + "the database stayed locked by another process while " + what + " (" +
                         detail +
                         "); retry, or set ATTNC_DB to a path on a local "
                         "disk if locks never clear on this file system");
  if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT)
    return makeError(ErrorCode::IoError,
                     where + "not a valid attnc tuning database (" + detail + ") while " + what +
                         "; the file was left unchanged: move it aside or set ATTNC_DB "
                         "to another path");
  if (primary == SQLITE_CANTOPEN || primary == SQLITE_READONLY || primary == SQLITE_PERM)
    return makeError(ErrorCode::IoError, where + "cannot " +
                                             (primary == SQLITE_CANTOPEN ? "open" : "write") +
                                             " the file while " + what + " (" + detail +
                                             "); set ATTNC_DB to a writable path");
  if (primary == SQLITE_MISUSE || primary == SQLITE_ERROR)
    return makeError(primary == SQLITE_MISUSE ? ErrorCode::Internal : ErrorCode::IoError,
                     where + "error while " + what + ": " + detail);
  return makeError(ErrorCode::IoError, where + "SQLite failed while " + what + ": " + detail);
}

Stmt::Stmt(sqlite3 *db, const std::string &sql) {
  rc_ = sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &stmt_, nullptr);
}

Stmt &Stmt::bind(int index, const std::string &value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  return *this;
}

Stmt &Stmt::bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Stmt &Stmt::bind(int index, double value) {
  sqlite3_bind_double(stmt_, index, value);
  return *this;
}

Stmt &Stmt::bindBlob(int index, const std::vector<char> &value) {
  sqlite3_bind_blob(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  return *this;
}

Stmt &Stmt::bindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

std::string Stmt::text(int column) const {
  const unsigned char *p = sqlite3_column_text(stmt_, column);
  return p ? std::string(reinterpret_cast<const char *>(p),
                         static_cast<size_t>(sqlite3_column_bytes(stmt_, column)))
           : std::string();
}

std::vector<char> Stmt::blob(int column) const {
  const char *p = static_cast<const char *>(sqlite3_column_blob(stmt_, column));
  int n = sqlite3_column_bytes(stmt_, column);
  return p ? std::vector<char>(p, p + n) : std::vector<char>();
}

} // namespace attnc::tuner::sqlite
