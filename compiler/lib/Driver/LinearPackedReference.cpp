//===- LinearPackedReference.cpp - Float64 answer of a linear problem -----===//
//
// Packed sequences are cut out of batch row 0 along time (every [B, H, T, ...] tensor of
// rank 3 or more; per-head inputs such as [H] pass whole), so the reference never sees
// one sequence's state flow into the next.
//
//===----------------------------------------------------------------------===//
#include "LinearPackedReference.h"

#include "attnc/Reference/Reference.h"

#include <algorithm>

namespace attnc {

using reference::HostTensor;

namespace {

constexpr size_t kTimeDim = 2;   // [B, H, T, ...]
constexpr size_t kTimeRank = 3;  // tensors of at least this rank have a time axis

/// Rows [begin, end) of dim `axis` of `t` (all of its leading dims kept).
HostTensor sliceAxis(const HostTensor &t, size_t axis, int64_t begin, int64_t end) {
  std::vector<int64_t> shape = t.shape;
  shape[axis] = end - begin;
  HostTensor out(shape);
  int64_t outer = 1, inner = 1;
  for (size_t d = 0; d < axis; ++d)
    outer *= t.shape[d];
  for (size_t d = axis + 1; d < t.shape.size(); ++d)
    inner *= t.shape[d];
  for (int64_t o = 0; o < outer; ++o)
    std::copy_n(t.data.begin() + (o * t.shape[axis] + begin) * inner, (end - begin) * inner,
                out.data.begin() + o * (end - begin) * inner);
  return out;
}

/// Writes `part` into rows [begin, begin + part.shape[axis]) of dim `axis` of `t`.
void placeAxis(HostTensor &t, size_t axis, int64_t begin, const HostTensor &part) {
  int64_t outer = 1, inner = 1;
  for (size_t d = 0; d < axis; ++d)
    outer *= t.shape[d];
  for (size_t d = axis + 1; d < t.shape.size(); ++d)
    inner *= t.shape[d];
  const int64_t rows = part.shape[axis];
  for (int64_t o = 0; o < outer; ++o)
    std::copy_n(part.data.begin() + o * rows * inner, rows * inner,
                t.data.begin() + (o * t.shape[axis] + begin) * inner);
}

HostTensor sliceTime(const HostTensor &t, int64_t begin, int64_t end) {
  return t.shape.size() >= kTimeRank ? sliceAxis(t, kTimeDim, begin, end) : t;
}

} // namespace

LinearReferenceResult linearReference(const dsl::Kernel &ast, const reference::Inputs &inputs,
                                      const std::string &stateName, const HostTensor *initial,
                                      const std::vector<int> &cuSeqlens) {
  LinearReferenceResult r;
  reference::StateTensors final;
  if (cuSeqlens.empty()) {
    reference::StateTensors init;
    if (initial)
      init[stateName] = *initial;
    r.o = reference::referenceLinearRecurrent(ast, inputs, {}, initial ? &init : nullptr, &final);
    r.finalState = final.at(stateName);
    return r;
  }
  const int64_t sequences = int64_t(cuSeqlens.size()) - 1;
  const int64_t H = inputs.q.shape[1], K = inputs.q.shape[3], V = inputs.v.shape[3];
  r.o = HostTensor({1, H, inputs.q.shape[2], V});
  r.finalState = HostTensor({sequences, H, K, V});
  for (int64_t n = 0; n < sequences; ++n) {
    const int64_t begin = cuSeqlens[n], end = cuSeqlens[n + 1];
    reference::StateTensors init, last;
    init[stateName] = initial ? sliceAxis(*initial, 0, n, n + 1) : HostTensor({1, H, K, V});
    if (end == begin) {
      placeAxis(r.finalState, 0, n, init[stateName]);
      continue;
    }
    reference::Inputs part;
    part.q = sliceTime(inputs.q, begin, end);
    part.k = sliceTime(inputs.k, begin, end);
    part.v = sliceTime(inputs.v, begin, end);
    for (const auto &[name, t] : inputs.extra)
      part.extra[name] = sliceTime(t, begin, end);
    placeAxis(r.o, kTimeDim, begin,
              reference::referenceLinearRecurrent(ast, part, {}, &init, &last));
    placeAxis(r.finalState, 0, n, last.at(stateName));
  }
  return r;
}

} // namespace attnc
