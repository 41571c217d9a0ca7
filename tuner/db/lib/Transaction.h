//===- Transaction.h - One BEGIN IMMEDIATE ... COMMIT (private) --------*- C++ -*-===//
//
// Every write is one immediate transaction: taking the write lock up front (instead of
// upgrading a read lock later) is what lets concurrent writers wait on the busy timeout
// rather than fail with SQLITE_BUSY mid-transaction. Destroying an uncommitted Transaction
// rolls it back.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TUNER_DB_TRANSACTION_H
#define ATTNC_TUNER_DB_TRANSACTION_H

#include "attnc/Tuner/TuningDb.h"

#include <sqlite3.h>

namespace attnc::tuner {

class Transaction {
public:
  Transaction(const TuningDb &db, std::string what) : db_(db), what_(std::move(what)) {
    int rc = sqlite3_exec(db_.db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK)
      begun_ = true;
    else
      error_ = db_.error(rc, what_);
  }
  ~Transaction() {
    if (begun_ && !done_)
      sqlite3_exec(db_.db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  bool begun() const { return begun_; }
  runtime::Error takeError() { return std::move(error_); }
  runtime::Status commit() {
    int rc = sqlite3_exec(db_.db_, "COMMIT", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK)
      return db_.error(rc, what_ + " (commit)");
    done_ = true;
    return runtime::Status::success();
  }

private:
  const TuningDb &db_;
  std::string what_;
  bool begun_ = false, done_ = false;
  runtime::Error error_;
};

} // namespace attnc::tuner

#endif // ATTNC_TUNER_DB_TRANSACTION_H
