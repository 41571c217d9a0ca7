//===- DeployedKernelTest.cpp - Config, cubin and spec from a deploy database ===//
//
// What a serving runtime needs from an exported database with no compiler: the winner's
// cubin bytes and a KernelSpec that Runtime::load accepts. (The launch itself, counting
// zero NVRTC compiles, needs a GPU and is not in this CPU suite.)
//
//===----------------------------------------------------------------------===//
#include "DbTestUtil.h"

#include "attnc/Tuner/DeployedKernel.h"

using namespace attnc;
using namespace attnc::tuner;
using namespace attnc::tuner::test;

namespace {

class DeployedKernelTest : public DbTest {};

runtime::KernelSpec prefillSpec() {
  runtime::KernelSpec s;
  s.entryName = "attnc_causal";
  s.headDim = 128;
  s.headDimV = 128;
  s.blockM = 128;
  s.blockN = 64;
  s.threadsPerBlock = 128;
  s.dynamicSmemBytes = 81920;
  return s;
}

} // namespace

TEST_F(DeployedKernelTest, DeployDatabaseYieldsCubinAndSpec) {
  std::string tune = path("tune.db"), deploy = path("deploy.db");
  {
    auto db = TuningDb::open(tune);
    ASSERT_TRUE(db) << db.error().message;
    TrialRecord win = trial(kH100, problem(4096), "128x64 w4 s2 q:smem", 1.0);
    win.cubinKey = "cafe01";
    TrialRecord lose = trial(kH100, problem(4096), "64x64 w4 s2 q:smem", 2.0);
    lose.cubinKey = "cafe02";
    ASSERT_TRUE((*db)->recordTrials({win, lose}));
    std::string spec = runtime::serializeKernelSpec(prefillSpec());
    ASSERT_TRUE((*db)->storeCubin({"cafe01", "sm_90a", spec, {'\x7f', 'E', 'L', 'F', '1'}}));
    ASSERT_TRUE((*db)->storeCubin({"cafe02", "sm_90a", spec, {'\x7f', 'E', 'L', 'F', '2'}}));
    auto stats = (*db)->exportDeploy(kH100, deploy);
    ASSERT_TRUE(stats) << stats.error().message;
    EXPECT_EQ(stats->cubins, 1);
  }
  std::filesystem::remove(tune); // the deployment stands alone
  auto layered = LayeredDb::open("", {deploy});
  ASSERT_TRUE(layered) << layered.error().message;
  auto k = findDeployedKernel(**layered, kH100, kKernel, problem(3500), "default");
  ASSERT_TRUE(k) << k.error().message;
  EXPECT_EQ(k->lookup.source, LookupSource::Exact);
  EXPECT_EQ(k->lookup.config, "128x64 w4 s2 q:smem");
  ASSERT_TRUE(k->spec.has_value());
  EXPECT_EQ(k->spec->entryName, "attnc_causal");
  EXPECT_EQ(k->spec->dynamicSmemBytes, 81920);
  EXPECT_EQ(k->cubin, (std::vector<char>{'\x7f', 'E', 'L', 'F', '1'}));
  EXPECT_TRUE(k->spec->verify());
}

TEST_F(DeployedKernelTest, NoCubinMeansCompileTheConfig) {
  std::string user = path("user.db");
  auto db = TuningDb::open(user);
  ASSERT_TRUE(db);
  ASSERT_TRUE((*db)->recordTrial(trial(kH100, problem(4096), "128x64 w4 s2 q:smem", 1.0)));
  db->reset();
  auto layered = LayeredDb::open(user, {});
  ASSERT_TRUE(layered);
  auto k = findDeployedKernel(**layered, kH100, kKernel, problem(4096), "default");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->lookup.config, "128x64 w4 s2 q:smem");
  EXPECT_FALSE(k->spec.has_value());
  EXPECT_TRUE(k->cubin.empty());
}

TEST_F(DeployedKernelTest, UnparsableStoredSpecNamesTheDatabase) {
  std::string user = path("user.db");
  auto db = TuningDb::open(user);
  ASSERT_TRUE(db);
  TrialRecord t = trial(kH100, problem(4096), "cfg", 1.0);
  t.cubinKey = "bad";
  ASSERT_TRUE((*db)->recordTrial(t));
  ASSERT_TRUE((*db)->storeCubin({"bad", "sm_90a", "not a spec", {'x'}}));
  db->reset();
  auto layered = LayeredDb::open(user, {});
  ASSERT_TRUE(layered);
  auto k = findDeployedKernel(**layered, kH100, kKernel, problem(4096), "default");
  ASSERT_FALSE(k);
  EXPECT_NE(k.error().message.find(user), std::string::npos) << k.error().message;
}
