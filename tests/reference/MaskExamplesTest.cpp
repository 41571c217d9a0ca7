//===- MaskExamplesTest.cpp - Mask predicates of the example programs -----===//
//
// evalMask on the softmax examples at chosen positions, and counting properties that pin
// the variants down: a sliding window row sees `window` keys, a NATTEN row exactly
// kernel (x kernel) keys, a chunk row the keys of its own chunk.
//
//===----------------------------------------------------------------------===//
#include "TestSupport.h"

#include "attnc/Reference/Reference.h"

using namespace attnc::reference;
using namespace attnc::reference::test;

namespace {

/// Bindings for a mask-only evaluation: no tensors, every symbol bound by hand.
Bindings problem(int64_t N, int64_t M) {
  Bindings b;
  b.dims = {{"B", 2}, {"Hq", 4}, {"Hkv", 2}, {"N", N}, {"M", M}, {"D", 64}};
  return b;
}

int64_t allowedInRow(const attnc::dsl::Kernel &k, const ResolvedBindings &rb, const Inputs &in,
                     int64_t i) {
  int64_t n = 0;
  for (int64_t j = 0; j < rb.keyLen; ++j)
    n += evalMask(k, rb, in, 0, 0, i, j);
  return n;
}

} // namespace

TEST(MaskExamples, FullAndGqaDecodeHaveNoMask) {
  for (const char *name : {"full", "gqa_decode"}) {
    Parsed p = parseExample(name);
    ASSERT_TRUE(p) << name;
    EXPECT_FALSE(p.kernel().mask) << name;
    Bindings b = problem(1, 5);
    EXPECT_TRUE(evalMask(p.kernel(), b, Inputs{}, 0, 0, 0, 4)) << name;
  }
}

TEST(MaskExamples, Causal) {
  Parsed p = parseExample("causal");
  ASSERT_TRUE(p);
  Bindings b = problem(8, 8);
  EXPECT_TRUE(evalMask(p.kernel(), b, {}, 0, 0, 3, 3));
  EXPECT_TRUE(evalMask(p.kernel(), b, {}, 1, 3, 3, 0));
  EXPECT_FALSE(evalMask(p.kernel(), b, {}, 0, 0, 3, 4));
}

TEST(MaskExamples, SlidingWindowDefault1024) {
  Parsed p = parseExample("sliding_window");
  ASSERT_TRUE(p);
  Inputs in;
  ResolvedBindings rb = resolveBindings(p.kernel(), in, problem(4096, 4096));
  EXPECT_EQ(rb.params.at("window"), 1024);
  EXPECT_TRUE(evalMask(p.kernel(), rb, in, 0, 0, 2000, 977));
  EXPECT_FALSE(evalMask(p.kernel(), rb, in, 0, 0, 2000, 976));
  EXPECT_FALSE(evalMask(p.kernel(), rb, in, 0, 0, 2000, 2001));
  EXPECT_EQ(allowedInRow(p.kernel(), rb, in, 3000), 1024);
  EXPECT_EQ(allowedInRow(p.kernel(), rb, in, 10), 11);
  Bindings small = problem(64, 64);
  small.params["window"] = 4;
  rb = resolveBindings(p.kernel(), in, small);
  EXPECT_EQ(allowedInRow(p.kernel(), rb, in, 40), 4);
}

TEST(MaskExamples, Alibi) {
  Parsed p = parseExample("alibi");
  ASSERT_TRUE(p);
  Inputs in;
  in.extra["slopes"] = HostTensor({4});
  EXPECT_TRUE(evalMask(p.kernel(), problem(8, 8), in, 0, 3, 5, 5));
  EXPECT_FALSE(evalMask(p.kernel(), problem(8, 8), in, 0, 3, 5, 6));
}

TEST(MaskExamples, Softcap) {
  Parsed p = parseExample("softcap");
  ASSERT_TRUE(p);
  EXPECT_FALSE(evalMask(p.kernel(), problem(8, 8), {}, 0, 0, 1, 2));
  // score = 50 tanh(s / 50): bounded by the cap.
  EXPECT_NEAR(evalScore(p.kernel(), problem(8, 8), {}, 1e6, 0, 0, 0, 0), 50.0, 1e-12);
  EXPECT_NEAR(evalScore(p.kernel(), problem(8, 8), {}, 1.0, 0, 0, 0, 0), 50 * std::tanh(0.02),
              1e-15);
}

TEST(MaskExamples, AlibiScore) {
  Parsed p = parseExample("alibi");
  ASSERT_TRUE(p);
  Inputs in;
  in.extra["slopes"] = HostTensor({4});
  in.extra["slopes"].data = {0.5, 0.25, 0.125, 0.0625};
  EXPECT_DOUBLE_EQ(evalScore(p.kernel(), problem(8, 8), in, 1.0, 0, 1, 7, 3), 1.0 - 0.25 * 4);
}

TEST(MaskExamples, PrefixLm) {
  Parsed p = parseExample("prefix_lm");
  ASSERT_TRUE(p);
  Bindings b = problem(4096, 4096);
  EXPECT_TRUE(evalMask(p.kernel(), b, {}, 0, 0, 0, 1023)); // inside the prefix: bidirectional
  EXPECT_FALSE(evalMask(p.kernel(), b, {}, 0, 0, 0, 1024));
  EXPECT_TRUE(evalMask(p.kernel(), b, {}, 0, 0, 2000, 1500)); // causal after it
  EXPECT_FALSE(evalMask(p.kernel(), b, {}, 0, 0, 1500, 2000));
}

TEST(MaskExamples, ChunkedLocal) {
  Parsed p = parseExample("chunked_local");
  ASSERT_TRUE(p);
  Inputs in;
  ResolvedBindings rb = resolveBindings(p.kernel(), in, problem(3000, 3000));
  EXPECT_TRUE(evalMask(p.kernel(), rb, in, 0, 0, 1023, 0));
  EXPECT_FALSE(evalMask(p.kernel(), rb, in, 0, 0, 1024, 1023));
  EXPECT_TRUE(evalMask(p.kernel(), rb, in, 0, 0, 1024, 1024));
  EXPECT_EQ(allowedInRow(p.kernel(), rb, in, 2047), 1024);
  EXPECT_EQ(allowedInRow(p.kernel(), rb, in, 2050), 3);
}

TEST(MaskExamples, DocumentMask) {
  Parsed p = parseExample("document_mask");
  ASSERT_TRUE(p);
  Inputs in;
  in.extra["doc"] = HostTensor({2, 6});
  in.extra["doc"].data = {0, 0, 1, 1, 1, 2, /*batch 1*/ 0, 0, 0, 0, 0, 0};
  Bindings b = problem(6, 6);
  EXPECT_TRUE(evalMask(p.kernel(), b, in, 0, 0, 4, 2));
  EXPECT_FALSE(evalMask(p.kernel(), b, in, 0, 0, 4, 1)); // other document
  EXPECT_FALSE(evalMask(p.kernel(), b, in, 0, 0, 2, 3)); // same document, future
  EXPECT_TRUE(evalMask(p.kernel(), b, in, 1, 0, 4, 1));
  EXPECT_FALSE(evalMask(p.kernel(), b, in, 0, 0, 5, 4));
}

TEST(MaskExamples, Neighborhood1dEveryRowSeesExactlyKernelKeys) {
  Parsed p = parseExample("neighborhood_1d");
  ASSERT_TRUE(p);
  Inputs in;
  Bindings b = problem(40, 40);
  b.params["radius"] = 3; // kernel 7
  ResolvedBindings rb = resolveBindings(p.kernel(), in, b);
  for (int64_t i = 0; i < 40; ++i) {
    EXPECT_EQ(allowedInRow(p.kernel(), rb, in, i), 7) << "row " << i;
    EXPECT_TRUE(evalMask(p.kernel(), rb, in, 0, 0, i, i)) << "row " << i;
  }
  EXPECT_TRUE(evalMask(p.kernel(), rb, in, 0, 0, 0, 6)); // shifted window at the border
  EXPECT_FALSE(evalMask(p.kernel(), rb, in, 0, 0, 0, 7));
  EXPECT_TRUE(evalMask(p.kernel(), rb, in, 0, 0, 20, 17));
  EXPECT_FALSE(evalMask(p.kernel(), rb, in, 0, 0, 20, 16));
  EXPECT_TRUE(evalMask(p.kernel(), rb, in, 0, 0, 39, 33));
  ResolvedBindings defaults = resolveBindings(p.kernel(), in, problem(300, 300));
  EXPECT_EQ(allowedInRow(p.kernel(), defaults, in, 5), 127);
}

TEST(MaskExamples, Neighborhood2dEveryPixelSeesKernelSquared) {
  Parsed p = parseExample("neighborhood_2d");
  ASSERT_TRUE(p);
  Inputs in;
  Bindings b = problem(9 * 10, 9 * 10); // a 9 x 10 image
  b.params["width"] = 10;
  ResolvedBindings rb = resolveBindings(p.kernel(), in, b); // radius 3: 7 x 7
  for (int64_t i = 0; i < 90; ++i)
    EXPECT_EQ(allowedInRow(p.kernel(), rb, in, i), 49) << "pixel " << i;
  // Pixel (4, 5) = 45 sees rows 1..7, columns 2..8.
  EXPECT_TRUE(evalMask(p.kernel(), rb, in, 0, 0, 45, 1 * 10 + 2));
  EXPECT_TRUE(evalMask(p.kernel(), rb, in, 0, 0, 45, 7 * 10 + 8));
  EXPECT_FALSE(evalMask(p.kernel(), rb, in, 0, 0, 45, 0 * 10 + 5));
  EXPECT_FALSE(evalMask(p.kernel(), rb, in, 0, 0, 45, 4 * 10 + 9));
  // Corner pixel (0, 0) sees rows 0..6, columns 0..6.
  EXPECT_TRUE(evalMask(p.kernel(), rb, in, 0, 0, 0, 6 * 10 + 6));
  EXPECT_FALSE(evalMask(p.kernel(), rb, in, 0, 0, 0, 7));
}
