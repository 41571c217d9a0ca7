//===- ProblemKeyTest.cpp - Bucketing and the canonical problem key --------===//
#include "attnc/Tuner/ProblemKey.h"

#include <gtest/gtest.h>

using namespace attnc::tuner;

TEST(ProblemKey, SequenceBucketsArePowersOfTwoAndThreeHalves) {
  EXPECT_EQ(bucketSeqLen(1), 16);
  EXPECT_EQ(bucketSeqLen(16), 16);
  EXPECT_EQ(bucketSeqLen(17), 24);
  EXPECT_EQ(bucketSeqLen(25), 32);
  EXPECT_EQ(bucketSeqLen(1000), 1024);
  EXPECT_EQ(bucketSeqLen(1025), 1536);
  EXPECT_EQ(bucketSeqLen(3000), 3072);
  EXPECT_EQ(bucketSeqLen(3073), 4096);
  EXPECT_EQ(bucketSeqLen(131072), 131072);
  // Every ragged length lands in a bucket at most 1.5x above it.
  for (int64_t n = 17; n < 20000; n += 7)
    EXPECT_LE(bucketSeqLen(n), n * 3 / 2 + 1) << n;
}

TEST(ProblemKey, BatchBucketsArePowersOfTwo) {
  EXPECT_EQ(bucketBatch(1), 1);
  EXPECT_EQ(bucketBatch(3), 4);
  EXPECT_EQ(bucketBatch(8), 8);
  EXPECT_EQ(bucketBatch(9), 16);
}

TEST(ProblemKey, TextRoundTrips) {
  ProblemKey k =
      ProblemKey::fromShape("softmax-prefill", "bf16", 128, 64, 3, 32, 8, 3000, 5000, "causal");
  EXPECT_EQ(k.str(), "softmax-prefill bf16 d128x64 b4 h32x8 n3072 m6144 causal");
  auto parsed = ProblemKey::parse(k.str());
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(*parsed, k);
  EXPECT_EQ(parsed->headDimV, 64);
  EXPECT_EQ(k.shapeClass(), "softmax-prefill bf16 d128x64 h32x8 causal");
}

TEST(ProblemKey, MalformedTextNamesTheField) {
  auto bad = ProblemKey::parse("softmax-prefill bf16 d128 b4 h32x8 n3072 m6144 causal");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("head dims 'd<D>x<Dv>', got 'd128'"), std::string::npos)
      << bad.error().message;
  EXPECT_FALSE(ProblemKey::parse("softmax-prefill bf16"));
  EXPECT_FALSE(ProblemKey::parse("softmax-prefill bf16 d128x128 b0 h32x8 n3072 m6144 causal"));
}

TEST(ProblemKey, DistanceIsLogRatioOfBuckets) {
  ProblemKey a =
      ProblemKey::fromShape("softmax-prefill", "bf16", 128, 128, 1, 32, 8, 4096, 4096, "none");
  ProblemKey b = a;
  EXPECT_EQ(a.distance(b), 0.0);
  b.seqQBucket = 2048;
  EXPECT_DOUBLE_EQ(a.distance(b), 1.0);
  b.seqKBucket = 8192;
  EXPECT_DOUBLE_EQ(a.distance(b), 2.0);
  b = a;
  b.batchBucket = 4;
  EXPECT_DOUBLE_EQ(a.distance(b), 0.5);
  EXPECT_TRUE(a.sameShapeClass(b));
  b.maskKind = "causal";
  EXPECT_FALSE(a.sameShapeClass(b));
}
