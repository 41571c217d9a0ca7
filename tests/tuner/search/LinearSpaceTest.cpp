//===- LinearSpaceTest.cpp - The linear space against LinearTraits' rules --===//
//
// The linear space must prune in only points that instantiate templates/attnc/
// LinearTraits.cuh (and LinearDeltaSplitTraits.cuh for the delta rule). Their static_asserts
// are restated here independently of cuda::linearConfigProblem (which the space uses),
// for every supported head-dim pair, gate kind and update rule, together with the
// shared-memory limit; the defaults that fit shared
// memory must be valid points (the tuner measures them), and each point's LinearConfig text reads
// back to it.
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
constexpr int kDeltaChunk = 64;
constexpr int kDeltaGroupSlice = 32; ///< a walk group's V columns: 64-byte rows at least
constexpr int kMaxSpanTokens = 1024;  ///< the largest chunk of several tiles (the issue's range)

/// A gate kind with an update rule: the decay family takes every gate, the delta rule
/// none or one per token.
struct Kind {
  cuda::LinearGateKind gate;
  cuda::LinearRule rule;
};
constexpr Kind kKinds[] = {{cuda::LinearGateKind::None, cuda::LinearRule::Additive},
                           {cuda::LinearGateKind::PerHead, cuda::LinearRule::Additive},
                           {cuda::LinearGateKind::PerToken, cuda::LinearRule::Additive},
                           {cuda::LinearGateKind::PerChannel, cuda::LinearRule::Additive},
                           {cuda::LinearGateKind::MlstmSig, cuda::LinearRule::Additive},
                           {cuda::LinearGateKind::MlstmExp, cuda::LinearRule::Additive},
                           {cuda::LinearGateKind::None, cuda::LinearRule::Delta},
                           {cuda::LinearGateKind::PerToken, cuda::LinearRule::Delta}};

/// LinearTraits' static_asserts, one by one (templates/attnc/LinearTraits.cuh; the mLSTM
/// kinds' LinearMlstmTraits add none, but the mLSTM walks whole sequences: p <= 1), and LinearDeltaSplitTraits' for the delta rule
/// (whose walk's SUB is fixed at 16, and whose warps form groups of CHUNK / 16 that each
/// instantiate LinearTraits on their share of the V slice).
bool decayFamilyInstantiates(int headK, int headV, Kind kind, const cuda::LinearConfig &c,
                             int sliceMultiple) {
  const bool vectorGate = kind.gate == cuda::LinearGateKind::PerChannel;
  const bool mlstm = kind.gate == cuda::LinearGateKind::MlstmSig ||
                     kind.gate == cuda::LinearGateKind::MlstmExp;
  const int threads = c.numWarps * kWarpSize;
  // SPAN > 1: additive rules (the decay family and the mLSTM), one stripe per warp; at most
  // kMaxSpanTokens.
  const bool spanOk =
      c.span == 1 || (kind.rule == cuda::LinearRule::Additive && c.chunk == c.numWarps * kMmaM);
  return headK % kSwizzle == 0 && c.sliceV % sliceMultiple == 0 && headV % c.sliceV == 0 &&
         c.chunk % (c.numWarps * kMmaM) == 0 && c.chunk % c.sub == 0 && c.sub % kMmaK == 0 &&
         c.sub % kMmaM == 0 && (!vectorGate || c.sub == kMmaM) &&
         headK % (c.numWarps * kMmaM) == 0 && (!vectorGate || headK <= threads) &&
         c.chunk % kWarpSize == 0 && c.stages >= 2 && c.stages <= 4 && c.span >= 1 && spanOk &&
         c.span * c.chunk <= kMaxSpanTokens && (!mlstm || c.segments <= 1);
}

bool instantiates(int headK, int headV, Kind kind, const cuda::LinearConfig &c) {
  if (kind.rule == cuda::LinearRule::Additive)
    return decayFamilyInstantiates(headK, headV, kind, c, kSwizzle);
  const int groupWarps = c.chunk / kMmaM;
  if (c.numWarps % groupWarps != 0 || c.sliceV % (c.numWarps / groupWarps) != 0 ||
      headV % c.sliceV != 0)
    return false;
  cuda::LinearConfig group = c;
  group.numWarps = groupWarps;
  group.sliceV = c.sliceV / (c.numWarps / groupWarps);
  return decayFamilyInstantiates(headK, headV, kind, group, kDeltaGroupSlice) &&
         (kind.gate == cuda::LinearGateKind::None || kind.gate == cuda::LinearGateKind::PerToken) &&
         c.chunk == kDeltaChunk && c.sub == kMmaM && c.segments <= 1 &&
         2 * c.chunk <= groupWarps * kWarpSize; // the prepare stage: one warp per stripe
}

std::string traceOf(int k, int v, Kind kind) {
  return "K=" + std::to_string(k) + " V=" + std::to_string(v) + " gate " +
         cuda::linearGateName(kind.gate) + " rule " + cuda::linearRuleName(kind.rule);
}

} // namespace

TEST(LinearSpace, EveryValidPointInstantiatesTheTemplate) {
  const DeviceLimits limits;
  for (int k : kHeadDims)
    for (int v : kHeadDims)
      for (Kind kind : kKinds) {
        SCOPED_TRACE(traceOf(k, v, kind));
        Enumeration e = linearSpace(k, v, kind.gate, kind.rule).enumerate(limits);
        // K=256 with per-channel gates needs 8 warps, so 128-token chunks whose two
        // stages of gate rows alone exceed shared memory: nothing fits. Nor do two stages
        // of the delta rule's walk (q, k and W at K=256).
        const bool fits = !(k == 256 && (kind.gate == cuda::LinearGateKind::PerChannel ||
                                         kind.rule == cuda::LinearRule::Delta));
        EXPECT_EQ(e.valid.empty(), !fits);
        for (const Candidate &c : e.valid) {
          cuda::LinearConfig config = toLinearConfig(c);
          EXPECT_TRUE(instantiates(k, v, kind, config)) << config.str();
          EXPECT_LE(cuda::linearSmemBytes(k, kind.gate, kind.rule, config), limits.smemOptinBytes)
              << config.str();
        }
        for (const PrunedCandidate &p : e.pruned) {
          cuda::LinearConfig config = toLinearConfig(p.candidate);
          EXPECT_TRUE(!instantiates(k, v, kind, config) ||
                      cuda::linearSmemBytes(k, kind.gate, kind.rule, config) >
                          limits.smemOptinBytes)
              << config.str() << " pruned for no template reason: " << p.reason;
        }
      }
}

TEST(LinearSpace, DefaultsAreValidPoints) {
  for (int k : kHeadDims)
    for (int v : kHeadDims)
      for (Kind kind : kKinds) {
        SearchSpace space = linearSpace(k, v, kind.gate, kind.rule);
        for (const cuda::LinearConfig &config : cuda::linearCandidates(k, v, kind.gate, kind.rule))
          if (cuda::linearSmemBytes(k, kind.gate, kind.rule, config) <=
              DeviceLimits().smemOptinBytes)
            EXPECT_FALSE(space.check(fromLinearConfig(config), DeviceLimits()).has_value())
                << config.str() << " " << traceOf(k, v, kind);
      }
}

TEST(LinearSpace, PrunesWhatTheTemplateRejects) {
  SearchSpace perChannel =
      linearSpace(128, 128, cuda::LinearGateKind::PerChannel, cuda::LinearRule::Additive);
  std::optional<std::string> why =
      perChannel.check(fromLinearConfig({64, 32, 64, 4}), DeviceLimits());
  ASSERT_TRUE(why.has_value());
  EXPECT_EQ(*why, "per-channel gates need a 16-token key sub-tile");
  SearchSpace scalar =
      linearSpace(128, 128, cuda::LinearGateKind::PerToken, cuda::LinearRule::Additive);
  EXPECT_TRUE(scalar.check(fromLinearConfig({64, 16, 64, 8}), DeviceLimits()).has_value())
      << "8 warps need a chunk of whole 128-row stripes";
  EXPECT_TRUE(scalar.check(fromLinearConfig({64, 16, 256, 4}), DeviceLimits()).has_value())
      << "a V slice wider than V";
  DeviceLimits small;
  small.smemOptinBytes = 48 * 1024;
  EXPECT_TRUE(scalar.check(fromLinearConfig({256, 16, 128, 4}), small).has_value());
  EXPECT_EQ(scalar.threadsPerBlock(fromLinearConfig({64, 16, 64, 8})), 256);
  SearchSpace delta =
      linearSpace(128, 128, cuda::LinearGateKind::PerToken, cuda::LinearRule::Delta);
  EXPECT_FALSE(delta.check(fromLinearConfig({64, 16, 64, 4}), DeviceLimits()).has_value());
  why = delta.check(fromLinearConfig({128, 16, 128, 8}), DeviceLimits());
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("the delta rule's stages work on chunks of 64 tokens"), std::string::npos)
      << *why;
  why = delta.check(fromLinearConfig({64, 32, 64, 4}), DeviceLimits());
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("sub must be 16"), std::string::npos) << *why;
  why = delta.check(fromLinearConfig({64, 16, 64, 4, 2}), DeviceLimits());
  ASSERT_TRUE(why.has_value());
  EXPECT_EQ(*why, "the delta rule does not split sequences into segments");
}

TEST(LinearSpace, ConfigTextRoundTrips) {
  for (const Candidate &c :
       linearSpace(128, 128, cuda::LinearGateKind::PerToken, cuda::LinearRule::Additive)
           .enumerate(DeviceLimits())
           .valid) {
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
  // The pipeline depth: absent is the double buffer; printed (before p) only when deeper.
  EXPECT_EQ(old->stages, 2);
  std::optional<cuda::LinearConfig> deep = cuda::LinearConfig::parse("c64 sub32 v64 w4 s3 p2");
  ASSERT_TRUE(deep.has_value());
  EXPECT_EQ(deep->stages, 3);
  EXPECT_EQ(deep->segments, 2);
  EXPECT_EQ(cuda::LinearConfig::parse("c64 sub32 v64 w4 s4")->stages, 4);
  EXPECT_FALSE(cuda::LinearConfig::parse("c64 sub32 v64 w4 s2").has_value()); // not canonical
  EXPECT_FALSE(cuda::LinearConfig::parse("c64 sub32 v64 w4 s5").has_value());
  EXPECT_FALSE(cuda::LinearConfig::parse("c64 sub32 v64 w4 p2 s3").has_value());
  EXPECT_EQ(toLinearConfig(fromLinearConfig({64, 32, 64, 4, 0, 3})).str(), "c64 sub32 v64 w4 s3");
  EXPECT_TRUE(linearSpace(128, 128, cuda::LinearGateKind::PerToken, cuda::LinearRule::Additive)
                  .check(fromLinearConfig({64, 32, 64, 4, 8}), DeviceLimits()) == std::nullopt);
  // Tiles per chunk: printed after the stages, before the segments, only above 1.
  EXPECT_EQ(toLinearConfig(fromLinearConfig({64, 16, 64, 4, 2, 3, 16})).str(),
            "c64 sub16 v64 w4 s3 span16 p2");
  EXPECT_EQ(cuda::LinearConfig::parse("c64 sub16 v64 w4 span8")->span, 8);
  EXPECT_EQ(old->span, 1);
  EXPECT_FALSE(cuda::LinearConfig::parse("c64 sub16 v64 w4 span1").has_value());
  EXPECT_FALSE(cuda::LinearConfig::parse("c64 sub16 v64 w4 p2 span8").has_value());
}

TEST(LinearSpace, ChunksOfSeveralTilesTakeAdditiveRulesUpTo1024Tokens) {
  SearchSpace scalar =
      linearSpace(128, 128, cuda::LinearGateKind::PerToken, cuda::LinearRule::Additive);
  EXPECT_FALSE(scalar.check(fromLinearConfig({64, 16, 64, 4, 0, 2, 16}), DeviceLimits()))
      << "c64 x 16 = 1024 tokens";
  std::optional<std::string> why =
      scalar.check(fromLinearConfig({128, 16, 64, 8, 0, 2, 16}), DeviceLimits());
  ASSERT_TRUE(why.has_value());
  EXPECT_EQ(*why, "a chunk of span x chunk tokens must span 1 to 1024 tokens");
  why = scalar.check(fromLinearConfig({128, 16, 64, 4, 0, 2, 2}), DeviceLimits());
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("one 16-token stripe per warp"), std::string::npos) << *why;
  SearchSpace gla =
      linearSpace(128, 128, cuda::LinearGateKind::PerChannel, cuda::LinearRule::Additive);
  EXPECT_FALSE(gla.check(fromLinearConfig({64, 16, 64, 4, 0, 2, 16}), DeviceLimits()));
  SearchSpace mlstm =
      linearSpace(128, 128, cuda::LinearGateKind::MlstmSig, cuda::LinearRule::Additive);
  EXPECT_FALSE(mlstm.check(fromLinearConfig({64, 16, 64, 4, 0, 2, 16}), DeviceLimits()));
  SearchSpace delta = linearSpace(128, 128, cuda::LinearGateKind::None, cuda::LinearRule::Delta);
  why = delta.check(fromLinearConfig({64, 16, 32, 4, 0, 2, 4}), DeviceLimits());
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("the delta rule's chunk is its WY form's"), std::string::npos) << *why;
  // The extra buffer: one earlier tile's k, V slice and gates, and a float per tile.
  const cuda::LinearConfig one{64, 16, 64, 4}, span{64, 16, 64, 4, 0, 2, 8};
  EXPECT_EQ(cuda::linearSmemBytes(128, cuda::LinearGateKind::PerToken,
                                  cuda::LinearRule::Additive, span) -
                cuda::linearSmemBytes(128, cuda::LinearGateKind::PerToken,
                                      cuda::LinearRule::Additive, one),
            64 * 128 * 2 + 64 * 64 * 2 + 64 * 4 + 8 * 4);
  // Per-channel gates: padded gate rows, and a row of K offsets per tile.
  EXPECT_EQ(cuda::linearSmemBytes(128, cuda::LinearGateKind::PerChannel,
                                  cuda::LinearRule::Additive, span) -
                cuda::linearSmemBytes(128, cuda::LinearGateKind::PerChannel,
                                      cuda::LinearRule::Additive, one),
            64 * 128 * 2 + 64 * 64 * 2 + 64 * (128 + 4) * 4 + 8 * 128 * 4);
  // The mLSTM: k and V slice, four more table floats (three scalars and padding), and a
  // row of key exponents per tile.
  EXPECT_EQ(cuda::linearSmemBytes(128, cuda::LinearGateKind::MlstmExp,
                                  cuda::LinearRule::Additive, span) -
                cuda::linearSmemBytes(128, cuda::LinearGateKind::MlstmExp,
                                      cuda::LinearRule::Additive, one),
            64 * 128 * 2 + 64 * 64 * 2 + (4 + 8 * 64) * 4);
}
