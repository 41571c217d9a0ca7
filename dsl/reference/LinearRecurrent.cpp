//===- LinearRecurrent.cpp - Float64 reference of the linear family -------===//
//
// The state recurrences stepped exactly as written, t = 0..T-1 for each (b, h): every
// state's update is evaluated against the states of step t-1 (so the order of `state`
// declarations does not matter), then `out` reads the states of step t. This is the
// definition the chunkwise kernels and the parallel forms are both checked against.
// (b, h) pairs run in parallel, each into its own buffer.
//
//===----------------------------------------------------------------------===//
#include "attnc/Reference/Reference.h"

#include "Parallel.h"

#include <algorithm>

namespace attnc::reference {
using namespace attnc::dsl;

namespace {

std::vector<int64_t> concat(std::vector<int64_t> a, const std::vector<int64_t> &b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

/// The bound shape of every state, checking `initial` against them.
std::vector<std::vector<int64_t>> stateShapes(const Kernel &kernel, const ResolvedBindings &rb,
                                              const StateTensors *initial) {
  std::vector<std::vector<int64_t>> shapes;
  for (const StateDecl &s : kernel.states) {
    std::vector<int64_t> shape;
    for (const Dim &d : s.dims) {
      auto it = d.isLiteral() ? rb.dims.end() : rb.dims.find(d.symbol);
      if (!d.isLiteral() && it == rb.dims.end())
        throw ReferenceError("dimension symbol '" + d.symbol + "' of state '" + s.name +
                             "' is not bound");
      shape.push_back(d.isLiteral() ? d.value : it->second);
    }
    std::vector<int64_t> full = concat({rb.batch, rb.qHeads}, shape);
    if (initial && initial->count(s.name) && initial->at(s.name).shape != full)
      throw ReferenceError("initial state '" + s.name + "' has shape " +
                           initial->at(s.name).shapeStr() + ", expected " +
                           HostTensor(full).shapeStr());
    shapes.push_back(std::move(shape));
  }
  for (const auto &entry : initial ? *initial : StateTensors())
    if (std::none_of(kernel.states.begin(), kernel.states.end(),
                     [&](const StateDecl &s) { return s.name == entry.first; }))
      throw ReferenceError("kernel '" + kernel.name + "' has no state '" + entry.first + "'");
  return shapes;
}

void copyOut(const Value &v, double *p) {
  if (v.isScalar())
    *p = v.scalar;
  else
    std::copy(v.data.begin(), v.data.end(), p);
}

/// The outputs of one (b, h) sequence: T values of one shape, row-major.
struct HeadResult {
  std::vector<int64_t> outShape;
  std::vector<double> out;
};

/// Steps one (b, h) sequence; leaves its last states in `cur`.
HeadResult runHead(const Kernel &kernel, const ResolvedBindings &rb, const Inputs &inputs,
                   const std::vector<std::vector<int64_t>> &shapes, int64_t b, int64_t h,
                   const StateTensors *initial, std::vector<Value> &cur) {
  const size_t numStates = kernel.states.size();
  std::vector<Value> next(numStates);
  for (size_t n = 0; n < numStates; ++n) {
    cur[n] = Value::zeros(shapes[n]);
    auto it = initial ? initial->find(kernel.states[n].name) : StateTensors::const_iterator();
    if (initial && it != initial->end()) {
      const double *p = it->second.row({b, h});
      cur[n].data.assign(p, p + cur[n].numel());
    }
  }
  Evaluator ev(kernel, rb, inputs);
  HeadResult r;
  for (int64_t t = 0; t < rb.queryLen; ++t) {
    ev.setLinearPosition(b, h, t);
    for (size_t n = 0; n < numStates; ++n)
      ev.setState(kernel.states[n].name, &cur[n]);
    for (size_t n = 0; n < numStates; ++n) {
      next[n] = ev.eval(*kernel.states[n].update).dense();
      if (next[n].shape != shapes[n] || next[n].kind == ScalarKind::Bool)
        throw ReferenceError("update of state '" + kernel.states[n].name +
                             "' does not give a number of the state's shape");
      next[n].kind = ScalarKind::Float;
    }
    std::swap(cur, next);
    for (size_t n = 0; n < numStates; ++n)
      ev.setState(kernel.states[n].name, &cur[n]);
    Value out = ev.eval(*kernel.out->value).dense();
    if (out.kind == ScalarKind::Bool || (t > 0 && out.shape != r.outShape))
      throw ReferenceError("out '" + kernel.out->name + "' is not a number of one shape");
    r.outShape = out.shape;
    r.out.resize(static_cast<size_t>((t + 1) * out.numel()));
    copyOut(out, r.out.data() + t * out.numel());
  }
  return r;
}

} // namespace

HostTensor referenceLinearRecurrent(const Kernel &kernel, const Inputs &inputs,
                                    const Bindings &bindings, const StateTensors *initial,
                                    StateTensors *final) {
  ResolvedBindings rb = resolveBindings(kernel, inputs, bindings);
  if (rb.family != Family::Linear || !kernel.out)
    throw ReferenceError("kernel '" + kernel.name + "' is not of the linear family (no out)");
  const int64_t B = rb.batch, H = rb.qHeads, T = rb.queryLen;
  for (const HostTensor *t : {&inputs.q, &inputs.k, &inputs.v})
    if (t->data.empty() && B * H * T > 0)
      throw ReferenceError("referenceLinearRecurrent needs q, k and v data");
  std::vector<std::vector<int64_t>> shapes = stateShapes(kernel, rb, initial);
  if (final) {
    final->clear();
    for (size_t n = 0; n < shapes.size(); ++n)
      (*final)[kernel.states[n].name] = HostTensor(concat({B, H}, shapes[n]));
  }

  std::vector<HeadResult> heads(static_cast<size_t>(B * H));
  double work = double(B * H * T) * double(rb.headDim * rb.valueDim) * 8;
  detail::parallelFor(B * H, work, [&](int64_t bh) {
    std::vector<Value> last(shapes.size());
    heads[bh] = runHead(kernel, rb, inputs, shapes, bh / H, bh % H, initial, last);
    for (size_t n = 0; final && n < shapes.size(); ++n)
      copyOut(last[n], final->at(kernel.states[n].name).row({bh / H, bh % H}));
  });

  // T == 0 leaves the out shape unknown: [B, H, 0, V] by convention.
  std::vector<int64_t> outShape =
      T > 0 && !heads.empty() ? heads[0].outShape : std::vector<int64_t>{rb.valueDim};
  HostTensor o(concat({B, H, T}, outShape));
  const int64_t perHead = B * H > 0 ? o.numel() / (B * H) : 0;
  for (int64_t bh = 0; bh < B * H; ++bh) {
    if (T > 0 && heads[bh].outShape != outShape)
      throw ReferenceError("out '" + kernel.out->name + "' changes shape between heads");
    std::copy(heads[bh].out.begin(), heads[bh].out.end(), o.data.begin() + bh * perHead);
  }
  return o;
}

} // namespace attnc::reference
