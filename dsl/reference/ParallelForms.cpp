//===- ParallelForms.cpp - Quadratic forms of the linear recurrences ------===//
//
// Each function materialises, per (b, h), the T x T lower-triangular weight matrix that
// the recurrence implies and applies it to v: the "attention form" of linear attention,
// scalar decay, vector gates and mLSTM. Cumulative log gates are differenced (never
// exponentiated on their own), the way the chunkwise kernels keep them finite.
//
//===----------------------------------------------------------------------===//
#include "attnc/Reference/ParallelForms.h"

#include "ParallelFormsSupport.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

namespace attnc::reference {

namespace detail {

QKVShape checkQKV(const HostTensor &q, const HostTensor &k, const HostTensor &v) {
  if (q.rank() != 4 || k.shape != q.shape || v.rank() != 4 ||
      !std::equal(v.shape.begin(), v.shape.begin() + 3, q.shape.begin()))
    throw ReferenceError("parallel form: expected q, k [B, H, T, K] and v [B, H, T, V], got " +
                         q.shapeStr() + ", " + k.shapeStr() + ", " + v.shapeStr());
  return {q.shape[0], q.shape[1], q.shape[2], q.shape[3], v.shape[3]};
}

void checkGate(const HostTensor &g, const QKVShape &s, bool perChannel, const char *what) {
  std::vector<int64_t> want = {s.B, s.H, s.T};
  if (perChannel)
    want.push_back(s.K);
  if (g.shape != want)
    throw ReferenceError(std::string(what) + " has shape " + g.shapeStr() + ", expected " +
                         HostTensor(want).shapeStr());
}

HostTensor cumsumSteps(const HostTensor &g) {
  HostTensor c = g;
  if (g.numel() == 0)
    return c;
  int64_t T = g.shape[2], inner = g.numel() / (g.shape[0] * g.shape[1] * T);
  for (int64_t bh = 0; bh < g.shape[0] * g.shape[1]; ++bh)
    for (int64_t t = 1; t < T; ++t)
      for (int64_t x = 0; x < inner; ++x)
        c.data[(bh * T + t) * inner + x] += c.data[(bh * T + t - 1) * inner + x];
  return c;
}

} // namespace detail

using namespace detail;

namespace {

/// o_t = scale * sum_{s<=t} weight(b, h, t, s) v_s, with weight given per pair.
HostTensor applyWeights(const QKVShape &sh, const HostTensor &v, double scale,
                        const std::function<double(int64_t, int64_t, int64_t, int64_t)> &w) {
  HostTensor o({sh.B, sh.H, sh.T, sh.V});
  for (int64_t b = 0; b < sh.B; ++b)
    for (int64_t h = 0; h < sh.H; ++h)
      for (int64_t t = 0; t < sh.T; ++t) {
        double *ot = o.row({b, h, t});
        for (int64_t s = 0; s <= t; ++s) {
          double a = scale * w(b, h, t, s);
          const double *vs = v.row({b, h, s});
          for (int64_t x = 0; x < sh.V; ++x)
            ot[x] += a * vs[x];
        }
      }
  return o;
}

double dot(const double *a, const double *b, int64_t n) {
  double s = 0;
  for (int64_t x = 0; x < n; ++x)
    s += a[x] * b[x];
  return s;
}

} // namespace

HostTensor parallelLinear(const HostTensor &q, const HostTensor &k, const HostTensor &v,
                          double scale) {
  QKVShape sh = checkQKV(q, k, v);
  return applyWeights(sh, v, scale, [&](int64_t b, int64_t h, int64_t t, int64_t s) {
    return dot(q.row({b, h, t}), k.row({b, h, s}), sh.K);
  });
}

HostTensor parallelScalarDecay(const HostTensor &q, const HostTensor &k, const HostTensor &v,
                               const HostTensor &logDecay, double scale) {
  QKVShape sh = checkQKV(q, k, v);
  checkGate(logDecay, sh, false, "logDecay");
  HostTensor G = cumsumSteps(logDecay);
  return applyWeights(sh, v, scale, [&](int64_t b, int64_t h, int64_t t, int64_t s) {
    return std::exp(G.at({b, h, t}) - G.at({b, h, s})) *
           dot(q.row({b, h, t}), k.row({b, h, s}), sh.K);
  });
}

HostTensor parallelVectorGate(const HostTensor &q, const HostTensor &k, const HostTensor &v,
                              const HostTensor &logGate, double scale) {
  QKVShape sh = checkQKV(q, k, v);
  checkGate(logGate, sh, true, "logGate");
  HostTensor G = cumsumSteps(logGate);
  return applyWeights(sh, v, scale, [&](int64_t b, int64_t h, int64_t t, int64_t s) {
    const double *qt = q.row({b, h, t}), *ks = k.row({b, h, s});
    const double *Gt = G.row({b, h, t}), *Gs = G.row({b, h, s});
    double acc = 0;
    for (int64_t c = 0; c < sh.K; ++c)
      acc += qt[c] * std::exp(Gt[c] - Gs[c]) * ks[c];
    return acc;
  });
}

HostTensor parallelMLSTM(const HostTensor &q, const HostTensor &k, const HostTensor &v,
                         const HostTensor &logInput, const HostTensor &logForget, double scale) {
  QKVShape sh = checkQKV(q, k, v);
  checkGate(logInput, sh, false, "logInput");
  checkGate(logForget, sh, false, "logForget");
  HostTensor F = cumsumSteps(logForget);
  HostTensor o({sh.B, sh.H, sh.T, sh.V});
  std::vector<double> Dts(static_cast<size_t>(sh.T)), C(static_cast<size_t>(sh.T));
  for (int64_t b = 0; b < sh.B; ++b)
    for (int64_t h = 0; h < sh.H; ++h)
      for (int64_t t = 0; t < sh.T; ++t) {
        double m = -std::numeric_limits<double>::infinity();
        for (int64_t s = 0; s <= t; ++s) {
          Dts[s] = F.at({b, h, t}) - F.at({b, h, s}) + logInput.at({b, h, s});
          m = std::max(m, Dts[s]);
        }
        double rowSum = 0;
        for (int64_t s = 0; s <= t; ++s) {
          C[s] = scale * dot(q.row({b, h, t}), k.row({b, h, s}), sh.K) * std::exp(Dts[s] - m);
          rowSum += C[s];
        }
        double norm = std::max(std::fabs(rowSum), std::exp(-m));
        double *ot = o.row({b, h, t});
        for (int64_t s = 0; s <= t; ++s) {
          const double *vs = v.row({b, h, s});
          for (int64_t x = 0; x < sh.V; ++x)
            ot[x] += C[s] / norm * vs[x];
        }
      }
  return o;
}

} // namespace attnc::reference
