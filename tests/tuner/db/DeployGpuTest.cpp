//===- DeployGpuTest.cpp - A deploy database loads with zero NVRTC compiles ===//
//
// The tuning side compiles a kernel through NVRTC and stores its cubin beside the winning
// trial; `exportDeploy` writes a deploy database; a fresh Runtime with an empty cubin cache
// then loads the kernel from that database alone. Its cache counts no compile, no lookup
// and holds no entry afterwards. Skips itself on machines without a GPU.
//
//===----------------------------------------------------------------------===//
#include "DbTestUtil.h"

#include "attnc/Runtime/CubinCache.h"
#include "attnc/Runtime/Runtime.h"
#include "attnc/Tuner/DeployedKernel.h"

using namespace attnc;
using namespace attnc::tuner;
using namespace attnc::tuner::test;

namespace {

class DeployGpuTest : public DbTest {};

const char *kSource = R"(extern "C" __global__ void attnc_deployed(float *out) {
  out[threadIdx.x] = 1.0f;
}
)";

runtime::KernelSpec deployedSpec() {
  runtime::KernelSpec s;
  s.entryName = "attnc_deployed";
  s.headDim = 128;
  s.headDimV = 128;
  s.blockM = 64;
  s.blockN = 64;
  s.threadsPerBlock = 128;
  s.dynamicSmemBytes = 1024;
  return s;
}

} // namespace

TEST_F(DeployGpuTest, DeployDatabaseLoadsWithZeroCompiles) {
  auto tuneRt = runtime::Runtime::create(0, path("cache-tune"));
  if (!tuneRt)
    GTEST_SKIP() << "no GPU: " << tuneRt.error().message;
  const runtime::DeviceInfo device = (*tuneRt)->device(); // a copy: tuneRt goes first

  // Tuning side: one NVRTC compile, stored with the winning trial.
  runtime::NvrtcRequest request;
  request.source = kSource;
  request.arch = device.arch();
  auto keyInputs = runtime::cacheKeyInputsFor(request);
  ASSERT_TRUE(keyInputs) << keyInputs.error().message;
  std::string key = runtime::computeCacheKey(*keyInputs);
  auto cubin = (*tuneRt)->cache().compile(request);
  ASSERT_TRUE(cubin) << cubin.error().message;
  EXPECT_EQ((*tuneRt)->cache().stats().compiles, 1u);
  {
    auto db = TuningDb::open(path("tune.db"));
    ASSERT_TRUE(db) << db.error().message;
    TrialRecord win = trial(device.fingerprint(), problem(4096), "64x64 w4 s2 q:smem", 0.5);
    win.cubinKey = key;
    ASSERT_TRUE((*db)->recordTrial(win));
    ASSERT_TRUE((*db)->storeCubin(
        {key, device.arch(), runtime::serializeKernelSpec(deployedSpec()), *cubin}));
    auto stats = (*db)->exportDeploy(device.fingerprint(), path("deploy.db"));
    ASSERT_TRUE(stats) << stats.error().message;
    EXPECT_EQ(stats->cubins, 1);
  }
  tuneRt->reset();

  // Serving side: a fresh runtime and an empty cache; a ragged length (4000, bucket 4096).
  auto serveRt = runtime::Runtime::create(0, path("cache-serve"));
  ASSERT_TRUE(serveRt) << serveRt.error().message;
  auto layered = LayeredDb::open("", {path("deploy.db")});
  ASSERT_TRUE(layered) << layered.error().message;
  auto found =
      findDeployedKernel(**layered, device.fingerprint(), kKernel, problem(4000), "default");
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->lookup.source, LookupSource::Exact) << found->lookup.provenance;
  ASSERT_TRUE(found->spec.has_value());
  auto kernel = (*serveRt)->load(found->cubin, *found->spec);
  ASSERT_TRUE(kernel) << kernel.error().message;
  runtime::CacheStats stats = (*serveRt)->cache().stats();
  EXPECT_EQ(stats.compiles, 0u);
  EXPECT_EQ(stats.hits + stats.misses, 0u);
  size_t entries = 0;
  if (std::filesystem::exists(path("cache-serve")))
    for ([[maybe_unused]] const auto &e :
         std::filesystem::recursive_directory_iterator(path("cache-serve")))
      ++entries;
  EXPECT_EQ(entries, 0u);
}
