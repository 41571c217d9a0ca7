//===- LinearReferenceTest.cpp - Linear family on 2-3 steps, by hand ------===//
#include "TestSupport.h"

#include "attnc/Reference/Reference.h"

using namespace attnc::reference;
using namespace attnc::reference::test;

namespace {

HostTensor tensor(std::vector<int64_t> shape, std::vector<double> data) {
  HostTensor t(std::move(shape));
  EXPECT_EQ(t.data.size(), data.size());
  t.data = std::move(data);
  return t;
}

/// K = 2, V = 1, T = 2: q = [[1, 0], [1, 1]], k = [[1, 2], [0, 1]], v = [3, 5].
Inputs twoSteps() {
  Inputs in;
  in.q = tensor({1, 1, 2, 2}, {1, 0, 1, 1});
  in.k = tensor({1, 1, 2, 2}, {1, 2, 0, 1});
  in.v = tensor({1, 1, 2, 1}, {3, 5});
  return in;
}

/// K = V = 1 (scale 1), T = 2, given q, k, v.
Inputs scalarSteps(std::vector<double> q, std::vector<double> k, std::vector<double> v) {
  Inputs in;
  in.q = tensor({1, 1, 2, 1}, std::move(q));
  in.k = tensor({1, 1, 2, 1}, std::move(k));
  in.v = tensor({1, 1, 2, 1}, std::move(v));
  return in;
}

const double kS2 = 1.0 / std::sqrt(2.0);

} // namespace

TEST(LinearReference, PlainLinearByHand) {
  Parsed p = parseExample("linear");
  ASSERT_TRUE(p);
  StateTensors final;
  HostTensor o = referenceLinearRecurrent(p.kernel(), twoSteps(), {}, nullptr, &final);
  ASSERT_EQ(o.shape, (std::vector<int64_t>{1, 1, 2, 1}));
  EXPECT_NEAR(o.data[0], 3 * kS2, 1e-15);  // S1 = [3; 6], q0 S1 = 3
  EXPECT_NEAR(o.data[1], 14 * kS2, 1e-14); // S2 = [3; 11], q1 S2 = 14
  ASSERT_EQ(final.at("S").shape, (std::vector<int64_t>{1, 1, 2, 1}));
  EXPECT_EQ(final.at("S").data, (std::vector<double>{3, 11}));
}

TEST(LinearReference, SimpleGlaByHand) {
  Parsed p = parseExample("simple_gla");
  ASSERT_TRUE(p);
  Inputs in = twoSteps();
  in.extra["g"] = tensor({1, 1, 2}, {std::log(0.5), std::log(0.25)});
  HostTensor o = referenceLinearRecurrent(p.kernel(), in, {});
  EXPECT_NEAR(o.data[0], 3 * kS2, 1e-15);
  EXPECT_NEAR(o.data[1], 7.25 * kS2, 1e-14); // S2 = 0.25 [3; 6] + [0; 5]
}

TEST(LinearReference, GlaByHand) {
  Parsed p = parseExample("gla");
  ASSERT_TRUE(p);
  Inputs in = twoSteps();
  in.extra["g"] = tensor({1, 1, 2, 2}, {-7, -7, std::log(0.5), 0});
  HostTensor o = referenceLinearRecurrent(p.kernel(), in, {});
  EXPECT_NEAR(o.data[1], 12.5 * kS2, 1e-14); // S2 = diag(0.5, 1) [3; 6] + [0; 5]
}

TEST(LinearReference, RetnetPerHeadDecayByHand) {
  Parsed p = parseExample("retnet");
  ASSERT_TRUE(p);
  Inputs in;
  in.q = tensor({1, 2, 3, 1}, {1, 1, 1, 1, 1, 1});
  in.k = in.q;
  in.v = in.q;
  HostTensor o = referenceLinearRecurrent(p.kernel(), in, {});
  for (int64_t h = 0; h < 2; ++h) {
    double g = 1 - std::pow(2.0, -5.0 - double(h));
    EXPECT_NEAR(o.at({0, h, 0, 0}), 1, 1e-15);
    EXPECT_NEAR(o.at({0, h, 1, 0}), g + 1, 1e-15);
    EXPECT_NEAR(o.at({0, h, 2, 0}), g * g + g + 1, 1e-15);
  }
}

TEST(LinearReference, LightningByHand) {
  Parsed p = parseExample("lightning");
  ASSERT_TRUE(p);
  Inputs in = scalarSteps({1, 2}, {1, 1}, {4, 1});
  in.extra["slopes"] = tensor({1}, {std::log(2.0)}); // decay 1/2
  HostTensor o = referenceLinearRecurrent(p.kernel(), in, {});
  EXPECT_NEAR(o.data[0], 4, 1e-15);
  EXPECT_NEAR(o.data[1], 2 * (0.5 * 4 + 1), 1e-14);
}

TEST(LinearReference, DeltaRuleByHand) {
  Parsed p = parseExample("deltanet");
  ASSERT_TRUE(p);
  Inputs in = scalarSteps({1, 1}, {1, 1}, {2, 4});
  in.extra["beta"] = tensor({1, 1, 2}, {0.5, 0.5});
  HostTensor o = referenceLinearRecurrent(p.kernel(), in, {});
  EXPECT_NEAR(o.data[0], 1, 1e-15);   // S1 = 0.5 * 2
  EXPECT_NEAR(o.data[1], 2.5, 1e-15); // S2 = 1 - 0.5 * 1 + 0.5 * 4
}

TEST(LinearReference, GatedDeltaRuleByHand) {
  Parsed p = parseExample("gated_deltanet");
  ASSERT_TRUE(p);
  Inputs in = scalarSteps({1, 1}, {1, 1}, {2, 4});
  in.extra["beta"] = tensor({1, 1, 2}, {0.5, 0.5});
  in.extra["g"] = tensor({1, 1, 2}, {0, std::log(0.5)});
  HostTensor o = referenceLinearRecurrent(p.kernel(), in, {});
  EXPECT_NEAR(o.data[1], 2.25, 1e-15); // S2 = 0.5 (1 - 0.5) + 2
}

TEST(LinearReference, MlstmByHand) {
  Parsed p = parseExample("mlstm");
  ASSERT_TRUE(p);
  Inputs in = scalarSteps({0.1, 1}, {1, -2}, {3, 1});
  in.extra["igate"] = tensor({1, 1, 2}, {0, std::log(2.0)});
  in.extra["fgate"] = tensor({1, 1, 2}, {5, 0}); // forget sigmoid(0) = 1/2 at t = 1
  StateTensors final;
  HostTensor o = referenceLinearRecurrent(p.kernel(), in, {}, nullptr, &final);
  EXPECT_NEAR(o.data[0], 0.3, 1e-15); // C1 = 3, n1 = 1: 0.3 / max(0.1, 1)
  // C2 = 1.5 - 4 = -2.5, n2 = 0.5 - 4 = -3.5: -2.5 / max(3.5, 1)
  EXPECT_NEAR(o.data[1], -2.5 / 3.5, 1e-15);
  EXPECT_NEAR(final.at("C").data[0], -2.5, 1e-15);
  EXPECT_NEAR(final.at("n").data[0], -3.5, 1e-15);
}

TEST(LinearReference, MlstmSigmoidInputGateByHand) {
  Parsed p = parseExample("mlstm_sig");
  ASSERT_TRUE(p);
  Inputs in = scalarSteps({0.1, 1}, {1, -2}, {3, 1});
  in.extra["igate"] = tensor({1, 1, 2}, {0, 0});
  in.extra["fgate"] = tensor({1, 1, 2}, {5, 0});
  HostTensor o = referenceLinearRecurrent(p.kernel(), in, {});
  EXPECT_NEAR(o.data[0], 0.15, 1e-15);  // C1 = 1.5, n1 = 0.5
  EXPECT_NEAR(o.data[1], -0.25, 1e-15); // C2 = 0.75 - 1, n2 = 0.25 - 1
}

TEST(LinearReference, InitialStateContinuesASplitSequence) {
  Parsed p = parseExample("gated_deltanet");
  ASSERT_TRUE(p);
  const int64_t B = 2, H = 2, T = 9, K = 4, V = 3, T1 = 4;
  Inputs all;
  all.q = randomUniform({B, H, T, K}, 1);
  all.k = randomUniform({B, H, T, K}, 2);
  l2NormalizeRows(all.k);
  all.v = randomUniform({B, H, T, V}, 3);
  all.extra["g"] = mapped(randomUniform({B, H, T}, 4, -3, 3), logSigmoidOf);
  all.extra["beta"] = mapped(randomUniform({B, H, T}, 5, -3, 3), sigmoidOf);
  auto slice = [](const HostTensor &t, int64_t from, int64_t to) {
    std::vector<int64_t> shape = t.shape;
    shape[2] = to - from;
    HostTensor r(shape);
    int64_t inner = t.numel() / (t.shape[0] * t.shape[1] * t.shape[2]);
    for (int64_t bh = 0; bh < t.shape[0] * t.shape[1]; ++bh)
      for (int64_t s = from; s < to; ++s)
        for (int64_t x = 0; x < inner; ++x)
          r.data[(bh * (to - from) + s - from) * inner + x] =
              t.data[(bh * t.shape[2] + s) * inner + x];
    return r;
  };
  auto part = [&](int64_t from, int64_t to) {
    Inputs in;
    in.q = slice(all.q, from, to);
    in.k = slice(all.k, from, to);
    in.v = slice(all.v, from, to);
    for (auto &[n, t] : all.extra)
      in.extra[n] = slice(t, from, to);
    return in;
  };
  StateTensors whole, first, second;
  HostTensor oAll = referenceLinearRecurrent(p.kernel(), all, {}, nullptr, &whole);
  HostTensor o1 = referenceLinearRecurrent(p.kernel(), part(0, T1), {}, nullptr, &first);
  HostTensor o2 = referenceLinearRecurrent(p.kernel(), part(T1, T), {}, &first, &second);
  EXPECT_LT(maxAbsDiff(o1, slice(oAll, 0, T1)), 1e-14);
  EXPECT_LT(maxAbsDiff(o2, slice(oAll, T1, T)), 1e-14);
  EXPECT_LT(maxAbsDiff(second.at("S"), whole.at("S")), 1e-14);

  StateTensors wrong;
  wrong["S"] = HostTensor({B, H, K, K});
  EXPECT_THROW(referenceLinearRecurrent(p.kernel(), all, {}, &wrong), ReferenceError);
  wrong.clear();
  wrong["Z"] = HostTensor({B, H, K, V});
  EXPECT_THROW(referenceLinearRecurrent(p.kernel(), all, {}, &wrong), ReferenceError);
}
