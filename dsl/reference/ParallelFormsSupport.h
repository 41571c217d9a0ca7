//===- ParallelFormsSupport.h - Shape checks and cumulative gates (internal) -*- C++ -*-===//
//
// Shared by the quadratic forms (ParallelForms.cpp) and the chunkwise delta rule
// (DeltaRule.cpp). Internal to AttnReference.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_REFERENCE_LIB_PARALLELFORMSSUPPORT_H
#define ATTNC_REFERENCE_LIB_PARALLELFORMSSUPPORT_H

#include "attnc/Reference/HostTensor.h"

namespace attnc::reference::detail {

/// The sizes of a linear-family problem: q, k [B, H, T, K], v [B, H, T, V].
struct QKVShape {
  int64_t B, H, T, K, V;
};

/// Checks q, k, v against each other; throws ReferenceError on a mismatch.
QKVShape checkQKV(const HostTensor &q, const HostTensor &k, const HostTensor &v);
/// Checks a per-step gate: [B, H, T], or [B, H, T, K] when `perChannel`.
void checkGate(const HostTensor &g, const QKVShape &s, bool perChannel, const char *what);
/// Inclusive prefix sums along the step dimension of a [B, H, T] or [B, H, T, K] tensor.
HostTensor cumsumSteps(const HostTensor &g);

} // namespace attnc::reference::detail

#endif // ATTNC_REFERENCE_LIB_PARALLELFORMSSUPPORT_H
