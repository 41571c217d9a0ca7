//===- Softmax.cpp - Float64 reference of the softmax family --------------===//
//
// Attention by its definition, one query row at a time: every key's scaled dot product,
// the score expression, the mask, then an exact (two-pass, max-subtracted) softmax. No
// online rescaling and no tiling, so it shares no algorithmic shortcut with the kernels
// it checks. (b, h) pairs run in parallel.
//
//===----------------------------------------------------------------------===//
#include "attnc/Reference/Reference.h"

#include "Parallel.h"

#include <cmath>
#include <limits>

namespace attnc::reference {
using namespace attnc::dsl;

namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

/// Computes o[b, h, i, :] (zero-initialised) and returns the row's log-sum-exp.
double softmaxRow(const Kernel &kernel, const ResolvedBindings &rb, const Inputs &in, Evaluator &ev,
                  int64_t b, int64_t h, int64_t i, std::vector<double> &score,
                  std::vector<char> &allowed, double *oi) {
  const int64_t M = rb.keyLen, D = rb.headDim, Dv = rb.valueDim;
  const int64_t hk = h / (rb.qHeads / rb.kvHeads);
  const double *qi = in.q.row({b, h, i});
  double mx = kNegInf;
  for (int64_t j = 0; j < M; ++j) {
    const double *kj = in.k.row({b, hk, j});
    double s = 0;
    for (int64_t d = 0; d < D; ++d)
      s += qi[d] * kj[d];
    s *= rb.scale;
    ev.setSoftmaxPosition(b, h, i, j, s);
    allowed[j] = kernel.mask ? ev.evalBool(*kernel.mask) : 1;
    if (!allowed[j])
      continue;
    score[j] = kernel.score ? ev.evalNumber(*kernel.score) : s;
    if (std::isnan(score[j]))
      throw ReferenceError("score is NaN at (b, h, i, j) = (" + std::to_string(b) + ", " +
                           std::to_string(h) + ", " + std::to_string(i) + ", " + std::to_string(j) +
                           ")");
    mx = std::max(mx, score[j]);
  }
  if (mx == kNegInf) // no allowed key (or every score -inf): the output stays 0
    return kNegInf;
  double sum = 0;
  for (int64_t j = 0; j < M; ++j) {
    if (!allowed[j])
      continue;
    double w = std::exp(score[j] - mx);
    sum += w;
    const double *vj = in.v.row({b, hk, j});
    for (int64_t d = 0; d < Dv; ++d)
      oi[d] += w * vj[d];
  }
  for (int64_t d = 0; d < Dv; ++d)
    oi[d] /= sum;
  return mx + std::log(sum);
}

} // namespace

HostTensor referenceSoftmax(const Kernel &kernel, const Inputs &inputs, const Bindings &bindings,
                            HostTensor *lse) {
  ResolvedBindings rb = resolveBindings(kernel, inputs, bindings);
  if (rb.family != Family::Softmax)
    throw ReferenceError("kernel '" + kernel.name + "' is not of the softmax family");
  const int64_t B = rb.batch, Hq = rb.qHeads, N = rb.queryLen, M = rb.keyLen;
  for (const HostTensor *t : {&inputs.q, &inputs.k, &inputs.v})
    if (t->data.empty() && B * Hq * N * M > 0)
      throw ReferenceError("referenceSoftmax needs q, k and v data");

  HostTensor o({B, Hq, N, rb.valueDim});
  if (lse)
    *lse = HostTensor({B, Hq, N});
  if (o.numel() == 0 && !lse)
    return o;
  double work = double(B * Hq) * double(N) * double(M) * double(rb.headDim + 16);
  detail::parallelFor(B * Hq, work, [&](int64_t bh) {
    int64_t b = bh / Hq, h = bh % Hq;
    Evaluator ev(kernel, rb, inputs);
    std::vector<double> score(static_cast<size_t>(M));
    std::vector<char> allowed(static_cast<size_t>(M));
    std::vector<double> scratch(static_cast<size_t>(rb.valueDim));
    for (int64_t i = 0; i < N; ++i) {
      double *oi = o.numel() ? o.row({b, h, i}) : scratch.data();
      double l = softmaxRow(kernel, rb, inputs, ev, b, h, i, score, allowed, oi);
      if (lse)
        lse->at({b, h, i}) = l;
    }
  });
  return o;
}

HostTensor referenceForward(const Kernel &kernel, const Inputs &inputs, const Bindings &bindings) {
  if (!kernel.states.empty() || kernel.out)
    return referenceLinearRecurrent(kernel, inputs, bindings);
  return referenceSoftmax(kernel, inputs, bindings);
}

} // namespace attnc::reference
