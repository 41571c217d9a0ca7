//===- ConcurrencyTest.cpp - Concurrent and killed writers -----------------===//
//
// Real processes (fork), not threads: SQLite's file locks are per process, and a tuner that
// dies is a process that dies. Four writers x 200 trials must all land; a writer killed in
// the middle of a transaction loses only that transaction, and the file opens cleanly.
//
//===----------------------------------------------------------------------===//
#include "DbTestUtil.h"

#include <sqlite3.h>

#include <csignal>
#include <set>
#include <sys/wait.h>

using namespace attnc::tuner;
using namespace attnc::tuner::test;

namespace {

class ConcurrencyTest : public DbTest {};

/// Runs `body` in a child process; returns the child's pid.
template <typename Fn> pid_t spawn(Fn body) {
  pid_t pid = fork();
  if (pid == 0) {
    int rc = body();
    _exit(rc);
  }
  return pid;
}

} // namespace

TEST_F(ConcurrencyTest, FourWritersLoseNothing) {
  std::string p = path("shared.db");
  constexpr int kWriters = 4, kTrials = 200;
  std::vector<pid_t> children;
  for (int w = 0; w < kWriters; ++w)
    children.push_back(spawn([&, w] {
      auto db = TuningDb::open(p);
      if (!db) {
        fprintf(stderr, "writer %d: %s\n", w, db.error().message.c_str());
        return 1;
      }
      for (int i = 0; i < kTrials; ++i) {
        // Writers share devices and problems, so upserts of the same key race too.
        TrialRecord t = trial(i % 2 ? kH100 : kA100, problem(64 << (i % 6)),
                              "w" + std::to_string(w) + " c" + std::to_string(i), 1.0 + i);
        if (auto id = (*db)->recordTrial(t); !id) {
          fprintf(stderr, "writer %d trial %d: %s\n", w, i, id.error().message.c_str());
          return 2;
        }
      }
      return 0;
    }));
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "writer status " << status;
  }
  auto db = TuningDb::open(p);
  ASSERT_TRUE(db) << db.error().message;
  auto all = (*db)->trials({});
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), static_cast<size_t>(kWriters * kTrials));
  std::set<std::string> configs;
  for (const TrialRecord &t : *all)
    configs.insert(t.config);
  EXPECT_EQ(configs.size(), static_cast<size_t>(kWriters * kTrials));
}

TEST_F(ConcurrencyTest, KilledWriterKeepsCommittedTrials) {
  std::string p = path("killed.db");
  constexpr int kCommitted = 25;
  pid_t pid = spawn([&] {
    auto db = TuningDb::open(p);
    if (!db)
      return 1;
    for (int i = 0; i < kCommitted; ++i)
      if (!(*db)->recordTrial(trial(kH100, problem(1024), "c" + std::to_string(i), 1.0 + i)))
        return 2;
    // Start a transaction that the kill interrupts: its rows must not appear.
    sqlite3 *raw = nullptr;
    sqlite3_open(p.c_str(), &raw);
    sqlite3_exec(raw,
                 "BEGIN IMMEDIATE; DELETE FROM trials; INSERT INTO devices(fingerprint, "
                 "arch) VALUES('ghost', 'sm_00');",
                 nullptr, nullptr, nullptr);
    raise(SIGKILL);
    return 3;
  });
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  auto db = TuningDb::open(p);
  ASSERT_TRUE(db) << db.error().message;
  auto all = (*db)->trials({});
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_EQ(all->size(), static_cast<size_t>(kCommitted));
  auto ghost = (*db)->trials({"ghost", "", "", false});
  ASSERT_TRUE(ghost);
  EXPECT_TRUE(ghost->empty());
  // And the file is writable again: the dead writer's lock is gone.
  EXPECT_TRUE((*db)->recordTrial(trial(kH100, problem(1024), "after", 0.5)));
}

TEST_F(ConcurrencyTest, WriterExitingWithoutCommitLosesOnlyItsTransaction) {
  std::string p = path("exited.db");
  pid_t pid = spawn([&] {
    auto db = TuningDb::open(p);
    if (!db || !(*db)->recordTrial(trial(kH100, problem(512), "kept", 1.0)))
      return 1;
    sqlite3 *raw = nullptr;
    sqlite3_open(p.c_str(), &raw);
    sqlite3_exec(raw, "BEGIN IMMEDIATE; DELETE FROM trials;", nullptr, nullptr, nullptr);
    _exit(0);
  });
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  auto db = TuningDb::open(p);
  ASSERT_TRUE(db) << db.error().message;
  auto all = (*db)->trials({});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].config, "kept");
}
