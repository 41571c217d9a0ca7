//===- Softmax.cpp - Float64 reference of the softmax family --------------===//
//
// Attention by its definition, one query row at a time: every key's scaled dot product,
// the score expression, the mask, then an exact (two-pass, max-subtracted) softmax. No
// online rescaling and no tiling, so it shares no algorithmic shortcut with the kernels
// it checks.
//
//===----------------------------------------------------------------------===//
#include "attnc/Reference/Reference.h"

#include <cmath>
#include <limits>

namespace attnc::reference {
using namespace attnc::dsl;

HostTensor referenceSoftmax(const Kernel &kernel, const Inputs &inputs,
                            const Bindings &bindings, HostTensor *lse) {
  ResolvedBindings rb = resolveBindings(kernel, inputs, bindings);
  if (rb.family != Family::Softmax)
    throw ReferenceError("kernel '" + kernel.name + "' is not of the softmax family");
  const int64_t B = rb.batch, Hq = rb.qHeads, N = rb.queryLen, D = rb.headDim,
                M = rb.keyLen, Dv = rb.valueDim, group = rb.qHeads / rb.kvHeads;
  for (const HostTensor *t : {&inputs.q, &inputs.k, &inputs.v})
    if (t->data.empty() && B * N * M > 0)
      throw ReferenceError("referenceSoftmax needs q, k and v data");

  HostTensor o({B, Hq, N, Dv});
  if (lse)
    *lse = HostTensor({B, Hq, N});
  Evaluator ev(kernel, rb, inputs);
  std::vector<double> score(static_cast<size_t>(M));
  std::vector<char> allowed(static_cast<size_t>(M));
  const double negInf = -std::numeric_limits<double>::infinity();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < Hq; ++h) {
      int64_t hk = h / group;
      for (int64_t i = 0; i < N; ++i) {
        const double *qi = inputs.q.row({b, h, i});
        double mx = negInf;
        for (int64_t j = 0; j < M; ++j) {
          const double *kj = inputs.k.row({b, hk, j});
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
            throw ReferenceError("score is NaN at (b, h, i, j) = (" + std::to_string(b) +
                                 ", " + std::to_string(h) + ", " + std::to_string(i) +
                                 ", " + std::to_string(j) + ")");
          mx = std::max(mx, score[j]);
        }
        double *oi = o.row({b, h, i});
        if (mx == negInf) { // no allowed key (or all scores -inf): output 0, lse -inf
          if (lse)
            lse->at({b, h, i}) = negInf;
          continue;
        }
        double sum = 0;
        for (int64_t j = 0; j < M; ++j) {
          if (!allowed[j])
            continue;
          double w = std::exp(score[j] - mx);
          sum += w;
          const double *vj = inputs.v.row({b, hk, j});
          for (int64_t d = 0; d < Dv; ++d)
            oi[d] += w * vj[d];
        }
        for (int64_t d = 0; d < Dv; ++d)
          oi[d] /= sum;
        if (lse)
          lse->at({b, h, i}) = mx + std::log(sum);
      }
    }
  return o;
}

HostTensor referenceForward(const Kernel &kernel, const Inputs &inputs,
                            const Bindings &bindings) {
  if (!kernel.states.empty() || kernel.out)
    return referenceLinearRecurrent(kernel, inputs, bindings);
  return referenceSoftmax(kernel, inputs, bindings);
}

} // namespace attnc::reference
