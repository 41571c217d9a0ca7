//===- DeltaRule.cpp - Chunkwise WY / UT form of the (gated) delta rule ---===//
//
// The delta rule has no simple attention form: each step's write depends on what the
// state already holds. The WY representation writes S_t = sum_s gamma_ts k_s u_s^T with
// pseudo-values u; inside a chunk they solve a unit lower-triangular system (the UT
// transform), across chunks the state is carried. This is the algorithm of
// flash-linear-attention's chunk_delta_rule / chunk_gated_delta_rule, written in float64
// with forward substitution in place of the matrix inverse.
//
//===----------------------------------------------------------------------===//
#include "attnc/Reference/ParallelForms.h"

#include "ParallelFormsSupport.h"

#include <algorithm>
#include <cmath>

namespace attnc::reference {

using namespace detail;

namespace {

/// Solves (I + A) X = R in place for unit lower-triangular I + A (A strictly lower, L x L,
/// row-major), R being L x n.
void forwardSubstitute(const std::vector<double> &A, int64_t L, std::vector<double> &R, int64_t n) {
  for (int64_t t = 0; t < L; ++t)
    for (int64_t s = 0; s < t; ++s) {
      double a = A[t * L + s];
      for (int64_t x = 0; x < n; ++x)
        R[t * n + x] -= a * R[s * n + x];
    }
}

struct Chunk {
  const double *q, *k, *v, *beta, *g; // g may be null; rows of the chunk's first step
  int64_t L, K, V;
};

/// One chunk: writes its outputs to `o` (L x V) and advances the state S (K x V).
void deltaChunk(const Chunk &c, double scale, std::vector<double> &S, double *o) {
  const int64_t L = c.L, K = c.K, V = c.V;
  std::vector<double> G(L, 0.0);
  for (int64_t t = 0; t < L; ++t)
    G[t] = (t ? G[t - 1] : 0.0) + (c.g ? c.g[t] : 0.0);
  auto kdot = [&](const double *a, const double *b) {
    double s = 0;
    for (int64_t x = 0; x < K; ++x)
      s += a[x] * b[x];
    return s;
  };
  std::vector<double> A(L * L, 0.0), U(L * V), W(L * K);
  for (int64_t t = 0; t < L; ++t) {
    for (int64_t s = 0; s < t; ++s)
      A[t * L + s] = c.beta[t] * std::exp(G[t] - G[s]) * kdot(c.k + t * K, c.k + s * K);
    for (int64_t x = 0; x < V; ++x)
      U[t * V + x] = c.beta[t] * c.v[t * V + x];
    for (int64_t x = 0; x < K; ++x)
      W[t * K + x] = c.beta[t] * std::exp(G[t]) * c.k[t * K + x];
  }
  forwardSubstitute(A, L, U, V);  // U~ = T V
  forwardSubstitute(A, L, W, K);  // W = T diag(exp(G)) K
  for (int64_t t = 0; t < L; ++t) // U = U~ - W S
    for (int64_t r = 0; r < K; ++r)
      for (int64_t x = 0; x < V; ++x)
        U[t * V + x] -= W[t * K + r] * S[r * V + x];
  for (int64_t t = 0; t < L; ++t) {
    const double *qt = c.q + t * K;
    double *ot = o + t * V;
    for (int64_t r = 0; r < K; ++r)
      for (int64_t x = 0; x < V; ++x)
        ot[x] += scale * std::exp(G[t]) * qt[r] * S[r * V + x];
    for (int64_t s = 0; s <= t; ++s) {
      double a = scale * std::exp(G[t] - G[s]) * kdot(qt, c.k + s * K);
      for (int64_t x = 0; x < V; ++x)
        ot[x] += a * U[s * V + x];
    }
  }
  const double gl = G[L - 1];
  for (double &x : S)
    x *= std::exp(gl);
  for (int64_t s = 0; s < L; ++s)
    for (int64_t r = 0; r < K; ++r) {
      double a = std::exp(gl - G[s]) * c.k[s * K + r];
      for (int64_t x = 0; x < V; ++x)
        S[r * V + x] += a * U[s * V + x];
    }
}

} // namespace

HostTensor chunkwiseDeltaRule(const HostTensor &q, const HostTensor &k, const HostTensor &v,
                              const HostTensor &beta, const HostTensor *logDecay, double scale,
                              int64_t chunkSize, const HostTensor *initialState,
                              HostTensor *finalState) {
  QKVShape sh = checkQKV(q, k, v);
  checkGate(beta, sh, false, "beta");
  if (logDecay)
    checkGate(*logDecay, sh, false, "logDecay");
  HostTensor stateShape({sh.B, sh.H, sh.K, sh.V});
  if (initialState && initialState->shape != stateShape.shape)
    throw ReferenceError("initial state has shape " + initialState->shapeStr() + ", expected " +
                         stateShape.shapeStr());
  if (chunkSize <= 0 || chunkSize > sh.T)
    chunkSize = std::max<int64_t>(sh.T, 1);
  HostTensor o({sh.B, sh.H, sh.T, sh.V});
  if (finalState)
    *finalState = stateShape;
  for (int64_t b = 0; b < sh.B; ++b)
    for (int64_t h = 0; h < sh.H; ++h) {
      std::vector<double> S(static_cast<size_t>(sh.K * sh.V), 0.0);
      if (initialState)
        S.assign(initialState->row({b, h}), initialState->row({b, h}) + sh.K * sh.V);
      for (int64_t t0 = 0; t0 < sh.T; t0 += chunkSize) {
        Chunk c{q.row({b, h, t0}),
                k.row({b, h, t0}),
                v.row({b, h, t0}),
                beta.row({b, h, t0}),
                logDecay ? logDecay->row({b, h, t0}) : nullptr,
                std::min(chunkSize, sh.T - t0),
                sh.K,
                sh.V};
        deltaChunk(c, scale, S, o.row({b, h, t0}));
      }
      if (finalState)
        std::copy(S.begin(), S.end(), finalState->row({b, h}));
    }
  return o;
}

} // namespace attnc::reference
