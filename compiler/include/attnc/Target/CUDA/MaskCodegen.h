//===- MaskCodegen.h - Block-level mask facts as device code -------*- C++ -*-===//
//
// Turns the mask analysis' model into the two block-level hooks of a variant:
// `keyRange(i0, i1)` (the keys a query block visits) and `tileKind(i0, i1, j0, j1)`
// (full: skip the mask; empty: skip the tile; partial: evaluate it). The bounds are
// evaluated at a block's first and last rows, which is exact for the monotone bounds the
// model accepts; atoms the model cannot see through (run-time, non-monotone) never
// narrow a range and never let a tile count as full, so the kernel stays correct. For
// data-dependent masks it also writes the id-span hooks of the run-time block map, and for
// every mask the per-row key bounds partial tiles are tested with.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TARGET_CUDA_MASKCODEGEN_H
#define ATTNC_TARGET_CUDA_MASKCODEGEN_H

#include "attnc/Analysis/MaskModel.h"
#include "attnc/Target/CUDA/ExpressionEmitter.h"

#include "llvm/Support/raw_ostream.h"

#include <string>

namespace attnc::cuda {

/// Writes the key-range member function (named `keyRangeName`) and the tile classifier
/// (named `tileKindName`) of a variant struct. Returns false and sets `error` when the
/// model names a symbol `symbols` has no slot for.
bool emitBlockHooks(const analysis::MaskModel &model, const SymbolAccess &symbols,
                    llvm::StringRef keyRangeName, llvm::StringRef tileKindName,
                    llvm::raw_ostream &os, std::string *error);

/// Writes the hooks templates/attnc/BlockMap.cuh classifies a data-dependent mask with:
/// `ID_ATOMS` (top-level id-equality conjuncts `x[.., i] == x[.., j]` found in
/// `maskRegion`), `idKey(atom, pos)` (x[.., pos]), `restTileKind` (the mask with those
/// conjuncts read as true), `EXACT_PARTIAL` (other data-dependent atoms remain, so
/// partial tiles are evaluated exactly) and `ROW_KEYS_DECIDE_MATCHED_IDS` (the mask is the
/// id conjuncts and key bounds alone, so where the ids match the row keys decide). Returns
/// false and sets `error` like emitBlockHooks.
bool emitIdHooks(mlir::Region &maskRegion, const analysis::MaskModel &model,
                 const SymbolAccess &symbols, llvm::raw_ostream &os, std::string *error);

/// Writes `HAS_ROW_KEYS`, `HAS_RESIDUAL_MASK` and, when there are row keys, the hooks
/// `rowKeys(i)` (the key interval the mask's row-only bounds allow) and `residualMask(i, j)`
/// (the conjuncts those bounds do not cover), which templates/attnc/Variant.cuh's
/// `maskedOut` tests partial tiles with. Returns false and sets `error` like
/// emitBlockHooks.
bool emitRowKeys(mlir::Region &maskRegion, const analysis::MaskModel &model,
                 const SymbolAccess &symbols, llvm::raw_ostream &os, std::string *error);

} // namespace attnc::cuda

#endif // ATTNC_TARGET_CUDA_MASKCODEGEN_H
