//===- MaintenanceTest.cpp - Deploy export, merge, prune, text import ------===//
#include "DbTestUtil.h"

#include "attnc/Tuner/LayeredDb.h"
#include "attnc/Tuner/TrialText.h"

using namespace attnc::tuner;
using namespace attnc::tuner::test;

namespace {

class MaintenanceTest : public DbTest {
protected:
  std::unique_ptr<TuningDb> openDb(const std::string &name) {
    auto db = TuningDb::open(path(name));
    EXPECT_TRUE(db) << db.error().message;
    return db ? db.takeValue() : nullptr;
  }
};

TrialRecord withCubin(TrialRecord t, const std::string &key) {
  t.cubinKey = key;
  return t;
}

} // namespace

TEST_F(MaintenanceTest, ExportDeployHoldsOnlyWinnersAndTheirCubins) {
  auto db = openDb("tune.db");
  ASSERT_TRUE(db->recordTrials({
      withCubin(trial(kH100, problem(4096), "slow", 2.0), "key-slow"),
      withCubin(trial(kH100, problem(4096), "fast", 1.0), "key-fast"),
      trial(kH100, problem(4096), "broken", 0.1, TrialStatus::Failed),
      withCubin(trial(kH100, problem(1024), "small", 0.3), "key-small"),
      withCubin(trial(kA100, problem(4096), "a100", 0.7), "key-a100"),
  }));
  for (const char *key : {"key-slow", "key-fast", "key-small", "key-a100"})
    ASSERT_TRUE(db->storeCubin({key, "sm_90a", "attnc-kernel-spec 1\n", {'c', key[4]}}));
  std::string out = path("deploy.db");
  auto stats = db->exportDeploy(kH100, out);
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->trials, 2);
  EXPECT_EQ(stats->cubins, 2);

  auto deploy = TuningDb::open(out, {TuningDb::Mode::ReadOnly, 1000});
  ASSERT_TRUE(deploy) << deploy.error().message;
  auto rows = (*deploy)->trials({});
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].config, "fast");
  EXPECT_EQ((*rows)[1].config, "small");
  auto keys = (*deploy)->cubinKeys();
  ASSERT_TRUE(keys);
  EXPECT_EQ(*keys, (std::vector<std::string>{"key-fast", "key-small"}));
  // A runtime opened on it finds the config and its cubin without any search.
  deploy->reset();
  auto layered = LayeredDb::open("", {out});
  ASSERT_TRUE(layered) << layered.error().message;
  auto r = (*layered)->lookup(kH100, kKernel, problem(4000), "default");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->config, "fast");
  EXPECT_EQ(r->cubinKey, "key-fast");
  // Never overwrites.
  auto again = db->exportDeploy(kH100, out);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("already exists"), std::string::npos);
}

TEST_F(MaintenanceTest, MergeAddsEverythingOnceAndLeavesTheSourceAlone) {
  auto a = openDb("a.db");
  auto b = openDb("b.db");
  ASSERT_TRUE(a->recordTrials({trial(kH100, problem(4096), "a1", 1.0),
                               trial(kH100, problem(4096), "a2", 2.0, TrialStatus::Wrong)}));
  ASSERT_TRUE(b->recordTrials(
      {trial(kA100, problem(1024), "b1", 0.5), trial(kH100, problem(4096), "b2", 0.8)}));
  ASSERT_TRUE(b->blockConfig(kH100, kKernel, "a2", "wrong results"));
  ASSERT_TRUE(b->storeCubin({"orphan", "sm_80", "spec", {'x'}}));
  b.reset();
  std::string bBytes = readBytes(path("b.db"));
  auto stats = a->mergeFrom(path("b.db"));
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->trials, 2);
  EXPECT_EQ(stats->cubins, 1);
  EXPECT_EQ(stats->blocked, 1);
  auto all = a->trials({});
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 4u);
  auto best = a->bestTrial(kH100, kKernel, problem(4096));
  ASSERT_TRUE(best && best->has_value());
  EXPECT_EQ((*best)->config, "b2");
  auto blocked = a->isBlocked(kH100, kKernel, "a2");
  ASSERT_TRUE(blocked && *blocked);
  // Idempotent: the same trials (same uids) are not added twice.
  stats = a->mergeFrom(path("b.db"));
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->trials, 0);
  all = a->trials({});
  EXPECT_EQ(all->size(), 4u);
  EXPECT_EQ(readBytes(path("b.db")), bBytes);
  // Merging garbage is an error naming it.
  writeBytes(path("junk.db"), std::string(4096, 'j'));
  auto junk = a->mergeFrom(path("junk.db"));
  ASSERT_FALSE(junk);
  EXPECT_NE(junk.error().message.find(path("junk.db")), std::string::npos);
}

TEST_F(MaintenanceTest, PruneDropsFailuresAndLosersButKeepsWinners) {
  auto db = openDb("p.db");
  ASSERT_TRUE(db->recordTrials({trial(kH100, problem(4096), "win", 1.0),
                                trial(kH100, problem(4096), "lose", 2.0),
                                trial(kH100, problem(4096), "fail", 0.1, TrialStatus::Failed),
                                trial(kH100, problem(4096), "timeout", 0, TrialStatus::Timeout),
                                trial(kH100, problem(1024), "only", 3.0)}));
  // Nothing is old enough.
  auto removed = db->prune({true, true, 30});
  ASSERT_TRUE(removed);
  EXPECT_EQ(*removed, 0);
  removed = db->prune({});
  ASSERT_TRUE(removed);
  EXPECT_EQ(*removed, 2);
  auto all = db->trials({});
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 3u);
  removed = db->prune({false, true, std::nullopt});
  ASSERT_TRUE(removed);
  EXPECT_EQ(*removed, 1);
  all = db->trials({});
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].config, "win");
  EXPECT_EQ((*all)[1].config, "only");
}

TEST_F(MaintenanceTest, TrialTextRoundTrips) {
  std::vector<TrialRecord> trials = {
      trial(kH100, problem(3000), "128x64 w4 s2 q:smem", 1.25),
      trial(kA100, problem(100, 200, 3), "64x64 w4 s2 q:regs", 0, TrialStatus::Failed)};
  trials[0].createdAt = "2026-11-23T10:00:00Z";
  std::string text = formatTrialsText(trials);
  auto parsed = parseTrialsText(text, "trials.tsv");
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].problem, trials[0].problem);
  EXPECT_EQ((*parsed)[0].createdAt, "2026-11-23T10:00:00Z");
  EXPECT_EQ((*parsed)[1].createdAt, "");
  EXPECT_EQ((*parsed)[1].status, TrialStatus::Failed);
  EXPECT_EQ((*parsed)[1].reason, "too many registers");
  EXPECT_DOUBLE_EQ((*parsed)[0].minMs, trials[0].minMs);

  auto bad = parseTrialsText("attnc-trials 1\na\tb\n", "x.tsv");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("x.tsv:2: expected 13 tab-separated fields, got 2"),
            std::string::npos)
      << bad.error().message;
  EXPECT_FALSE(parseTrialsText("", "empty.tsv"));
}

TEST(TextTable, AlignsColumns) {
  EXPECT_EQ(formatTable({"a", "long header"}, {{"value", "x"}, {"v", "yy"}}), "a      long header\n"
                                                                              "-----  -----------\n"
                                                                              "value  x\n"
                                                                              "v      yy\n");
}

TEST_F(MaintenanceTest, FailedExportLeavesNoDeployFile) {
  auto db = openDb("moved.db");
  ASSERT_TRUE(db->recordTrial(trial(kH100, problem(4096), "cfg", 1.0)));
  // The source file disappears under the open connection: attaching it fails.
  std::filesystem::rename(path("moved.db"), path("elsewhere.db"));
  auto stats = db->exportDeploy(kH100, path("deploy.db"));
  ASSERT_FALSE(stats);
  EXPECT_NE(stats.error().message.find(path("moved.db")), std::string::npos)
      << stats.error().message;
  EXPECT_FALSE(std::filesystem::exists(path("deploy.db")));
}
