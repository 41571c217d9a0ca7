//===- Sqlite.h - Thin RAII over the SQLite C API (private) ------------*- C++ -*-===//
//
// The database layer's only contact with sqlite3.h: a prepared-statement wrapper that
// finalizes itself, and `sqliteError`, the one converter from a SQLite result code into
// the runtime's `Error`. Every message names the database file, and locking and
// corruption failures say what to do about them (ATTNC_DB, the file left unchanged).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TUNER_DB_SQLITE_H
#define ATTNC_TUNER_DB_SQLITE_H

#include "attnc/Runtime/Error.h"

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <vector>

namespace attnc::tuner::sqlite {

/// Converts a failed SQLite call on the database at `path` into an IoError (or Internal for
/// misuse); `what` says what attnc was doing ("recording a trial").
runtime::Error sqliteError(sqlite3 *db, int rc, const std::string &path, const std::string &what);

/// A prepared statement; check `ok()` (or `rc()`) after construction.
class Stmt {
public:
  Stmt(sqlite3 *db, const std::string &sql);
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt &) = delete;
  Stmt &operator=(const Stmt &) = delete;

  bool ok() const { return rc_ == SQLITE_OK; }
  int rc() const { return rc_; }

  Stmt &bind(int index, const std::string &value);
  Stmt &bind(int index, int64_t value);
  Stmt &bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
  Stmt &bind(int index, double value);
  Stmt &bindBlob(int index, const std::vector<char> &value);
  Stmt &bindNull(int index);

  /// SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(stmt_); }

  std::string text(int column) const;
  int64_t int64(int column) const { return sqlite3_column_int64(stmt_, column); }
  double real(int column) const { return sqlite3_column_double(stmt_, column); }
  bool isNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  std::vector<char> blob(int column) const;

private:
  sqlite3_stmt *stmt_ = nullptr;
  int rc_ = SQLITE_OK;
};

} // namespace attnc::tuner::sqlite

#endif // ATTNC_TUNER_DB_SQLITE_H
