//===- MaskCodegen.h - Block-level mask facts as device code -------*- C++ -*-===//
//
// Turns the mask analysis' model into the two block-level hooks of a variant:
// `keyRange(i0, i1)` (the keys a query block visits) and `tileKind(i0, i1, j0, j1)`
// (full: skip the mask; empty: skip the tile; partial: evaluate it). The bounds are
// evaluated at a block's first and last rows, which is exact for the monotone bounds the
// model accepts; atoms the model cannot see through (run-time, non-monotone) never
// narrow a range and never let a tile count as full, so the kernel stays correct.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TARGET_CUDA_MASKCODEGEN_H
#define ATTNC_TARGET_CUDA_MASKCODEGEN_H

#include "attnc/Analysis/MaskModel.h"
#include "attnc/Target/CUDA/ExpressionEmitter.h"

#include "llvm/Support/raw_ostream.h"

#include <string>

namespace attnc::cuda {

/// Writes the `keyRange` member function and the tile classifier (named `tileKindName`)
/// of a variant struct. Returns false and sets `error` when the model names a symbol
/// `symbols` has no slot for.
bool emitBlockHooks(const analysis::MaskModel &model, const SymbolAccess &symbols,
                    llvm::StringRef tileKindName, llvm::raw_ostream &os, std::string *error);

} // namespace attnc::cuda

#endif // ATTNC_TARGET_CUDA_MASKCODEGEN_H
