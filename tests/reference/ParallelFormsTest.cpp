//===- ParallelFormsTest.cpp - Parallel forms against direct recurrences --===//
//
// Independent of the DSL: each parallel / chunkwise form is compared with a recurrence
// written out directly in this file, and the forms are checked against each other where
// one class contains another (zero decay = plain linear, channel-constant vector gate =
// scalar decay, any chunk size = any other).
//
//===----------------------------------------------------------------------===//
#include "TestSupport.h"

#include "attnc/Reference/ParallelForms.h"

#include <functional>

using namespace attnc::reference;
using namespace attnc::reference::test;

namespace {

constexpr int64_t B = 2, H = 2, T = 23, K = 5, V = 4;

struct Problem {
  HostTensor q = randomUniform({B, H, T, K}, 1);
  HostTensor k = randomUniform({B, H, T, K}, 2);
  HostTensor v = randomUniform({B, H, T, V}, 3);
  HostTensor logA = mapped(randomUniform({B, H, T}, 4, -3, 3), logSigmoidOf);
  HostTensor logG = mapped(randomUniform({B, H, T, K}, 5, -3, 3),
                           [](double x) { return logSigmoidOf(x) / 16.0; });
  HostTensor beta = mapped(randomUniform({B, H, T}, 6, -3, 3), sigmoidOf);
  double scale = 1.0 / std::sqrt(double(K));
  Problem() { l2NormalizeRows(k); }
};

/// A direct K x V recurrence: S = update(S, b, h, t); o_t = scale * q_t S.
HostTensor
recur(const Problem &p,
      const std::function<void(std::vector<double> &, int64_t, int64_t, int64_t)> &update,
      const HostTensor *S0 = nullptr, HostTensor *Sfinal = nullptr) {
  HostTensor o({B, H, T, V});
  if (Sfinal)
    *Sfinal = HostTensor({B, H, K, V});
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h) {
      std::vector<double> S(K * V, 0.0);
      if (S0)
        S.assign(S0->row({b, h}), S0->row({b, h}) + K * V);
      for (int64_t t = 0; t < T; ++t) {
        update(S, b, h, t);
        for (int64_t r = 0; r < K; ++r)
          for (int64_t x = 0; x < V; ++x)
            o.at({b, h, t, x}) += p.scale * p.q.at({b, h, t, r}) * S[r * V + x];
      }
      if (Sfinal)
        std::copy(S.begin(), S.end(), Sfinal->row({b, h}));
    }
  return o;
}

void addOuter(const Problem &p, std::vector<double> &S, int64_t b, int64_t h, int64_t t, double w) {
  for (int64_t r = 0; r < K; ++r)
    for (int64_t x = 0; x < V; ++x)
      S[r * V + x] += w * p.k.at({b, h, t, r}) * p.v.at({b, h, t, x});
}

/// The (gated) delta rule step: S = a (S - beta k (k^T S)) + beta k v^T.
void deltaStep(const Problem &p, std::vector<double> &S, int64_t b, int64_t h, int64_t t,
               double a) {
  double be = p.beta.at({b, h, t});
  std::vector<double> kS(V, 0.0);
  for (int64_t r = 0; r < K; ++r)
    for (int64_t x = 0; x < V; ++x)
      kS[x] += p.k.at({b, h, t, r}) * S[r * V + x];
  for (int64_t r = 0; r < K; ++r)
    for (int64_t x = 0; x < V; ++x)
      S[r * V + x] = a * (S[r * V + x] - be * p.k.at({b, h, t, r}) * kS[x]);
  addOuter(p, S, b, h, t, be);
}

constexpr double kTol = 1e-12;

} // namespace

TEST(ParallelForms, LinearMatchesRecurrence) {
  Problem p;
  HostTensor ref =
      recur(p, [&](auto &S, int64_t b, int64_t h, int64_t t) { addOuter(p, S, b, h, t, 1.0); });
  EXPECT_LT(relativeError(parallelLinear(p.q, p.k, p.v, p.scale), ref), kTol);
}

TEST(ParallelForms, ScalarDecayMatchesRecurrence) {
  Problem p;
  HostTensor ref = recur(p, [&](auto &S, int64_t b, int64_t h, int64_t t) {
    for (double &x : S)
      x *= std::exp(p.logA.at({b, h, t}));
    addOuter(p, S, b, h, t, 1.0);
  });
  EXPECT_LT(relativeError(parallelScalarDecay(p.q, p.k, p.v, p.logA, p.scale), ref), kTol);
}

TEST(ParallelForms, ScalarDecayWithZeroDecayIsLinear) {
  Problem p;
  HostTensor zero({B, H, T});
  EXPECT_LT(relativeError(parallelScalarDecay(p.q, p.k, p.v, zero, p.scale),
                          parallelLinear(p.q, p.k, p.v, p.scale)),
            kTol);
}

TEST(ParallelForms, VectorGateMatchesRecurrence) {
  Problem p;
  HostTensor ref = recur(p, [&](auto &S, int64_t b, int64_t h, int64_t t) {
    for (int64_t r = 0; r < K; ++r)
      for (int64_t x = 0; x < V; ++x)
        S[r * V + x] *= std::exp(p.logG.at({b, h, t, r}));
    addOuter(p, S, b, h, t, 1.0);
  });
  EXPECT_LT(relativeError(parallelVectorGate(p.q, p.k, p.v, p.logG, p.scale), ref), kTol);
}

TEST(ParallelForms, ChannelConstantVectorGateIsScalarDecay) {
  Problem p;
  HostTensor g({B, H, T, K});
  for (int64_t n = 0; n < g.numel(); ++n)
    g.data[n] = p.logA.data[n / K];
  EXPECT_LT(relativeError(parallelVectorGate(p.q, p.k, p.v, g, p.scale),
                          parallelScalarDecay(p.q, p.k, p.v, p.logA, p.scale)),
            kTol);
}

TEST(ParallelForms, StabilisedMLSTMMatchesUnstabilisedRecurrence) {
  Problem p;
  // Large exponential input gates: exp(i) up to e^12, the regime the max-state exists for.
  HostTensor logI = randomUniform({B, H, T}, 9, -4, 12);
  HostTensor o({B, H, T, V});
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h) {
      std::vector<double> C(K * V, 0.0), n(K, 0.0);
      for (int64_t t = 0; t < T; ++t) {
        double f = std::exp(p.logA.at({b, h, t})), i = std::exp(logI.at({b, h, t}));
        for (int64_t r = 0; r < K; ++r) {
          n[r] = f * n[r] + i * p.k.at({b, h, t, r});
          for (int64_t x = 0; x < V; ++x)
            C[r * V + x] = f * C[r * V + x] + i * p.k.at({b, h, t, r}) * p.v.at({b, h, t, x});
        }
        double qn = 0;
        for (int64_t r = 0; r < K; ++r)
          qn += p.scale * p.q.at({b, h, t, r}) * n[r];
        for (int64_t x = 0; x < V; ++x) {
          double num = 0;
          for (int64_t r = 0; r < K; ++r)
            num += p.scale * p.q.at({b, h, t, r}) * C[r * V + x];
          o.at({b, h, t, x}) = num / std::max(std::fabs(qn), 1.0);
        }
      }
    }
  EXPECT_LT(relativeError(parallelMLSTM(p.q, p.k, p.v, logI, p.logA, p.scale), o), 1e-10);
}

TEST(ParallelForms, DeltaRuleEveryChunkSizeMatchesRecurrence) {
  Problem p;
  HostTensor ref =
      recur(p, [&](auto &S, int64_t b, int64_t h, int64_t t) { deltaStep(p, S, b, h, t, 1.0); });
  for (int64_t chunk : {0, 1, 2, 3, 8, 16, 23, 64}) {
    SCOPED_TRACE("chunk " + std::to_string(chunk));
    EXPECT_LT(
        relativeError(chunkwiseDeltaRule(p.q, p.k, p.v, p.beta, nullptr, p.scale, chunk), ref),
        kTol);
  }
}

TEST(ParallelForms, GatedDeltaRuleWithStatesMatchesRecurrence) {
  Problem p;
  HostTensor S0 = randomUniform({B, H, K, V}, 11), Sref, Sout;
  HostTensor ref = recur(
      p,
      [&](auto &S, int64_t b, int64_t h, int64_t t) {
        deltaStep(p, S, b, h, t, std::exp(p.logA.at({b, h, t})));
      },
      &S0, &Sref);
  for (int64_t chunk : {0, 1, 4, 7, 16}) {
    SCOPED_TRACE("chunk " + std::to_string(chunk));
    HostTensor o = chunkwiseDeltaRule(p.q, p.k, p.v, p.beta, &p.logA, p.scale, chunk, &S0, &Sout);
    EXPECT_LT(relativeError(o, ref), kTol);
    EXPECT_LT(relativeError(Sout, Sref), kTol);
  }
}

TEST(ParallelForms, ShapeErrorsThrow) {
  Problem p;
  EXPECT_THROW(parallelLinear(p.q, p.v, p.v, 1.0), ReferenceError);
  EXPECT_THROW(parallelScalarDecay(p.q, p.k, p.v, p.logG, 1.0), ReferenceError);
  EXPECT_THROW(parallelVectorGate(p.q, p.k, p.v, p.logA, 1.0), ReferenceError);
}
