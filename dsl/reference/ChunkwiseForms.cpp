//===- ChunkwiseForms.cpp - Chunkwise forms of gated linear attention and mLSTM ===//
//
// The two-level algorithm the chunkwise GPU kernels implement (flash-linear-attention's
// chunk kernels, TFLA): the state is carried only across chunk boundaries, and inside a
// chunk the outputs are a masked quadratic form plus the incoming state's contribution.
// mLSTM carries its state in the max-stabilised form (C~ = C exp(-m)) exactly as the
// kernels do. Written in float64 as ground truth for the kernels' chunk algebra.
//
//===----------------------------------------------------------------------===//
#include "attnc/Reference/ParallelForms.h"

#include "ParallelFormsSupport.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace attnc::reference {
using namespace detail;

namespace {

/// The log gate of channel c at step t: per channel, broadcast scalar, or none.
double gateAt(const HostTensor *g, int64_t b, int64_t h, int64_t t, int64_t c) {
  if (!g)
    return 0.0;
  return g->rank() == 4 ? g->at({b, h, t, c}) : g->at({b, h, t});
}

void checkState(const HostTensor *s, std::vector<int64_t> want, const char *what) {
  if (s && s->shape != want)
    throw ReferenceError(std::string(what) + " has shape " + s->shapeStr() + ", expected " +
                         HostTensor(want).shapeStr());
}

/// One chunk [t0, t0 + L) of gated linear attention for (b, h); advances S (K x V).
void gatedChunk(const HostTensor &q, const HostTensor &k, const HostTensor &v, const HostTensor *g,
                double scale, const QKVShape &sh, int64_t b, int64_t h, int64_t t0, int64_t L,
                std::vector<double> &S, HostTensor &o) {
  const int64_t K = sh.K, V = sh.V;
  std::vector<double> G(L * K); // in-chunk inclusive cumulative log gates
  for (int64_t t = 0; t < L; ++t)
    for (int64_t c = 0; c < K; ++c)
      G[t * K + c] = (t ? G[(t - 1) * K + c] : 0.0) + gateAt(g, b, h, t0 + t, c);
  for (int64_t t = 0; t < L; ++t) {
    const double *qt = q.row({b, h, t0 + t});
    double *ot = o.row({b, h, t0 + t});
    for (int64_t c = 0; c < K; ++c) { // inter-chunk: (q_t * exp(G_t)) S
      double a = scale * qt[c] * std::exp(G[t * K + c]);
      for (int64_t x = 0; x < V; ++x)
        ot[x] += a * S[c * V + x];
    }
    for (int64_t s = 0; s <= t; ++s) { // intra-chunk: ((q_t * exp(G_t - G_s)) . k_s) v_s
      const double *ks = k.row({b, h, t0 + s});
      double a = 0;
      for (int64_t c = 0; c < K; ++c)
        a += qt[c] * std::exp(G[t * K + c] - G[s * K + c]) * ks[c];
      const double *vs = v.row({b, h, t0 + s});
      for (int64_t x = 0; x < V; ++x)
        ot[x] += scale * a * vs[x];
    }
  }
  const double *GL = &G[(L - 1) * K];
  for (int64_t c = 0; c < K; ++c) // S' = diag(exp(G_L)) S + sum_s (k_s * exp(G_L - G_s)) v_s^T
    for (int64_t x = 0; x < V; ++x)
      S[c * V + x] *= std::exp(GL[c]);
  for (int64_t s = 0; s < L; ++s) {
    const double *ks = k.row({b, h, t0 + s}), *vs = v.row({b, h, t0 + s});
    for (int64_t c = 0; c < K; ++c) {
      double a = ks[c] * std::exp(GL[c] - G[s * K + c]);
      for (int64_t x = 0; x < V; ++x)
        S[c * V + x] += a * vs[x];
    }
  }
}

/// The mLSTM state between chunks, stabilised: C = exp(m) Ct, n = exp(m) nt.
struct MlstmState {
  std::vector<double> Ct, nt;
  double m = 0;
};

/// One chunk [t0, t0 + L) of mLSTM for (b, h); advances the stabilised state.
void mlstmChunk(const HostTensor &q, const HostTensor &k, const HostTensor &v,
                const HostTensor &logI, const HostTensor &logF, double scale, const QKVShape &sh,
                int64_t b, int64_t h, int64_t t0, int64_t L, MlstmState &st, HostTensor &o) {
  const int64_t K = sh.K, V = sh.V;
  std::vector<double> F(L), D(L), w(L);
  for (int64_t t = 0; t < L; ++t)
    F[t] = (t ? F[t - 1] : 0.0) + logF.at({b, h, t0 + t});
  for (int64_t t = 0; t < L; ++t) {
    const double *qt = q.row({b, h, t0 + t});
    double mt = F[t] + st.m; // the row's stabiliser over the state and every in-chunk key
    for (int64_t s = 0; s <= t; ++s) {
      D[s] = F[t] - F[s] + logI.at({b, h, t0 + s});
      mt = std::max(mt, D[s]);
    }
    double inter = std::exp(F[t] + st.m - mt), den = 0;
    double *ot = o.row({b, h, t0 + t});
    for (int64_t c = 0; c < K; ++c) {
      den += scale * qt[c] * inter * st.nt[c];
      for (int64_t x = 0; x < V; ++x)
        ot[x] += scale * qt[c] * inter * st.Ct[c * V + x];
    }
    for (int64_t s = 0; s <= t; ++s) {
      const double *ks = k.row({b, h, t0 + s}), *vs = v.row({b, h, t0 + s});
      double a = 0;
      for (int64_t c = 0; c < K; ++c)
        a += qt[c] * ks[c];
      a *= scale * std::exp(D[s] - mt);
      den += a;
      for (int64_t x = 0; x < V; ++x)
        ot[x] += a * vs[x];
    }
    double norm = std::max(std::fabs(den), std::exp(-mt));
    for (int64_t x = 0; x < V; ++x)
      ot[x] /= norm;
  }
  double mNew = F[L - 1] + st.m;
  for (int64_t s = 0; s < L; ++s) {
    w[s] = F[L - 1] - F[s] + logI.at({b, h, t0 + s});
    mNew = std::max(mNew, w[s]);
  }
  double carry = std::exp(F[L - 1] + st.m - mNew);
  for (double &x : st.Ct)
    x *= carry;
  for (double &x : st.nt)
    x *= carry;
  for (int64_t s = 0; s < L; ++s) {
    const double *ks = k.row({b, h, t0 + s}), *vs = v.row({b, h, t0 + s});
    double a = std::exp(w[s] - mNew);
    for (int64_t c = 0; c < K; ++c) {
      st.nt[c] += a * ks[c];
      for (int64_t x = 0; x < V; ++x)
        st.Ct[c * V + x] += a * ks[c] * vs[x];
    }
  }
  st.m = mNew;
}

int64_t normalizeChunk(int64_t chunkSize, int64_t T) {
  return chunkSize <= 0 || chunkSize > T ? std::max<int64_t>(T, 1) : chunkSize;
}

} // namespace

HostTensor chunkwiseGatedLinear(const HostTensor &q, const HostTensor &k, const HostTensor &v,
                                const HostTensor *logGate, double scale, int64_t chunkSize,
                                const HostTensor *initialState, HostTensor *finalState) {
  QKVShape sh = checkQKV(q, k, v);
  if (logGate)
    checkGate(*logGate, sh, logGate->rank() == 4, "logGate");
  checkState(initialState, {sh.B, sh.H, sh.K, sh.V}, "initial state");
  chunkSize = normalizeChunk(chunkSize, sh.T);
  HostTensor o({sh.B, sh.H, sh.T, sh.V});
  if (finalState)
    *finalState = HostTensor({sh.B, sh.H, sh.K, sh.V});
  for (int64_t b = 0; b < sh.B; ++b)
    for (int64_t h = 0; h < sh.H; ++h) {
      std::vector<double> S(static_cast<size_t>(sh.K * sh.V), 0.0);
      if (initialState)
        S.assign(initialState->row({b, h}), initialState->row({b, h}) + sh.K * sh.V);
      for (int64_t t0 = 0; t0 < sh.T; t0 += chunkSize)
        gatedChunk(q, k, v, logGate, scale, sh, b, h, t0, std::min(chunkSize, sh.T - t0), S, o);
      if (finalState)
        std::copy(S.begin(), S.end(), finalState->row({b, h}));
    }
  return o;
}

HostTensor chunkwiseMLSTM(const HostTensor &q, const HostTensor &k, const HostTensor &v,
                          const HostTensor &logInput, const HostTensor &logForget, double scale,
                          int64_t chunkSize, HostTensor *finalC, HostTensor *finalN) {
  QKVShape sh = checkQKV(q, k, v);
  checkGate(logInput, sh, false, "logInput");
  checkGate(logForget, sh, false, "logForget");
  chunkSize = normalizeChunk(chunkSize, sh.T);
  HostTensor o({sh.B, sh.H, sh.T, sh.V});
  if (finalC)
    *finalC = HostTensor({sh.B, sh.H, sh.K, sh.V});
  if (finalN)
    *finalN = HostTensor({sh.B, sh.H, sh.K});
  for (int64_t b = 0; b < sh.B; ++b)
    for (int64_t h = 0; h < sh.H; ++h) {
      MlstmState st{std::vector<double>(sh.K * sh.V, 0.0), std::vector<double>(sh.K, 0.0), 0.0};
      for (int64_t t0 = 0; t0 < sh.T; t0 += chunkSize)
        mlstmChunk(q, k, v, logInput, logForget, scale, sh, b, h, t0,
                   std::min(chunkSize, sh.T - t0), st, o);
      double em = std::exp(st.m); // back to the unstabilised scale of the recurrence
      if (finalC)
        for (int64_t n = 0; n < sh.K * sh.V; ++n)
          finalC->row({b, h})[n] = em * st.Ct[n];
      if (finalN)
        for (int64_t n = 0; n < sh.K; ++n)
          finalN->row({b, h})[n] = em * st.nt[n];
    }
  return o;
}

} // namespace attnc::reference
