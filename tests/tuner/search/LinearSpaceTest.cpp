//===- LinearSpaceTest.cpp - The linear space against LinearTraits' rules --===//
//
// The linear space must prune in only points that instantiate templates/attnc/
// LinearTraits.cuh. Its static_asserts are restated here independently of
// cuda::linearConfigProblem (which the space uses), for every supported head-dim pair
// and gate kind, together with the shared-memory limit; the defaults that fit shared
// memory must be valid points (the tuner measures them), and each point's LinearConfig text reads back to it.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/Spaces.h"

#include <gtest/gtest.h>

using namespace attnc;
using namespace attnc::tuner;

namespace {

constexpr int kWarpSize = 32;
constexpr int kMmaM = 16;
constexpr int kMmaK = 16;
constexpr int kSwizzle = 64;
constexpr int kHeadDims[] = {64, 128, 256};
constexpr cuda::LinearGateKind kGates[] = {
    cuda::LinearGateKind::None,       cuda::LinearGateKind::PerHead,
    cuda::LinearGateKind::PerToken,   cuda::LinearGateKind::PerChannel,
    cuda::LinearGateKind::MlstmSig,   cuda::LinearGateKind::MlstmExp};

/// LinearTraits' static_asserts, one by one (templates/attnc/LinearTraits.cuh); the
/// mLSTM kinds (LinearMlstmTraits) add none.
bool instantiates(int headK, int headV, cuda::LinearGateKind gate, const cuda::LinearConfig &c) {
  const bool vectorGate = gate == cuda::LinearGateKind::PerChannel;
  const int threads = c.numWarps * kWarpSize;
  return headK % kSwizzle == 0 && c.sliceV % kSwizzle == 0 && headV % c.sliceV == 0 &&
         c.chunk % (c.numWarps * kMmaM) == 0 && c.chunk % c.sub == 0 && c.sub % kMmaK == 0 &&
         c.sub % kMmaM == 0 && (!vectorGate || c.sub == kMmaM) &&
         headK % (c.numWarps * kMmaM) == 0 && (!vectorGate || headK <= threads) &&
         c.chunk % kWarpSize == 0;
}

} // namespace

TEST(LinearSpace, EveryValidPointInstantiatesTheTemplate) {
  const DeviceLimits limits;
  for (int k : kHeadDims)
    for (int v : kHeadDims)
      for (cuda::LinearGateKind gate : kGates) {
        SCOPED_TRACE("K=" + std::to_string(k) + " V=" + std::to_string(v) + " gate " +
                     cuda::linearGateName(gate));
        Enumeration e = linearSpace(k, v, gate).enumerate(limits);
        // K=256 with per-channel gates needs 8 warps, so 128-token chunks whose two
        // stages of gate rows alone exceed shared memory: nothing fits.
        const bool fits = !(k == 256 && gate == cuda::LinearGateKind::PerChannel);
        EXPECT_EQ(e.valid.empty(), !fits);
        for (const Candidate &c : e.valid) {
          cuda::LinearConfig config = toLinearConfig(c);
          EXPECT_TRUE(instantiates(k, v, gate, config)) << config.str();
          EXPECT_LE(cuda::linearSmemBytes(k, gate, config), limits.smemOptinBytes)
              << config.str();
        }
        for (const PrunedCandidate &p : e.pruned) {
          cuda::LinearConfig config = toLinearConfig(p.candidate);
          EXPECT_TRUE(!instantiates(k, v, gate, config) ||
                      cuda::linearSmemBytes(k, gate, config) > limits.smemOptinBytes)
              << config.str() << " pruned for no template reason: " << p.reason;
        }
      }
}

TEST(LinearSpace, DefaultsAreValidPoints) {
  for (int k : kHeadDims)
    for (int v : kHeadDims)
      for (cuda::LinearGateKind gate : kGates) {
        SearchSpace space = linearSpace(k, v, gate);
        for (const cuda::LinearConfig &config : cuda::linearCandidates(k, v, gate))
          if (cuda::linearSmemBytes(k, gate, config) <= DeviceLimits().smemOptinBytes)
            EXPECT_FALSE(space.check(fromLinearConfig(config), DeviceLimits()).has_value())
              << config.str() << " K=" << k << " V=" << v;
      }
}

TEST(LinearSpace, PrunesWhatTheTemplateRejects) {
  SearchSpace perChannel = linearSpace(128, 128, cuda::LinearGateKind::PerChannel);
  std::optional<std::string> why =
      perChannel.check(fromLinearConfig({64, 32, 64, 4}), DeviceLimits());
  ASSERT_TRUE(why.has_value());
  EXPECT_EQ(*why, "per-channel gates need a 16-token key sub-tile");
  SearchSpace scalar = linearSpace(128, 128, cuda::LinearGateKind::PerToken);
  EXPECT_TRUE(scalar.check(fromLinearConfig({64, 16, 64, 8}), DeviceLimits()).has_value())
      << "8 warps need a chunk of whole 128-row stripes";
  EXPECT_TRUE(scalar.check(fromLinearConfig({64, 16, 256, 4}), DeviceLimits()).has_value())
      << "a V slice wider than V";
  DeviceLimits small;
  small.smemOptinBytes = 48 * 1024;
  EXPECT_TRUE(scalar.check(fromLinearConfig({256, 16, 128, 4}), small).has_value());
  EXPECT_EQ(scalar.threadsPerBlock(fromLinearConfig({64, 16, 64, 8})), 256);
}

TEST(LinearSpace, ConfigTextRoundTrips) {
  for (const Candidate &c :
       linearSpace(128, 128, cuda::LinearGateKind::PerToken).enumerate(DeviceLimits()).valid) {
    cuda::LinearConfig config = toLinearConfig(c);
    std::optional<cuda::LinearConfig> back = cuda::LinearConfig::parse(config.str());
    ASSERT_TRUE(back.has_value()) << config.str();
    EXPECT_EQ(fromLinearConfig(*back), c) << config.str();
  }
  EXPECT_EQ(toLinearConfig(fromLinearConfig({128, 16, 128, 8})).str(), "c128 sub16 v128 w8");
  // The segment count: absent (records from before the split path) is the automatic choice.
  EXPECT_EQ(toLinearConfig(fromLinearConfig({64, 32, 64, 4, 4})).str(), "c64 sub32 v64 w4 p4");
  std::optional<cuda::LinearConfig> old = cuda::LinearConfig::parse("c64 sub32 v64 w4");
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->segments, 0);
  EXPECT_EQ(cuda::LinearConfig::parse("c64 sub32 v64 w4 p2")->segments, 2);
  EXPECT_FALSE(cuda::LinearConfig::parse("c64 sub32 v64 w4 p0").has_value());
  EXPECT_FALSE(cuda::LinearConfig::parse("c64 sub32 v64 w4 p2x").has_value());
  EXPECT_TRUE(linearSpace(128, 128, cuda::LinearGateKind::PerToken)
                  .check(fromLinearConfig({64, 32, 64, 4, 8}), DeviceLimits()) == std::nullopt);
}
