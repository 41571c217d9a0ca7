//===- SearchSpaceTest.cpp - Spaces, candidates and pre-compile pruning ----===//
//
// Enumeration order and size, the text form, neighbours, and each family's pruning:
// shared memory against the device limit, divisibility, threads and registers.
//
//===----------------------------------------------------------------------===//
#include "attnc/Tuner/Spaces.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace attnc::tuner;

namespace {
bool contains(const std::vector<Candidate> &list, const Candidate &c) {
  return std::find(list.begin(), list.end(), c) != list.end();
}

const PrunedCandidate *findPruned(const Enumeration &e, const std::string &text) {
  for (const PrunedCandidate &p : e.pruned)
    if (p.candidate.text() == text)
      return &p;
  return nullptr;
}
} // namespace

TEST(CandidateTest, TextRoundTrips) {
  Candidate c{{{"bm", 128}, {"bn", 64}, {"w", 4}, {"s", 2}, {"qregs", 0}}};
  EXPECT_EQ(c.text(), "bm=128 bn=64 w=4 s=2 qregs=0");
  std::optional<Candidate> parsed = parseCandidate(c.text());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, c);
  EXPECT_EQ(parsed->get("w"), 4);
  EXPECT_FALSE(parsed->find("x"));
}

TEST(CandidateTest, ParseRejectsMalformedText) {
  EXPECT_FALSE(parseCandidate(""));
  EXPECT_FALSE(parseCandidate("bm"));
  EXPECT_FALSE(parseCandidate("bm=12x"));
  EXPECT_FALSE(parseCandidate("=3"));
  EXPECT_FALSE(parseCandidate("bm=1  bn=2"));
}

TEST(SearchSpaceTest, EnumeratesEveryPointInOdometerOrder) {
  SearchSpace space("toy");
  space.addDimension("a", {1, 2}).addDimension("b", {10, 20, 30});
  EXPECT_EQ(space.size(), 6u);
  Enumeration e = space.enumerate(DeviceLimits());
  ASSERT_EQ(e.valid.size(), 6u);
  EXPECT_EQ(e.valid[0].text(), "a=1 b=10");
  EXPECT_EQ(e.valid[1].text(), "a=1 b=20");
  EXPECT_EQ(e.valid[5].text(), "a=2 b=30");
}

TEST(SearchSpaceTest, ConstraintsPruneWithTheirReason) {
  SearchSpace space("toy");
  space.addDimension("a", {1, 2, 3, 4})
      .addConstraint([](const Candidate &c, const DeviceLimits &) -> std::optional<std::string> {
        if (c.get("a") % 2)
          return "a is odd";
        return std::nullopt;
      });
  Enumeration e = space.enumerate(DeviceLimits());
  EXPECT_EQ(e.valid.size(), 2u);
  ASSERT_EQ(e.pruned.size(), 2u);
  EXPECT_EQ(e.pruned[0].reason, "a is odd");
  EXPECT_TRUE(space.check(Candidate{{{"a", 5}}}, DeviceLimits()));
  EXPECT_TRUE(space.check(Candidate{{{"b", 2}}}, DeviceLimits()));
}

TEST(SearchSpaceTest, NeighboursStepOneValueInOneDimension) {
  SearchSpace space("toy");
  space.addDimension("a", {1, 2, 4}).addDimension("b", {8, 16});
  std::vector<Candidate> n = space.neighbours(Candidate{{{"a", 2}, {"b", 8}}});
  ASSERT_EQ(n.size(), 3u);
  EXPECT_TRUE(contains(n, Candidate{{{"a", 1}, {"b", 8}}}));
  EXPECT_TRUE(contains(n, Candidate{{{"a", 4}, {"b", 8}}}));
  EXPECT_TRUE(contains(n, Candidate{{{"a", 2}, {"b", 16}}}));
}

TEST(PrefillSpaceTest, TheDefaultConfigsAreValidOnHopper) {
  SearchSpace space = prefillSpace(128);
  for (int headDim : {64, 128, 256})
    for (const attnc::cuda::PrefillConfig &config : attnc::cuda::prefillCandidates(headDim)) {
      Candidate c = fromPrefillConfig(config);
      EXPECT_EQ(prefillSpace(headDim).check(c, DeviceLimits()), std::nullopt)
          << headDim << " " << c.text();
      EXPECT_EQ(toPrefillConfig(c).str(), config.str());
    }
}

TEST(PrefillSpaceTest, SharedMemoryLimitPrunes) {
  SearchSpace space = prefillSpace(128);
  // 128 x 128 rows of 256 B: Q 32 KB + 4 stages x K,V 32 KB = 288 KB > 227 KB.
  Candidate big{{{"bm", 128}, {"bn", 128}, {"w", 4}, {"s", 4}, {"qregs", 0}}};
  std::optional<std::string> reason = space.check(big, DeviceLimits());
  ASSERT_TRUE(reason);
  EXPECT_NE(reason->find("shared memory 294912 B exceeds the device's 232448 B"), std::string::npos)
      << *reason;
  DeviceLimits small;
  small.smemOptinBytes = 48 * 1024;
  Enumeration e = space.enumerate(small);
  for (const Candidate &c : e.valid)
    EXPECT_LE(attnc::cuda::prefillSmemBytes(128, toPrefillConfig(c)), small.smemOptinBytes);
  EXPECT_LT(e.valid.size(), space.enumerate(DeviceLimits()).valid.size());
}

TEST(PrefillSpaceTest, DivisibilityAndRegistersPrune) {
  SearchSpace space = prefillSpace(128);
  Enumeration e = space.enumerate(DeviceLimits());
  EXPECT_EQ(e.valid.size() + e.pruned.size(), space.size());
  const PrunedCandidate *p = findPruned(e, "bm=32 bn=64 w=4 s=2 qregs=0");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->reason, "bm 32 is not whole m16 row tiles for 4 warps");
  p = findPruned(e, "bm=256 bn=128 w=4 s=2 qregs=1");
  ASSERT_TRUE(p);
  EXPECT_NE(p->reason.find("registers per thread"), std::string::npos) << p->reason;
  for (const Candidate &c : e.valid) {
    EXPECT_EQ(c.get("bm") % (c.get("w") * 16), 0);
    EXPECT_EQ(c.get("bn") % 16, 0);
  }
  EXPECT_FALSE(prefillSpace(96).enumerate(DeviceLimits()).valid.size());
}

TEST(PrefillSpaceTest, ThreadLimitPrunes) {
  DeviceLimits limits;
  limits.maxThreadsPerBlock = 128;
  for (const Candidate &c : prefillSpace(64).enumerate(limits).valid)
    EXPECT_LE(c.get("w"), 4);
  EXPECT_EQ(prefillSpace(64).threadsPerBlock(Candidate{{{"w", 8}}}), 256);
}

TEST(FamilySpacesTest, DecodeLinearAndBlockMapAreNonEmptyAndPruned) {
  Enumeration decode = decodeSpace(128).enumerate(DeviceLimits());
  EXPECT_FALSE(decode.valid.empty());
  EXPECT_FALSE(decode.pruned.empty());
  for (const Candidate &c : decode.valid)
    EXPECT_EQ(c.get("bn") % (c.get("w") * 16), 0);

  Enumeration linear =
      linearSpace(64, 128, attnc::cuda::LinearGateKind::PerToken, attnc::cuda::LinearRule::Additive)
          .enumerate(DeviceLimits());
  EXPECT_FALSE(linear.valid.empty());
  EXPECT_FALSE(linear.pruned.empty());
  for (const Candidate &c : linear.valid) {
    EXPECT_EQ(c.get("chunk") % c.get("sub"), 0);
    EXPECT_EQ(128 % c.get("v"), 0);
  }

  Enumeration blockMap = blockMapSpace(128, 64).enumerate(DeviceLimits());
  // gm in {128, 256, 512}, gn in {64, ..., 512}.
  EXPECT_EQ(blockMap.valid.size(), 3u * 4u);
  const PrunedCandidate *p = findPruned(blockMap, "gm=64 gn=64");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->reason, "gm 64 is not whole query tiles of 128");
}
