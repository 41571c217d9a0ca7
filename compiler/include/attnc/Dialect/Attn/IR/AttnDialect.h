//===- AttnDialect.h - The attn dialect -------------------------*- C++ -*-===//
//
// Declares the attn dialect, its enum attributes (#attn.family, #attn.recurrence) and
// the two tensor types the linear family computes on (tensor<?xf32>, tensor<?x?xf32>).
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_DIALECT_ATTN_IR_ATTNDIALECT_H
#define ATTNC_DIALECT_ATTN_IR_ATTNDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"

#include "attnc/Dialect/Attn/IR/AttnDialect.h.inc"
#include "attnc/Dialect/Attn/IR/AttnEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "attnc/Dialect/Attn/IR/AttnAttributes.h.inc"

namespace mlir::attn {

/// tensor<?xf32>: a linear-family vector over one symbolic dim.
RankedTensorType getVectorType(MLIRContext *ctx);
/// tensor<?x?xf32>: a linear-family matrix over two symbolic dims.
RankedTensorType getMatrixType(MLIRContext *ctx);
bool isVectorType(Type type);
bool isMatrixType(Type type);

} // namespace mlir::attn

#endif // ATTNC_DIALECT_ATTN_IR_ATTNDIALECT_H
