//===- LinearRecurrent.cpp - Float64 reference of the linear family -------===//
//
// The state recurrences stepped exactly as written, t = 0..T-1 for each (b, h): every
// state's update is evaluated against the states of step t-1 (so the order of `state`
// declarations does not matter), then `out` reads the states of step t. This is the
// definition the chunkwise kernels and the parallel forms are both checked against.
//
//===----------------------------------------------------------------------===//
#include "attnc/Reference/Reference.h"

namespace attnc::reference {
using namespace attnc::dsl;

namespace {

std::vector<int64_t> stateShape(const StateDecl &s, const ResolvedBindings &rb) {
  std::vector<int64_t> shape;
  for (const Dim &d : s.dims) {
    if (d.isLiteral()) {
      shape.push_back(d.value);
      continue;
    }
    auto it = rb.dims.find(d.symbol);
    if (it == rb.dims.end())
      throw ReferenceError("dimension symbol '" + d.symbol + "' of state '" + s.name +
                           "' is not bound");
    shape.push_back(it->second);
  }
  return shape;
}

std::vector<int64_t> concat(std::vector<int64_t> a, const std::vector<int64_t> &b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

void checkUpdateShape(const StateDecl &s, const Value &v, const std::vector<int64_t> &shape) {
  if (v.shape != shape || v.kind == ScalarKind::Bool)
    throw ReferenceError("update of state '" + s.name + "' does not produce a number of the "
                         "state's shape");
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

  const size_t numStates = kernel.states.size();
  std::vector<std::vector<int64_t>> shapes;
  for (const StateDecl &s : kernel.states) {
    shapes.push_back(stateShape(s, rb));
    if (initial && initial->count(s.name) &&
        initial->at(s.name).shape != concat({B, H}, shapes.back()))
      throw ReferenceError("initial state '" + s.name + "' has shape " +
                           initial->at(s.name).shapeStr() + ", expected " +
                           HostTensor(concat({B, H}, shapes.back())).shapeStr());
  }
  if (initial)
    for (const auto &[name, t] : *initial) {
      bool known = false;
      for (const StateDecl &s : kernel.states)
        known |= s.name == name;
      if (!known)
        throw ReferenceError("kernel '" + kernel.name + "' has no state '" + name + "'");
    }
  if (final) {
    final->clear();
    for (size_t n = 0; n < numStates; ++n)
      (*final)[kernel.states[n].name] = HostTensor(concat({B, H}, shapes[n]));
  }

  HostTensor o;
  Evaluator ev(kernel, rb, inputs);
  std::vector<Value> cur(numStates), next(numStates);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h) {
      for (size_t n = 0; n < numStates; ++n) {
        cur[n] = Value::zeros(shapes[n]);
        auto it = initial ? initial->find(kernel.states[n].name) : StateTensors::const_iterator();
        if (initial && it != initial->end()) {
          const double *p = it->second.row({b, h});
          if (cur[n].isScalar())
            cur[n].scalar = *p;
          else
            cur[n].data.assign(p, p + cur[n].numel());
        }
      }
      for (int64_t t = 0; t < T; ++t) {
        ev.setLinearPosition(b, h, t);
        for (size_t n = 0; n < numStates; ++n)
          ev.setState(kernel.states[n].name, &cur[n]);
        for (size_t n = 0; n < numStates; ++n) {
          next[n] = ev.eval(*kernel.states[n].update).dense();
          next[n].kind = ScalarKind::Float;
          checkUpdateShape(kernel.states[n], next[n], shapes[n]);
        }
        std::swap(cur, next);
        for (size_t n = 0; n < numStates; ++n)
          ev.setState(kernel.states[n].name, &cur[n]);
        Value out = ev.eval(*kernel.out->value).dense();
        if (out.kind == ScalarKind::Bool)
          throw ReferenceError("out '" + kernel.out->name + "' is not a number");
        if (o.shape.empty())
          o = HostTensor(concat({B, H, T}, out.shape));
        else if (out.shape != std::vector<int64_t>(o.shape.begin() + 3, o.shape.end()))
          throw ReferenceError("out '" + kernel.out->name + "' changes shape between steps");
        double *p = o.row({b, h, t});
        if (out.isScalar())
          *p = out.scalar;
        else
          std::copy(out.data.begin(), out.data.end(), p);
      }
      if (final)
        for (size_t n = 0; n < numStates; ++n) {
          double *p = (*final)[kernel.states[n].name].row({b, h});
          if (cur[n].isScalar())
            *p = cur[n].scalar;
          else
            std::copy(cur[n].data.begin(), cur[n].data.end(), p);
        }
    }
  if (o.shape.empty()) // T == 0 (or B/H == 0): the out shape is V by convention
    o = HostTensor({B, H, T, rb.valueDim});
  return o;
}

} // namespace attnc::reference
