//===- TuningDbTest.cpp - Schema, migrations, records and damaged files ----===//
//
// Opening never harms a file it does not understand: garbage, truncated, empty, foreign
// and newer-schema files are reported by path and their bytes are unchanged afterwards.
//
//===----------------------------------------------------------------------===//
#include "DbTestUtil.h"

#include <sqlite3.h>

#include <cmath>

using namespace attnc::tuner;
using namespace attnc::tuner::test;

namespace {

class TuningDbTest : public DbTest {};

int64_t pragmaInt(const std::string &path, const char *sql) {
  sqlite3 *db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt *st = nullptr;
  sqlite3_prepare_v2(db, sql, -1, &st, nullptr);
  int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

void execRaw(const std::string &path, const char *sql) {
  sqlite3 *db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char *err = nullptr;
  ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_close(db);
}

void expectMentions(const std::string &message, const std::string &what) {
  EXPECT_NE(message.find(what), std::string::npos) << message;
}

} // namespace

TEST_F(TuningDbTest, CreatesSchemaInWalMode) {
  std::string p = path("sub/dir/tune.db");
  {
    auto db = TuningDb::open(p);
    ASSERT_TRUE(db) << db.error().message;
  }
  EXPECT_EQ(pragmaInt(p, "PRAGMA user_version"), TuningDb::kSchemaVersion);
  EXPECT_EQ(pragmaInt(p, "PRAGMA application_id"), 0x6174746e);
  EXPECT_EQ(pragmaInt(p, "SELECT count(*) FROM sqlite_master WHERE name IN ('devices', "
                         "'kernels', 'problems', 'trials', 'blocklist', 'cubins')"),
            6);
  sqlite3 *raw = nullptr;
  sqlite3_open(p.c_str(), &raw);
  sqlite3_stmt *st = nullptr;
  sqlite3_prepare_v2(raw, "PRAGMA journal_mode", -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char *>(sqlite3_column_text(st, 0)), "wal");
  sqlite3_finalize(st);
  sqlite3_close(raw);
  // Reopening an up-to-date database is a no-op.
  auto again = TuningDb::open(p);
  ASSERT_TRUE(again) << again.error().message;
}

TEST_F(TuningDbTest, MigratesAVersionOneFileKeepingItsTrials) {
  std::string p = path("v1.db");
  // A database as the first schema wrote it, with one trial in it.
  std::string sql = "PRAGMA application_id = 1635021934;"
                    "CREATE TABLE devices(id INTEGER PRIMARY KEY, fingerprint TEXT NOT NULL "
                    "UNIQUE, arch TEXT NOT NULL);"
                    "CREATE TABLE kernels(id INTEGER PRIMARY KEY, fingerprint TEXT NOT NULL "
                    "UNIQUE, name TEXT NOT NULL DEFAULT '');"
                    "CREATE TABLE problems(id INTEGER PRIMARY KEY, key_text TEXT NOT NULL "
                    "UNIQUE, shape_class TEXT NOT NULL, family TEXT NOT NULL, dtype TEXT NOT "
                    "NULL, head_dim INTEGER NOT NULL, head_dim_v INTEGER NOT NULL, batch_bucket "
                    "INTEGER NOT NULL, heads_q INTEGER NOT NULL, heads_kv INTEGER NOT NULL, "
                    "seq_q_bucket INTEGER NOT NULL, seq_k_bucket INTEGER NOT NULL, mask_kind "
                    "TEXT NOT NULL);"
                    "CREATE TABLE trials(id INTEGER PRIMARY KEY, device_id INTEGER NOT NULL, "
                    "kernel_id INTEGER NOT NULL, problem_id INTEGER NOT NULL, config TEXT NOT "
                    "NULL, status TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', median_ms "
                    "REAL, min_ms REAL, max_ms REAL, samples INTEGER NOT NULL DEFAULT 0, "
                    "tool_version TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL);"
                    "INSERT INTO devices VALUES(1, '" +
                    std::string(kH100) +
                    "', 'sm_90a');"
                    "INSERT INTO kernels VALUES(1, '" +
                    kKernel +
                    "', 'causal');"
                    "INSERT INTO problems VALUES(1, 'softmax-prefill bf16 d128x128 b1 h32x8 "
                    "n4096 m4096 causal', 'softmax-prefill bf16 d128x128 h32x8 causal', "
                    "'softmax-prefill', 'bf16', 128, 128, 1, 32, 8, 4096, 4096, 'causal');"
                    "INSERT INTO trials VALUES(1, 1, 1, 1, '128x64 w4 s2 q:smem', 'ok', '', "
                    "1.5, 1.4, 1.7, 20, '0.0.9', '2026-01-02T03:04:05Z');"
                    "PRAGMA user_version = 1;";
  execRaw(p, sql.c_str());
  auto db = TuningDb::open(p);
  ASSERT_TRUE(db) << db.error().message;
  EXPECT_EQ(pragmaInt(p, "PRAGMA user_version"), 2);
  auto best = (*db)->bestTrial(kH100, kKernel, problem(4096));
  ASSERT_TRUE(best) << best.error().message;
  ASSERT_TRUE(best->has_value());
  EXPECT_EQ((*best)->config, "128x64 w4 s2 q:smem");
  EXPECT_EQ((*best)->createdAt, "2026-01-02T03:04:05Z");
  EXPECT_EQ((*best)->uid.size(), 32u); // migration gave the old trial a uid
  // The new tables work.
  ASSERT_TRUE((*db)->blockConfig(kH100, kKernel, "64x64 w4 s2 q:smem", "wrong results"));
  auto id = (*db)->recordTrial(trial(kH100, problem(4096), "64x64 w4 s2 q:smem", 1.0));
  ASSERT_TRUE(id) << id.error().message;
}

TEST_F(TuningDbTest, ReadOnlyOpenOfAnOldSchemaSaysHowToMigrate) {
  std::string p = path("old.db");
  execRaw(p, "PRAGMA application_id = 1635021934; CREATE TABLE devices(id INTEGER PRIMARY "
             "KEY); PRAGMA user_version = 1;");
  auto db = TuningDb::open(p, {TuningDb::Mode::ReadOnly, 1000});
  ASSERT_FALSE(db);
  expectMentions(db.error().message, p);
  expectMentions(db.error().message, "schema version 1");
}

TEST_F(TuningDbTest, RecordsEveryTrialAndPicksTheFastestOk) {
  auto db = TuningDb::open(path("t.db"));
  ASSERT_TRUE(db) << db.error().message;
  ProblemKey p = problem(3000);
  ASSERT_TRUE((*db)->recordTrial(trial(kH100, p, "128x64 w4 s2 q:smem", 2.0)));
  ASSERT_TRUE(
      (*db)->recordTrial(trial(kH100, p, "128x128 w8 s2 q:smem", 0.5, TrialStatus::Failed)));
  ASSERT_TRUE((*db)->recordTrial(trial(kH100, p, "64x64 w4 s2 q:regs", 1.5)));
  ASSERT_TRUE((*db)->recordTrial(trial(kH100, p, "64x128 w4 s3 q:regs", 0.7, TrialStatus::Wrong)));
  ASSERT_TRUE((*db)->recordTrial(trial(kA100, p, "64x64 w4 s2 q:smem", 0.1)));
  auto all = (*db)->trials({});
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 5u);
  auto best = (*db)->bestTrial(kH100, kKernel, p);
  ASSERT_TRUE(best && best->has_value());
  EXPECT_EQ((*best)->config, "64x64 w4 s2 q:regs");
  EXPECT_EQ((*best)->samples, 20);
  EXPECT_FALSE((*best)->createdAt.empty());
  // A new ragged length in the same bucket finds the same record.
  auto ragged = (*db)->bestTrial(kH100, kKernel, problem(2900));
  ASSERT_TRUE(ragged && ragged->has_value());
  EXPECT_EQ((*ragged)->id, (*best)->id);
  // Another bucket has nothing exact.
  auto other = (*db)->bestTrial(kH100, kKernel, problem(8000));
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->has_value());
  // A blocklisted config is never the answer.
  ASSERT_TRUE((*db)->blockConfig(kH100, kKernel, "64x64 w4 s2 q:regs", "wrong on ragged N"));
  auto blocked = (*db)->isBlocked(kH100, kKernel, "64x64 w4 s2 q:regs");
  ASSERT_TRUE(blocked && *blocked);
  best = (*db)->bestTrial(kH100, kKernel, p);
  ASSERT_TRUE(best && best->has_value());
  EXPECT_EQ((*best)->config, "128x64 w4 s2 q:smem");
  // Filters.
  auto failed = (*db)->trials({"H100", "a3f1", "n3072", false});
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->size(), 4u);
  auto summary = (*db)->summary({});
  ASSERT_TRUE(summary);
  ASSERT_EQ(summary->size(), 2u);
  EXPECT_EQ((*summary)[0].trials, 4);
  EXPECT_EQ((*summary)[0].okTrials, 2);
}

TEST_F(TuningDbTest, RejectsIncompleteTrials) {
  auto db = TuningDb::open(path("v.db"));
  ASSERT_TRUE(db);
  auto noConfig = (*db)->recordTrial(trial(kH100, problem(1024), "", 1.0));
  ASSERT_FALSE(noConfig);
  expectMentions(noConfig.error().message, "needs a device fingerprint, a kernel fingerprint");
  TrialRecord nan = trial(kH100, problem(1024), "cfg", 1.0);
  nan.medianMs = std::nan("");
  EXPECT_FALSE((*db)->recordTrial(nan));
  // recordTrials is all or none.
  EXPECT_FALSE((*db)->recordTrials({trial(kH100, problem(1024), "good", 1.0), nan}));
  auto all = (*db)->trials({});
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->empty());
}

TEST_F(TuningDbTest, StoresCubins) {
  auto db = TuningDb::open(path("c.db"));
  ASSERT_TRUE(db);
  std::vector<char> blob = {'\x7f', 'E', 'L', 'F', '\0', '\x01'};
  ASSERT_TRUE((*db)->storeCubin({"k1", "sm_90a", "attnc-kernel-spec 1\n", blob}));
  auto c = (*db)->cubin("k1");
  ASSERT_TRUE(c && c->has_value());
  EXPECT_EQ((*c)->cubin, blob);
  EXPECT_EQ((*c)->arch, "sm_90a");
  auto missing = (*db)->cubin("nope");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->has_value());
}

TEST_F(TuningDbTest, ReadOnlyDatabaseRefusesWrites) {
  std::string p = path("ro.db");
  ASSERT_TRUE(TuningDb::open(p));
  auto db = TuningDb::open(p, {TuningDb::Mode::ReadOnly, 1000});
  ASSERT_TRUE(db) << db.error().message;
  auto id = (*db)->recordTrial(trial(kH100, problem(1024), "x", 1));
  ASSERT_FALSE(id);
  expectMentions(id.error().message, "read-only");
}

TEST_F(TuningDbTest, GarbageFileIsAnErrorAndLeftUnchanged) {
  std::string p = path("garbage.db");
  std::string bytes(5000, '\0');
  for (size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<char>((i * 7919) % 251);
  writeBytes(p, bytes);
  for (auto mode : {TuningDb::Mode::ReadWrite, TuningDb::Mode::ReadOnly}) {
    auto db = TuningDb::open(p, {mode, 1000});
    ASSERT_FALSE(db);
    expectMentions(db.error().message, p);
    expectMentions(db.error().message, "left unchanged");
  }
  EXPECT_EQ(readBytes(p), bytes);
}

TEST_F(TuningDbTest, TruncatedFileIsAnErrorAndLeftUnchanged) {
  std::string p = path("trunc.db");
  {
    auto db = TuningDb::open(p);
    ASSERT_TRUE(db);
    std::vector<TrialRecord> many;
    for (int i = 0; i < 300; ++i)
      many.push_back(trial(kH100, problem(64 << (i % 8)), "cfg" + std::to_string(i), 1.0 + i));
    ASSERT_TRUE((*db)->recordTrials(many));
    ASSERT_TRUE((*db)->blockConfig(kH100, kKernel, "x", "y")); // checkpoint on close
  }
  std::string whole = readBytes(p);
  ASSERT_GT(whole.size(), 16384u);
  std::string truncated = whole.substr(0, whole.size() / 2);
  writeBytes(p, truncated);
  std::filesystem::remove(p + "-wal");
  std::filesystem::remove(p + "-shm");
  auto db = TuningDb::open(p);
  ASSERT_FALSE(db);
  expectMentions(db.error().message, p);
  expectMentions(db.error().message, "left unchanged");
  EXPECT_EQ(readBytes(p), truncated);
  // A header cut short, and an empty file.
  writeBytes(p, whole.substr(0, 50));
  EXPECT_FALSE(TuningDb::open(p));
  EXPECT_EQ(readBytes(p), whole.substr(0, 50));
  // An empty file holds nothing to lose: read-write it becomes a new database (as when
  // several tuners create one file at once), read-only it is an error.
  writeBytes(p, "");
  auto emptyRo = TuningDb::open(p, {TuningDb::Mode::ReadOnly, 1000});
  ASSERT_FALSE(emptyRo);
  expectMentions(emptyRo.error().message, "is empty");
  EXPECT_TRUE(TuningDb::open(p));
}

TEST_F(TuningDbTest, ForeignAndNewerDatabasesAreRefused) {
  std::string foreign = path("foreign.db");
  execRaw(foreign, "CREATE TABLE photos(id INTEGER); INSERT INTO photos VALUES(1);");
  std::string before = readBytes(foreign);
  auto db = TuningDb::open(foreign);
  ASSERT_FALSE(db);
  expectMentions(db.error().message, "another application");
  EXPECT_EQ(readBytes(foreign), before);

  std::string newer = path("newer.db");
  execRaw(newer, "PRAGMA application_id = 1635021934; CREATE TABLE x(id INTEGER); "
                 "PRAGMA user_version = 99;");
  before = readBytes(newer);
  db = TuningDb::open(newer);
  ASSERT_FALSE(db);
  expectMentions(db.error().message, "schema version 99 is newer");
  EXPECT_EQ(readBytes(newer), before);
}

TEST_F(TuningDbTest, LockHeldPastTheTimeoutNamesThePathAndAttncDb) {
  std::string p = path("locked.db");
  ASSERT_TRUE(TuningDb::open(p));
  sqlite3 *holder = nullptr;
  ASSERT_EQ(sqlite3_open(p.c_str(), &holder), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(holder, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto db = TuningDb::open(p, {TuningDb::Mode::ReadWrite, 100});
  if (db) {
    auto id = (*db)->recordTrial(trial(kH100, problem(1024), "x", 1));
    ASSERT_FALSE(id);
    expectMentions(id.error().message, p);
    expectMentions(id.error().message, "ATTNC_DB");
  } else {
    expectMentions(db.error().message, p);
    expectMentions(db.error().message, "ATTNC_DB");
  }
  sqlite3_exec(holder, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(holder);
}

TEST_F(TuningDbTest, DefaultPathFollowsTheEnvironment) {
  setenv("ATTNC_DB", "/x/y.db", 1);
  auto p = TuningDb::defaultPath();
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, "/x/y.db");
  unsetenv("ATTNC_DB");
  setenv("XDG_DATA_HOME", "/data", 1);
  p = TuningDb::defaultPath();
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, "/data/attnc/tune.db");
  unsetenv("XDG_DATA_HOME");
}
