//===- RecurrentVsParallelTest.cpp - Every linear example = its parallel form ===//
//
// Parses each linear-family example, runs the step-by-step reference on random inputs
// with realistic ranges (log-sigmoid gates, beta in (0, 1), L2-normalised keys for the
// delta rule, large exponential input gates for mLSTM), and checks it against the
// parallel (quadratic) and the chunkwise form of the example's recurrence class, final
// states included. Sizes are deliberately
// not multiples of anything (T = 37, K = 8, V = 6).
//
//===----------------------------------------------------------------------===//
#include "TestSupport.h"

#include "attnc/Reference/ParallelForms.h"
#include "attnc/Reference/Reference.h"

using namespace attnc::reference;
using namespace attnc::reference::test;

namespace {

constexpr int64_t B = 2, H = 3, T = 37, K = 8, V = 6;
constexpr double kTol = 1e-11;

struct Case {
  Parsed parsed;
  Inputs in;
  double scale = 1.0 / std::sqrt(double(K));

  explicit Case(const std::string &example, bool normalizeKeys = false) {
    parsed = parseExample(example);
    in.q = randomUniform({B, H, T, K}, 101);
    in.k = randomUniform({B, H, T, K}, 102);
    in.v = randomUniform({B, H, T, V}, 103);
    if (normalizeKeys)
      l2NormalizeRows(in.k);
  }
  HostTensor recurrent() const { return referenceLinearRecurrent(parsed.kernel(), in, {}); }
  /// A per-step log-sigmoid gate [B, H, T] (values in about (-3, 0)).
  static HostTensor logSigmoidGate(uint64_t seed) {
    return mapped(randomUniform({B, H, T}, seed, -3, 4), logSigmoidOf);
  }
  /// Broadcasts a per-head value to a [B, H, T] per-step tensor.
  static HostTensor perHead(const std::function<double(int64_t)> &f) {
    HostTensor t({B, H, T});
    for (int64_t b = 0; b < B; ++b)
      for (int64_t h = 0; h < H; ++h)
        for (int64_t s = 0; s < T; ++s)
          t.at({b, h, s}) = f(h);
    return t;
  }
};

/// The recurrence (with a random initial state) against the chunkwise gated form at
/// several chunk sizes, outputs and final states. `logGate` may be null.
void expectChunkwiseGated(const Case &c, const HostTensor *logGate) {
  StateTensors initial, final;
  initial["S"] = randomUniform({B, H, K, V}, 120);
  HostTensor rec = referenceLinearRecurrent(c.parsed.kernel(), c.in, {}, &initial, &final);
  for (int64_t chunk : {0, 1, 5, 16}) {
    SCOPED_TRACE("chunk " + std::to_string(chunk));
    HostTensor S;
    HostTensor o =
        chunkwiseGatedLinear(c.in.q, c.in.k, c.in.v, logGate, c.scale, chunk, &initial["S"], &S);
    EXPECT_LT(relativeError(o, rec), kTol);
    EXPECT_LT(relativeError(S, final["S"]), kTol);
  }
}

/// The recurrence against the chunkwise (TFLA) mLSTM at several chunk sizes.
void expectChunkwiseMlstm(const Case &c, const HostTensor &logI, const HostTensor &logF) {
  StateTensors final;
  HostTensor rec = referenceLinearRecurrent(c.parsed.kernel(), c.in, {}, nullptr, &final);
  for (int64_t chunk : {0, 1, 5, 16}) {
    SCOPED_TRACE("chunk " + std::to_string(chunk));
    HostTensor C, n;
    HostTensor o = chunkwiseMLSTM(c.in.q, c.in.k, c.in.v, logI, logF, c.scale, chunk, &C, &n);
    EXPECT_LT(relativeError(o, rec), kTol);
    EXPECT_LT(relativeError(C, final["C"]), kTol);
    EXPECT_LT(relativeError(n, final["n"]), kTol);
  }
}

} // namespace

TEST(RecurrentVsParallel, Linear) {
  Case c("linear");
  ASSERT_TRUE(c.parsed);
  EXPECT_LT(relativeError(c.recurrent(), parallelLinear(c.in.q, c.in.k, c.in.v, c.scale)), kTol);
}

TEST(RecurrentVsParallel, LightningConstantPerHeadDecay) {
  Case c("lightning");
  ASSERT_TRUE(c.parsed);
  HostTensor slopes({H});
  for (int64_t h = 0; h < H; ++h) // ALiBi-style 2^(-8 (h+1) / H)
    slopes.data[h] = std::pow(2.0, -8.0 * double(h + 1) / double(H));
  c.in.extra["slopes"] = slopes;
  HostTensor logDecay = Case::perHead([&](int64_t h) { return -slopes.data[h]; });
  EXPECT_LT(
      relativeError(c.recurrent(), parallelScalarDecay(c.in.q, c.in.k, c.in.v, logDecay, c.scale)),
      kTol);
  expectChunkwiseGated(c, &logDecay);
}

TEST(RecurrentVsParallel, RetnetFixedPerHeadDecay) {
  Case c("retnet");
  ASSERT_TRUE(c.parsed);
  HostTensor logDecay =
      Case::perHead([](int64_t h) { return std::log(1 - std::pow(2.0, -5.0 - double(h))); });
  EXPECT_LT(
      relativeError(c.recurrent(), parallelScalarDecay(c.in.q, c.in.k, c.in.v, logDecay, c.scale)),
      kTol);
  expectChunkwiseGated(c, &logDecay);
}

TEST(RecurrentVsParallel, SimpleGlaScalarGate) {
  Case c("simple_gla");
  ASSERT_TRUE(c.parsed);
  c.in.extra["g"] = Case::logSigmoidGate(104);
  EXPECT_LT(relativeError(c.recurrent(),
                          parallelScalarDecay(c.in.q, c.in.k, c.in.v, c.in.extra["g"], c.scale)),
            kTol);
  expectChunkwiseGated(c, &c.in.extra["g"]);
}

TEST(RecurrentVsParallel, GlaVectorGate) {
  Case c("gla");
  ASSERT_TRUE(c.parsed);
  // GLA's gate: logsigmoid of a projection divided by a temperature of 16.
  c.in.extra["g"] = mapped(randomUniform({B, H, T, K}, 105, -4, 4),
                           [](double x) { return logSigmoidOf(x) / 16.0; });
  EXPECT_LT(relativeError(c.recurrent(),
                          parallelVectorGate(c.in.q, c.in.k, c.in.v, c.in.extra["g"], c.scale)),
            kTol);
  expectChunkwiseGated(c, &c.in.extra["g"]);
}

TEST(RecurrentVsParallel, DeltaNetChunkwiseWy) {
  Case c("deltanet", /*normalizeKeys=*/true);
  ASSERT_TRUE(c.parsed);
  c.in.extra["beta"] = mapped(randomUniform({B, H, T}, 106, -3, 3), sigmoidOf);
  HostTensor rec = c.recurrent();
  for (int64_t chunk : {0, 1, 8, 16, 64}) {
    SCOPED_TRACE("chunk " + std::to_string(chunk));
    EXPECT_LT(relativeError(rec, chunkwiseDeltaRule(c.in.q, c.in.k, c.in.v, c.in.extra["beta"],
                                                    nullptr, c.scale, chunk)),
              kTol);
  }
}

TEST(RecurrentVsParallel, GatedDeltaNetChunkwiseWyWithStates) {
  Case c("gated_deltanet", /*normalizeKeys=*/true);
  ASSERT_TRUE(c.parsed);
  c.in.extra["g"] = Case::logSigmoidGate(107);
  c.in.extra["beta"] = mapped(randomUniform({B, H, T}, 108, -3, 3), sigmoidOf);
  StateTensors initial, final;
  initial["S"] = randomUniform({B, H, K, V}, 109);
  HostTensor rec = referenceLinearRecurrent(c.parsed.kernel(), c.in, {}, &initial, &final);
  for (int64_t chunk : {0, 1, 8, 16, 64}) {
    SCOPED_TRACE("chunk " + std::to_string(chunk));
    HostTensor Sout;
    HostTensor par = chunkwiseDeltaRule(c.in.q, c.in.k, c.in.v, c.in.extra["beta"],
                                        &c.in.extra["g"], c.scale, chunk, &initial["S"], &Sout);
    EXPECT_LT(relativeError(rec, par), kTol);
    EXPECT_LT(relativeError(final["S"], Sout), kTol);
  }
}

TEST(RecurrentVsParallel, MlstmExponentialInputGate) {
  Case c("mlstm");
  ASSERT_TRUE(c.parsed);
  HostTensor ig = randomUniform({B, H, T}, 110, -3, 6); // exp(ig) up to e^6
  HostTensor fg = randomUniform({B, H, T}, 111, 0, 5);  // forget gates mostly near 1
  c.in.extra["igate"] = ig;
  c.in.extra["fgate"] = fg;
  EXPECT_LT(relativeError(c.recurrent(), parallelMLSTM(c.in.q, c.in.k, c.in.v, ig,
                                                       mapped(fg, logSigmoidOf), c.scale)),
            kTol);
  expectChunkwiseMlstm(c, ig, mapped(fg, logSigmoidOf));
}

TEST(RecurrentVsParallel, MlstmSigmoidInputGate) {
  Case c("mlstm_sig");
  ASSERT_TRUE(c.parsed);
  HostTensor ig = randomUniform({B, H, T}, 112, -3, 3);
  HostTensor fg = randomUniform({B, H, T}, 113, 0, 5);
  c.in.extra["igate"] = ig;
  c.in.extra["fgate"] = fg;
  EXPECT_LT(
      relativeError(c.recurrent(), parallelMLSTM(c.in.q, c.in.k, c.in.v, mapped(ig, logSigmoidOf),
                                                 mapped(fg, logSigmoidOf), c.scale)),
      kTol);
  expectChunkwiseMlstm(c, mapped(ig, logSigmoidOf), mapped(fg, logSigmoidOf));
}

TEST(RecurrentVsParallel, LargerGatedDeltaNetRunsThreaded) {
  Parsed p = parseExample("gated_deltanet");
  ASSERT_TRUE(p);
  const int64_t b = 2, h = 4, t = 100, k = 32, v = 24;
  Inputs in;
  in.q = randomUniform({b, h, t, k}, 201);
  in.k = randomUniform({b, h, t, k}, 202);
  l2NormalizeRows(in.k);
  in.v = randomUniform({b, h, t, v}, 203);
  in.extra["g"] = mapped(randomUniform({b, h, t}, 204, -3, 4), logSigmoidOf);
  in.extra["beta"] = mapped(randomUniform({b, h, t}, 205, -3, 3), sigmoidOf);
  StateTensors final;
  HostTensor rec = referenceLinearRecurrent(p.kernel(), in, {}, nullptr, &final);
  HostTensor S;
  HostTensor par = chunkwiseDeltaRule(in.q, in.k, in.v, in.extra["beta"], &in.extra["g"],
                                      1.0 / std::sqrt(double(k)), 64, nullptr, &S);
  EXPECT_LT(relativeError(rec, par), kTol);
  EXPECT_LT(relativeError(final["S"], S), kTol);
}
