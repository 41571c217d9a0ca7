//===- LinearPackedReference.h - Float64 answer of a linear problem -*- C++ -*-===//
//
// The reference side of LinearHarness: the recurrence over a padded batch at once, or,
// for packed sequences (cumulative offsets into batch row 0), sequence by sequence on
// slices of the row, each from its own initial state, with the outputs put back in place
// and the final states stacked [N, H, K, V] as the kernel writes them.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DRIVER_LINEARPACKEDREFERENCE_H
#define ATTNC_DRIVER_LINEARPACKEDREFERENCE_H

#include "attnc/DSL/AST.h"
#include "attnc/Reference/Evaluator.h"

#include <string>
#include <vector>

namespace attnc {

struct LinearReferenceResult {
  reference::HostTensor o;          ///< [B, H, T, V]
  reference::HostTensor finalState; ///< [N, H, K, V]
};

/// Runs the recurrence of `ast` (one state, named `stateName`) on `inputs`. `initial` is
/// [N, H, K, V] or null (zeros); `cuSeqlens` is empty for a padded batch (N = B), else
/// N + 1 offsets into batch row 0. Throws reference::ReferenceError.
LinearReferenceResult linearReference(const dsl::Kernel &ast, const reference::Inputs &inputs,
                                      const std::string &stateName,
                                      const reference::HostTensor *initial,
                                      const std::vector<int> &cuSeqlens);

} // namespace attnc

#endif // ATTNC_DRIVER_LINEARPACKEDREFERENCE_H
