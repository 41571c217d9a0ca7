//===- Spaces.h - The search space of each template family ---------*- C++ -*-===//
//
// One space per kernel template family. Each is defined in its own file next to a
// description of the template it tunes, and its constraints restate that template's
// static_asserts so that a pruned-in point always instantiates.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TUNER_SPACES_H
#define ATTNC_TUNER_SPACES_H

#include "attnc/Target/CUDA/LinearConfig.h"
#include "attnc/Target/CUDA/PrefillConfig.h"
#include "attnc/Tuner/SearchSpace.h"

namespace attnc::tuner {

/// templates/attnc/Prefill.cuh: bm (BLOCK_M), bn (BLOCK_N), w (NUM_WARPS), s (STAGES),
/// qregs (Q_IN_REGS) for a head dim (64, 128 or 256).
SearchSpace prefillSpace(int headDim);
/// templates/attnc/PrefillSm90.cuh (sm_90a only): bn (BLOCK_N), s (STAGES), overlap
/// (OVERLAP_SOFTMAX); BLOCK_M and the warps are fixed.
SearchSpace prefillSm90Space(int headDim);
/// Rejects a prefill candidate (of either space) whose shared memory exceeds the device's.
ConstraintFn prefillSharedMemoryConstraint(int headDim);
/// The template parameters a candidate of either prefill space names.
cuda::PrefillConfig toPrefillConfig(const Candidate &candidate);
/// The prefill candidate for `config` (the inverse of toPrefillConfig).
Candidate fromPrefillConfig(const cuda::PrefillConfig &config);

/// Split-KV decode: splits (KV splits per head, 1 = none), bn (keys per block), w.
SearchSpace decodeSpace(int headDim);

/// templates/attnc/LinearTraits.cuh (LinearDeltaSplitTraits.cuh for the delta rule): chunk
/// (CHUNK), sub (SUB), v (SLICE_V), w (NUM_WARPS), for key/value head dims dk and dv and
/// the kernel's gate kind and update rule.
SearchSpace linearSpace(int dk, int dv, cuda::LinearGateKind gate, cuda::LinearRule rule);
/// The template parameters a linear candidate names.
cuda::LinearConfig toLinearConfig(const Candidate &candidate);
/// The linear candidate for `config` (the inverse of toLinearConfig).
Candidate fromLinearConfig(const cuda::LinearConfig &config);

/// The block map of a data-dependent mask: gm and gn, the query and key rows one map
/// entry covers; each must be a multiple of the prefill tile it feeds (bm, bn).
SearchSpace blockMapSpace(int blockM, int blockN);

} // namespace attnc::tuner

#endif // ATTNC_TUNER_SPACES_H
