//===- LayeredDbTest.cpp - User over shipped, exact -> bucket -> arch -> default ===//
#include "DbTestUtil.h"

#include "attnc/Tuner/LayeredDb.h"

using namespace attnc::tuner;
using namespace attnc::tuner::test;

namespace {

class LayeredDbTest : public DbTest {
protected:
  /// Writes a database at `name` holding `trials`; returns its path.
  std::string makeDb(const std::string &name, const std::vector<TrialRecord> &trials) {
    std::string p = path(name);
    auto db = TuningDb::open(p);
    EXPECT_TRUE(db) << db.error().message;
    EXPECT_TRUE((*db)->recordTrials(trials));
    return p;
  }
};

} // namespace

TEST_F(LayeredDbTest, ExactMatchInTheUserDbWins) {
  std::string shipped = makeDb("shipped.db", {trial(kH100, problem(4096), "shipped-cfg", 0.5)});
  std::string user = makeDb("user.db", {trial(kH100, problem(4096), "user-cfg", 0.9)});
  std::string shippedBytes = readBytes(shipped);
  auto db = LayeredDb::open(user, {shipped});
  ASSERT_TRUE(db) << db.error().message;
  auto r = (*db)->lookup(kH100, kKernel, problem(4000), "default");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->source, LookupSource::Exact);
  EXPECT_EQ(r->config, "user-cfg");
  EXPECT_NE(r->provenance.find("exact match in user db " + user), std::string::npos)
      << r->provenance;
  // Writes go to the user layer; the shipped file is never touched.
  ASSERT_TRUE((*db)->user()->recordTrial(trial(kH100, problem(8192), "new", 1.0)));
  db->reset();
  EXPECT_EQ(readBytes(shipped), shippedBytes);
}

TEST_F(LayeredDbTest, ShippedAnswersWhenTheUserDbHasNothing) {
  std::string shipped = makeDb("shipped.db", {trial(kH100, problem(4096), "shipped-cfg", 0.5)});
  auto db = LayeredDb::open(path("user.db"), {shipped});
  ASSERT_TRUE(db) << db.error().message;
  auto r = (*db)->lookup(kH100, kKernel, problem(4096), "default");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->source, LookupSource::Exact);
  EXPECT_EQ(r->config, "shipped-cfg");
  EXPECT_NE(r->provenance.find("shipped db " + shipped), std::string::npos) << r->provenance;
}

TEST_F(LayeredDbTest, NearestBucketRankedByDistanceThenLayer) {
  std::string shipped = makeDb("shipped.db", {trial(kH100, problem(4096), "n4096", 0.5),
                                              trial(kH100, problem(1024), "n1024", 0.2),
                                              trial(kH100, problem(16384), "n16384", 3.0)});
  std::string user = makeDb("user.db", {trial(kH100, problem(512), "n512", 0.1)});
  auto db = LayeredDb::open(user, {shipped});
  ASSERT_TRUE(db);
  // 3000 -> bucket 3072: 4096 is log2(4/3)*2 = 0.83 away, 1024 is 3.17 away.
  auto r = (*db)->lookup(kH100, kKernel, problem(3000), "default");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->source, LookupSource::NearestBucket);
  EXPECT_EQ(r->config, "n4096");
  EXPECT_NE(r->provenance.find("nearest bucket B=1 N=4096 M=4096 for B=1 N=3072 M=3072"),
            std::string::npos)
      << r->provenance;
  EXPECT_NE(r->provenance.find("in shipped db " + shipped), std::string::npos);
  // 600 -> bucket 768: the user's 512 (1.17) is nearer than the shipped 1024 (0.83)? No:
  // 1024 is nearer, and distance ranks before layer.
  r = (*db)->lookup(kH100, kKernel, problem(700), "default");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->config, "n1024");
  // At equal distance the user layer wins: 362 -> bucket 384, 256 missing; add one.
  ASSERT_TRUE((*db)->user()->recordTrial(trial(kH100, problem(1024), "user-n1024", 0.3)));
  r = (*db)->lookup(kH100, kKernel, problem(700), "default");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->config, "user-n1024");
}

TEST_F(LayeredDbTest, SameDeviceBeforeSameArchBeforeDefault) {
  std::string user = makeDb("user.db", {trial(kH200, problem(4096), "h200-exact", 0.4),
                                        trial(kA100, problem(4096), "a100-exact", 0.4)});
  auto db = LayeredDb::open(user, {});
  ASSERT_TRUE(db);
  // The H100 has no record: the H200 (same sm_90a) answers, the A100 never does.
  auto r = (*db)->lookup(kH100, kKernel, problem(4096), "default");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->source, LookupSource::SameArch);
  EXPECT_EQ(r->config, "h200-exact");
  EXPECT_NE(r->provenance.find("same arch sm_90a, other device 'NVIDIA H200"), std::string::npos)
      << r->provenance;
  // A far bucket on this device beats an exact bucket on another device.
  ASSERT_TRUE((*db)->user()->recordTrial(trial(kH100, problem(65536), "h100-far", 9.0)));
  r = (*db)->lookup(kH100, kKernel, problem(4096), "default");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->source, LookupSource::NearestBucket);
  EXPECT_EQ(r->config, "h100-far");
  // Another shape class or kernel: the per-arch default.
  ProblemKey otherClass = problem(4096);
  otherClass.headDim = 64;
  r = (*db)->lookup(kH100, kKernel, otherClass, "128x64 w4 s2 q:smem");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->source, LookupSource::ArchDefault);
  EXPECT_EQ(r->config, "128x64 w4 s2 q:smem");
  EXPECT_NE(r->provenance.find("per-arch default for sm_90a"), std::string::npos) << r->provenance;
  r = (*db)->lookup(kH100, "0000", problem(4096), "d");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->source, LookupSource::ArchDefault);
}

TEST_F(LayeredDbTest, FailedTrialsAreNeverLookedUp) {
  std::string user =
      makeDb("user.db", {trial(kH100, problem(4096), "crashes", 0.1, TrialStatus::Failed),
                         trial(kH100, problem(4096), "works", 0.9)});
  auto db = LayeredDb::open(user, {});
  ASSERT_TRUE(db);
  auto r = (*db)->lookup(kH100, kKernel, problem(4096), "default");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->config, "works");
}

TEST_F(LayeredDbTest, BadShippedDatabaseIsAnErrorNamingIt) {
  std::string bad = path("bad.db");
  writeBytes(bad, "this is not a database, but it is long enough to have a header.....");
  auto db = LayeredDb::open(path("user.db"), {bad});
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().message.find(bad), std::string::npos) << db.error().message;
}
