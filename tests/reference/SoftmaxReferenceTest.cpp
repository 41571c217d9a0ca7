//===- SoftmaxReferenceTest.cpp - Softmax family, computed by hand --------===//
#include "TestSupport.h"

#include "attnc/Reference/Reference.h"

#include <limits>

using namespace attnc::reference;
using namespace attnc::reference::test;

namespace {

const char *kFull = R"(
kernel full {
  dtype bf16
  q[B, Hq, N, D]; k[B, Hkv, M, D]; v[B, Hkv, M, Dv]
}
)";

HostTensor tensor(std::vector<int64_t> shape, std::vector<double> data) {
  HostTensor t(std::move(shape));
  EXPECT_EQ(t.data.size(), data.size());
  t.data = std::move(data);
  return t;
}

/// Softmax-weighted average of `vals` under `scores`.
double softmaxAverage(std::vector<double> scores, std::vector<double> vals) {
  double num = 0, den = 0;
  for (size_t n = 0; n < scores.size(); ++n) {
    num += std::exp(scores[n]) * vals[n];
    den += std::exp(scores[n]);
  }
  return num / den;
}

Inputs randomInputs(int64_t B, int64_t Hq, int64_t Hkv, int64_t N, int64_t M, int64_t D, int64_t Dv,
                    uint64_t seed) {
  Inputs in;
  in.q = randomUniform({B, Hq, N, D}, seed);
  in.k = randomUniform({B, Hkv, M, D}, seed + 1);
  in.v = randomUniform({B, Hkv, M, Dv}, seed + 2);
  return in;
}

} // namespace

TEST(SoftmaxReference, TwoByTwoByHand) {
  Parsed p = parseText(kFull);
  ASSERT_TRUE(p);
  Inputs in;
  in.q = tensor({1, 1, 2, 1}, {1, 2});
  in.k = tensor({1, 1, 2, 1}, {1, -1});
  in.v = tensor({1, 1, 2, 1}, {10, 20});
  HostTensor lse;
  HostTensor o = referenceSoftmax(p.kernel(), in, {}, &lse); // scale = 1/sqrt(1)
  ASSERT_EQ(o.shape, (std::vector<int64_t>{1, 1, 2, 1}));
  double e = std::exp(1.0), ei = std::exp(-1.0);
  EXPECT_NEAR(o.data[0], (10 * e + 20 * ei) / (e + ei), 1e-13);
  EXPECT_NEAR(o.data[1], (10 * e * e + 20 * ei * ei) / (e * e + ei * ei), 1e-13);
  EXPECT_NEAR(lse.data[0], std::log(e + ei), 1e-13);
  EXPECT_NEAR(lse.data[1], std::log(e * e + ei * ei), 1e-13);
}

TEST(SoftmaxReference, ScaleIsInverseSqrtHeadDimAndDvMayDiffer) {
  Parsed p = parseText(kFull);
  ASSERT_TRUE(p);
  Inputs in;
  in.q = tensor({1, 1, 1, 4}, {1, 1, 1, 1});
  in.k = tensor({1, 1, 2, 4}, {1, 1, 1, 1, 0, 0, 0, 0}); // q.k = 4 and 0, scaled 2 and 0
  in.v = tensor({1, 1, 2, 3}, {1, 2, 3, -1, -2, -3});
  HostTensor o = referenceSoftmax(p.kernel(), in, {});
  ASSERT_EQ(o.shape, (std::vector<int64_t>{1, 1, 1, 3}));
  for (int d = 0; d < 3; ++d)
    EXPECT_NEAR(o.data[d], softmaxAverage({2, 0}, {double(d + 1), -double(d + 1)}), 1e-13);
}

TEST(SoftmaxReference, ScaleParamOverridesBuiltin) {
  Parsed p = parseText(R"(
kernel scaled {
  dtype f16
  q[B, H, N, D]; k[B, H, M, D]; v[B, H, M, D]
  param scale: f32 = 0.25
}
)");
  ASSERT_TRUE(p);
  Inputs in;
  in.q = tensor({1, 1, 1, 1}, {2});
  in.k = tensor({1, 1, 2, 1}, {4, 0});
  in.v = tensor({1, 1, 2, 1}, {1, 0});
  EXPECT_NEAR(referenceSoftmax(p.kernel(), in, {}).data[0], softmaxAverage({2, 0}, {1, 0}), 1e-13);
  Bindings b;
  b.params["scale"] = 1.0;
  EXPECT_NEAR(referenceSoftmax(p.kernel(), in, b).data[0], softmaxAverage({8, 0}, {1, 0}), 1e-13);
}

TEST(SoftmaxReference, CausalFirstRowIsFirstValue) {
  Parsed p = parseExample("causal");
  ASSERT_TRUE(p);
  Inputs in = randomInputs(2, 4, 2, 7, 7, 8, 8, 10);
  HostTensor o = referenceSoftmax(p.kernel(), in, {});
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t h = 0; h < 4; ++h)
      for (int64_t d = 0; d < 8; ++d)
        EXPECT_NEAR(o.at({b, h, 0, d}), in.v.at({b, h / 2, 0, d}), 1e-14);
}

TEST(SoftmaxReference, CausalSecondRowByHand) {
  Parsed p = parseExample("causal");
  ASSERT_TRUE(p);
  Inputs in;
  in.q = tensor({1, 1, 3, 1}, {0.5, 2, 1});
  in.k = tensor({1, 1, 3, 1}, {1, 3, 5});
  in.v = tensor({1, 1, 3, 1}, {4, 8, 100});
  HostTensor o = referenceSoftmax(p.kernel(), in, {});
  EXPECT_NEAR(o.data[1], softmaxAverage({2, 6}, {4, 8}), 1e-13);
  EXPECT_NEAR(o.data[2], softmaxAverage({1, 3, 5}, {4, 8, 100}), 1e-12);
}

TEST(SoftmaxReference, AlibiByHand) {
  Parsed p = parseExample("alibi");
  ASSERT_TRUE(p);
  Inputs in;
  in.q = tensor({1, 2, 3, 1}, {1, 1, 1, 2, 2, 2});
  in.k = tensor({1, 1, 3, 1}, {1, 0.5, -1});
  in.v = tensor({1, 1, 3, 1}, {1, 2, 3});
  in.extra["slopes"] = tensor({2}, {0.5, 0.25});
  HostTensor o = referenceSoftmax(p.kernel(), in, {});
  // head 0, row 2: s = [1, 0.5, -1] - 0.5 * [2, 1, 0]
  EXPECT_NEAR(o.at({0, 0, 2, 0}), softmaxAverage({0, 0, -1}, {1, 2, 3}), 1e-13);
  // head 1, row 1: s = 2 * [1, 0.5] - 0.25 * [1, 0]
  EXPECT_NEAR(o.at({0, 1, 1, 0}), softmaxAverage({1.75, 1}, {1, 2}), 1e-13);
  EXPECT_NEAR(o.at({0, 1, 0, 0}), 1.0, 1e-14);
}

TEST(SoftmaxReference, SoftcapByHand) {
  Parsed p = parseExample("softcap");
  ASSERT_TRUE(p);
  Inputs in;
  in.q = tensor({1, 1, 2, 1}, {0, 100});
  in.k = tensor({1, 1, 2, 1}, {1, -0.4});
  in.v = tensor({1, 1, 2, 1}, {1, -1});
  HostTensor o = referenceSoftmax(p.kernel(), in, {});
  EXPECT_NEAR(o.data[0], 1.0, 1e-14);
  EXPECT_NEAR(o.data[1], softmaxAverage({50 * std::tanh(2.0), 50 * std::tanh(-0.8)}, {1, -1}),
              1e-13);
  Bindings b;
  b.params["softcap"] = 30.0;
  o = referenceSoftmax(p.kernel(), in, b);
  EXPECT_NEAR(o.data[1],
              softmaxAverage({30 * std::tanh(100 / 30.0), 30 * std::tanh(-40 / 30.0)}, {1, -1}),
              1e-13);
}

TEST(SoftmaxReference, GqaHeadMapping) {
  Parsed p = parseText(kFull);
  ASSERT_TRUE(p);
  const int64_t Hq = 6, Hkv = 2, N = 3, M = 5, D = 4;
  Inputs in = randomInputs(1, Hq, Hkv, N, M, D, D, 20);
  HostTensor o = referenceSoftmax(p.kernel(), in, {});
  for (int64_t h = 0; h < Hq; ++h) { // each query head alone, with kv head h / 3
    Inputs one;
    one.q = HostTensor({1, 1, N, D});
    std::copy(in.q.row({0, h}), in.q.row({0, h}) + N * D, one.q.data.begin());
    one.k = HostTensor({1, 1, M, D});
    std::copy(in.k.row({0, h / 3}), in.k.row({0, h / 3}) + M * D, one.k.data.begin());
    one.v = HostTensor({1, 1, M, D});
    std::copy(in.v.row({0, h / 3}), in.v.row({0, h / 3}) + M * D, one.v.data.begin());
    HostTensor o1 = referenceSoftmax(p.kernel(), one, {});
    for (int64_t n = 0; n < N * D; ++n)
      EXPECT_EQ(o.row({0, h})[n], o1.data[n]) << "head " << h;
  }
}

TEST(SoftmaxReference, GqaDecodeExampleShapes) {
  Parsed p = parseExample("gqa_decode");
  ASSERT_TRUE(p);
  Inputs in = randomInputs(2, 32, 8, 1, 9, 16, 16, 30);
  HostTensor o = referenceSoftmax(p.kernel(), in, {});
  EXPECT_EQ(o.shape, (std::vector<int64_t>{2, 32, 1, 16}));
  Inputs wrong = randomInputs(2, 16, 8, 1, 9, 16, 16, 30); // literal 32 heads violated
  EXPECT_THROW(referenceSoftmax(p.kernel(), wrong, {}), ReferenceError);
}

TEST(SoftmaxReference, FullyMaskedRowGivesZeroAndMinusInfLse) {
  Parsed p = parseText(R"(
kernel upper {
  dtype bf16
  q[B, H, N, D]; k[B, H, M, D]; v[B, H, M, D]
  mask = j > i
}
)");
  ASSERT_TRUE(p);
  Inputs in = randomInputs(1, 2, 2, 4, 4, 3, 3, 40);
  HostTensor lse;
  HostTensor o = referenceSoftmax(p.kernel(), in, {}, &lse);
  for (int64_t h = 0; h < 2; ++h) {
    for (int64_t d = 0; d < 3; ++d)
      EXPECT_EQ(o.at({0, h, 3, d}), 0.0);
    EXPECT_EQ(lse.at({0, h, 3}), -std::numeric_limits<double>::infinity());
    EXPECT_TRUE(std::isfinite(lse.at({0, h, 2})));
    for (int64_t d = 0; d < 3; ++d) // row 2 sees only key 3
      EXPECT_NEAR(o.at({0, h, 2, d}), in.v.at({0, h, 3, d}), 1e-14);
  }
}

TEST(SoftmaxReference, DocumentMaskMatchesPerDocumentCausal) {
  Parsed doc = parseExample("document_mask"), causal = parseExample("causal");
  ASSERT_TRUE(doc && causal);
  // Two documents [0, 3) and [3, 7): rows of the second equal causal attention on it alone.
  Inputs in = randomInputs(1, 1, 1, 7, 7, 4, 4, 50);
  in.extra["doc"] = tensor({1, 7}, {5, 5, 5, 9, 9, 9, 9});
  HostTensor o = referenceSoftmax(doc.kernel(), in, {});
  Inputs second;
  second.q = HostTensor({1, 1, 4, 4});
  std::copy(in.q.row({0, 0, 3}), in.q.row({0, 0, 3}) + 16, second.q.data.begin());
  second.k = HostTensor({1, 1, 4, 4});
  std::copy(in.k.row({0, 0, 3}), in.k.row({0, 0, 3}) + 16, second.k.data.begin());
  second.v = HostTensor({1, 1, 4, 4});
  std::copy(in.v.row({0, 0, 3}), in.v.row({0, 0, 3}) + 16, second.v.data.begin());
  HostTensor o2 = referenceSoftmax(causal.kernel(), second, {});
  for (int64_t n = 0; n < 16; ++n)
    EXPECT_NEAR(o.row({0, 0, 3})[n], o2.data[n], 1e-14);
  for (int64_t d = 0; d < 4; ++d) // the first token of each document sees only itself
    EXPECT_NEAR(o.at({0, 0, 3, d}), in.v.at({0, 0, 3, d}), 1e-14);
}

TEST(SoftmaxReference, MissingInputOrWrongFamilyThrows) {
  Parsed alibi = parseExample("alibi"), lin = parseExample("linear");
  ASSERT_TRUE(alibi && lin);
  Inputs in = randomInputs(1, 2, 2, 3, 3, 4, 4, 60);
  EXPECT_THROW(referenceSoftmax(alibi.kernel(), in, {}), ReferenceError);
  EXPECT_THROW(referenceSoftmax(lin.kernel(), in, {}), ReferenceError);
  EXPECT_THROW(referenceLinearRecurrent(alibi.kernel(), in, {}), ReferenceError);
}

TEST(SoftmaxReference, LargeProblemRunsThreadedAndMatchesEachHeadAlone) {
  Parsed p = parseExample("causal");
  ASSERT_TRUE(p);
  const int64_t Hq = 4, Hkv = 2, N = 200, D = 32;
  Inputs in = randomInputs(2, Hq, Hkv, N, N, D, D, 70);
  HostTensor lse;
  HostTensor o = referenceSoftmax(p.kernel(), in, {}, &lse);
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t h = 0; h < Hq; ++h) {
      Inputs one;
      one.q = HostTensor({1, 1, N, D});
      std::copy(in.q.row({b, h}), in.q.row({b, h}) + N * D, one.q.data.begin());
      one.k = HostTensor({1, 1, N, D});
      std::copy(in.k.row({b, h / 2}), in.k.row({b, h / 2}) + N * D, one.k.data.begin());
      one.v = HostTensor({1, 1, N, D});
      std::copy(in.v.row({b, h / 2}), in.v.row({b, h / 2}) + N * D, one.v.data.begin());
      HostTensor lse1;
      HostTensor o1 = referenceSoftmax(p.kernel(), one, {}, &lse1);
      ASSERT_TRUE(std::equal(o1.data.begin(), o1.data.end(), o.row({b, h})));
      ASSERT_TRUE(std::equal(lse1.data.begin(), lse1.data.end(), lse.row({b, h})));
    }
}

TEST(SoftmaxReference, ErrorInsideAThreadReachesTheCaller) {
  Parsed p = parseText(R"(
kernel logscore {
  dtype bf16
  q[B, H, N, D]; k[B, H, M, D]; v[B, H, M, D]
  score = log(s)
}
)");
  ASSERT_TRUE(p);
  Inputs in = randomInputs(2, 4, 4, 200, 200, 32, 32, 80); // negative s: NaN scores
  EXPECT_THROW(referenceSoftmax(p.kernel(), in, {}), ReferenceError);
}
