//===- Reference.h - Float64 reference semantics of a DSL kernel --*- C++ -*-===//
//
// The definition every generated kernel is checked against: a checked `Kernel` evaluated
// naively in float64, position by position, straight from docs/dsl.md. Softmax family:
// s = scale * q.k, the `score` expression, the `mask` predicate, softmax over the allowed
// keys. Linear family: the `state` recurrences stepped for t = 0..T-1, then `out`.
// Nothing here knows a tile, a chunk or a kernel template. Large problems spread their
// (b, h) pairs over all hardware threads; every output element is still computed by one
// thread in a fixed order, so results are bit-identical whatever the thread count.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_REFERENCE_REFERENCE_H
#define ATTNC_REFERENCE_REFERENCE_H

#include "attnc/DSL/AST.h"
#include "attnc/Reference/Evaluator.h"
#include "attnc/Reference/HostTensor.h"

#include <map>
#include <string>

namespace attnc::reference {

/// Softmax-family reference. For every (b, h, i): s_j = scale * q[b,h,i,:] . k[b,hk,j,:]
/// with hk = h / (Hq / Hkv) (GQA), the score expression applied, keys whose mask is false
/// excluded, and o[b,h,i,:] = sum_j softmax_j(score) v[b,hk,j,:] of shape [B, Hq, N, Dv]
/// (Dv may differ from D). A row with no allowed key gives 0. When `lse` is given it
/// receives the natural-log log-sum-exp of the allowed scores, [B, Hq, N], -inf for an
/// empty row. Throws ReferenceError if `kernel` is not of the softmax family or the
/// inputs do not fit it.
HostTensor referenceSoftmax(const dsl::Kernel &kernel, const Inputs &inputs,
                            const Bindings &bindings, HostTensor *lse = nullptr);

/// States of a linear-family kernel by name, each [B, H, dims...] (S[K, V] -> [B, H, K, V],
/// n[K] -> [B, H, K]).
using StateTensors = std::map<std::string, HostTensor>;

/// Linear-family reference. For every (b, h), each state starts from `initial` (zero when
/// absent or not named there) and for t = 0..T-1 every state's update is evaluated with
/// matrix/vector semantics, all states reading their values at t-1 (simultaneous update),
/// then `out` is evaluated reading the states after step t. Returns o of shape
/// [B, H, T, <shape of the out value>] (usually [B, H, T, V]). When `final` is given it
/// receives every state after step T-1. Throws ReferenceError if `kernel` is not of the
/// linear family or the inputs do not fit it.
HostTensor referenceLinearRecurrent(const dsl::Kernel &kernel, const Inputs &inputs,
                                    const Bindings &bindings, const StateTensors *initial = nullptr,
                                    StateTensors *final = nullptr);

/// Dispatches on the kernel's family (no initial or final states).
HostTensor referenceForward(const dsl::Kernel &kernel, const Inputs &inputs,
                            const Bindings &bindings);

} // namespace attnc::reference

#endif // ATTNC_REFERENCE_REFERENCE_H
