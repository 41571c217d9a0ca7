//===- Bindings.cpp - Bind a kernel's symbols to a run's shapes and params -===//
//
// Every dimension symbol gets its value from the first tensor shape (or caller binding)
// that fixes it, and every later occurrence must agree; literal dims must match exactly.
// q, k or v may be left empty when the caller binds their symbols in `Bindings::dims`
// (mask-only evaluation needs no data).
//
//===----------------------------------------------------------------------===//
#include "attnc/Reference/Evaluator.h"

#include <cmath>

namespace attnc::reference {
using namespace attnc::dsl;

namespace {

const InputDecl *findInputDecl(const Kernel &kernel, const std::string &name) {
  for (const InputDecl &in : kernel.inputs)
    if (in.name == name)
      return &in;
  return nullptr;
}

void bindShape(const std::vector<Dim> &decl, const HostTensor &t, const std::string &what,
               std::map<std::string, int64_t> &dims) {
  if (t.shape.empty() && t.data.empty())
    return; // not provided: the symbols must come from elsewhere
  if (t.shape.size() != decl.size())
    throw ReferenceError(what + " has shape " + t.shapeStr() + " but is declared with " +
                         std::to_string(decl.size()) + " dimensions");
  for (size_t d = 0; d < decl.size(); ++d) {
    int64_t actual = t.shape[d];
    if (decl[d].isLiteral()) {
      if (decl[d].value != actual)
        throw ReferenceError(what + " dimension " + std::to_string(d) + " is " +
                             std::to_string(actual) + ", declared as " + decl[d].str());
      continue;
    }
    auto [it, inserted] = dims.emplace(decl[d].symbol, actual);
    if (!inserted && it->second != actual)
      throw ReferenceError(what + " dimension " + std::to_string(d) + " ('" + decl[d].symbol +
                           "') is " + std::to_string(actual) + " but '" + decl[d].symbol +
                           "' is already bound to " + std::to_string(it->second));
  }
}

int64_t resolveDim(const Dim &d, const std::map<std::string, int64_t> &dims,
                   const std::string &what) {
  if (d.isLiteral())
    return d.value;
  auto it = dims.find(d.symbol);
  if (it == dims.end())
    throw ReferenceError("dimension symbol '" + d.symbol + "' of " + what +
                         " is not bound (give the tensor or bind it in Bindings::dims)");
  return it->second;
}

std::vector<int64_t> resolveDims(const std::vector<Dim> &decl,
                                 const std::map<std::string, int64_t> &dims,
                                 const std::string &what) {
  std::vector<int64_t> out;
  for (const Dim &d : decl)
    out.push_back(resolveDim(d, dims, what));
  return out;
}

void requireEq(int64_t a, int64_t b, const std::string &msg) {
  if (a != b)
    throw ReferenceError(msg + " (" + std::to_string(a) + " vs " + std::to_string(b) + ")");
}

void resolveParams(const Kernel &kernel, const Bindings &user, ResolvedBindings &r) {
  for (const auto &[name, value] : user.params) {
    bool declared = false;
    for (const ParamDecl &p : kernel.params)
      declared |= p.name == name;
    if (!declared)
      throw ReferenceError("kernel '" + kernel.name + "' has no param '" + name + "'");
  }
  for (const ParamDecl &p : kernel.params) {
    auto it = user.params.find(p.name);
    std::optional<double> v =
        it != user.params.end() ? std::optional<double>(it->second) : p.defaultValue;
    if (!v)
      throw ReferenceError("param '" + p.name + "' has no default and no value was given");
    if (p.type == ElementType::I32 && *v != std::floor(*v))
      throw ReferenceError("i32 param '" + p.name + "' given the non-integral value " +
                           std::to_string(*v));
    r.params[p.name] = *v;
  }
}

} // namespace

ResolvedBindings resolveBindings(const Kernel &kernel, const Inputs &inputs,
                                 const Bindings &bindings) {
  ResolvedBindings r;
  r.family = (!kernel.states.empty() || kernel.out) ? Family::Linear : Family::Softmax;
  if (!kernel.q || !kernel.k || !kernel.v)
    throw ReferenceError("kernel '" + kernel.name + "' does not declare q, k and v");
  r.dims = bindings.dims;
  bindShape(kernel.q->dims, inputs.q, "q", r.dims);
  bindShape(kernel.k->dims, inputs.k, "k", r.dims);
  bindShape(kernel.v->dims, inputs.v, "v", r.dims);
  for (const InputDecl &in : kernel.inputs) {
    auto it = inputs.extra.find(in.name);
    if (it == inputs.extra.end())
      throw ReferenceError("missing input '" + in.name + "' of kernel '" + kernel.name + "'");
    bindShape(in.dims, it->second, "input '" + in.name + "'", r.dims);
  }
  for (const auto &[name, t] : inputs.extra)
    if (!findInputDecl(kernel, name))
      throw ReferenceError("kernel '" + kernel.name + "' has no input '" + name + "'");

  auto q = resolveDims(kernel.q->dims, r.dims, "q");
  auto k = resolveDims(kernel.k->dims, r.dims, "k");
  auto v = resolveDims(kernel.v->dims, r.dims, "v");
  if (q.size() != 4 || k.size() != 4 || v.size() != 4)
    throw ReferenceError("q, k and v must have 4 dimensions [B, H, L, D]");
  r.batch = q[kBatchDim], r.qHeads = q[kHeadDim], r.queryLen = q[kSeqDim];
  r.headDim = q[kFeatureDim];
  r.kvHeads = k[kHeadDim], r.keyLen = k[kSeqDim], r.valueDim = v[kFeatureDim];
  requireEq(k[kBatchDim], r.batch, "k and q disagree on the batch size");
  requireEq(k[kFeatureDim], r.headDim, "k and q disagree on the head dimension");
  for (int d = 0; d < 3; ++d)
    requireEq(v[d], k[d], "v and k disagree on dimension " + std::to_string(d));
  if (r.family == Family::Softmax) {
    if (r.kvHeads <= 0 || r.qHeads % r.kvHeads != 0)
      throw ReferenceError("query heads (" + std::to_string(r.qHeads) +
                           ") are not a multiple of key/value heads (" + std::to_string(r.kvHeads) +
                           ")");
  } else {
    requireEq(r.kvHeads, r.qHeads, "linear family: k and q disagree on the head count");
    requireEq(r.keyLen, r.queryLen, "linear family: k and q disagree on the length T");
  }
  if (kernel.o) {
    std::vector<int64_t> expect = {r.batch, r.qHeads, r.queryLen, r.valueDim};
    for (size_t d = 0; d < kernel.o->dims.size() && d < expect.size(); ++d) {
      const Dim &od = kernel.o->dims[d];
      auto it = od.isLiteral() ? r.dims.end() : r.dims.find(od.symbol);
      int64_t got = od.isLiteral() ? od.value : it != r.dims.end() ? it->second : -1;
      if (got < 0) // a symbol only o names: o's shape defines it
        r.dims[od.symbol] = got = expect[d];
      requireEq(got, expect[d],
                "o dimension " + std::to_string(d) + " ('" + od.str() +
                    "') does not match the output shape");
    }
  }
  resolveParams(kernel, bindings, r);
  auto sp = r.params.find("scale");
  r.scale = sp != r.params.end() ? sp->second : 1.0 / std::sqrt(double(r.headDim));
  return r;
}

} // namespace attnc::reference
