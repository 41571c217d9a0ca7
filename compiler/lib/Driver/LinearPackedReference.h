//===- LinearPackedReference.h - Float64 answer of a linear problem -*- C++ -*-===//
//
// The reference side of LinearHarness: the recurrence over a padded batch at once, or,
// for packed sequences (cumulative offsets into batch row 0), sequence by sequence on
// slices of the row, each from its own initial states, with the outputs put back in place
// and each final state stacked [N, H, ...] ([N, H, K, V] for a matrix state, [N, H, K] for
// the mLSTM's normaliser) as the kernel writes them.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DRIVER_LINEARPACKEDREFERENCE_H
#define ATTNC_DRIVER_LINEARPACKEDREFERENCE_H

#include "attnc/DSL/AST.h"
#include "attnc/Reference/Evaluator.h"
#include "attnc/Reference/Reference.h"

#include <string>
#include <vector>

namespace attnc {

struct LinearReferenceResult {
  reference::HostTensor o;           ///< [B, H, T, V]
  reference::StateTensors finalStates; ///< every state by name, [N, H, ...]
};

/// Runs the recurrence of `ast` on `inputs`. `initial` holds every state [N, H, ...], or is
/// null (zeros); `cuSeqlens` is empty for a padded batch (N = B), else N + 1 offsets into
/// batch row 0. Throws reference::ReferenceError.
LinearReferenceResult linearReference(const dsl::Kernel &ast, const reference::Inputs &inputs,
                                      const reference::StateTensors *initial,
                                      const std::vector<int> &cuSeqlens);

} // namespace attnc

#endif // ATTNC_DRIVER_LINEARPACKEDREFERENCE_H
