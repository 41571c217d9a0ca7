//===- LockFailureTest.cpp - A file system whose locks fail ----------------===//
//
// Network file systems can fail SQLite's fcntl locks outright. This registers a shim VFS
// that forwards everything to the default one but fails every lock with
// SQLITE_IOERR_LOCK, and checks the error names the file and the ATTNC_DB override.
//
//===----------------------------------------------------------------------===//
#include "DbTestUtil.h"

#include <sqlite3.h>

using namespace attnc::tuner;
using namespace attnc::tuner::test;

namespace {

sqlite3_vfs *gReal = nullptr;

struct ShimFile {
  sqlite3_file base;
  sqlite3_file *real; ///< points just past this struct
};

sqlite3_file *real(sqlite3_file *f) { return reinterpret_cast<ShimFile *>(f)->real; }

int shimClose(sqlite3_file *f) { return real(f)->pMethods->xClose(real(f)); }
int shimRead(sqlite3_file *f, void *b, int n, sqlite3_int64 o) {
  return real(f)->pMethods->xRead(real(f), b, n, o);
}
int shimWrite(sqlite3_file *f, const void *b, int n, sqlite3_int64 o) {
  return real(f)->pMethods->xWrite(real(f), b, n, o);
}
int shimTruncate(sqlite3_file *f, sqlite3_int64 s) {
  return real(f)->pMethods->xTruncate(real(f), s);
}
int shimSync(sqlite3_file *f, int flags) { return real(f)->pMethods->xSync(real(f), flags); }
int shimFileSize(sqlite3_file *f, sqlite3_int64 *s) {
  return real(f)->pMethods->xFileSize(real(f), s);
}
int shimLock(sqlite3_file *, int) { return SQLITE_IOERR_LOCK; }
int shimUnlock(sqlite3_file *f, int l) { return real(f)->pMethods->xUnlock(real(f), l); }
int shimCheckReserved(sqlite3_file *f, int *out) {
  return real(f)->pMethods->xCheckReservedLock(real(f), out);
}
int shimFileControl(sqlite3_file *f, int op, void *arg) {
  return real(f)->pMethods->xFileControl(real(f), op, arg);
}
int shimSectorSize(sqlite3_file *f) { return real(f)->pMethods->xSectorSize(real(f)); }
int shimDevice(sqlite3_file *f) { return real(f)->pMethods->xDeviceCharacteristics(real(f)); }

const sqlite3_io_methods kShimMethods = {1,
                                         shimClose,
                                         shimRead,
                                         shimWrite,
                                         shimTruncate,
                                         shimSync,
                                         shimFileSize,
                                         shimLock,
                                         shimUnlock,
                                         shimCheckReserved,
                                         shimFileControl,
                                         shimSectorSize,
                                         shimDevice,
                                         nullptr,
                                         nullptr,
                                         nullptr,
                                         nullptr,
                                         nullptr,
                                         nullptr};

int shimOpen(sqlite3_vfs *, const char *name, sqlite3_file *f, int flags, int *outFlags) {
  auto *shim = reinterpret_cast<ShimFile *>(f);
  shim->real = reinterpret_cast<sqlite3_file *>(shim + 1);
  int rc = gReal->xOpen(gReal, name, shim->real, flags, outFlags);
  shim->base.pMethods = rc == SQLITE_OK ? &kShimMethods : nullptr;
  return rc;
}

class LockFailureTest : public DbTest {
protected:
  void SetUp() override {
    DbTest::SetUp();
    gReal = sqlite3_vfs_find(nullptr);
    vfs_ = *gReal;
    vfs_.zName = "attnc-lock-fails";
    vfs_.szOsFile = static_cast<int>(sizeof(ShimFile)) + gReal->szOsFile;
    vfs_.xOpen = shimOpen;
    ASSERT_EQ(sqlite3_vfs_register(&vfs_, /*makeDflt=*/1), SQLITE_OK);
  }
  void TearDown() override {
    sqlite3_vfs_unregister(&vfs_);
    sqlite3_vfs_register(gReal, 1);
    DbTest::TearDown();
  }
  sqlite3_vfs vfs_{};
};

} // namespace

TEST_F(LockFailureTest, ErrorNamesThePathAndAttncDb) {
  std::string p = path("nfs.db");
  auto db = TuningDb::open(p);
  ASSERT_FALSE(db);
  const std::string &m = db.error().message;
  EXPECT_NE(m.find("tuning database " + p), std::string::npos) << m;
  EXPECT_NE(m.find("file locking failed"), std::string::npos) << m;
  EXPECT_NE(m.find("set ATTNC_DB to a path on a local disk"), std::string::npos) << m;
}
